import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, type AddressInfo } from "node:net";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  CancelledError,
  Context,
  ContextVar,
  EventLoop,
  KeyboardInterrupt,
  RuntimeError,
  SystemExit,
  ValueError,
  createTask,
  fromPromise,
  getEventLoop,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
  type Coroutine,
  type Task,
} from "asyncio-ts";
import { runTs } from "../helpers.ts";

test("callSoon runs callbacks in FIFO order, never inside the call that scheduled them", async () => {
  const order: string[] = [];
  await run(function* () {
    const loop = getRunningLoop();
    loop.callSoon(() => order.push("a"));
    loop.callSoon((x: string) => order.push(x), "b");
    order.push("scheduled");
    yield* sleep(0);
    order.push("after");
  });
  assert.deepEqual(order, ["scheduled", "a", "b", "after"]);
});

test("callSoon, callLater and callAt pass their callback exactly the arguments given, an explicit undefined too", async () => {
  const got: unknown[][] = [];
  const record = (...args: unknown[]): void => void got.push(args);
  await run(function* () {
    const loop = getRunningLoop();
    loop.callSoon(record);
    loop.callSoon(record, 1, "two", [3]);
    loop.callSoon(record, undefined);
    loop.callLater(0, record, "later");
    loop.callAt(loop.time(), record, "at", null);
    yield* sleep(0.01);
  });
  assert.deepEqual(got, [[], [1, "two", [3]], [undefined], ["later"], ["at", null]]);
});

test("timers run in order of when, ties in order of scheduling", async () => {
  const order: number[] = [];
  await run(function* () {
    const loop = getRunningLoop();
    const now = loop.time();
    loop.callAt(now + 0.02, () => order.push(3));
    loop.callAt(now + 0.01, () => order.push(1));
    loop.callAt(now + 0.01, () => order.push(2));
    loop.callLater(0.03, () => order.push(4)).cancel();
    yield* sleep(0.04);
  });
  assert.deepEqual(order, [1, 2, 3]);
});

test("callLater rejects a NaN or non-number delay with a clear error", () => {
  const loop = newEventLoop();
  assert.throws(() => loop.callLater(NaN, () => {}), { name: "ValueError", message: "`delay` must be a number of seconds, got NaN" });
  assert.throws(() => loop.callLater("1" as unknown as number, () => {}), { name: "TypeError", message: '`delay` must be a number of seconds, got "1"' });
  loop.close();
});

test("callLater with a negative delay runs the callback at once, the most negative first (test_call_later_negative_delays)", async () => {
  const calls: string[] = [];
  await run(function* () {
    const loop = getRunningLoop();
    const t0 = loop.time();
    loop.callLater(-1, (x: string) => calls.push(x), "a");
    loop.callLater(-2, (x: string) => calls.push(x), "b");
    loop.callLater(0, (x: string) => calls.push(x), "c");
    // The timers are due at the next iteration, behind this task, which was ready first.
    yield* sleep(0);
    assert.deepEqual(calls, []);
    yield* sleep(0);
    assert.deepEqual(calls, ["b", "a", "c"]);
    assert.ok(loop.time() - t0 < 0.1);
  });
});

test("callSoonInContext, callLaterInContext and callAtInContext run the callback in that very context, not a copy (CPython's context=)", async () => {
  const requestId = new ContextVar<string>("requestId", { default: "-" });
  const seen: string[] = [];
  await run(function* () {
    const loop = getRunningLoop();
    requestId.set("main");
    const ctx = new Context();
    const soon = loop.callSoonInContext(
      ctx,
      (x: string) => {
        seen.push(`soon ${x}: ${requestId.get()}`);
        requestId.set("set by soon");
      },
      "a",
    );
    loop.callSoon(() => seen.push(`plain: ${requestId.get()}`));
    loop.callLaterInContext(ctx, 0.01, (x: string) => seen.push(`later ${x}: ${requestId.get()}`), "b");
    const at = loop.callAtInContext(ctx, loop.time() + 0.02, () => seen.push(`at: ${requestId.get()}`));
    assert.equal(soon.getContext(), ctx);
    assert.equal(at.getContext(), ctx);
    yield* sleep(0.05);
    seen.push(`main: ${requestId.get()}`);
    assert.equal(ctx.get(requestId), "set by soon");
  });
  assert.deepEqual(seen, ["soon a: -", "plain: main", "later b: set by soon", "at: set by soon", "main: main"]);
});

