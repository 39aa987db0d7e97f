// Which store errors mean "the database cannot be used now" (answered 503 and retried by the EHR)
// rather than a request it cannot take (400) or a bug (500).
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/cluster/index.ts';
import { isStoreUnavailable, StoreInputError } from '../../src/store/index.ts';

const withCode = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

describe('isStoreUnavailable', () => {
  it.each([
    ['a full disk (53100)', withCode('53100')],
    ['out of memory (53200)', withCode('53200')],
    ['a lost connection (08006)', withCode('08006')],
    ['a server shutting down (57P01)', withCode('57P01')],
    ['a statement timeout (57014)', withCode('57014')],
    ['an I/O error (58030)', withCode('58030')],
    ['a refused connection (node-postgres)', withCode('ECONNREFUSED')],
    ['a pool connect timeout (node-postgres)', new Error('timeout exceeded when trying to connect')],
    ['a connection ended under a query (node-postgres)', new Error('Connection terminated unexpectedly')],
    ['a proxy without an answer', new StoreUnavailableError('the store thread is not reachable')],
  ])('%s: yes', (_name, error) => {
    expect(isStoreUnavailable(error)).toBe(true);
  });

  it.each([
    ['an impossible value (22007)', withCode('22007')],
    ['a unique violation (23505)', withCode('23505')],
    ['a syntax error (42601)', withCode('42601')],
    ['a value the store refuses', new StoreInputError('bad date')],
    ['a plain bug', new TypeError('undefined is not a function')],
    ['not an error', 'string'],
  ])('%s: no', (_name, error) => {
    expect(isStoreUnavailable(error)).toBe(false);
  });
});
