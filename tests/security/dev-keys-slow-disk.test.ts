// The development key pair's first use by several processes at once (cluster workers starting together)
// on a slow disk: a file can exist, empty, for a while before its bytes are in it. No caller may read
// such a half-written key (it once failed with "Unexpected end of JSON input" in about 1 first use in 30),
// and all must end with the same key. The slow disk is made deterministic by delaying every write after
// its file is created.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadOrCreateDevKeys } from '../../src/security/dev-keys.ts';

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const writeFile = async (file: string, data: string, options?: { flag?: string; mode?: number }): Promise<void> => {
    const handle = await fs.open(file, options?.flag ?? 'w', options?.mode);
    try {
      await new Promise((resolve) => setTimeout(resolve, 30));
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
  };
  return { ...fs, writeFile, default: { ...fs, writeFile } };
});

describe('loadOrCreateDevKeys on a slow disk', () => {
  it('gives every concurrent first caller the same, whole key', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cds-dev-keys-slow-'));
    try {
      const all = await Promise.all(Array.from({ length: 4 }, () => loadOrCreateDevKeys(dir)));
      expect(new Set(all.map((k) => k.kid)).size).toBe(1);
      expect(all.every((k) => k.jwks.keys.length === 1)).toBe(true);
      // The temporary files are gone: only the key and the JWKS are left.
      expect(readdirSync(dir).sort()).toEqual(['jwks.json', 'private.jwk.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