test("the InContext methods refuse what is not a Context with a TypeError that says what to pass", () => {
  const loop = newEventLoop();
  const bad = { map: new Map() } as unknown as Context;
  assert.throws(() => loop.callSoonInContext(bad, () => {}), {
    name: "TypeError",
    message: "callSoonInContext(): `context` must be a Context (copyContext() makes one), got { map: Map(0) {} }",
  });
  assert.throws(() => loop.callLaterInContext(null as unknown as Context, 1, () => {}), {
    name: "TypeError",
    message: "callLaterInContext(): `context` must be a Context (copyContext() makes one), got null",
  });
  assert.throws(() => loop.callAtInContext(undefined as unknown as Context, 1, () => {}), {
    name: "TypeError",
    message: "callAtInContext(): `context` must be a Context (copyContext() makes one), got undefined",
  });
  loop.close();
});

test("callSoon of something not callable is a TypeError at once, debug mode or not (test_call_soon_non_callable)", () => {
  for (const debug of [false, true]) {
    const loop = newEventLoop({ debug });
    assert.throws(() => loop.callSoon(42 as unknown as () => void), { name: "TypeError", message: "a callable object was expected by callSoon(), got 42" });
    assert.throws(() => loop.callSoonThreadsafe(null as unknown as () => void), { name: "TypeError", message: "a callable object was expected by callSoon(), got null" });
    assert.throws(() => loop.callSoonInContext(new Context(), "f" as unknown as () => void), {
      name: "TypeError",
      message: "a callable object was expected by callSoonInContext(), got 'f'",
    });
    assert.equal(loop._ready.length, 0, "nothing was scheduled");
    loop.close();
  }
});

test("an error in a callback goes to the exception handler and the loop goes on", async () => {
  const seen: string[] = [];
  await run(function* () {
    const loop = getRunningLoop();
    loop.setExceptionHandler((_l, ctx) => seen.push(`${ctx.message}: ${(ctx.exception as Error).message}`));
    loop.callSoon(function boom() {
      throw new Error("bad");
    });
    loop.callSoon(() => seen.push("next"));
    yield* sleep(0);
  });
  assert.deepEqual(seen, ["Exception in callback boom(): bad", "next"]);
});

test("KeyboardInterrupt or SystemExit from a callback is not handled: it ends the run, the rest waits for the next run", async () => {
  for (const BaseExit of [KeyboardInterrupt, SystemExit]) {
    const loop = newEventLoop();
    const seen: string[] = [];
    loop.setExceptionHandler((_l, ctx) => seen.push(ctx.message));
    const exit = new BaseExit();
    loop.callSoon(() => {
      throw exit;
    });
    loop.callSoon(() => seen.push("second callback"));
    await assert.rejects(loop.runForever(), (e) => e === exit);
    assert.deepEqual(seen, []);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    assert.deepEqual(seen, ["second callback"]);
    loop.close();
  }
});

test("runUntilComplete of a coroutine that throws KeyboardInterrupt rejects with it and leaves no stop() for the next run (test_run_until_complete_baseexception)", async () => {
  const loop = newEventLoop();
  const interrupt = new KeyboardInterrupt();
  await assert.rejects(
    loop.runUntilComplete(
      (function* (): Coroutine<never> {
        throw interrupt;
      })(),
    ),
    (e) => e === interrupt,
  );
  let called = false;
  loop.callSoon(() =>
    loop.callSoon(() => {
      loop.stop();
      called = true;
    }),
  );
  await loop.runForever();
  assert.equal(called, true);
  loop.close();
});

test("the task runUntilComplete made for a coroutine that threw KeyboardInterrupt is not reported as never retrieved (test_run_forever_keyboard_interrupt)", async () => {
  const loop = newEventLoop();
  const seen: string[] = [];
  loop.setExceptionHandler((_l, ctx) => seen.push(ctx.message));
  const given = loop.createTask(
    (function* (): Coroutine<never> {
      yield* sleep(0);
      throw new KeyboardInterrupt("given");
    })(),
  );
  await assert.rejects(
    loop.runUntilComplete(
      (function* (): Coroutine<never> {
        throw new KeyboardInterrupt("made here");
      })(),
    ),
    { name: "KeyboardInterrupt", message: "made here" },
  );
  // A task the caller passed in is the caller's to read, as in CPython.
  await assert.rejects(loop.runUntilComplete(given), { name: "KeyboardInterrupt", message: "given" });
  loop.close();
  assert.deepEqual(seen, [`Task exception was never retrieved (task '${given.getName()}')`]);
});

