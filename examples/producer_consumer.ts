/**
 * Producers and consumers around a bounded queue (`asyncio.Queue`): two producers put
 * "random" items (from a seeded generator, so every run prints the same), two consumers take
 * them, the queue's `maxsize` holds the producers back, `join()` waits until every item is
 * processed, and then the consumers are cancelled and gathered. The Python original:
 *
 *     def lcg(seed):
 *         x = seed
 *         while True:
 *             x = (x * 1103515245 + 12345) % 2**31
 *             yield x
 *
 *     async def produce(name, queue, seed, count):
 *         rng = lcg(seed)
 *         for _ in range(count):
 *             item = next(rng) % 100
 *             await queue.put(item)
 *             print(f"{name} put {item} (queue size {queue.qsize()})")
 *             for _ in range(next(rng) % 3):  # think for a few turns of the loop
 *                 await asyncio.sleep(0)
 *         print(f"{name} done")
 *
 *     async def consume(name, queue, seed):
 *         rng = lcg(seed)
 *         total = 0
 *         while True:
 *             item = await queue.get()
 *             for _ in range(next(rng) % 4):  # work for a few turns of the loop
 *                 await asyncio.sleep(0)
 *             total += item
 *             print(f"{name} got {item}, total {total}")
 *             queue.task_done()
 *
 *     async def main():
 *         queue = asyncio.Queue(maxsize=3)
 *         producers = [asyncio.create_task(produce(f"producer-{i}", queue, seed, 6))
 *                      for i, seed in enumerate((7, 42))]
 *         consumers = [asyncio.create_task(consume(f"consumer-{i}", queue, seed))
 *                      for i, seed in enumerate((1, 2))]
 *         await asyncio.gather(*producers)
 *         await queue.join()
 *         print("all items processed")
 *         for c in consumers:
 *             c.cancel()
 *         results = await asyncio.gather(*consumers, return_exceptions=True)
 *         print([type(r).__name__ for r in results])
 *
 *     asyncio.run(main())
 *
 * The tasks interleave only at `sleep(0)` and at the queue, so the output is the same line for
 * line as CPython's, which is what test/examples.test.ts checks.
 */
import { Queue, createTask, gather, run, sleep, type Coroutine } from "asyncio-ts";

/** A linear congruential generator: the same numbers on every run, in Python and here. */
function* lcg(seed: number): Generator<number, never> {
  let x = seed;
  for (;;) {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff; // mod 2**31, without overflowing doubles
    yield x;
  }
}

function next(rng: Generator<number, never>): number {
  return rng.next().value;
}

function* produce(name: string, queue: Queue<number>, seed: number, count: number): Coroutine<void> {
  const rng = lcg(seed);
  for (let i = 0; i < count; i++) {
    const item = next(rng) % 100;
    yield* queue.put(item);
    console.log(`${name} put ${item} (queue size ${queue.qsize()})`);
    for (let n = next(rng) % 3; n > 0; n--) yield* sleep(0); // think for a few turns of the loop
  }
  console.log(`${name} done`);
}

function* consume(name: string, queue: Queue<number>, seed: number): Coroutine<never> {
  const rng = lcg(seed);
  let total = 0;
  for (;;) {
    const item = yield* queue.get();
    for (let n = next(rng) % 4; n > 0; n--) yield* sleep(0); // work for a few turns of the loop
    total += item;
    console.log(`${name} got ${item}, total ${total}`);
    queue.taskDone();
  }
}

function* main(): Coroutine<void> {
  const queue = new Queue<number>(3);
  const producers = [7, 42].map((seed, i) => createTask(produce(`producer-${i}`, queue, seed, 6)));
  const consumers = [1, 2].map((seed, i) => createTask(consume(`consumer-${i}`, queue, seed)));
  yield* gather(...producers);
  yield* queue.join();
  console.log("all items processed");
  for (const c of consumers) c.cancel();
  const results = yield* gather(...consumers, { returnExceptions: true });
  console.log(`[${results.map((r) => `'${(r as Error).name}'`).join(", ")}]`);
}

await run(main());
