/**
 * Authentication of CDS clients (EHRs) by the JWT they send as `Authorization: Bearer <jwt>`
 * (CDS Hooks 2.0 "Trusting CDS Clients"), plus development keys and tokens.
 */
export { createCdsJwtVerifier } from './verifier.ts';
export { createMemoryReplayStore, ReplayStoreFullError } from './replay-store.ts';
export { createReplayStoreHealth, READINESS_PROBE_KEY_PREFIX } from './replay-health.ts';
export type { ReplayHealthLogger, ReplayStoreHealth, ReplayStoreHealthOptions, ReplayWriteStatus } from './replay-health.ts';
export type { MemoryReplayStore, MemoryReplayStoreOptions } from './replay-store.ts';
export { loadTrustedClients, readJwksFile } from './trusted-clients.ts';
export type { TrustedClientsResult } from './trusted-clients.ts';
export { DEV_ISSUER, defaultDevKeysDir, devTrustedClient, generateDevKeys, loadOrCreateDevKeys, mintDevToken } from './dev-keys.ts';
export type { DevKeys, MintOptions } from './dev-keys.ts';
export { audienceFor, requireCdsJwt } from './express.ts';
export type { AuthLogger, CdsClientIdentity, RequireCdsJwtOptions } from './express.ts';
export { ASYMMETRIC_ALGORITHMS, DEFAULT_ALGORITHMS } from './algorithms.ts';
export type {
  CdsJwtVerifier,
  CdsJwtVerifierOptions,
  JSONWebKeySet,
  ReplayStore,
  ReplayStoreOutcome,
  TrustedClient,
  VerifyFailureReason,
  VerifyResult,
} from './types.ts';
export { createCdsAuth } from './from-config.ts';
export type { CdsAuth, CdsAuthResult } from './from-config.ts';
