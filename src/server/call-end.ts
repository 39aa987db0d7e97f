/**
 * When a call ends, with the status it ended with: the status sent once the answer is out ('finish'), or
 * 499 when the client closed the connection first ('close' without 'finish'; nginx's "client closed
 * request"). Listening for 'finish' alone missed the calls an EHR gave up on, the slowest ones: no log
 * line, no latency sample, so the tail looked better than it was.
 */
import type { Response } from 'express';

/** The status recorded for a call whose client closed the connection before the answer was sent. */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * Calls `ended` once, when the call's answer is sent or its client is gone; at once when that has already
 * happened (an answer already sent, or a client that left before it: its 'close' event has passed).
 */
export function onCallEnd(res: Response, ended: (status: number) => void): void {
  if (res.writableFinished) {
    ended(res.statusCode);
    return;
  }
  if (res.destroyed) {
    ended(CLIENT_CLOSED_REQUEST);
    return;
  }
  let done = false;
  const end = (status: number): void => {
    if (done) return;
    done = true;
    ended(status);
  };
  res.once('finish', () => end(res.statusCode));
  res.once('close', () => end(res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST));
}