test("a coroutine spinning on sleep(0) does not starve Node's timers and sockets", async () => {
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const events: string[] = [];
  try {
    await run(function* () {
      let stop = false;
      const spinner = createTask(
        (function* () {
          while (!stop) yield* sleep(0);
        })(),
      );
      const nodeTimer = new Promise<void>((r) => setTimeout(() => (events.push("node timer"), r()), 5));
      const echoed = new Promise<void>((resolve) => {
        const c = connect(port, "127.0.0.1", () => c.write("ping"));
        c.on("data", (d) => {
          events.push(`echo ${d.toString()}`);
          c.end();
          resolve();
        });
      });
      yield* fromPromise(Promise.all([nodeTimer, echoed]));
      events.push(spinner.done() ? "spinner stopped" : "spinner still running");
      stop = true;
      yield* spinner;
    });
  } finally {
    server.close();
  }
  assert.deepEqual(events.sort(), ["echo ping", "node timer", "spinner still running"]);
});

test("runUntilComplete resolves with the result; the loop can run again", async () => {
  const loop = new EventLoop();
  function* add(a: number, b: number): Coroutine<number> {
    yield* sleep(0);
    return a + b;
  }
  assert.equal(await loop.runUntilComplete(add(1, 2)), 3);
  assert.equal(await loop.runUntilComplete(add(3, 4)), 7);
  assert.equal(loop.isRunning(), false);
  loop.close();
  assert.equal(loop.isClosed(), true);
  for (const schedule of [() => loop.callSoon(() => {}), () => loop.callLater(1, () => {}), () => loop.callAt(1, () => {})]) {
    assert.throws(schedule, { name: "RuntimeError", message: "Event loop is closed" });
  }
});

test("run() inside a running loop throws RuntimeError", async () => {
  await run(function* () {
    assert.throws(() => run(sleep(0)), RuntimeError);
    assert.throws(() => getRunningLoop().runUntilComplete(sleep(0)), { message: "This event loop is already running" });
    yield* sleep(0);
  });
});

test("getRunningLoop outside a loop throws; getEventLoop makes one", () => {
  assert.throws(() => getRunningLoop(), { name: "RuntimeError", message: "no running event loop" });
  const loop = getEventLoop();
  assert.equal(getEventLoop(), loop);
  loop.close();
});

