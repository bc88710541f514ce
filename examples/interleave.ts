/**
 * Two tasks interleaving (the "Coroutines and Tasks" tutorial):
 *
 *     async def say_after(delay, what):
 *         await asyncio.sleep(delay)
 *         print(what)
 *
 *     async def main():
 *         task1 = asyncio.create_task(say_after(1, 'hello'))
 *         task2 = asyncio.create_task(say_after(2, 'world'))
 *         print(f"started at {time.strftime('%X')}")
 *         await task1
 *         await task2
 *         print(f"finished at {time.strftime('%X')}")
 *
 * Both tasks wait at once, so it takes 2 seconds, not 3. (We print seconds since the start
 * instead of the time of day, so the output can be compared.)
 */
import { createTask, getRunningLoop, run, sleep, type Coroutine } from "asyncio-ts";

function* sayAfter(delay: number, what: string): Coroutine<void> {
  yield* sleep(delay);
  console.log(what);
}

function* main(): Coroutine<void> {
  const loop = getRunningLoop();
  const start = loop.time();
  const task1 = createTask(sayAfter(1, "hello"));
  const task2 = createTask(sayAfter(2, "world"));
  console.log(`started at ${(loop.time() - start).toFixed(1)} s`);
  yield* task1;
  yield* task2;
  console.log(`finished at ${(loop.time() - start).toFixed(1)} s`);
}

await run(main());
