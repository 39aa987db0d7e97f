/**
 * The floor: a bare Node `http` server that reads and parses the same request bodies and answers
 * `{"cards":[]}`. Nothing the service does can be cheaper than this, so the service's throughput is
 * reported as a share of it.
 *
 * Usage: PORT=9000 node scripts/bench/floor-server.ts   (GET /readyz answers 200)
 */
import http from 'node:http';

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
const EMPTY = Buffer.from('{"cards":[]}');

const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { hook?: unknown };
      if (typeof body !== 'object' || body === null || typeof body.hook !== 'string') throw new Error('not a hook request');
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': EMPTY.length }).end(EMPTY);
    } catch {
      res.writeHead(400).end();
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => {
  const address = server.address();
  console.error(`floor server on ${typeof address === 'object' && address ? address.port : port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
