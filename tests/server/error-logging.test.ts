/**
 * What the error handler and the logger write of an error: type, message, code and stack, never the
 * error's other fields (a pg error's `detail` holds the failing row; an HTTP client error its headers).
 */
import express from 'express';
import pg from 'pg';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { errorHandler } from '../../src/server/error-handler.ts';
import { errorForLog } from '../../src/shared/logger.ts';
import { realLogger } from './real-logger.ts';

/** What node-postgres throws for a refused row: the values are in `detail`, `where` and, for data exceptions, the message. */
function pgError(code: string, message: string): pg.DatabaseError {
  return Object.assign(new pg.DatabaseError(message, 100, 'error'), {
    severity: 'ERROR',
    code,
    detail: 'Failing row contains (ZZPHI-ROW, Jane ZZPHI-NAME, 1950-01-01).',
    where: 'SQL function "f" statement 1, value ZZPHI-WHERE',
    hint: 'ZZPHI-HINT',
    internalQuery: 'select ZZPHI-QUERY',
    table: 'invocation',
    constraint: 'invocation_check',
    routine: 'ExecConstraints',
  });
}

async function failWith(err: unknown): Promise<{ text: string; line: Record<string, unknown> | undefined; status: number }> {
  const { logger, text, lines } = realLogger();
  const app = express();
  app.get('/boom', () => {
    throw err;
  });
  app.use(errorHandler(logger));
  const res = await request(app).get('/boom?patient=ZZPHI-QUERYSTRING');
  return { text: text(), line: lines().find((l) => l.msg === 'unhandled error'), status: res.status };
}

describe('error handler: the log of an unhandled error', () => {
  it('a pg error: its SQLSTATE, class and schema names, never its detail, where, hint or message', async () => {
    const { text, line, status } = await failWith(pgError('23514', 'new row for relation "invocation" violates check constraint "invocation_check" ZZPHI-MSG'));
    expect(status).toBe(500);
    expect(line?.err).toMatchObject({ type: 'DatabaseError', code: '23514', message: 'PostgreSQL error 23514 (integrity constraint violation)', table: 'invocation', constraint: 'invocation_check' });
    expect((line?.err as { stack?: string } | undefined)?.stack).toMatch(/^DatabaseError: PostgreSQL error 23514 .*\n\s+at /);
    expect(text).not.toContain('ZZPHI');
    expect(text).not.toContain('Failing row');
  });

  it('a pg error whose message quotes the value (a data exception the handler did not turn into a 400: a 22 raised as another class)', async () => {
    const { text, line } = await failWith(pgError('XX000', 'invalid input syntax for type uuid: "ZZPHI-VALUE"'));
    expect(line?.err).toMatchObject({ code: 'XX000', message: 'PostgreSQL error XX000 (internal error)' });
    expect(text).not.toContain('ZZPHI');
  });

  it('an error carrying its request (headers with the token), a response body and a cause with a row', async () => {
    const cause = pgError('53100', 'could not extend file');
    const err = Object.assign(new Error('FHIR call failed', { cause }), {
      code: 'ERR_FHIR',
      request: { headers: { authorization: 'Bearer ZZSECRET-JWT', Cookie: 'sid=ZZSECRET-COOKIE' } },
      response: { body: { name: [{ text: 'ZZPHI-NAME' }] } },
      config: { fhirAuthorization: { access_token: 'ZZSECRET-TOKEN' } },
    });
    const { text, line } = await failWith(err);
    expect(line?.err).toEqual({
      type: 'Error',
      message: 'FHIR call failed',
      code: 'ERR_FHIR',
      stack: expect.stringMatching(/^Error: FHIR call failed\n\s+at /),
      cause: expect.objectContaining({ type: 'DatabaseError', code: '53100', message: 'PostgreSQL error 53100 (insufficient resources)' }),
    });
    expect(text).not.toMatch(/ZZSECRET|ZZPHI/);
  });

  it('a message with a JWT, a bearer credential or JSON.parse quoting its input keeps neither', async () => {
    let parseError: unknown;
    try {
      JSON.parse('ZZPHI-NAME Smith');
    } catch (e) {
      parseError = e;
    }
    const jwt = await failWith(new Error('token eyJhbGciOiJFUzM4NCJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl refused; sent Bearer ZZSECRET-OPAQUE'));
    expect(jwt.line?.err).toMatchObject({ message: 'token [jwt] refused; sent Bearer [redacted]' });
    expect(jwt.text).not.toMatch(/eyJ|ZZSECRET/);
    const parse = await failWith(parseError);
    expect(parse.line?.err).toMatchObject({ type: 'SyntaxError', message: "Unexpected token 'Z', [input left out] is not valid JSON" });
    expect(parse.text).not.toContain('ZZPHI');
  });

  it('a thrown value that is not an Error is not written', async () => {
    const { text, line } = await failWith({ patient: 'ZZPHI-NAME' });
    expect(line?.err).toEqual({ type: 'object', message: 'a value that is not an Error was thrown' });
    expect(text).not.toContain('ZZPHI');
  });
});

describe('logger: the err field', () => {
  it('an error object logged as err by any code is described by errorForLog, not written whole', () => {
    const { logger, text, lines } = realLogger();
    logger.error({ err: pgError('23505', 'duplicate key value violates unique constraint "k"') }, 'x');
    logger.warn({ err: { message: 'invalid input syntax for type timestamp: "ZZPHI-DATE"', code: '22007' } }, 'store describeError output');
    logger.warn({ err: 'connection terminated unexpectedly' }, 'a message string');
    expect(lines().map((l) => l.err)).toEqual([
      expect.objectContaining({ type: 'DatabaseError', code: '23505', message: 'PostgreSQL error 23505 (integrity constraint violation)' }),
      { type: 'Error', code: '22007', message: 'PostgreSQL error 22007 (data exception)' },
      'connection terminated unexpectedly',
    ]);
    expect(text()).not.toMatch(/ZZPHI|Failing row/);
  });

  it('errorForLog cuts long messages and keeps Node error codes', () => {
    const out = errorForLog(Object.assign(new Error('x'.repeat(5000)), { code: 'ECONNREFUSED' }));
    expect(out.message.length).toBeLessThanOrEqual(501);
    expect(out.code).toBe('ECONNREFUSED');
    expect(errorForLog(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })).message).toBe('write EPIPE');
  });
});
