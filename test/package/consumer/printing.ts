/**
 * What pool threads print is never lost, and comes before the result it precedes: ten jobs print
 * their value and return it; the program prints each result as it arrives and exits at once
 * after `shutdown()`.
 */
import { ThreadPoolExecutor, getRunningLoop, run, type Coroutine } from "asyncio-ts";

function* main(): Coroutine {
  const pool = new ThreadPoolExecutor({ maxWorkers: 3 });
  const loop = getRunningLoop();
  const jobs = Array.from({ length: 10 }, (_, i) =>
    loop.runInExecutor(pool, (n: number) => {
      console.log(`job ${n}`);
      return n;
    }, i),
  );
  for (const job of jobs) console.log(`result ${yield* job}`);
  pool.shutdown({ wait: false });
}

await run(main);
console.log("ok: printing");
