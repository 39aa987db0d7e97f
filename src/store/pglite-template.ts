/**
 * A freshly initialised, empty PGlite database kept as a template, so that the first start on an
 * empty data directory copies it (about 50 ms) instead of running PostgreSQL's initdb in WebAssembly
 * (about 2 s on a 2-core machine: most of a first start).
 *
 * The template is PGlite's own initdb output and nothing else (no tables of ours: the migrations run
 * on every start as before), made by `npm install` (the `prepare` script runs
 * `scripts/pglite-template.ts`) or by the Dockerfile, and kept per PGlite version under
 * `node_modules/.cache/cns-depressant-cds/`. A template made by another PGlite version is never
 * used; without a template PGlite runs initdb as it always did, only slower.
 *
 * The template and a new data directory are written beside their final place and renamed into it, so a
 * crash mid-copy never leaves a half-copied database where PGlite would open it (an existing empty
 * directory is filled in place, `PG_VERSION` last: see restoreFromTemplate).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A file every PostgreSQL data directory has; a template without it is not used. */
const MARKER = 'PG_VERSION';

let version: string | undefined;

/** The installed PGlite's version, from its package.json (which its `exports` do not expose). */
function pgliteVersion(): string {
  if (version === undefined) {
    let dir = path.dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite')));
    for (;;) {
      const file = path.join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === '@electric-sql/pglite' && typeof pkg.version === 'string') {
          version = pkg.version;
          break;
        }
      }
      const parent = path.dirname(dir);
      if (parent === dir) {
        throw new Error('cannot find the version of @electric-sql/pglite');
      }
      dir = parent;
    }
  }
  return version;
}

/** Where the template for the installed PGlite version lives. */
export function defaultTemplateDir(): string {
  return path.join(PROJECT_ROOT, 'node_modules', '.cache', 'cns-depressant-cds', `pglite-${pgliteVersion()}`);
}

/** True when `dir` is a usable template (complete: it was renamed into place after a clean close). */
export function hasTemplate(dir: string): boolean {
  return existsSync(path.join(dir, MARKER));
}

function isMissingOrEmpty(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

/**
 * Fills an empty or missing PGlite data directory from the template.
 *
 * A missing directory is made by copying beside it and renaming into place. An existing empty one (e.g.
 * a mount point, which cannot be replaced) is filled in place, `PG_VERSION` last, and emptied again if
 * the copy fails. Copies left behind by a crash (`<dir>.restoring-*`) are removed
 * first: the caller holds the data directory's lock, so no other process is restoring.
 * @param dir - The PGlite data directory about to be opened (its parent is locked by the caller).
 * @param templateDir - The template; default {@link defaultTemplateDir}.
 * @returns True when the directory was filled from the template; false when it already held data or
 *   there is no template (PGlite then runs initdb itself).
 * @throws When the copy fails (e.g. the template is unreadable); `dir` is then as it was (missing or empty).
 */
export function restoreFromTemplate(dir: string, templateDir?: string): boolean {
  removeStaleCopies(dir);
  if (!isMissingOrEmpty(dir)) {
    return false;
  }
  let template: string;
  try {
    template = templateDir ?? defaultTemplateDir();
  } catch {
    return false; // no way to tell which template fits: initdb
  }
  if (!hasTemplate(template)) {
    return false;
  }
  if (existsSync(dir)) {
    fillInPlace(template, dir);
    return true;
  }
  const staging = `${dir}${STAGING_SUFFIX}${process.pid}`;
  try {
    cpSync(template, staging, { recursive: true });
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return true;
}

const STAGING_SUFFIX = '.restoring-';

function removeStaleCopies(dir: string): void {
  const parent = path.dirname(dir);
  const prefix = `${path.basename(dir)}${STAGING_SUFFIX}`;
  if (!existsSync(parent)) return;
  for (const entry of readdirSync(parent)) {
    if (entry.startsWith(prefix)) rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
}

/** Copies the template's entries into an existing empty directory, PG_VERSION last (it marks a database). */
function fillInPlace(template: string, dir: string): void {
  try {
    for (const entry of readdirSync(template)) {
      if (entry !== MARKER) cpSync(path.join(template, entry), path.join(dir, entry), { recursive: true });
    }
    cpSync(path.join(template, MARKER), path.join(dir, MARKER));
  } catch (error) {
    for (const entry of readdirSync(dir)) rmSync(path.join(dir, entry), { recursive: true, force: true });
    throw error;
  }
}

/**
 * Creates the template when it does not exist yet.
 * @param templateDir - Where; default {@link defaultTemplateDir}.
 * @param startParams - PGlite start parameters (the service's, so the files match what it opens).
 * @returns True when a template was made; false when one was already there.
 */
export async function ensureTemplate(templateDir: string = defaultTemplateDir(), startParams?: string[]): Promise<boolean> {
  if (hasTemplate(templateDir)) {
    return false;
  }
  mkdirSync(path.dirname(templateDir), { recursive: true });
  const staging = `${templateDir}.creating-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    const db = await PGlite.create({ dataDir: staging, ...(startParams ? { startParams } : {}) });
    await db.query('SELECT 1');
    await db.close(); // a clean shutdown: the copy opens without recovery
    if (hasTemplate(templateDir)) {
      return false; // made meanwhile by another process
    }
    renameSync(staging, templateDir);
    return true;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
