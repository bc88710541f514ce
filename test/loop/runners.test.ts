// The behaviour of CPython's test_runners.py (3.13): run() and Runner. Ctrl-C is tested on a
// child process (test/fixtures/sigint.ts) that the test interrupts with a real SIGINT.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import {
  CancelledError,
  ContextVar,
  EventLoop,
  KeyboardInterrupt,
  Runner,
  SystemExit,
  copyContext,
  createTask,
  currentTask,
  getEventLoop,
  getRunningLoop,
  run,
  sleep,
  type Context,
  type Coroutine,
  type ExceptionContext,
} from "asyncio-ts";
import { VirtualClock } from "asyncio-ts/testing";
import { runTs } from "../helpers.ts";

class SpamError extends Error {
  override name = "SpamError";
}

// -- run ------------------------------------------------------------------------------------

test("run resolves with the main coroutine's result", async () => {
  function* main(): Coroutine<number> {
    yield* sleep(0);
    return 42;
  }
  assert.equal(await run(main()), 42);
});

test("run takes a generator function as main and calls it", async () => {
  let calls = 0;
  const v = await run(function* () {
    calls++;
    yield* sleep(0);
    return "from a generator function";
  });
  assert.equal(v, "from a generator function");
  assert.equal(calls, 1);
});

test("run rejects with the main coroutine's error", async () => {
  const boom = new SpamError("spam");
  await assert.rejects(
    run(function* () {
      yield* sleep(0);
      throw boom;
    }),
    (e) => e === boom,
  );
});

test("run with something that is not a coroutine throws ValueError", () => {
  assert.throws(() => run(1 as unknown as Coroutine<void>), {
    name: "ValueError",
    message: "a coroutine was expected, got 1 (pass main() or a generator function)",
  });
  assert.throws(() => run((() => undefined) as unknown as () => Coroutine<void>), {
    name: "ValueError",
    message: "a coroutine was expected, got undefined (pass main() or a generator function)",
  });
});

test("run inside a running loop throws RuntimeError", async () => {
  await run(function* () {
    const co = (function* () {})();
    assert.throws(() => run(co), {
      name: "RuntimeError",
      message: "asyncio.run() cannot be called from a running event loop; use `yield*` or createTask() there",
    });
    yield* sleep(0);
  });
});

test("run cancels the tasks left over, runs their finally blocks, and closes the loop", async () => {
  const events: string[] = [];
  let leftover!: ReturnType<typeof createTask<void>>;
  let loop!: EventLoop;
  const v = await run(function* () {
    loop = getRunningLoop();
    leftover = createTask(
      (function* () {
        try {
          yield* sleep(0.1);
          events.push("not reached");
        } catch (e) {
          events.push(`leftover got ${(e as Error).name}, loop closed=${loop.isClosed()}`);
          throw e;
        } finally {
          events.push("leftover finally");
        }
      })(),
    );
    yield* sleep(0);
    return 123;
  });
  assert.equal(v, 123);
  assert.equal(leftover.cancelled(), true);
  assert.equal(loop.isClosed(), true);
  assert.deepEqual(events, ["leftover got CancelledError, loop closed=false", "leftover finally"]);
});

test("run cancels the leftovers after the main task failed, too", async () => {
  const events: string[] = [];
  await assert.rejects(
    run(function* () {
      createTask(
        (function* () {
          try {
            yield* sleep(10);
          } finally {
            events.push("leftover finally");
          }
        })(),
      );
      yield* sleep(0);
      throw new SpamError("main failed");
    }),
    { name: "SpamError", message: "main failed" },
  );
  assert.deepEqual(events, ["leftover finally"]);
});

test("run rejects with a SystemExit or KeyboardInterrupt that the main task throws; the leftovers are cancelled and nothing is reported", async () => {
  for (const BaseExit of [SystemExit, KeyboardInterrupt]) {
    const events: string[] = [];
    const exit = new BaseExit();
    await assert.rejects(
      run(function* () {
        getRunningLoop().setExceptionHandler((_l, ctx) => events.push(`reported: ${ctx.message}`));
        createTask(
          (function* () {
            try {
              yield* sleep(10);
            } finally {
              events.push("leftover finally");
            }
          })(),
        );
        yield* sleep(0);
        throw exit;
      }),
      (e) => e === exit,
    );
    assert.deepEqual(events, ["leftover finally"]);
  }
});

test("run rejects with a SystemExit that another task throws, at once: the main task is cancelled with the leftovers", async () => {
  const events: string[] = [];
  const exit = new SystemExit(2);
  await assert.rejects(
    run(function* () {
      getRunningLoop().setExceptionHandler((_l, ctx) => events.push(`reported: ${ctx.message}`));
      createTask(
        (function* () {
          yield* sleep(0);
          throw exit;
        })(),
        { name: "exiter" },
      );
      try {
        yield* sleep(10);
        events.push("main slept");
      } catch (e) {
        events.push(`main: ${(e as Error).name}`);
        throw e;
      }
    }),
    (e) => e === exit,
  );
  assert.equal(exit.code, 2);
  assert.equal(exit.message, "2");
  // The task that threw it failed with it, and nobody read it: reported when the loop closes.
  assert.deepEqual(events, ["main: CancelledError", "reported: Task exception was never retrieved (task 'exiter')"]);
});

