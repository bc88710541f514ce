/** Queues and locks, as a user writes them, run with plain node. */
import assert from "node:assert/strict";
import { Event, Lock, Queue, QueueEmpty, Semaphore, createTask, gather, run, sleep, type Coroutine } from "asyncio-ts";

function* main(): Coroutine {
  const queue = new Queue<number>(2);
  const got: number[] = [];
  function* producer(): Coroutine {
    for (let i = 0; i < 5; i++) yield* queue.put(i);
  }
  function* consumer(): Coroutine {
    for (let i = 0; i < 5; i++) {
      got.push(yield* queue.get());
      queue.taskDone();
    }
  }
  yield* gather(producer(), consumer());
  yield* queue.join();
  assert.deepEqual(got, [0, 1, 2, 3, 4]);
  assert.throws(() => queue.getNowait(), QueueEmpty);

  const lock = new Lock();
  const order: string[] = [];
  function* holder(name: string): Coroutine {
    yield* lock.with(function* () {
      order.push(`${name} in`);
      yield* sleep(0.01);
      order.push(`${name} out`);
    });
  }
  yield* gather(holder("a"), holder("b"));
  assert.deepEqual(order, ["a in", "a out", "b in", "b out"]);

  const sem = new Semaphore(2);
  let inside = 0;
  let most = 0;
  function* limited(): Coroutine {
    yield* sem.acquire();
    try {
      most = Math.max(most, ++inside);
      yield* sleep(0.01);
    } finally {
      inside--;
      sem.release();
    }
  }
  yield* gather(limited(), limited(), limited(), limited());
  assert.equal(most, 2);

  const ready = new Event();
  const waiter = createTask(ready.wait());
  yield* sleep(0);
  assert.equal(waiter.done(), false);
  ready.set();
  assert.equal(yield* waiter, true);
}

await run(main);
console.log("ok: queues and locks");
