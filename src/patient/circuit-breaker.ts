/**
 * A circuit breaker per FHIR server. After several consecutive failures (errors or timeouts) the
 * breaker opens and calls to that server fail at once for a cool-down period, so a sick EHR server
 * costs each request nothing instead of its whole time budget; then one trial call is let through
 * (half-open) and a success closes the breaker again.
 */

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  readonly failureThreshold: number;
  /** How long the breaker stays open before a trial call, in ms. */
  readonly coolDownMs: number;
  readonly now?: () => number;
}

interface State {
  failures: number;
  openedAt?: number;
  trialInFlight: boolean;
}

export interface CircuitBreakers {
  /** False while the server's breaker is open (the caller should fail fast). */
  allow(server: string): boolean;
  succeeded(server: string): void;
  failed(server: string): void;
  isOpen(server: string): boolean;
}

/** The key of a server: its URL without query or trailing slash. */
export function serverKey(url: string): string {
  return url.split(/[?#]/, 1)[0]!.replace(/\/+$/, '');
}

export function createCircuitBreakers(options: CircuitBreakerOptions): CircuitBreakers {
  const states = new Map<string, State>();
  const now = options.now ?? Date.now;
  const state = (server: string): State => {
    const key = serverKey(server);
    let s = states.get(key);
    if (!s) {
      s = { failures: 0, trialInFlight: false };
      states.set(key, s);
      if (states.size > 10_000) {
        states.delete(states.keys().next().value as string);
      }
    }
    return s;
  };
  return {
    allow(server) {
      const s = state(server);
      if (s.openedAt === undefined) {
        return true;
      }
      if (now() - s.openedAt >= options.coolDownMs && !s.trialInFlight) {
        s.trialInFlight = true; // half-open: one trial call
        return true;
      }
      return false;
    },
    succeeded(server) {
      const s = state(server);
      s.failures = 0;
      s.openedAt = undefined;
      s.trialInFlight = false;
    },
    failed(server) {
      const s = state(server);
      s.failures += 1;
      s.trialInFlight = false;
      if (s.openedAt !== undefined || s.failures >= options.failureThreshold) {
        s.openedAt = now();
      }
    },
    isOpen(server) {
      const s = state(server);
      return s.openedAt !== undefined && now() - s.openedAt < options.coolDownMs;
    },
  };
}
