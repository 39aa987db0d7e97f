/**
 * Serves docs/openapi.json (OpenAPI 3.1: the CDS Hooks endpoints and the admin API) at
 * GET /openapi.json, with `servers` set to this deployment's public URL.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RequestHandler } from 'express';

export const OPENAPI_PATH = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));

/** The document as shipped. */
export function loadOpenApiDocument(file: string = OPENAPI_PATH): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/**
 * @param publicBaseUrl - The service's URL as clients see it.
 * @returns A handler answering the document (read once).
 */
export function openApiRoute(publicBaseUrl: string): RequestHandler {
  let text: string | undefined;
  try {
    text = JSON.stringify({ ...loadOpenApiDocument(), servers: [{ url: publicBaseUrl, description: 'This deployment' }] });
  } catch {
    // A missing or broken document must never stop the CDS service: the route answers 404 instead.
    text = undefined;
  }
  return (_req, res, next) => {
    if (text === undefined) {
      next();
      return;
    }
    res.type('application/json').send(text);
  };
}
