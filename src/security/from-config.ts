/**
 * Builds the CDS client verifier from configuration: the operator's trusted clients, plus the local
 * development issuer when (and only when) configuration allows it.
 */
import type { AuthConfig } from '../config/index.ts';
import { defaultDevKeysDir, devTrustedClient, loadOrCreateDevKeys } from './dev-keys.ts';
import { loadTrustedClients } from './trusted-clients.ts';
import { createReplayStoreHealth } from './replay-health.ts';
import type { ReplayHealthLogger, ReplayStoreHealth } from './replay-health.ts';
import type { CdsJwtVerifier, ReplayStore, TrustedClient } from './types.ts';
import { createCdsJwtVerifier } from './verifier.ts';

export type CdsAuth =
  | { readonly mode: 'off' }
  | {
      readonly mode: 'required';
      readonly verifier: CdsJwtVerifier;
      readonly issuers: readonly string[];
      /** Whether the replay store records tokens now (replay-health.ts): /readyz reports it. */
      readonly replayWrites?: ReplayStoreHealth;
    };

export type CdsAuthResult = { readonly ok: true; readonly value: CdsAuth } | { readonly ok: false; readonly errors: string[] };

/**
 * @param auth - Auth settings.
 * @param replayStore - Where seen `jti`s are kept: the service's store, shared by every worker and replica.
 * @param logger - Told (at error level, rate-limited) when the replay store cannot record a token.
 * @returns The auth mode with its verifier and the replay store's health, or readable configuration errors.
 */
export async function createCdsAuth(auth: AuthConfig, replayStore: ReplayStore, logger?: ReplayHealthLogger): Promise<CdsAuthResult> {
  if (auth.mode === 'off') {
    return { ok: true, value: { mode: 'off' } };
  }
  const clients: TrustedClient[] = [];
  if (auth.trustedClientsFile || auth.trustedClientsJson) {
    const loaded = loadTrustedClients(auth.trustedClientsFile ? { file: auth.trustedClientsFile } : { json: auth.trustedClientsJson });
    if (!loaded.ok) {
      return { ok: false, errors: loaded.errors };
    }
    clients.push(...loaded.value);
  }
  if (auth.trustDevIssuer) {
    clients.push(devTrustedClient(await loadOrCreateDevKeys(auth.devKeysDir ?? defaultDevKeysDir(process.env))));
  }
  const replayTimeoutMs = 1000;
  const replayWrites = createReplayStoreHealth({ store: replayStore, timeoutMs: replayTimeoutMs, ...(logger ? { logger } : {}) });
  try {
    const verifier = await createCdsJwtVerifier({
      clients,
      replayStore,
      replayTimeoutMs,
      onReplayStoreOutcome: replayWrites.observe,
      clockSkewSeconds: auth.clockSkewSeconds,
      maxLifetimeSeconds: auth.maxLifetimeSeconds,
      jwksTimeoutMs: auth.jwksTimeoutMs,
    });
    return { ok: true, value: { mode: 'required', verifier, issuers: clients.map((c) => c.iss), replayWrites } };
  } catch (err) {
    return { ok: false, errors: [(err as Error).message] };
  }
}
