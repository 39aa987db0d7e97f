/**
 * Refuses JSON bodies nested deeper than a limit. express.json() bounds the size, not the depth, and a
 * deeply nested body can exhaust the stack of any code that walks it.
 */
import type { NextFunction, Request, Response } from 'express';
import { badRequest, jsonDepthExceeds } from '../shared/index.ts';
import { sendOutcome } from './send-outcome.ts';

export function limitJsonDepth(limit: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.body !== undefined && jsonDepthExceeds(req.body, limit)) {
      sendOutcome(res, badRequest(`The JSON body is nested more than ${limit} levels deep.`));
      return;
    }
    next();
  };
}
