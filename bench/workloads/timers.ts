/**
 * Workload 3, timers: N (200,000) timers with deterministic delays in [0, 0.01] s (common.ts),
 * all scheduled at once, run until the last has fired, reported in timers per second.
 */

import { asyncioExports, bestRate, delays, main, now, type Sample } from "./common.ts";

main({
  async "asyncio-ts"(args) {
    const n = Number(args[0] ?? 200_000);
    const { run, getRunningLoop } = await asyncioExports("run", "getRunningLoop");
    const ds = delays(n);
    function* measure(): Generator<unknown, Sample, unknown> {
      const loop = getRunningLoop();
      const done = loop.createFuture();
      let fired = 0;
      const onTimer = (): void => {
        if (++fired === n) done.setResult(undefined);
      };
      const t0 = now();
      for (let i = 0; i < n; i++) loop.callLater(ds[i], onTimer);
      yield* done;
      return { count: n, seconds: now() - t0 };
    }
    return bestRate("timers/s", () => run(measure()));
  },

  // Node's own timers (milliseconds; Node rounds each timer up to a whole millisecond list).
  async native(args) {
    const n = Number(args[0] ?? 200_000);
    const ds = delays(n);
    return bestRate("timers/s", () => {
      return new Promise<Sample>((resolve) => {
        let fired = 0;
        const t0 = now();
        const onTimer = (): void => {
          if (++fired === n) resolve({ count: n, seconds: now() - t0 });
        };
        for (let i = 0; i < n; i++) setTimeout(onTimer, ds[i] * 1000);
      });
    });
  },
});
