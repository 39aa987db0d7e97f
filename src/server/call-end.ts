/**
 * When a call ends, with the status it ended with: the status sent once the answer is out ('finish'), or
 * 499 when the client closed the connection first ('close' without 'finish'; nginx's "client closed
 * request"). Listening for 'finish' alone missed the calls an EHR gave up on, the slowest ones: no log
 * line, no latency sample, so the tail looked better than it was.
 */
import type { Response } from 'express';

/** The status recorded for a call whose client closed the connection before the answer was sent. */
export const CLIENT_CLOSED_REQUEST = 499;

/** Calls `ended` once, when the call's answer is sent or its client is gone. */
export function onCallEnd(res: Response, ended: (status: number) => void): void {
  let done = false;
  const end = (status: number): void => {
    if (done) return;
    done = true;
    ended(status);
  };
  res.once('finish', () => end(res.statusCode));
  res.once('close', () => end(res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST));
}
