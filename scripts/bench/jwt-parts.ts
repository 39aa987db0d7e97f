/**
 * CPU of the two parts of an authenticated call, in one process: ES384 and RS384 signature verification (jose)
 * and recording the token's jti in the embedded store (one INSERT per call, replay protection).
 *
 *   node --no-wasm-tier-up --no-wasm-dynamic-tiering scripts/bench/jwt-parts.ts [--count 3000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import { createStore } from '../../src/store/index.ts';

const { values } = parseArgs({ options: { count: { type: 'string', default: '3000' } } });
const count = Number(values.count);
const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
for (const alg of ['ES384', 'RS384'] as const) {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const key = await importJWK(await exportJWK(publicKey), alg);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    tokens.push(await new SignJWT({ jti: `j${i}` }).setProtectedHeader({ alg }).setIssuer('https://ehr.example').setAudience('http://localhost/cds-services/x').setIssuedAt().setExpirationTime('5m').sign(privateKey));
  }
  const c0 = cpu();
  for (const t of tokens) await jwtVerify(t, key, { issuer: 'https://ehr.example', audience: 'http://localhost/cds-services/x' });
  console.log(`${alg} verify (jose): ${((cpu() - c0) / count).toFixed(3)} ms CPU per token`);
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cds-jwt-parts-'));
const store = await createStore({ dataDir, logger: { info() {}, warn() {}, error() {} } });
const exp = Date.now() + 300_000;
const c0 = cpu();
for (let i = 0; i < count; i++) await store.rememberJti(`https://ehr.example|j${i}`, exp);
console.log(`jti INSERT (embedded PGlite): ${((cpu() - c0) / count).toFixed(3)} ms CPU per token`);
await store.close();
rmSync(dataDir, { recursive: true, force: true });
console.log(`${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} cores, Node ${process.version}`);
