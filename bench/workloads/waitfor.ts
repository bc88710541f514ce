/**
 * Workload waitfor: N (100,000) calls of `waitFor(coro, 5)` in turn, each coroutine waiting one
 * `sleep(0)`: a timeout around every read or request, as crawlers and clients do. Reported in calls
 * per second.
 */

import { asyncioExports, bestRate, main, now, type Sample } from "./common.ts";

main({
  async "asyncio-ts"(args) {
    const n = Number(args[0] ?? 100_000);
    const { run, sleep, waitFor } = await asyncioExports("run", "sleep", "waitFor");
    function* read(i: number): Generator<unknown, { line: number }, unknown> {
      yield* sleep(0);
      return { line: i };
    }
    function* measure(): Generator<unknown, Sample, unknown> {
      const t0 = now();
      for (let i = 0; i < n; i++) yield* waitFor(read(i), 5);
      return { count: n, seconds: now() - t0 };
    }
    return bestRate("calls/s", () => run(measure()));
  },
});
