/**
 * Prints a development CDS client JWT (ES384, signed by the local development key pair, created on
 * first use under DEV_KEYS_DIR or .data/dev-keys/). The service trusts it only in development mode.
 *
 * Usage: node scripts/mint-token.ts --aud <endpoint URL> [--iss <issuer>] [--ttl 300] [--tenant <id>]
 *   --aud   exact URL the token will be sent to, e.g. http://localhost:8080/cds-services/cns-depressant-order-sign
 *   --iss   issuer (default urn:cns-cds:dev-client; another value is only useful to test refusals)
 *   --ttl   lifetime in seconds (default 300)
 *
 * Only the token goes to stdout: TOKEN=$(node scripts/mint-token.ts --aud ...)
 */
import { parseArgs } from 'node:util';
import { defaultDevKeysDir, loadOrCreateDevKeys, mintDevToken } from '../src/security/index.ts';

const USAGE = 'usage: node scripts/mint-token.ts --aud <endpoint URL> [--iss <issuer>] [--ttl <seconds>] [--tenant <id>]';

async function main(): Promise<number> {
  let values: { aud?: string; iss?: string; ttl?: string; tenant?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        aud: { type: 'string' },
        iss: { type: 'string' },
        ttl: { type: 'string' },
        tenant: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const aud = values.aud;
  if (!aud || !/^https?:\/\/[^/]+/.test(aud)) {
    console.error(`--aud must be the absolute http(s) URL of the endpoint the token is for\n${USAGE}`);
    return 2;
  }
  const ttl = values.ttl === undefined ? 300 : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) {
    console.error(`--ttl must be a whole number of seconds between 1 and 86400 (got "${values.ttl}")\n${USAGE}`);
    return 2;
  }
  const keys = await loadOrCreateDevKeys(defaultDevKeysDir());
  const token = await mintDevToken(keys, aud, {
    ttlSeconds: ttl,
    ...(values.iss !== undefined ? { iss: values.iss } : {}),
    ...(values.tenant !== undefined ? { tenant: values.tenant } : {}),
  });
  console.log(token);
  return 0;
}

process.exitCode = await main();
