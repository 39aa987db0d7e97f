/**
 * The path of a request as the client sent it, for logs: `req.path` is relative to the router that
 * handles it (a call to /cds-services/x logs as "/x" inside the /cds-services router), so logs use the
 * original URL instead. The query is left out (it may carry patient identifiers, e.g. admin searches)
 * and the length is capped (the client chooses it).
 */
const MAX_LOGGED_PATH = 200;

export function requestPath(req: { readonly originalUrl: string }): string {
  const path = req.originalUrl.split('?', 1)[0] ?? '';
  return path.length > MAX_LOGGED_PATH ? `${path.slice(0, MAX_LOGGED_PATH)}…` : path;
}
