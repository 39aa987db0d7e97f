/**
 * Refuses JSON bodies nested deeper than a limit. express.json() bounds the size, not the depth, and a
 * deeply nested body can exhaust the stack of any code that walks it.
 */
import type { NextFunction, Request, Response } from 'express';
import { badRequest } from '../shared/index.ts';
import { sendOutcome } from './send-outcome.ts';

/** Depth of a parsed JSON value, computed without recursion; stops early past `limit`. */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') {
      continue;
    }
    if (depth > limit) {
      return true;
    }
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') {
        stack.push([child, depth + 1]);
      }
    }
  }
  return false;
}

export function limitJsonDepth(limit: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.body !== undefined && jsonDepthExceeds(req.body, limit)) {
      sendOutcome(res, badRequest(`The JSON body is nested more than ${limit} levels deep.`));
      return;
    }
    next();
  };
}
