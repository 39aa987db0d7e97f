/**
 * Serves the rules console (static files in this folder) and the two browser libraries it uses,
 * marked and DOMPurify, straight from node_modules: no build step, no CDN.
 *
 * Mount it at /admin, next to the admin API at /admin/api:
 *
 *     app.use('/admin', consoleRouter());
 *
 * It answers only GET and HEAD for its own files (index.html at /admin/, app.js, console.css,
 * vendor/marked.js, vendor/purify.js, ...) and passes everything else on, so the order relative to
 * the API router does not matter. The console calls the API with relative URLs (api/...), so it
 * works under any path prefix as long as the API sits at <prefix>/api.
 *
 * Every response carries a strict Content-Security-Policy: scripts and styles only from this
 * origin, no inline script, no framing, fetches only to this origin.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';
import type { Request, Response, NextFunction } from 'express';

export const CONSOLE_DIR = path.dirname(fileURLToPath(import.meta.url));

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/** Files of this folder the browser may load (not this module, its types or configs). */
function consoleFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const ext = path.extname(entry.name);
    if (entry.isFile() && ['.html', '.js', '.css', '.svg'].includes(ext) && !entry.name.endsWith('.d.ts')) {
      files.set(`/${entry.name}`, path.join(dir, entry.name));
    }
  }
  return files;
}

/**
 * The browser builds (ES modules) of the libraries, found through Node's resolution so a hoisted
 * or nested node_modules both work.
 */
function vendorFiles(): Map<string, string> {
  const require = createRequire(import.meta.url);
  const markedDir = path.dirname(require.resolve('marked'));
  const purifyDir = path.dirname(require.resolve('dompurify'));
  return new Map([
    ['/vendor/marked.js', path.join(markedDir, 'marked.esm.js')],
    ['/vendor/marked.esm.js.map', path.join(markedDir, 'marked.esm.js.map')],
    ['/vendor/purify.js', path.join(purifyDir, 'purify.es.mjs')],
    ['/vendor/purify.es.mjs.map', path.join(purifyDir, 'purify.es.mjs.map')],
  ]);
}

export interface ConsoleRouterOptions {
  /** Folder of the console's static files (default: this folder). */
  readonly dir?: string;
}

/**
 * @param options - Where the static files are (tests may point elsewhere).
 * @returns A router serving the console; mount it at /admin.
 */
export function consoleRouter(options: ConsoleRouterOptions = {}): Router {
  const dir = options.dir ?? CONSOLE_DIR;
  const files = new Map([...consoleFiles(dir), ...vendorFiles()]);
  files.set('/', path.join(dir, 'index.html'));
  const router = Router();
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    const file = files.get(req.path);
    if (!file) {
      next();
      return;
    }
    // /admin -> /admin/, so that the console's relative URLs (app.js, api/...) resolve under /admin/.
    const url = new URL(req.originalUrl, 'http://x');
    if (req.path === '/' && !url.pathname.endsWith('/')) {
      res.redirect(302, `${url.pathname}/${url.search}`);
      return;
    }
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream');
    res.sendFile(file, { dotfiles: 'deny', headers: { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' } }, (err) => {
      if (err && !res.headersSent) {
        next(err);
      }
    });
  });
  return router;
}
