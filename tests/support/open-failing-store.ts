// Opens a ThreadStore on a data directory PGlite cannot use, with the default handling of a thread that
// cannot be ended, then exits 1 when the open fails, as main.ts does:
//   node tests/support/open-failing-store.ts <data dir>
import { ThreadStore } from '../../src/cluster/thread-store.ts';

const logger = { info() {}, warn() {}, error() {} };
await ThreadStore.open({ store: { dataDir: process.argv[2]! }, logger }).then(
  () => process.exit(0),
  () => process.exit(1)
);
