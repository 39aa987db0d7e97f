// The real store thread (src/cluster/store-thread.ts), which a test can make misbehave as a store
// statement that never ends would: a listSnoozes call for rule "hang-the-store-thread" spins in
// WebAssembly, as PGlite did in its WAL flush on a full disk; one for "crash-the-store-thread" throws
// an uncaught error; one for "block-in-a-system-call" blocks reading the FIFO named by CDS_TEST_FIFO; a
// createSnooze for rule "hang-after-commit" hangs after the commit, before the snooze is announced. Every other message is served by the real thread.
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import '../../src/cluster/store-thread.ts';

// (module (func (export "spin") (loop (br 0)))): an endless WebAssembly loop.
const SPIN = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 8, 1, 4, 115, 112, 105, 110, 0, 0, 10, 9, 1, 7, 0, 3, 64, 12, 0, 11, 11]);

// WebAssembly is global in Node; the project's TypeScript libraries do not declare it.
const wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object) => { exports: { spin: () => void } } } }).WebAssembly;

const spin = (): void => new wasm.Instance(new wasm.Module(SPIN)).exports.spin();

// A createSnooze call for rule "hang-after-commit" commits the snooze, then the thread hangs before it
// announces the snooze or answers (as a thread ended between the two would).
let hangBeforeAnswering: number | undefined;
const port = parentPort!;
const send = port.postMessage.bind(port);
port.postMessage = (message: { kind?: string; id?: number }) => {
  if (hangBeforeAnswering !== undefined && (message.kind === 'snooze-horizon' || (message.kind === 'result' && message.id === hangBeforeAnswering))) spin();
  send(message);
};

port.on('message', (message: { kind?: string; id?: number; method?: string; args?: readonly { ruleId?: string }[] }) => {
  if (message.kind === 'call' && message.method === 'createSnooze' && message.args?.[0]?.ruleId === 'hang-after-commit') {
    hangBeforeAnswering = message.id;
    return;
  }
  if (message.kind !== 'call' || message.method !== 'listSnoozes') return;
  const ruleId = message.args?.[0]?.ruleId;
  if (ruleId === 'hang-the-store-thread') {
    spin();
  } else if (ruleId === 'block-in-a-system-call') {
    // Blocks in open(2) on a FIFO nobody writes to (as a read from a hung disk would): terminate() cannot end it.
    readFileSync(process.env.CDS_TEST_FIFO!);
  } else if (ruleId === 'crash-the-store-thread') {
    throw new Error('the store thread crashed (test)');
  }
});
