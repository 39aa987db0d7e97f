// Loaded with `node --import` into a cluster's processes by tests (workers are forked with the primary's flags): in a
// worker's main thread it prints the worker's pid, SIGUSR2 raises an exception nothing catches (as a bug in a
// handler would), and at exit it prints how many connections the worker accepted after that exception.
import cluster from 'node:cluster';
import dc from 'node:diagnostics_channel';
import { isMainThread } from 'node:worker_threads';

if (cluster.isWorker && isMainThread) {
  process.stderr.write(`WORKER-PID ${process.pid}\n`);
  let crashed = false;
  let accepted = 0;
  dc.subscribe('net.server.socket', () => {
    if (crashed) accepted++;
  });
  process.on('SIGUSR2', () => {
    crashed = true;
    setImmediate(() => {
      throw new Error('test: an exception nothing caught, in a worker');
    });
  });
  process.on('exit', () => {
    if (crashed) process.stderr.write(`WORKER-ACCEPTED-AFTER-CRASH ${accepted}\n`);
  });
}
