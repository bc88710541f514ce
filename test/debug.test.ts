/**
 * Debug mode's reports that are not about the call graph: a coroutine of asyncio-ts's API that is
 * collected without ever being started, with where it was made.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import { Barrier, Lock, Queue, getRunningLoop, isCoroutineFunction, run, sleep, type ExceptionContext } from "asyncio-ts";

function collectGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

const turn = (ms = 10): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `body` on a loop of its own and returns what reached its exception handler, once the garbage is collected. */
async function reportsOf(debug: boolean, body: () => Generator<unknown, void, unknown>): Promise<ExceptionContext[]> {
  const seen: ExceptionContext[] = [];
  await run(
    function* () {
      getRunningLoop().setExceptionHandler((_loop, ctx) => seen.push(ctx));
      yield* body();
    },
    { debug },
  );
  for (let i = 0; i < 2; i++) {
    await turn();
    collectGarbage();
  }
  await turn();
  return seen;
}

test("debug mode reports a coroutine of the API collected without ever being started, with where it was made", async () => {
  const seen = await reportsOf(true, function* dropping() {
    const barrier = new Barrier(2);
    barrier.abort(); // without yield*: nothing happens
    sleep(1);
    sleep(0);
    new Queue<number>().put(1);
    new Lock().with(function* () {});
    yield* sleep(0);
  });
  const reports = seen.map((c) => [c.message, c.coroutine, /^ {4}at dropping \(\S*debug\.test\.ts:\d+:\d+\)/.test(c.sourceTraceback!)]).sort();
  assert.deepEqual(reports, [
    ["coroutine 'Barrier.abort' was never awaited", "Barrier.abort", true],
    ["coroutine 'Lock.with' was never awaited", "Lock.with", true],
    ["coroutine 'Queue.put' was never awaited", "Queue.put", true],
    ["coroutine 'sleep' was never awaited", "sleep", true],
    ["coroutine 'sleep' was never awaited", "sleep", true],
  ]);
});

test("a coroutine awaited, run as a task, or closed is not reported; nor anything without debug mode", async () => {
  const body = function* (): Generator<unknown, void, unknown> {
    const queue = new Queue<number>();
    yield* queue.put(1);
    const lock = new Lock();
    yield* lock.with(function* () {
      yield* sleep(0);
    });
    const acquiring = lock.acquire();
    acquiring.return(true); // closed before it started: deliberate
    const task = getRunningLoop().createTask(queue.get());
    yield* task;
    yield* sleep(0.001);
    new Barrier(2).abort(); // reported in debug mode only
  };
  assert.deepEqual((await reportsOf(true, body)).map((c) => c.message), ["coroutine 'Barrier.abort' was never awaited"]);
  assert.deepEqual(await reportsOf(false, body), []);
});

test("the coroutine methods stay coroutine functions once debug mode watches them", async () => {
  await run(function* () {}, { debug: true });
  assert.equal(isCoroutineFunction(Lock.prototype.acquire), true);
  assert.equal(isCoroutineFunction(Queue.prototype.put), true);
});

test("the default exception handler prints a coroutine never awaited with where it was made", async () => {
  const printed: string[] = [];
  const error = console.error;
  console.error = (msg: string) => printed.push(msg);
  try {
    await run(
      function* () {
        new Barrier(2).abort();
        yield* sleep(0);
      },
      { debug: true },
    );
    for (let i = 0; i < 2; i++) {
      await turn();
      collectGarbage();
    }
    await turn();
  } finally {
    console.error = error;
  }
  assert.equal(printed.length, 1, printed.join("\n---\n"));
  assert.match(printed[0]!, /^coroutine 'Barrier\.abort' was never awaited\nCoroutine created at:\n {4}at \S*debug\.test\.ts:\d+:\d+|^coroutine 'Barrier\.abort' was never awaited\nCoroutine created at:\n {4}at .*\(\S*debug\.test\.ts:\d+:\d+\)/);
});