test("an error a leftover task ends with while cancelled goes to the exception handler", async () => {
  const seen: ExceptionContext[] = [];
  let leftover!: ReturnType<typeof createTask<void>>;
  const boom = new RangeError("1 / 0");
  const v = await run(function* () {
    getRunningLoop().setExceptionHandler((_loop, ctx) => seen.push(ctx));
    leftover = createTask(
      (function* () {
        try {
          yield* sleep(0.1);
        } catch {
          throw boom;
        }
      })(),
    );
    yield* sleep(0);
    return 123;
  });
  assert.equal(v, 123);
  assert.equal(leftover.done(), true);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.message, "unhandled exception during asyncio.run() shutdown");
  assert.equal(seen[0]!.exception, boom);
  assert.equal(seen[0]!.task, leftover);
});

test("run's debug option reaches loop.getDebug(); ASYNCIO_DEBUG=1 turns it on by default", async () => {
  const debugOf = (options: { debug?: boolean }): Promise<boolean> =>
    run(function* () {
      yield* sleep(0);
      return getRunningLoop().getDebug();
    }, options);
  const saved = process.env.ASYNCIO_DEBUG;
  try {
    delete process.env.ASYNCIO_DEBUG;
    assert.equal(await debugOf({}), false);
    assert.equal(await debugOf({ debug: true }), true);
    assert.equal(await debugOf({ debug: false }), false);
    process.env.ASYNCIO_DEBUG = "1";
    assert.equal(await debugOf({}), true);
    assert.equal(await debugOf({ debug: false }), false);
  } finally {
    if (saved === undefined) delete process.env.ASYNCIO_DEBUG;
    else process.env.ASYNCIO_DEBUG = saved;
  }
});

test("run's loop is the current one while it runs, and a fresh loop each time", async () => {
  const loops: EventLoop[] = [];
  for (let i = 0; i < 2; i++) {
    await run(function* () {
      assert.equal(getEventLoop(), getRunningLoop());
      loops.push(getRunningLoop());
      yield* sleep(0);
    });
  }
  assert.notEqual(loops[0], loops[1]);
  assert.ok(loops.every((l) => l.isClosed()));
});

test("run takes a clock: the virtual clock makes an hour pass at once", async () => {
  const t0 = performance.now();
  const t = await run(
    function* () {
      yield* sleep(3600);
      return getRunningLoop().time();
    },
    { clock: new VirtualClock() },
  );
  assert.equal(t, 3600);
  assert.ok(performance.now() - t0 < 5000);
});

// -- Runner ---------------------------------------------------------------------------------

test("Runner: getLoop() reflects the debug option", async () => {
  for (const debug of [false, true]) {
    const runner = new Runner({ debug });
    assert.equal(runner.getLoop().getDebug(), debug);
    await runner.close();
  }
});

test("Runner runs several coroutines on one loop; close() closes it; then the runner refuses", async () => {
  const runner = new Runner();
  const loops: EventLoop[] = [];
  function* f(v: string): Coroutine<string> {
    yield* sleep(0);
    loops.push(getRunningLoop());
    return v;
  }
  assert.equal(await runner.run(f("one")), "one");
  assert.equal(await runner.run(f("two")), "two");
  const loop = runner.getLoop();
  assert.deepEqual(loops, [loop, loop]);
  assert.equal(loop.isClosed(), false);
  await runner.close();
  assert.equal(loop.isClosed(), true);
  assert.throws(() => runner.getLoop(), { name: "RuntimeError", message: "Runner is closed" });
  const co = f("three");
  assert.throws(() => runner.run(co), { name: "RuntimeError", message: "Runner is closed" });
  // close() again is a no-op.
  await runner.close();
  assert.equal(loop.isClosed(), true);
});

test("Runner.close() before any run closes the loop made by getLoop(); a runner never used closes quietly", async () => {
  const runner = new Runner();
  const loop = runner.getLoop();
  await runner.close();
  assert.equal(loop.isClosed(), true);
  assert.throws(() => runner.getLoop(), { name: "RuntimeError", message: "Runner is closed" });
  await new Runner().close();
});

test("Runner.run with a non-coroutine throws ValueError", async () => {
  const runner = new Runner();
  try {
    assert.throws(() => runner.run(123 as unknown as Coroutine<void>), {
      name: "ValueError",
      message: "a coroutine was expected, got 123",
    });
    const fut = runner.getLoop().createFuture<void>();
    assert.throws(() => runner.run(fut as unknown as Coroutine<void>), {
      name: "ValueError",
      message: "a coroutine was expected, got <Future pending>",
    });
    function* main(): Coroutine<void> {}
    assert.throws(() => runner.run(main as unknown as Coroutine<void>), {
      name: "ValueError",
      message: "a coroutine was expected, got [GeneratorFunction: main] (call it: pass main(), not main)",
    });
  } finally {
    await runner.close();
  }
});

