// A cluster worker that serves once, then crashes; every worker started after it fails at its start (as a
// replacement does when its start-up cannot succeed: a broken folder with nothing to fall back on, a full disk).
// The file named by SERVES_ONCE_MARKER records that the first one ran.
import { existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';

const marker = process.env.SERVES_ONCE_MARKER!;
if (existsSync(marker)) {
  process.exit(1);
}
writeFileSync(marker, String(process.pid));
http.createServer((_req, res) => res.end('ok')).listen(0, () => {
  setTimeout(() => process.exit(1), 300);
});
