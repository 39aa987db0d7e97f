/**
 * Makes the empty PGlite database template (src/store/pglite-template.ts) if it is missing, so the
 * service's first start on an empty data directory copies it instead of running initdb (~2 s).
 * Run by `npm install` (the `prepare` script) and by the Dockerfile; safe to run again.
 *
 *   node scripts/pglite-template.ts
 */
import { defaultTemplateDir, ensureTemplate } from '../src/store/pglite-template.ts';
import { pgliteStartParams } from '../src/store/pglite-sql.ts';

const dir = defaultTemplateDir();
const started = performance.now();
try {
  const made = await ensureTemplate(dir, pgliteStartParams());
  console.error(made ? `PGlite template made in ${Math.round(performance.now() - started)} ms: ${dir}` : `PGlite template present: ${dir}`);
} catch (err) {
  // Never fails an install: without a template the first start runs initdb itself, only slower.
  console.error(`PGlite template not made (${err instanceof Error ? err.message : String(err)}); the first start will initialise the database itself`);
}
