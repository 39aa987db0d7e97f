/**
 * How late this thread's event loop ran its timers, sampled every 10 ms (Node's monitorEventLoopDelay, as
 * prom-client's own event-loop metric uses): the figure that shows a stall (a long synchronous task, a
 * garbage-collection pause, a starved core) which every request waiting on this loop shares.
 *
 * Read per scrape: each `take()` gives the figures since the previous one, so a stall shows in the next
 * scrape and only there (with two Prometheus servers scraping, in one of them). Imports nothing but Node,
 * so the cluster primary (which does not load prom-client) uses it too.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface EventLoopDelay {
  /** 99th percentile and longest delay since the previous take, in seconds (0 when nothing was sampled). */
  take(): { readonly p99: number; readonly max: number };
  /** Ends the sampling (shutdown). */
  stop(): void;
}

const RESOLUTION_MS = 10;

/**
 * Node records the whole time between two firings of its sampling timer (an idle loop reads 10.1 ms): the
 * delay is what is over the interval.
 * @param ns - A recorded gap, in nanoseconds.
 * @returns The delay in seconds, never below 0.
 */
export function delayOverInterval(ns: number): number {
  return Math.max(0, ns / 1e6 - RESOLUTION_MS) / 1e3;
}

export function watchEventLoopDelay(): EventLoopDelay {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return {
    take() {
      // No sample since the last take (two scrapes at once): 0, not the empty histogram's sentinel values.
      const sampled = histogram.count > 0;
      const figures = { p99: sampled ? delayOverInterval(histogram.percentile(99)) : 0, max: sampled ? delayOverInterval(histogram.max) : 0 };
      histogram.reset();
      return figures;
    },
    stop: () => histogram.disable(),
  };
}
