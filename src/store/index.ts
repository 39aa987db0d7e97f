/**
 * Public surface of the store: createStore() and the contract types. Everything else in this folder
 * is internal.
 */
export { createStore } from './create-store.ts';
export type { CreateStoreOptions, ServiceStore } from './create-store.ts';
export { MAX_LAST_GOOD_RULES_BYTES, StoreInputError } from './sql-store.ts';
export type { StoreDiagnostics } from './sql-store.ts';
export type { AuditQueueStats } from './audit-queue.ts';
export type { StoreLogger } from './sql.ts';
export { DataDirLockedError } from './pglite-lock.ts';
export { isStoreUnavailable } from './unavailable.ts';
export { createPatientKeyer, loadPatientKeySecret, PATIENT_KEY_SECRET_FILE } from './patient-key.ts';
export type { KeyClient, PatientKeyer, PatientKeySecret, PatientKeySecretOptions } from './patient-key.ts';
export type * from './types.ts';

import type { Store } from './types.ts';

/** The store as the JWT verifier's replay store (src/security ReplayStore: `remember(key, expiresAtMs)`). */
export function replayStoreFrom(store: Pick<Store, 'rememberJti'>): { remember(key: string, expiresAtMs: number): Promise<boolean> } {
  return { remember: (key, expiresAtMs) => store.rememberJti(key, expiresAtMs) };
}