test("a deadlocked program ends with a RuntimeError naming the chain it waits on, not a silent exit", () => {
  const fixture = fileURLToPath(new URL("../fixtures/deadlock.ts", import.meta.url));
  const r = spawnSync(...runTs(fixture), { encoding: "utf8", timeout: 15_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /^RuntimeError: Event loop deadlock: nothing can ever run again \(no ready callback, no timer, no I\/O\), but <Task pending name='Task-\d+' wait_for=<Task pending name='child' wait_for=<Future pending>>> is still pending; it waits on <Task pending name='child' wait_for=<Future pending>>, which waits on <Future pending>\n$/,
  );
});

test("twelve deadlocked runs at once each end with the report, with no listener-leak warning and no listener left", () => {
  const fixture = fileURLToPath(new URL("../fixtures/deadlock.ts", import.meta.url));
  const r = spawnSync(...runTs(fixture, "many"), { encoding: "utf8", timeout: 15_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  const lines = r.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 13);
  for (const line of lines.slice(0, 12)) assert.match(line, /^RuntimeError: Event loop deadlock: nothing can ever run again/);
  assert.equal(lines[12], "beforeExit listeners left: 0");
});

test("debug mode logs a slow task step with the task's name", async () => {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (msg: string) => warnings.push(msg);
  try {
    await run(
      function* () {
        getRunningLoop().slowCallbackDuration = 0.01;
        const slow = createTask(
          (function* slowpoke() {
            const until = performance.now() + 30;
            while (performance.now() < until);
            yield* sleep(0);
          })(),
          { name: "slowpoke" },
        );
        yield* slow;
      },
      { debug: true },
    );
  } finally {
    console.warn = warn;
  }
  // Under load other steps may be logged too; the 30 ms step of slowpoke must be among them.
  assert.ok(warnings.every((w) => /^Executing <.*> took \d+\.\d{3} seconds$/.test(w)), warnings.join("\n"));
  // In debug mode a task's repr says where its coroutine is and where the task was created.
  const slowpoke = warnings.map((w) =>
    /^Executing <Task pending name='slowpoke' coro=<slowpoke\(\) running at \S*events\.test\.ts:\d+> created at \S*events\.test\.ts:\d+> took (\d+\.\d{3}) seconds$/.exec(w),
  );
  assert.ok(slowpoke.some((m) => m !== null && Number(m[1]) >= 0.03), warnings.join("\n"));
});

test("debug mode shows which task cancelled a task, and from where, in the CancelledError's stack", async () => {
  const stacks: string[] = [];
  function* victim(): Coroutine<void> {
    try {
      yield* sleep(10);
    } catch (e) {
      stacks.push((e as Error).stack!);
      throw e;
    }
  }
  await run(
    function* () {
      const waiting = createTask(victim(), { name: "waiting" });
      let notStarted: Task<void> | null = null;
      const killer = createTask(
        (function* () {
          notStarted = createTask(victim(), { name: "not-started" });
          notStarted.cancel();
          yield* sleep(0.01);
          waiting.cancel();
        })(),
        { name: "killer" },
      );
      yield* killer;
      for (const t of [waiting, notStarted!]) {
        try {
          yield* t;
        } catch (e) {
          stacks.push(`${t.getName()}: ${(e as Error).stack}`);
        }
      }
    },
    { debug: true },
  );
  // The victim that was waiting saw the error at its await point; the one cancelled before its
  // first step never entered its try block. Both errors, as their awaiters see them, name the killer.
  assert.equal(stacks.length, 3);
  assert.match(stacks[0]!, /^CancelledError\n[^]*Cancelled by <Task pending name='killer'[^\n]*> at:\n[^]*events\.test\.ts/);
  assert.match(stacks[1]!, /^waiting: CancelledError\n[^]*Cancelled by <Task pending name='killer'/);
  assert.match(stacks[2]!, /^not-started: CancelledError\n[^]*Cancelled by <Task pending name='killer'/);
});

test("a CancelledError carries the cancel message always, and in debug mode who cancelled it and from where as fields (origin)", async () => {
  const seen: Record<string, unknown>[] = [];
  function* victim(): Coroutine<void> {
    yield* sleep(10);
  }
  for (const debug of [true, false]) {
    await run(
      function* main() {
        const byTask = createTask(victim(), { name: "by-task" });
        const byCallback = createTask(victim(), { name: "by-callback" });
        yield* sleep(0);
        const killer = createTask(
          (function* () {
            byTask.cancel("enough");
          })(),
          { name: "killer" },
        );
        yield* killer;
        getRunningLoop().callSoon(function timer() {
          byCallback.cancel();
        });
        for (const [t, by] of [[byTask, killer], [byCallback, null]] as const) {
          try {
            yield* t;
          } catch (e) {
            assert.ok(e instanceof CancelledError);
            const origin = e.origin;
            seen.push({
              debug,
              name: t.getName(),
              message: e.message,
              task: origin === undefined ? "-" : origin.task === by,
              taskName: origin?.taskName,
              by: origin?.by,
              stackNamesTest: origin === undefined ? "-" : /events\.test\.ts/.test(origin.stack),
              inStack: /\nCancelled by /.test(e.stack!),
              enumerable: Object.keys(e).includes("origin"),
            });
          }
        }
      },
      { debug },
    );
  }
  assert.deepEqual(seen, [
    { debug: true, name: "by-task", message: "enough", task: true, taskName: "killer", by: "<Task pending name='killer'>", stackNamesTest: true, inStack: true, enumerable: false },
    { debug: true, name: "by-callback", message: "", task: true, taskName: null, by: "a callback outside any task", stackNamesTest: true, inStack: true, enumerable: false },
    { debug: false, name: "by-task", message: "enough", task: "-", taskName: undefined, by: undefined, stackNamesTest: "-", inStack: false, enumerable: false },
    { debug: false, name: "by-callback", message: "", task: "-", taskName: undefined, by: undefined, stackNamesTest: "-", inStack: false, enumerable: false },
  ]);
});

test("close() reports a task still pending; in debug mode the report shows where it was created", async () => {
  const loop = new EventLoop({ debug: true });
  const reports: string[] = [];
  const error = console.error;
  console.error = (msg: string) => reports.push(msg);
  try {
    await loop.runUntilComplete(
      (function* () {
        createTask(sleep(10), { name: "forgotten" });
        yield* sleep(0);
      })(),
    );
    loop.close();
  } finally {
    console.error = error;
  }
  assert.equal(reports.length, 1);
  assert.match(
    reports[0]!,
    /^Task was destroyed but it is pending!\ntask: <Task pending name='forgotten' coro=<sleep\(10\)> wait_for=<SleepFuture pending> created at \S*events\.test\.ts:\d+>\nTask created at:\n/,
  );
  assert.match(reports[0]!, /events\.test\.ts/);
});
