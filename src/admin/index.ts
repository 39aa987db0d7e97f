/**
 * Rule administration: the admin API (routes.ts over rule-admin.ts), its authentication, the rule
 * tests runner and the OpenAPI document. See docs/admin-api.md.
 */
import type { Config } from '../config/index.ts';
import type { RuleSetHolder } from '../engine/rule-set-holder.ts';
import type { ServiceDefinition } from '../protocol/index.ts';
import type { Store } from '../store/types.ts';
import { createAdminAuth } from './auth.ts';
import { createRuleAdmin } from './rule-admin.ts';
import type { AdminLogger } from './rule-admin.ts';
import type { AdminRouterDeps } from './routes.ts';

export { adminRouter } from './routes.ts';
export type { AdminRouterDeps } from './routes.ts';
export { createRuleAdmin, BASELINE_AUTHOR, OUTSIDE_EDIT_AUTHOR } from './rule-admin.ts';
export type { AdminLogger, RuleAdmin, RuleAdminDeps, RuleSummary, HistoryEntry, DryRunInput, DryRunResult } from './rule-admin.ts';
export { createAdminAuth, createAdminAuthenticator, loadOrCreateDevToken, parseTokenEntries, roleFromClaim, tokenHash } from './auth.ts';
export type { AdminAuthenticator, AdminPrincipal, AdminRole, StaticTokenEntry } from './auth.ts';
export { runRuleTests, RULE_TEST_NOW, readFixture, serviceForRequest, offlineFetch } from './run-rule-tests.ts';
export type { RuleTestReport, RuleTestResult } from './run-rule-tests.ts';
export { openApiRoute, loadOpenApiDocument, OPENAPI_PATH } from './openapi.ts';
export { consoleStatic } from './console-static.ts';
export { toIssues } from './outcomes.ts';
export type { ValidationIssue } from './outcomes.ts';

export interface AdminSetup {
  readonly router: AdminRouterDeps;
  /** Start-up messages (auth off, development token path, missing credentials). Never a token. */
  readonly notices: readonly string[];
  /** Configuration problems: the admin API answers 503 while the CDS service keeps running. */
  readonly errors: readonly string[];
}

/**
 * Builds everything the admin API needs from configuration.
 * @param options - Config, rule set holder, service definitions, optional store, logger.
 * @returns Router dependencies plus what to announce at start-up.
 */
export async function setupAdmin(options: {
  readonly config: Config;
  readonly holder: RuleSetHolder;
  readonly services: readonly ServiceDefinition[];
  readonly store?: Store;
  readonly logger: AdminLogger;
}): Promise<AdminSetup> {
  const admin = createRuleAdmin({
    holder: options.holder,
    services: options.services,
    fixturesDir: options.config.admin.fixturesDir,
    fhir: options.config.fhir,
    ...(options.store ? { store: options.store } : {}),
    logger: options.logger,
  });
  const auth = await createAdminAuth(options.config.admin);
  const base = { admin, logger: options.logger, maxBodyBytes: options.config.maxBodyBytes, publicBaseUrl: options.config.publicBaseUrl };
  if (!auth.ok) {
    return { router: { ...base, auth: { disabled: 'its authentication is misconfigured (see the service log)' } }, notices: [], errors: auth.errors };
  }
  return { router: { ...base, auth: auth.value.authenticator }, notices: auth.value.notices, errors: [] };
}
