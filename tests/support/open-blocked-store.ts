// Opens a ThreadStore whose thread blocks for good (blocked-store-thread.ts), with the default handling of
// a thread that cannot be ended, then exits 1 when the open fails, as main.ts does:
//   CDS_TEST_FIFO=<fifo> node tests/support/open-blocked-store.ts <data dir>
import { ThreadStore } from '../../src/cluster/thread-store.ts';

const logger = { info() {}, warn() {}, error() {} };
await ThreadStore.open({
  store: { dataDir: process.argv[2]! },
  logger,
  entry: new URL('./blocked-store-thread.ts', import.meta.url),
  openTimeoutMs: 300,
  watchdogMs: 2000,
}).then(
  () => process.exit(0),
  () => process.exit(1)
);
