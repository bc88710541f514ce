/**
 * Tutorial 003_b83f952ded8968fe.txt ("Python协程-asyncio、async/await"), section
 * "生产者消费者模型的协程版本" (producers and consumers with coroutines): two producers put five random
 * values each (1 to 10, a second apart) into an unbounded Queue, two consumers take them forever (a
 * second apart); after 10 seconds main cancels the consumers and gathers all four tasks with
 * returnExceptions, so the consumers' CancelledErrors come back as values instead of being thrown.
 *
 * `if __name__ == "__main__":` is the test that this file is the program Node was started with;
 * random.randint(1, 10) is written with Math.random. CPython 3.13 runs it as it is, in this order.
 * (The tutorial's own output has the consumers swapped in some rounds, probably from a coarse clock:
 * CPython's timer heap keeps no order among equal deadlines, and Windows' monotonic clock ticked
 * every 15.6 ms before 3.13.)
 */
import { fileURLToPath } from "node:url";
import { Queue, createTask, gather, run, sleep, type Coroutine } from "asyncio-ts";

/** A consumer. */
function* consumer(queue: Queue<number>, id: string): Coroutine<never> {
  for (;;) {
    const val = yield* queue.get();
    console.log(`${id} get a val : ${val}`);
    yield* sleep(1);
  }
}

/** A producer. */
function* producer(queue: Queue<number>, id: string): Coroutine<void> {
  for (let _ = 0; _ < 5; _++) {
    const val = 1 + Math.floor(Math.random() * 10);
    yield* queue.put(val);
    console.log(`${id} put a val: ${val}`);
    yield* sleep(1);
  }
}

function* main(): Coroutine<void> {
  const queue = new Queue<number>();

  const consumer1 = createTask(consumer(queue, "consumer_1"));
  const consumer2 = createTask(consumer(queue, "consumer_2"));

  const producer1 = createTask(producer(queue, "producer_1"));
  const producer2 = createTask(producer(queue, "producer_2"));

  yield* sleep(10);
  // the consumers loop forever: cancel them
  consumer1.cancel();
  consumer2.cancel();

  // returnExceptions: the cancellations come back as values instead of being thrown here
  yield* gather(consumer1, consumer2, producer1, producer2, { returnExceptions: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const start = performance.now() / 1000;

  await run(main());

  console.log(`Cost ${performance.now() / 1000 - start} s`);
}
