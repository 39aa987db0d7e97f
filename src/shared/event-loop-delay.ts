/**
 * How late this thread's event loop ran its timers, sampled every 10 ms (Node's monitorEventLoopDelay, as
 * prom-client's own event-loop metric uses): the figure that shows a stall (a long synchronous task, a
 * garbage-collection pause, a starved core) which every request waiting on this loop shares.
 *
 * Read per scrape: each `take()` gives the figures since the previous one, so a stall shows in the next
 * scrape and only there. Imports nothing but Node, so the cluster primary (which does not load
 * prom-client) uses it too.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface EventLoopDelay {
  /** 99th percentile and longest delay since the previous take, in seconds (0 when nothing was sampled). */
  take(): { readonly p99: number; readonly max: number };
  /** Ends the sampling (shutdown). */
  stop(): void;
}

export function watchEventLoopDelay(): EventLoopDelay {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return {
    take() {
      // No sample since the last take (two scrapes at once): 0, not the empty histogram's sentinel values.
      const sampled = histogram.count > 0;
      const figures = { p99: sampled ? histogram.percentile(99) / 1e9 : 0, max: sampled ? histogram.max / 1e9 : 0 };
      histogram.reset();
      return figures;
    },
    stop: () => histogram.disable(),
  };
}
