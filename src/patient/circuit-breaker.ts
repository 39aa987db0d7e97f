/**
 * A circuit breaker per FHIR server. After several consecutive failures (errors or timeouts) the
 * breaker opens and calls to that server fail at once for a cool-down period, so a sick EHR server
 * costs each request nothing instead of its whole time budget. Then it is half-open: the next calls
 * are let through as trials, up to `trialCalls` of them (one request asks for its missing prefetch
 * keys and medications in parallel, so a single trial call would refuse the rest of that request and
 * give the clinician an incomplete check although the server had recovered). The first success of one
 * of those trials closes the breaker; a failure opens it again for another cool-down.
 *
 * Only a trial's success closes an open breaker. A call let through before the breaker opened that answers
 * after it (a straggler: it started while the server was still answering) says nothing about the server
 * now, nor does a trial of an earlier opening (another trial failed since and opened the breaker again):
 * `allow` hands each call a permit that says which it is, and `succeeded` takes it back.
 */

import { withoutTrailingSlashes } from '../shared/trailing-slashes.ts';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  readonly failureThreshold: number;
  /** How long the breaker stays open before trial calls, in ms. */
  readonly coolDownMs: number;
  /** Calls let through while half-open, before any of them has answered. Default 8 (one request's calls). */
  readonly trialCalls?: number;
  readonly now?: () => number;
}

interface State {
  failures: number;
  openedAt?: number;
  /** Trial calls let through since the cool-down ended, and when the first of them was. */
  trials: number;
  trialsStartedAt?: number;
  /** Which opening this is (a number never used before by these breakers); trials carry it. */
  opening?: number;
}

/** What `allow` gives a call it lets through, to hand back to `succeeded` with the call's success. */
export interface CallPermit {
  /** Set for a trial call of a half-open breaker: the opening it is a trial of. */
  readonly trialOf?: number;
}

export interface CircuitBreakers {
  /** Undefined while the server's breaker is open (the caller should fail fast); else the call's permit. */
  allow(server: string): CallPermit | undefined;
  /**
   * The server answered the call `permit` let through. Clears the failure count of a closed breaker; closes
   * an open one only when the call was a trial of its current opening.
   */
  succeeded(server: string, permit: CallPermit): void;
  failed(server: string): void;
  isOpen(server: string): boolean;
}

/**
 * The key of a server: its normalised URL, so that one server has one breaker however a client spells it.
 * Scheme and host lower-cased and a default port dropped (as `URL` does), then the path without query,
 * fragment or trailing slashes: `https://EHR.example:443/fhir/` is `https://ehr.example/fhir`. Paths stay
 * case-sensitive, so two FHIR bases on one host keep their own breakers.
 */
export function serverKey(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL (a reader is never made for one): the raw text, without query or trailing slash.
    return withoutTrailingSlashes(url.split(/[?#]/, 1)[0]!);
  }
  return `${parsed.protocol}//${parsed.host}${withoutTrailingSlashes(parsed.pathname)}`;
}

/** Servers whose breakers are remembered; past it the entry least worth keeping goes (see `evictOne`). */
const MAX_SERVERS = 10_000;

export function createCircuitBreakers(options: CircuitBreakerOptions): CircuitBreakers {
  // Only servers that failed have an entry: a closed breaker with no failures is what an absent entry
  // means, so reading (`allow`, `isOpen`) never creates one and a success removes it. Otherwise a client
  // naming 10,000 servers would fill the table and push out the entry of an open breaker.
  const states = new Map<string, State>();
  const now = options.now ?? Date.now;
  const trialCalls = Math.max(1, options.trialCalls ?? 8);
  let openings = 0;
  const closed: CallPermit = {};
  /** Makes room: the oldest closed entry (failures below the threshold) goes; an open one only when every entry is open, the one open longest. */
  const evictOne = (): void => {
    let oldestOpen: [string, number] | undefined;
    for (const [key, s] of states) {
      if (s.openedAt === undefined) {
        states.delete(key);
        return;
      }
      if (!oldestOpen || s.openedAt < oldestOpen[1]) oldestOpen = [key, s.openedAt];
    }
    if (oldestOpen) states.delete(oldestOpen[0]);
  };
  const find = (server: string): State | undefined => states.get(serverKey(server));
  const stateFor = (server: string): State => {
    const key = serverKey(server);
    let s = states.get(key);
    if (!s) {
      if (states.size >= MAX_SERVERS) evictOne();
      s = { failures: 0, trials: 0 };
      states.set(key, s);
    }
    return s;
  };
  return {
    allow(server) {
      const s = find(server);
      if (s?.openedAt === undefined) {
        return closed;
      }
      const t = now();
      if (t - s.openedAt < options.coolDownMs) {
        return undefined;
      }
      // Half-open. Trials whose outcome never came (their request's own budget ended first) must not
      // hold the breaker half-open for ever: after another cool-down a new round of trials starts.
      if (s.trials >= trialCalls && t - (s.trialsStartedAt ?? t) >= options.coolDownMs) {
        s.trials = 0;
      }
      if (s.trials < trialCalls) {
        if (s.trials === 0) s.trialsStartedAt = t;
        s.trials += 1;
        return { trialOf: s.opening };
      }
      return undefined;
    },
    succeeded(server, permit) {
      const key = serverKey(server);
      const s = states.get(key);
      if (s && (s.openedAt === undefined || (permit.trialOf !== undefined && permit.trialOf === s.opening))) {
        states.delete(key);
      }
    },
    failed(server) {
      const s = stateFor(server);
      s.failures += 1;
      s.trials = 0;
      if (s.openedAt !== undefined || s.failures >= options.failureThreshold) {
        s.openedAt = now();
        openings += 1;
        s.opening = openings;
      }
    },
    isOpen(server) {
      const s = find(server);
      return s?.openedAt !== undefined && now() - s.openedAt < options.coolDownMs;
    },
  };
}
