// A store thread blocked in a system call from its first line (reading the FIFO named by CDS_TEST_FIFO, as
// a read from a hung disk would block): it never opens the store, and terminate() cannot end it.
import { readFileSync } from 'node:fs';

readFileSync(process.env.CDS_TEST_FIFO!);
