/**
 * Mounts the admin console (owned by the console: src/admin/console/serve-console.ts) at /admin/.
 * The console talks to the admin API at /admin/api/ with the user's bearer token; the page itself
 * holds no secret, so it needs no authentication. If the console cannot be served (for example its
 * browser libraries are missing), the admin API and the CDS service still start: a console problem
 * must never take the safety net down.
 */
import { Router } from 'express';
import { consoleRouter } from './console/serve-console.ts';

export function consoleStatic(logger?: { error(obj: object, msg: string): void }): Router {
  try {
    return consoleRouter();
  } catch (err) {
    logger?.error({ err: (err as Error).message }, 'admin console not served');
    return Router();
  }
}