test("Runner.run inside a running loop throws RuntimeError", async () => {
  const runner = new Runner();
  try {
    await runner.run(
      (function* () {
        const co = (function* () {})();
        assert.throws(() => runner.run(co), {
          name: "RuntimeError",
          message: "Runner.run() cannot be called from a running event loop; use `yield*` or createTask() there",
        });
        yield* sleep(0);
      })(),
    );
  } finally {
    await runner.close();
  }
});

test("Runner keeps one context across its runs", async () => {
  const cvar = new ContextVar<number>("cvar", { default: -1 });
  function* f(v: number): Coroutine<number> {
    const old = cvar.get();
    yield* sleep(0);
    cvar.set(v);
    return old;
  }
  const runner = new Runner();
  try {
    assert.equal(await runner.run(f(1)), -1);
    assert.equal(await runner.run(f(2)), 1);
    const ctx = await runner.run(
      (function* (): Coroutine<Context> {
        return copyContext();
      })(),
    );
    assert.equal(ctx.get(cvar), 2);
    // A context given to run() is used instead.
    const own = copyContext();
    assert.equal(await runner.run(f(7), { context: own }), -1);
    assert.equal(own.get(cvar), 7);
    assert.equal(await runner.run(f(3)), 2);
  } finally {
    await runner.close();
  }
  assert.equal(cvar.get(), -1);
});

test("Runner.close() cancels what a run left behind", async () => {
  const events: string[] = [];
  const runner = new Runner();
  await runner.run(
    (function* () {
      createTask(
        (function* () {
          try {
            yield* sleep(3600);
          } finally {
            events.push("leftover finally");
          }
        })(),
      );
      yield* sleep(0);
    })(),
  );
  assert.deepEqual(events, []);
  await runner.close();
  assert.deepEqual(events, ["leftover finally"]);
});

test("Runner prints its state", async () => {
  const runner = new Runner({ debug: true });
  assert.equal(inspect(runner), "<Runner created>");
  runner.getLoop();
  assert.equal(String(runner), "<Runner initialized debug=true>");
  await runner.close();
  assert.equal(String(runner), "<Runner closed>");
});

test("run leaves no SIGINT listener behind", async () => {
  const before = process.listenerCount("SIGINT");
  await run(function* () {
    yield* sleep(0);
  });
  assert.equal(process.listenerCount("SIGINT"), before);
});

test("a main task cancelled from inside ends run with CancelledError, not KeyboardInterrupt", async () => {
  await assert.rejects(
    run(function* () {
      currentTask()!.cancel("by itself");
      yield* sleep(1);
    }),
    (e) => e instanceof CancelledError && e.message === "by itself",
  );
});

// -- SIGINT ---------------------------------------------------------------------------------

interface ChildResult {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the fixture in `mode`, sending SIGINT whenever it prints one of `interruptOn`. */
function interrupt(mode: string, interruptOn: string[]): Promise<ChildResult> {
  const fixture = fileURLToPath(new URL("../fixtures/sigint.ts", import.meta.url));
  const child = spawn(...runTs(fixture, mode), { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  let buffered = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d: string) => (stderr += d));
  child.stdout.on("data", (d: string) => {
    buffered += d;
    let i: number;
    while ((i = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      lines.push(line);
      if (interruptOn.includes(line)) child.kill("SIGINT");
    }
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      resolve({ lines, code, signal, stderr });
    });
  });
}

// The children start at once: each spends most of its time loading TypeScript.
describe("SIGINT in a child process", { concurrency: true }, () => {
  test("SIGINT cancels the main task: its finally runs, the leftovers are cancelled, run rejects with KeyboardInterrupt", async () => {
    const r = await interrupt("wait", ["ready"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.lines, [
      "ready",
      "main finally, leftover done=false",
      "leftover finally",
      "run rejected with KeyboardInterrupt",
      "SIGINT listeners left: 0",
    ]);
  });

  test("SIGINT reaches a main task that waits on no future (a sleep(0) loop)", async () => {
    const r = await interrupt("spin", ["ready"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.lines, [
      "ready",
      "main caught CancelledError",
      "leftover finally",
      "run rejected with KeyboardInterrupt",
      "SIGINT listeners left: 0",
    ]);
  });

  test("SIGINT on a main task already cancelled: run rejects with CancelledError", async () => {
    const r = await interrupt("cancelled", []);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.lines, [
      "main cancelled, cancelling=1",
      "cleanup interrupted, cancelling=2",
      "leftover finally",
      "run rejected with CancelledError",
      "SIGINT listeners left: 0",
    ]);
  });

  test("a SIGINT handler added with loop.addSignalHandler takes over from the runner's", async () => {
    const r = await interrupt("handler", ["ready"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.lines, ["ready", "loop handler ran", "main was not cancelled", "leftover finally", "run resolved", "SIGINT listeners left: 0"]);
  });

  test("a second SIGINT ends the process with code 130", { timeout: 30_000 }, async () => {
    const r = await interrupt("twice", ["ready", "main swallowed the first cancellation"]);
    assert.deepEqual(r.lines, ["ready", "main swallowed the first cancellation"]);
    assert.equal(r.code, 130, r.stderr);
  });
});
