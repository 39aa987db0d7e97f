// A CDS hook call on a connection of its own: Node's cluster hands new connections to the workers in turn, so a
// series of these reaches every worker. Used by the cluster tests to see which rule set each worker serves.
import http from 'node:http';

export interface HookCallResult {
  readonly status: number;
  /** The X-Rule-Set-Version header: the rule set that answered. */
  readonly version: string | undefined;
  /** The cards' source.topic.code, in order ([] when the answer is not JSON). */
  readonly topics: string[];
}

/**
 * @param url - The service endpoint (base and path).
 * @param body - The request body (JSON text).
 */
export function hookOnNewConnection(url: string, body: string): Promise<HookCallResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        const version = res.headers['x-rule-set-version'];
        let topics: string[] = [];
        try {
          topics = ((JSON.parse(text) as { cards?: { source?: { topic?: { code?: string } } }[] }).cards ?? []).map((c) => c.source?.topic?.code ?? '');
        } catch {
          // not JSON: no cards
        }
        resolve({ status: res.statusCode ?? 0, version: typeof version === 'string' ? version : undefined, topics });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
