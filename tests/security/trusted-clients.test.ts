/**
 * The operator's trusted-client file: valid shapes load, and every mistake is reported in words that
 * name the client and the field.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTrustedClients } from '../../src/security/index.ts';
import { jwksOf, makeKey } from './helpers.ts';
import type { TestKey } from './helpers.ts';

let es: TestKey;
let dir: string;

beforeAll(async () => {
  es = await makeKey('ES384', 'ehr-key-1');
  dir = mkdtempSync(path.join(tmpdir(), 'trusted-clients-'));
  writeFileSync(path.join(dir, 'ehr.jwks.json'), JSON.stringify(jwksOf(es)));
  writeFileSync(path.join(dir, 'broken.jwks.json'), '{ not json');
});

function errorsOf(json: unknown): string[] {
  const result = loadTrustedClients({ json: JSON.stringify(json) });
  if (result.ok) {
    throw new Error('expected errors');
  }
  return result.errors;
}

describe('loadTrustedClients', () => {
  it('loads the three key sources from a file; a relative jwksFile is resolved against the file', () => {
    const file = path.join(dir, 'clients.json');
    writeFileSync(
      file,
      JSON.stringify({
        clients: [
          { iss: 'https://sandbox.cds-hooks.org', jwksUrl: 'https://sandbox.cds-hooks.org/.well-known/jwks.json' },
          { iss: 'https://ehr.example.org', jwksFile: 'ehr.jwks.json', algorithms: ['RS384', 'ES384'], tenants: ['hosp-1'] },
          { iss: 'urn:example:client', jwks: jwksOf(es), description: 'inline keys' },
        ],
      })
    );
    const result = loadTrustedClients({ file });
    expect(result).toEqual({
      ok: true,
      value: [
        { iss: 'https://sandbox.cds-hooks.org', jwksUrl: 'https://sandbox.cds-hooks.org/.well-known/jwks.json' },
        { iss: 'https://ehr.example.org', jwksFile: path.join(dir, 'ehr.jwks.json'), algorithms: ['RS384', 'ES384'], tenants: ['hosp-1'] },
        { iss: 'urn:example:client', jwks: jwksOf(es) },
      ],
    });
  });

  it('an empty client list is valid (every token will be refused)', () => {
    expect(loadTrustedClients({ json: '{"clients":[]}' })).toEqual({ ok: true, value: [] });
  });

  it('unreadable file, bad JSON, wrong shape', () => {
    expect(loadTrustedClients({ file: path.join(dir, 'missing.json') })).toEqual({
      ok: false,
      errors: [`trusted clients file ${path.join(dir, 'missing.json')}: cannot read (ENOENT)`],
    });
    const bad = loadTrustedClients({ json: '{ "clients": [ }' });
    expect(bad.ok ? [] : bad.errors[0]).toMatch(/^trusted clients JSON: not valid JSON \(/);
    expect(loadTrustedClients({ json: '[]' })).toEqual({ ok: false, errors: ['trusted clients JSON: must be an object with a "clients" array'] });
    expect(loadTrustedClients({})).toMatchObject({ ok: false });
  });

  it('names the client and field for each mistake', () => {
    const errors = errorsOf({
      clients: [
        { jwksUrl: 'https://a.example/jwks' },
        { iss: 'https://b.example' },
        { iss: 'https://c.example', jwksUrl: 'https://c.example/jwks', jwks: jwksOf(es) },
        { iss: 'https://d.example', jwksUrl: 'http://d.example/jwks' },
        { iss: 'https://e.example', jwksURL: 'https://e.example/jwks' },
        { iss: 'https://f.example', jwksUrl: 'https://f.example/jwks', algorithms: ['HS256', 'none', 'ES385'] },
        { iss: 'https://g.example', jwksUrl: 'https://g.example/jwks', tenants: [] },
        { iss: 'https://h.example', jwksFile: path.join(dir, 'broken.jwks.json') },
        { iss: 'https://i.example', jwksFile: path.join(dir, 'nope.jwks.json') },
        'not an object',
      ],
    });
    const expected = [
      /^clients\[0\]: "iss" is required/,
      /^client "https:\/\/b\.example": needs a key source: one of "jwks" \(inline JWK Set\), "jwksFile" \(path\) or "jwksUrl"/,
      /^client "https:\/\/c\.example": has "jwks" and "jwksUrl"; give exactly one key source/,
      /^client "https:\/\/d\.example": "jwksUrl" must be an https:\/\/ URL/,
      /^client "https:\/\/e\.example": unknown field "jwksURL"/,
      /^client "https:\/\/f\.example": "algorithms" lists "HS256", which is never accepted/,
      /^client "https:\/\/f\.example": "algorithms" lists "none", which is never accepted/,
      /^client "https:\/\/f\.example": "algorithms" lists unknown algorithm "ES385"/,
      /^client "https:\/\/g\.example": "tenants" must be a non-empty array/,
      /^client "https:\/\/h\.example": jwksFile: .*broken\.jwks\.json is not valid JSON/,
      /^client "https:\/\/i\.example": jwksFile: cannot read .*nope\.jwks\.json \(ENOENT\)/,
      /^clients\[9\]: must be a JSON object/,
    ];
    for (const pattern of expected) {
      expect(errors.some((e) => pattern.test(e)), `${pattern} in\n${errors.join('\n')}`).toBe(true);
    }
  });

  it('refuses private, symmetric or kid-less keys in an inline JWKS', async () => {
    const { exportJWK, generateKeyPair } = await import('jose');
    const { privateKey } = await generateKeyPair('ES384', { extractable: true });
    const privateJwk = { ...(await exportJWK(privateKey)), kid: 'p' };
    const errors = errorsOf({
      clients: [
        {
          iss: 'https://x.example',
          jwks: { keys: [privateJwk, { kty: 'oct', k: 'c2VjcmV0', kid: 's' }, { ...es.publicJwk, kid: undefined }, { ...es.publicJwk, alg: 'HS256', kid: 'h' }] },
        },
        { iss: 'https://y.example', jwks: { keys: [] } },
        { iss: 'https://z.example', jwks: [] },
      ],
    });
    expect(errors).toEqual(
      expect.arrayContaining([
        'client "https://x.example": jwks keys[0]: contains private key material ("d"); configure the public key only',
        'client "https://x.example": jwks keys[1]: symmetric keys (kty "oct") are not allowed; CDS Hooks requires asymmetric signatures',
        'client "https://x.example": jwks keys[2]: "kid" is required (tokens name their key by kid)',
        'client "https://x.example": jwks keys[3]: alg "HS256" is not an accepted asymmetric signing algorithm',
        'client "https://y.example": jwks: "keys" is empty',
        'client "https://z.example": jwks: must be a JWK Set, an object with a "keys" array',
      ])
    );
  });

  it('refuses a duplicated issuer', () => {
    const errors = errorsOf({
      clients: [
        { iss: 'https://a.example', jwksUrl: 'https://a.example/jwks' },
        { iss: 'https://a.example', jwksUrl: 'https://a.example/other' },
      ],
    });
    expect(errors).toEqual(['client "https://a.example": listed more than once; give each issuer one entry']);
  });

  it('allows plain http only for localhost', () => {
    expect(loadTrustedClients({ json: JSON.stringify({ clients: [{ iss: 'dev', jwksUrl: 'http://127.0.0.1:9999/jwks' }] }) })).toMatchObject({ ok: true });
    expect(errorsOf({ clients: [{ iss: 'dev', jwksUrl: 'https://user:pw@a.example/jwks' }] })).toEqual(['client "dev": "jwksUrl" must not contain credentials']);
  });
});
