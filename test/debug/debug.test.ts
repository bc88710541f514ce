/**
 * Debug mode's reports that are not about the call graph: a coroutine of asyncio-ts's API that is
 * collected without ever being started, or not started when its loop closes, with where it was made; a step that blocks the loop,
 * reported while it is still stuck, with where, then again when it ends.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import { Barrier, Lock, Queue, getRunningLoop, isCoroutineFunction, newEventLoop, run, sleep, type ExceptionContext } from "asyncio-ts";

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
    sleep(0); // not watched: it does nothing even when awaited, and watching it would cost every switch
    new Queue<number>().put(1);
    new Lock().with(function* () {});
    yield* sleep(0);
  });
  const reports = seen.map((c) => [c.message, c.coroutineName, /^ {4}at dropping \(\S*debug\.test\.ts:\d+:\d+\)/.test(c.sourceTraceback!)]).sort();
  assert.deepEqual(reports, [
    ["coroutine 'Barrier.abort' was never awaited", "Barrier.abort", true],
    ["coroutine 'Lock.with' was never awaited", "Lock.with", true],
    ["coroutine 'Queue.put' was never awaited", "Queue.put", true],
    ["coroutine 'sleep' was never awaited", "sleep", true],
  ]);
});

test("a coroutine of the API not started when its loop closes is reported then, once, though still referenced", async () => {
  const seen: ExceptionContext[] = [];
  const kept: unknown[] = [];
  const loop = newEventLoop({ debug: true });
  loop.setExceptionHandler((_loop, ctx) => seen.push(ctx));
  await loop.runUntilComplete(
    (function* () {
      kept.push(new Queue<number>().get()); // held, never started: it can never run once the loop is closed
      yield* sleep(0);
    })(),
  );
  assert.equal(seen.length, 0);
  loop.close();
  assert.deepEqual(
    seen.map((c) => c.message),
    ["coroutine 'Queue.get' was never awaited"],
  );
  kept.length = 0;
  for (let i = 0; i < 2; i++) {
    await turn();
    collectGarbage();
  }
  await turn();
  assert.equal(seen.length, 1, "reported once");
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

test("the watchdog reports a step that blocks the loop while it still runs, with where it is stuck, then when it ends", () => {
  const fixture = fileURLToPath(new URL("../fixtures/debug/blocked.ts", import.meta.url));
  const r = spawnSync(process.execPath, ["--import", "tsx", fixture, "600"], { encoding: "utf8", timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  // Written by the watchdog's thread while the task spins (before "spin over"), then by the loop.
  assert.match(
    lines[0]!,
    /^Executing <Task pending name='cruncher' coro=<crunch\(\) running at \S*blocked\.ts:16> created at \S*blocked\.ts:23> has been running for (\d+\.\d{3}) seconds, blocking the loop; it is at:$/,
  );
  assert.ok(Number(/for (\d+\.\d{3}) seconds/.exec(lines[0]!)![1]) >= 0.1, lines[0]);
  assert.match(lines[1]!, /^ {4}at spinFor \(\S*blocked\.ts:11:\d+\)$/); // the column is where the interrupt came
  assert.match(lines[2]!, /^ {4}at crunch \(\S*blocked\.ts:16:3\)$/);
  assert.equal(lines[3], "spin over");
  assert.match(lines[4]!, /^Executing <Task finished name='cruncher' coro=<crunch\(\) done, defined at \S*blocked\.ts:14> result=undefined created at \S*blocked\.ts:23> took 0\.(\d{3}) seconds$/);
  assert.equal(lines[5], "done");
  assert.equal(lines.length, 6, r.stderr);
});

test("a step shorter than the threshold is not reported by the watchdog", () => {
  const fixture = fileURLToPath(new URL("../fixtures/debug/blocked.ts", import.meta.url));
  const r = spawnSync(process.execPath, ["--import", "tsx", fixture, "30"], { encoding: "utf8", timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "spin over\ndone\n");
});
