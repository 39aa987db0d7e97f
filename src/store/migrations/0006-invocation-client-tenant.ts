/**
 * Invocations get `client_tenant`: the `tenant` claim of the JWT of the call, next to its issuer
 * (`client_iss`). Never edit a migration once released: add a new numbered one instead.
 *
 * Why: feedback may snooze a card only for the client it was issued to (handle-feedback.ts). Snoozes are
 * keyed by issuer and tenant (patient-key.ts), but the audit kept only the issuer, so one tenant of an
 * issuer that learned a card uuid of another tenant of the same issuer could snooze that tenant's
 * warning. Rows written before this migration have no tenant: feedback from a client with a tenant does
 * not match them (no snooze; the warning keeps showing), feedback from a client without one still does.
 *
 * A nullable column without a default is a change of the catalog only (no table rewrite). Replicas of
 * the previous release name their columns in their INSERTs and COPYs, so they keep writing during a
 * rolling upgrade on PostgreSQL (their rows have no tenant).
 */
import type { Migration } from './types.ts';

export const migration0006: Migration = {
  version: 6,
  name: 'invocation-client-tenant',
  sql: `ALTER TABLE invocations ADD COLUMN IF NOT EXISTS client_tenant text;`,
};
