/**
 * asyncio-ts/core with plain node: the same loop, tasks and primitives as asyncio-ts (the very same
 * objects), without networking or executors, and the virtual clock of asyncio-ts/testing with it.
 */
import assert from "node:assert/strict";
import * as full from "asyncio-ts";
import { ContextVar, Queue, TaskGroup, createTask, gather, getRunningLoop, run, sleep, taskGroup, timeout, TimeoutError, type Coroutine } from "asyncio-ts/core";
import { VirtualClock } from "asyncio-ts/testing";

assert.equal(run, full.run, "asyncio-ts/core's run is asyncio-ts's");
assert.equal(TaskGroup, full.TaskGroup);
assert.equal(Queue, full.Queue);

const request = new ContextVar<string>("request", { default: "-" });

function* worker(queue: Queue<number>, out: string[]): Coroutine {
  for (;;) {
    const n = yield* queue.get();
    yield* sleep(n);
    out.push(`${request.get()}:${n}`);
    queue.taskDone();
  }
}

const clock = new VirtualClock();
const result = await run(
  function* (): Coroutine<string[]> {
    const out: string[] = [];
    const queue = new Queue<number>(2);
    request.set("main");
    const workers = [createTask(worker(queue, out)), createTask(worker(queue, out))];
    for (const n of [3, 1, 2]) yield* queue.put(n);
    yield* queue.join();
    for (const w of workers) w.cancel();
    yield* gather(...workers, { returnExceptions: true });
    try {
      yield* timeout(5, function* () {
        yield* sleep(3600);
      });
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      out.push(`timed out at ${getRunningLoop().time()}`);
    }
    yield* taskGroup(function* (tg) {
      tg.createTask(sleep(1));
    });
    return out;
  },
  { clock },
);
assert.deepEqual(result, ["main:1", "main:3", "main:2", "timed out at 8"]);
assert.equal(clock.now(), 9);
console.log("ok: asyncio-ts/core");
