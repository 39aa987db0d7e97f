/**
 * Composition root: load config, service definitions, rules and CDS client trust, build the app,
 * listen, and shut down cleanly on SIGTERM/SIGINT.
 */
import { setupAdmin } from './admin/index.ts';
import { startCluster } from './cluster/index.ts';
import { loadConfig } from './config/index.ts';
import { createRuleSetHolder } from './engine/rule-set-holder.ts';
import { watchRules } from './engine/watch-rules.ts';
import { loadServiceDefinitions } from './protocol/index.ts';
import { createCdsAuth } from './security/index.ts';
import { createApp } from './server/index.ts';
import { createLogger } from './shared/index.ts';

async function main(): Promise<void> {
  const configResult = loadConfig(process.env);
  if (!configResult.ok) {
    console.error(`Configuration errors:\n- ${configResult.errors.join('\n- ')}`);
    process.exit(1);
  }
  const config = configResult.value;
  const logger = createLogger(config.logLevel);
  // WORKERS > 1 (default: every core in production): this process becomes the cluster primary and forks
  // workers that run everything below (src/cluster/). A worker gets the shared JWT replay cache here.
  const cluster = await startCluster({ logger, replayMaxEntries: config.auth.replayMaxEntries }).catch((err: Error) => {
    logger.fatal({ err: err.message }, 'cluster start failed');
    process.exit(1);
  });
  if (cluster.role === 'primary') {
    return;
  }
  const services = await loadServiceDefinitions(config.servicesDir);
  if (!services.ok) {
    logger.fatal({ errors: services.errors }, 'invalid CDS service definitions');
    process.exit(1);
  }
  // The holder serves the rule set and swaps it on reload only when the whole folder is valid.
  const rules = await createRuleSetHolder({ rulesDir: config.rulesDir, logger });
  if (!rules.ok) {
    logger.fatal({ errors: rules.errors }, 'invalid rule set');
    process.exit(1);
  }
  const holder = rules.value;
  const auth = await createCdsAuth(config.auth, cluster.role === 'worker' ? cluster.replayStore : undefined);
  if (!auth.ok) {
    logger.fatal({ errors: auth.errors }, 'invalid CDS client trust configuration');
    process.exit(1);
  }
  if (auth.value.mode === 'off') {
    const banner = 'CDS CLIENT AUTHENTICATION IS OFF (CDS_AUTH=off): anyone who can reach this port can call the service. Development only.';
    logger.warn(banner);
    console.error(`\n*** ${banner} ***\n`);
  } else if (config.auth.trustDevIssuer) {
    logger.warn({ issuers: auth.value.issuers }, 'the local development issuer is trusted (tokens from node scripts/mint-token.ts); configure CDS_TRUSTED_CLIENTS_FILE for real EHRs');
  }
  // Pass `store` here too once main creates one: it holds the rule history, analytics and snoozes (503 without it).
  const admin = await setupAdmin({ config, holder, services: services.value, logger });
  if (admin.errors.length > 0) {
    logger.error({ errors: admin.errors }, 'rule administration API disabled (answers 503): fix its configuration; the CDS service runs on');
  }
  for (const notice of admin.notices) {
    logger.warn(notice);
    if (config.admin.auth === 'off') {
      console.error(`\n*** ${notice} ***\n`);
    }
  }
  // Hot reload: a fixed rule file takes effect within about a second, a broken one is refused.
  const watcher = config.rulesWatch.enabled ? watchRules(holder, { pollMs: config.rulesWatch.pollMs, debounceMs: config.rulesWatch.debounceMs, logger }) : undefined;
  const app = createApp({ config, logger, services: services.value, auth: auth.value, ruleSet: holder.current, admin: admin.router });
  const server = app.listen(config.port, config.host, () => {
    logger.info(
      {
        url: `http://${config.host}:${config.port}/cds-services`,
        publicBaseUrl: config.publicBaseUrl,
        ruleSetVersion: holder.current().version,
        rules: holder.current().rules.length,
        rulesWatch: watcher ? `on (poll ${config.rulesWatch.pollMs} ms)` : 'off',
        admin: `http://${config.host}:${config.port}/admin/`,
      },
      'CDS service listening'
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    watcher?.close();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

await main();
