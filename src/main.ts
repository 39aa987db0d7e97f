/**
 * Composition root: load config, service definitions, rules and CDS client trust, build the app,
 * listen, and shut down cleanly on SIGTERM/SIGINT.
 */
import { loadConfig } from './config/index.ts';
import { loadRuleSet } from './engine/index.ts';
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
  const services = await loadServiceDefinitions(config.servicesDir);
  if (!services.ok) {
    logger.fatal({ errors: services.errors }, 'invalid CDS service definitions');
    process.exit(1);
  }
  const rules = await loadRuleSet(config.rulesDir);
  if (!rules.ok) {
    logger.fatal({ errors: rules.errors }, 'invalid rule set');
    process.exit(1);
  }
  const auth = await createCdsAuth(config.auth);
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
  const ruleSet = rules.value;
  const app = createApp({ config, logger, services: services.value, auth: auth.value, ruleSet: () => ruleSet });
  const server = app.listen(config.port, config.host, () => {
    logger.info(
      { url: `http://${config.host}:${config.port}/cds-services`, publicBaseUrl: config.publicBaseUrl, ruleSetVersion: ruleSet.version, rules: ruleSet.rules.length },
      'CDS service listening'
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

await main();
