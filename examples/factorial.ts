/**
 * Three tasks computing factorials in parallel, waited for with `wait` (the asyncio docs' tasks
 * example, in its `ensure_future` and `run_until_complete` form):
 *
 *     async def factorial(name, number):
 *         f = 1
 *         for i in range(2, number + 1):
 *             print("Task %s: Compute factorial(%s)..." % (name, i))
 *             await asyncio.sleep(1)
 *             f *= i
 *         print("Task %s: factorial(%s) = %s" % (name, number, f))
 *
 *     loop = asyncio.get_event_loop()
 *     tasks = [
 *         asyncio.ensure_future(factorial("A", 2)),
 *         asyncio.ensure_future(factorial("B", 3)),
 *         asyncio.ensure_future(factorial("C", 4))]
 *     loop.run_until_complete(asyncio.wait(tasks))
 *     loop.close()
 */
import { ensureFuture, getEventLoop, sleep, wait, type Coroutine } from "asyncio-ts";

function* factorial(name: string, number: number): Coroutine<void> {
  let f = 1;
  for (let i = 2; i <= number; i++) {
    console.log(`Task ${name}: Compute factorial(${i})...`);
    yield* sleep(1);
    f *= i;
  }
  console.log(`Task ${name}: factorial(${number}) = ${f}`);
}

const loop = getEventLoop();
const tasks = [ensureFuture(factorial("A", 2)), ensureFuture(factorial("B", 3)), ensureFuture(factorial("C", 4))];
await loop.runUntilComplete(wait(tasks));
loop.close();
