// Behaviour of Future and the promise bridges, ported from CPython's test_asyncio/test_futures.py.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import v8 from "node:v8";
import vm from "node:vm";
import {
  CancelledError,
  Context,
  ContextVar,
  Future,
  InvalidStateError,
  createTask,
  fromPromise,
  getRunningLoop,
  isFuture,
  newEventLoop,
  run,
  setEventLoop,
  sleep,
  gather,
  wait,
  wrapFuture,
  ConcurrentFuture,
  type ConcurrentFutureLike,
  type Coroutine,
  type EventLoop,
  type ExceptionContext,
  type Task,
} from "asyncio-ts";
import { asyncioTest } from "asyncio-ts/testing";
import { caught } from "../helpers.ts";

/** Awaits `f` and checks that it throws an error of that name and message. */
function* expectThrows(f: Future<unknown>, name: string, message: string): Coroutine<void> {
  try {
    yield* f;
  } catch (e) {
    assert.equal((e as Error).name, name);
    assert.equal((e as Error).message, message);
    return;
  }
  assert.fail(`expected ${name}`);
}

/** A loop that is not running, closed after `body`. */
function withLoop(body: (loop: EventLoop) => void): void {
  const loop = newEventLoop();
  try {
    body(loop);
  } finally {
    loop.close();
  }
}

// -- states ------------------------------------------------------------------------------------

test("a new future is pending: result() and exception() throw InvalidStateError with CPython's messages", () => {
  withLoop((loop) => {
    const f = loop.createFuture<number>();
    assert.equal(f.done(), false);
    assert.equal(f.cancelled(), false);
    assert.throws(() => f.result(), (e: unknown) => e instanceof InvalidStateError && e.message === "Result is not set.");
    assert.throws(() => f.exception(), (e: unknown) => e instanceof InvalidStateError && e.message === "Exception is not set.");
    assert.equal(f.getLoop(), loop);
    assert.equal(String(f), "<Future pending>");
  });
});

test("new Future() binds to the running loop inside one, and to the current loop outside", async () => {
  await asyncioTest(function* (loop) {
    assert.equal(new Future().getLoop(), loop);
    yield* sleep(0);
  }, { debug: false })();
  const loop = newEventLoop();
  setEventLoop(loop);
  try {
    assert.equal(new Future().getLoop(), loop);
    assert.equal(new Future({ loop }).getLoop(), loop);
  } finally {
    setEventLoop(null);
    loop.close();
  }
});

test("setResult: done, result() returns the value, exception() returns null", () => {
  withLoop((loop) => {
    const f = loop.createFuture<number>();
    f.setResult(42);
    assert.equal(f.done(), true);
    assert.equal(f.cancelled(), false);
    assert.equal(f.result(), 42);
    assert.equal(f.exception(), null);
    assert.equal(f.cancel(), false);
    assert.equal(String(f), "<Future finished result=42>");
  });
});

test("setException: result() throws that very error, exception() returns it", () => {
  withLoop((loop) => {
    const f = loop.createFuture<number>();
    const err = new RangeError("boom");
    f.setException(err);
    assert.equal(f.done(), true);
    assert.throws(() => f.result(), (e: unknown) => e === err);
    assert.equal(f.exception(), err);
    assert.equal(f.cancel(), false);
    assert.equal(String(f), '<Future finished exception=RangeError("boom")>');
  });
});

test("setResult/setException on a done future throw InvalidStateError naming the state and the future", () => {
  withLoop((loop) => {
    const f = loop.createFuture<number>();
    f.setResult(1);
    assert.throws(() => f.setResult(2), {
      name: "InvalidStateError",
      message: "FINISHED: <Future finished result=1> (setResult() may be called only once, on a pending future; check done() first)",
    });
    assert.throws(() => f.setException(new Error("x")), {
      name: "InvalidStateError",
      message: "FINISHED: <Future finished result=1> (setException() may be called only once, on a pending future; check done() first)",
    });
    assert.equal(f.result(), 1);

    const c = loop.createFuture<number>();
    c.cancel();
    assert.throws(() => c.setResult(2), {
      name: "InvalidStateError",
      message: "CANCELLED: <Future cancelled> (setResult() may be called only once, on a pending future; check done() first)",
    });
  });
});

test("a value that is not an Error can be the exception, and is thrown as is", () => {
  withLoop((loop) => {
    const f = loop.createFuture<number>();
    f.setException("just a string");
    assert.throws(() => f.result(), (e: unknown) => e === "just a string");
    assert.equal(f.exception(), "just a string");
  });
});

// -- cancel --------------------------------------------------------------------------------------

test("cancel(): true once, then false; result() and exception() throw CancelledError", () => {
  withLoop((loop) => {
    const f = loop.createFuture<number>();
    assert.equal(f.cancel(), true);
    assert.equal(f.cancelled(), true);
    assert.equal(f.done(), true);
    assert.equal(f.cancel(), false);
    assert.throws(() => f.result(), (e: unknown) => e instanceof CancelledError && e.message === "");
    assert.throws(() => f.exception(), CancelledError);
    assert.equal(String(f), "<Future cancelled>");
  });
});

test("cancel(msg): the message reaches result(), exception() and every awaiter", asyncioTest(function* (loop) {
  const seen: string[] = [];
  const f = loop.createFuture<number>();
  function* waiter(name: string): Coroutine<void> {
    try {
      yield* f;
      seen.push(`${name} resumed`);
    } catch (e) {
      seen.push(`${name}: ${(e as Error).name} ${JSON.stringify((e as Error).message)}`);
      throw e;
    }
  }
  const a = createTask(waiter("a"));
  const b = createTask(waiter("b"));
  yield* sleep(0);
  assert.equal(f.cancel("stop now"), true);
  assert.throws(() => f.result(), { name: "CancelledError", message: "stop now" });
  assert.throws(() => f.exception(), { name: "CancelledError", message: "stop now" });
  yield* sleep(0);
  assert.equal(a.cancelled(), true);
  assert.equal(b.cancelled(), true);
  assert.throws(() => a.result(), { name: "CancelledError", message: "stop now" });
  assert.deepEqual(seen, ['a: CancelledError "stop now"', 'b: CancelledError "stop now"']);
}, { debug: false }));

// -- done callbacks --------------------------------------------------------------------------------

test("done callbacks run soon after setResult, never inline, in registration order, with the future", asyncioTest(function* (loop) {
  const order: string[] = [];
  const f = loop.createFuture<string>();
  f.addDoneCallback((x) => order.push(`1:${x.result()}`));
  f.addDoneCallback((x) => order.push(`2:${x.result()}`));
  f.addDoneCallback((x) => order.push(`3:${String(x === f)}`));
  loop.callSoon(() => order.push("soon-before"));
  f.setResult("v");
  order.push("after setResult");
  loop.callSoon(() => order.push("soon-after"));
  yield* sleep(0);
  yield* sleep(0);
  assert.deepEqual(order, ["after setResult", "soon-before", "1:v", "2:v", "3:true", "soon-after"]);
}, { debug: false }));

test("done callbacks also run on setException and on cancel", asyncioTest(function* (loop) {
  const order: string[] = [];
  const f = loop.createFuture<string>();
  f.addDoneCallback((x) => order.push(`exc:${(x.exception() as Error).message}`));
  f.setException(new Error("bad"));
  const g = loop.createFuture<string>();
  g.addDoneCallback((x) => order.push(`cancelled:${x.cancelled()}`));
  g.cancel();
  assert.deepEqual(order, []);
  yield* sleep(0);
  assert.deepEqual(order, ["exc:bad", "cancelled:true"]);
}, { debug: false }));

test("a callback added to a done future is scheduled at once with callSoon, not called inline", asyncioTest(function* (loop) {
  const order: string[] = [];
  const f = loop.createFuture<number>();
  f.setResult(7);
  loop.callSoon(() => order.push("earlier"));
  f.addDoneCallback((x) => order.push(`cb:${x.result()}`));
  order.push("added");
  yield* sleep(0);
  assert.deepEqual(order, ["added", "earlier", "cb:7"]);
}, { debug: false }));

test("addDoneCallback(fn, { context }) runs fn in that context itself; without one, in a copy of the current one (CPython's context=)", asyncioTest(function* (loop) {
  const user = new ContextVar<string>("user", { default: "nobody" });
  const seen: string[] = [];
  user.set("alice");
  const ctx = new Context();
  const fut = loop.createFuture<number>();
  fut.addDoneCallback((f) => {
    seen.push(`in ctx: ${user.get()} ${f.result()}`);
    user.set("set in ctx");
  }, { context: ctx });
  fut.addDoneCallback(() => seen.push(`in a copy: ${user.get()}`));
  fut.addDoneCallback(() => seen.push(`null is the default: ${user.get()}`), { context: null });
  user.set("bob");
  fut.setResult(1);
  yield* sleep(0);
  assert.equal(ctx.get(user), "set in ctx");
  assert.equal(user.get(), "bob");
  assert.throws(() => fut.addDoneCallback(() => {}, { context: "ctx" as unknown as Context }), {
    name: "TypeError",
    message: 'addDoneCallback(): `context` must be a Context (copyContext() makes one), got \'ctx\'',
  });
  assert.deepEqual(seen, ["in ctx: nobody 1", "in a copy: alice", "null is the default: alice"]);
}, { debug: false }));

test("removeDoneCallback removes every registration of the function and returns the count", asyncioTest(function* (loop) {
  const order: string[] = [];
  const f = loop.createFuture<number>();
  const a = (): void => void order.push("a");
  const b = (): void => void order.push("b");
  const c = (): void => void order.push("c");
  assert.equal(f.removeDoneCallback(a), 0);
  f.addDoneCallback(a);
  f.addDoneCallback(b);
  f.addDoneCallback(a);
  f.addDoneCallback(c);
  f.addDoneCallback(a);
  assert.equal(f.removeDoneCallback(a), 3);
  assert.equal(f.removeDoneCallback(a), 0);
  f.addDoneCallback(a);
  assert.equal(f.removeDoneCallback(b), 1);
  f.setResult(1);
  yield* sleep(0);
  assert.equal(f.removeDoneCallback(c), 0);
  assert.deepEqual(order, ["c", "a"]);
}, { debug: false }));

test("removeDoneCallback of the only callback, the first of two, or the last of three", asyncioTest(function* (loop) {
  const order: string[] = [];
  const cb = (n: string) => (): void => void order.push(n);
  const [a, b, c] = [cb("a"), cb("b"), cb("c")];
  const f1 = loop.createFuture();
  f1.addDoneCallback(a);
  assert.equal(f1.removeDoneCallback(a), 1);
  f1.setResult(1);
  const f2 = loop.createFuture();
  f2.addDoneCallback(a);
  f2.addDoneCallback(b);
  assert.equal(f2.removeDoneCallback(a), 1);
  f2.setResult(1);
  const f3 = loop.createFuture();
  f3.addDoneCallback(a);
  f3.addDoneCallback(b);
  f3.addDoneCallback(c);
  assert.equal(f3.removeDoneCallback(c), 1);
  f3.setResult(1);
  yield* sleep(0);
  assert.deepEqual(order, ["b", "a", "b"]);
}, { debug: false }));

test("a done callback that throws goes to the exception handler; the others still run", asyncioTest(function* (loop) {
  const seen: string[] = [];
  loop.setExceptionHandler((_l, ctx) => seen.push(`${ctx.message}: ${(ctx.exception as Error).message}`));
  const f = loop.createFuture<number>();
  f.addDoneCallback(function broken() {
    throw new Error("oops");
  });
  f.addDoneCallback(() => seen.push("second"));
  f.setResult(1);
  yield* sleep(0);
  assert.deepEqual(seen, ["Exception in callback broken(): oops", "second"]);
}, { debug: false }));

// -- awaiting ----------------------------------------------------------------------------------------

test("yield* future waits for the result; an already-done future does not suspend", asyncioTest(function* (loop) {
  const order: string[] = [];
  const f = loop.createFuture<number>();
  loop.callSoon(() => {
    order.push("set");
    f.setResult(5);
  });
  order.push(`got ${yield* f}`);
  loop.callSoon(() => order.push("other"));
  order.push(`again ${yield* f}`);
  yield* sleep(0);
  assert.deepEqual(order, ["set", "got 5", "again 5", "other"]);
}, { debug: false }));

test("yield* future throws the future's error into the coroutine", asyncioTest(function* (loop) {
  const f = loop.createFuture<number>();
  const err = new TypeError("typed");
  loop.callSoon(() => f.setException(err));
  try {
    yield* f;
    assert.fail("should have thrown");
  } catch (e) {
    assert.equal(e, err);
  }
}, { debug: false }));

test("resuming an await of a pending future that no task took throws RuntimeError (test_iter)", () => {
  withLoop((loop) => {
    const fut = loop.createFuture<number>();
    function* coro(): Coroutine<number> {
      return yield* fut;
    }
    const byHand = coro();
    assert.equal(byHand.next().value, fut);
    assert.throws(() => byHand.next(), { name: "RuntimeError", message: "await wasn't used with future" });
    const other = loop.createFuture<number>();
    const it = other[Symbol.iterator]();
    assert.equal(it.next().value, other);
    assert.throws(() => it.next(), { name: "RuntimeError", message: "await wasn't used with future" });
    // Once done, resuming is what a task does: it returns the result.
    other.setResult(7);
    assert.deepEqual(it.next(), { done: true, value: 7 });
    fut.cancel();
  });
});

test("an await driven by hand and closed (return or throw) leaves the future free for a task to await", asyncioTest(function* (loop) {
  const fut = loop.createFuture<string>();
  const closed = fut[Symbol.iterator]();
  closed.next();
  closed.return!("closed");
  const thrown = fut[Symbol.iterator]();
  thrown.next();
  assert.throws(() => thrown.throw!(new Error("thrown in")), { message: "thrown in" });
  loop.callSoon(() => fut.setResult("awaited by a task"));
  assert.equal(yield* fut, "awaited by a task");
}, { debug: false }));

test("a coroutine driven by hand and dropped mid-await leaves the future flagged: a task awaiting it while pending gets the RuntimeError (docs/differences.md)", asyncioTest(function* (loop) {
  const fut = loop.createFuture<string>();
  fut[Symbol.iterator]().next(); // yielded by hand, never resumed nor closed
  const e = yield* caught(fut);
  assert.equal(e.name, "RuntimeError");
  assert.equal(e.message, "await wasn't used with future");
  fut.setResult("done");
  assert.equal(yield* fut, "done", "once done, awaiting it works");
}, { debug: false }));

test("native await: then() resolves with the result, rejects with the error, and a cancelled future rejects with CancelledError", async () => {
  const loop = newEventLoop();
  try {
    const ok = loop.createFuture<number>();
    const bad = loop.createFuture<number>();
    const cancelled = loop.createFuture<number>();
    const main = loop.runUntilComplete(
      (function* () {
        yield* sleep(0);
        ok.setResult(3);
        bad.setException(new RangeError("nope"));
        cancelled.cancel("bye");
      })(),
    );
    assert.equal(await ok, 3);
    await assert.rejects(Promise.resolve(bad), { name: "RangeError", message: "nope" });
    await assert.rejects(async () => await cancelled, (e: unknown) => e instanceof CancelledError && e.message === "bye");
    await main;
    // then() on an already-done future works too, and chains.
    assert.equal(await ok.then((v) => v * 2), 6);
    assert.equal(await bad.then(null, (e) => `caught ${(e as Error).message}`), "caught nope");
  } finally {
    loop.close();
  }
});

test("native await settles even when the future completes in the loop's last iteration, or with no loop running", async () => {
  const loop = newEventLoop();
  try {
    const f = loop.createFuture<number>();
    const awaited = f.then((v) => v * 10);
    // The main task ends first, so the loop stops in the very iteration in which f completes.
    await loop.runUntilComplete(
      (function* () {
        loop.callSoon(() => f.setResult(4));
      })(),
    );
    assert.equal(loop.isRunning(), false);
    assert.equal(await awaited, 40);

    const g = loop.createFuture<string>();
    setTimeout(() => g.setResult("set from a Node timer"), 1);
    assert.equal(await g, "set from a Node timer");
    const h = loop.createFuture<string>();
    setTimeout(() => h.cancel("no loop needed"), 1);
    await assert.rejects(async () => await h, { name: "CancelledError", message: "no loop needed" });
  } finally {
    loop.close();
  }
});

test("a native awaiter resumes after the loop callbacks of the same iteration, never inside setResult", asyncioTest(function* (loop) {
  const order: string[] = [];
  const f = loop.createFuture<number>();
  const native = (async () => {
    order.push(`native got ${await f}`);
  })();
  yield* sleep(0);
  f.addDoneCallback(() => order.push("done callback"));
  f.setResult(1);
  order.push("after setResult");
  yield* fromPromise(native);
  assert.deepEqual(order, ["after setResult", "done callback", "native got 1"]);
}, { debug: false }));

test("isFuture: futures and tasks and duck-typed futures are; classes, promises and plain objects are not", asyncioTest(function* (loop) {
  const f = loop.createFuture();
  assert.equal(isFuture(f), true);
  const t = createTask(sleep(0));
  assert.equal(isFuture(t), true);
  const duck = { _asyncioFutureBlocking: false, addDoneCallback() {} };
  assert.equal(isFuture(duck), true);
  assert.equal(isFuture({ _asyncioFutureBlocking: false }), false);
  assert.equal(isFuture({ _asyncioFutureBlocking: null, addDoneCallback() {} }), false);
  assert.equal(isFuture(Future), false);
  assert.equal(isFuture(Promise.resolve(1)), false);
  assert.equal(isFuture(null), false);
  assert.equal(isFuture(undefined), false);
  assert.equal(isFuture(1), false);
  yield* t;
}, { debug: false }));

test("a Future prints usefully under util.inspect", () => {
  withLoop((loop) => {
    const f = loop.createFuture<string>();
    assert.equal(inspect(f), "<Future pending>");
    f.setResult("hi");
    assert.equal(inspect(f), "<Future finished result='hi'>");
  });
});

// -- fromPromise -------------------------------------------------------------------------------------

test("fromPromise settles with the promise: yield* gives its value or throws its rejection", asyncioTest(function* () {
  const a = yield* fromPromise(Promise.resolve(10));
  const b = yield* fromPromise(new Promise<number>((r) => setTimeout(() => r(20), 1)));
  let caught: unknown = null;
  try {
    yield* fromPromise(Promise.reject(new SyntaxError("rejected")));
  } catch (e) {
    caught = e;
  }
  const out = [a, b, (caught as Error).name, (caught as Error).message];
  assert.deepEqual(out, [10, 20, "SyntaxError", "rejected"]);
}, { debug: false }));

test("fromPromise(fn) passes an AbortSignal that is aborted with a CancelledError when the future is cancelled", asyncioTest(function* () {
  const events: string[] = [];
  let signal: AbortSignal | null = null;
  const f = fromPromise<number>((s) => {
    signal = s;
    s.addEventListener("abort", () => events.push(`aborted: ${(s.reason as Error).name} ${(s.reason as Error).message}`));
    return new Promise<number>(() => {});
  });
  assert.equal(signal!.aborted, false);
  const waiter = createTask(
    (function* () {
      try {
        yield* f;
      } catch (e) {
        events.push(`waiter: ${(e as Error).name}`);
        throw e;
      }
    })(),
  );
  yield* sleep(0);
  f.cancel("enough");
  events.push("cancelled");
  yield* sleep(0);
  assert.equal(signal!.aborted, true);
  assert.equal(waiter.cancelled(), true);
  assert.deepEqual(events, ["cancelled", "aborted: CancelledError enough", "waiter: CancelledError"]);
}, { debug: false }));

test("fromPromise(fn): the signal is not aborted when the promise settles normally", asyncioTest(function* () {
  let signal: AbortSignal | null = null;
  const v = yield* fromPromise((s) => {
    signal = s;
    return Promise.resolve("ok");
  });
  assert.equal(v, "ok");
  yield* sleep(0);
  assert.equal(signal!.aborted, false);
}, { debug: false }));

test("fromPromise(fn) whose function throws gives a failed future; a non-promise is a TypeError", asyncioTest(function* () {
  const f = fromPromise(() => {
    throw new EvalError("sync throw");
  });
  assert.equal(f.done(), true);
  assert.throws(() => f.result(), { name: "EvalError", message: "sync throw" });
  assert.throws(() => fromPromise(42 as unknown as Promise<number>), {
    name: "TypeError",
    message: "fromPromise() expects a promise or a function returning one, got 42",
  });
  yield* sleep(0);
}, { debug: false }));

test("fromPromise: a promise that settles after the future was cancelled changes nothing", asyncioTest(function* () {
  let resolve!: (v: number) => void;
  const f = fromPromise(new Promise<number>((r) => (resolve = r)));
  f.cancel();
  resolve(1);
  yield* fromPromise(Promise.resolve());
  yield* sleep(0);
  assert.equal(f.cancelled(), true);
}, { debug: false }));

// -- wrapFuture ---------------------------------------------------------------------------------------

/** A stand-in for an executor's future, completed by hand, that calls its callbacks from Node. */
class FakeConcurrentFuture<T> implements ConcurrentFutureLike<T> {
  state: "pending" | "cancelled" | "finished" = "pending";
  value: T | undefined;
  error: unknown = null;
  callbacks: ((f: ConcurrentFutureLike<T>) => void)[] = [];
  cancelCalls = 0;
  cancel(): boolean {
    this.cancelCalls++;
    if (this.state !== "pending") return false;
    this.state = "cancelled";
    this.fire();
    return true;
  }
  cancelled(): boolean {
    return this.state === "cancelled";
  }
  done(): boolean {
    return this.state !== "pending";
  }
  result(): T {
    if (this.error !== null) throw this.error;
    return this.value as T;
  }
  exception(): unknown {
    return this.error;
  }
  addDoneCallback(fn: (f: ConcurrentFutureLike<T>) => void): void {
    if (this.done()) fn(this);
    else this.callbacks.push(fn);
  }
  /** Completes the future later, from a Node timer (as a worker's message would arrive). */
  completeLater(value: T | null, error: unknown = null): void {
    setTimeout(() => {
      this.value = value as T;
      this.error = error;
      this.state = "finished";
      this.fire();
    }, 1);
  }
  private fire(): void {
    for (const cb of this.callbacks.splice(0)) cb(this);
  }
}

test("wrapFuture mirrors a concurrent future's result and error, settling on the loop", asyncioTest(function* (loop) {
  const ok = new FakeConcurrentFuture<string>();
  const f = wrapFuture(ok);
  assert.equal(f.getLoop(), loop);
  assert.equal(f.done(), false);
  ok.completeLater("from a worker");
  assert.equal(yield* f, "from a worker");

  const bad = new FakeConcurrentFuture<string>();
  const g = wrapFuture(bad);
  bad.completeLater(null, new RangeError("worker failed"));
  yield* expectThrows(g, "RangeError", "worker failed");

  const already = new FakeConcurrentFuture<number>();
  already.state = "finished";
  already.value = 9;
  assert.equal(yield* wrapFuture(already), 9);
}, { debug: false }));

test("cancelling the wrapper cancels the concurrent future; a cancelled source cancels the wrapper", asyncioTest(function* () {
  const src = new FakeConcurrentFuture<number>();
  const f = wrapFuture(src);
  f.cancel();
  assert.equal(src.cancelCalls, 0, "the source is cancelled from a done callback, not inline");
  yield* sleep(0);
  assert.equal(src.cancelCalls, 1);
  assert.equal(src.cancelled(), true);

  const src2 = new FakeConcurrentFuture<number>();
  const g = wrapFuture(src2);
  src2.cancel();
  assert.equal(g.cancelled(), true);
}, { debug: false }));

test("wrapFuture of an asyncio Future returns it as is", () => {
  withLoop((loop) => {
    const f = loop.createFuture();
    assert.equal(wrapFuture(f), f);
  });
});

// -- errors never retrieved ---------------------------------------------------------------------------

/** Runs `body`, recording what reaches the loop's exception handler, up to and including close. */
async function reports(body: (loop: EventLoop) => Coroutine<void>): Promise<string[]> {
  const seen: string[] = [];
  await run(function* () {
    const loop = getRunningLoop();
    loop.setExceptionHandler((_l, ctx: ExceptionContext) => {
      const e = ctx.exception as Error | undefined;
      seen.push(`${ctx.message} | ${e === undefined ? "-" : `${e.name}: ${e.message}`} | ${String(ctx.future ?? ctx.task ?? "")}`);
    });
    yield* body(loop);
  });
  return seen;
}

test('"Future exception was never retrieved" is reported at loop close through the exception handler', async () => {
  const seen = await reports(function* (loop) {
    loop.createFuture().setException(new Error("lost"));
    yield* sleep(0);
  });
  assert.deepEqual(seen, ['Future exception was never retrieved | Error: lost | <Future finished exception=Error("lost")>']);
});

test("no report when the error was read by exception(), by result(), or awaited", async () => {
  const seen = await reports(function* (loop) {
    const a = loop.createFuture();
    a.setException(new Error("read by exception()"));
    a.exception();
    const b = loop.createFuture();
    b.setException(new Error("read by result()"));
    assert.throws(() => b.result());
    const c = loop.createFuture();
    c.setException(new Error("awaited"));
    try {
      yield* c;
    } catch {
      // read
    }
    const d = loop.createFuture();
    loop.callSoon(() => d.setException(new Error("awaited later")));
    try {
      yield* d;
    } catch {
      // read
    }
  });
  assert.deepEqual(seen, []);
});

test("cancel() on a failed future returns false and counts as reading its error (test_tb_logger_not_called_after_cancel)", async () => {
  const seen = await reports(function* (loop) {
    const cancelled = loop.createFuture();
    cancelled.setException(new Error("cancelled after failing"));
    assert.equal(cancelled.cancel(), false);
    assert.equal(cancelled.cancelled(), false);
    loop.createFuture().setException(new Error("never read"));
    yield* sleep(0);
  });
  assert.deepEqual(seen, ['Future exception was never retrieved | Error: never read | <Future finished exception=Error("never read")>']);
});

test("no report for a result never read nor for a cancelled future", async () => {
  const seen = await reports(function* (loop) {
    loop.createFuture().setResult(1);
    loop.createFuture().cancel();
    yield* sleep(0);
  });
  assert.deepEqual(seen, []);
});

test('"Task exception was never retrieved" names the task, and is not reported for a task that was awaited', async () => {
  const seen = await reports(function* () {
    createTask(
      (function* () {
        yield* sleep(0);
        throw new Error("task failed");
      })(),
      { name: "lonely" },
    );
    const awaited = createTask(
      (function* () {
        throw new Error("handled");
      })(),
      { name: "awaited" },
    );
    try {
      yield* awaited;
    } catch {
      // read
    }
    yield* sleep(0);
    yield* sleep(0);
  });
  assert.deepEqual(seen, [
    "Task exception was never retrieved (task 'lonely') | Error: task failed | <Task finished name='lonely' exception=Error(\"task failed\")>",
  ]);
});

test("a failed task read by gather is not reported; one only passed to wait() and never read is", async () => {
  const seen = await reports(function* () {
    const fail = (name: string) =>
      createTask(
        (function* () {
          yield* sleep(0);
          throw new Error(name);
        })(),
        { name },
      );
    yield* gather(fail("gathered"), { returnExceptions: true });
    yield* wait([fail("waited")]);
  });
  assert.deepEqual(seen, [
    "Task exception was never retrieved (task 'waited') | Error: waited | <Task finished name='waited' exception=Error(\"waited\")>",
  ]);
});

/** A full garbage collection (what `--expose-gc` gives, turned on here for this file). */
function collectGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

const turn = (ms = 10): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a loop whose only other task fails with nobody awaiting it and is then dropped, and returns
 * what reached the handler (message, repr, where created) at each of: after the run, after `between`,
 * after close(), and after further collections. `collected` tells whether the task was collected.
 */
async function lostTaskReports(debug: boolean, between: () => Promise<void>): Promise<{ collected: boolean; counts: number[]; contexts: ExceptionContext[] }> {
  const loop = newEventLoop({ debug });
  const contexts: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, ctx) => contexts.push(ctx));
  let ref: WeakRef<Task<void>> | null = null;
  await loop.runUntilComplete(
    (function* () {
      const task = createTask(
        (function* lost(): Coroutine<void> {
          yield* sleep(0);
          const e = new Error("nobody reads me");
          void e.stack; // formatted, the error no longer holds the frames of its stack (and so the task)
          throw e;
        })(),
        { name: "lost" },
      );
      ref = new WeakRef(task);
      for (let i = 0; i < 3; i++) yield* sleep(0);
    })(),
  );
  const counts = [contexts.length];
  await between();
  const collected = ref!.deref() === undefined;
  counts.push(contexts.length);
  loop.close();
  counts.push(contexts.length);
  await turn();
  collectGarbage();
  await turn();
  counts.push(contexts.length);
  return { collected, counts, contexts };
}

test("a failed task collected between runUntilComplete and close(), its finalizer not run yet, is reported once, at close", async () => {
  for (const debug of [false, true]) {
    const { collected, counts, contexts } = await lostTaskReports(debug, async () => {
      await turn();
      collectGarbage(); // collected now; its finalizer runs on a later turn, after close()
    });
    assert.equal(collected, true);
    assert.deepEqual(counts, [0, 0, 1, 1]);
    const [ctx] = contexts;
    assert.equal(ctx!.message, "Task exception was never retrieved (task 'lost')");
    assert.equal((ctx!.exception as Error).message, "nobody reads me");
    assert.equal(ctx!.futureRepr, `<Task finished name='lost' exception=Error("nobody reads me")>`);
    // In debug mode, where the task was created (CPython's source_traceback).
    if (debug) assert.match(ctx!.sourceTraceback!, /^ {4}at [^]*futures\.test\.ts:\d+:\d+\)/);
    else assert.equal(ctx!.sourceTraceback, undefined);
  }
});

test("a failed task collected and finalized while the loop is open is reported then, and not again at close()", async () => {
  const { collected, counts, contexts } = await lostTaskReports(true, async () => {
    await turn();
    collectGarbage();
    await turn(); // the finalizer runs
    collectGarbage();
    await turn();
  });
  assert.equal(collected, true);
  assert.deepEqual(counts, [0, 1, 1, 1]);
  assert.equal(contexts[0]!.message, "Task exception was never retrieved (task 'lost')");
  assert.match(contexts[0]!.sourceTraceback!, /futures\.test\.ts/);
});

test("the default exception handler prints where a never-retrieved task was created, in debug mode", async () => {
  const printed: string[] = [];
  const error = console.error;
  console.error = (msg: string) => printed.push(msg);
  try {
    await run(
      function* () {
        createTask(
          (function* failing(): Coroutine<void> {
            throw new Error("unread");
          })(),
          { name: "unread" },
        );
        yield* sleep(0);
      },
      { debug: true },
    );
  } finally {
    console.error = error;
  }
  assert.equal(printed.length, 1);
  assert.match(printed[0]!, /^Task exception was never retrieved \(task 'unread'\)\nfuture: <Task finished name='unread' coro=<failing\(\) done, defined at \S*futures\.test\.ts:\d+> exception=Error\("unread"\) created at \S*futures\.test\.ts:\d+>\nError: unread\n[^]*\nTask created at:\n {4}at [^]*futures\.test\.ts/);
});

test("awaiting a task ended by a CancelledError gives that very error first, then new ones (3.12+)", async () => {
  const seen: boolean[] = [];
  await run(function* () {
    let inside: unknown;
    const t = createTask(
      (function* () {
        try {
          yield* sleep(10);
        } catch (e) {
          inside = e;
          throw e;
        }
      })(),
    );
    yield* sleep(0);
    t.cancel("foo");
    try {
      yield* t;
    } catch (e) {
      seen.push(e === inside, (e as Error).message === "foo");
    }
    assert.throws(() => t.result(), (e: unknown) => e instanceof CancelledError && e !== inside && e.message === "foo");
  });
  assert.deepEqual(seen, [true, true]);
});

test("wrapFuture settles with a failure even when the error thrown is null or undefined", async () => {
  const seen: unknown[] = [];
  await run(function* () {
    for (const error of [null, undefined]) {
      const source = new ConcurrentFuture<number>();
      const fut = wrapFuture(source);
      setTimeout(() => source.setException(error), 1);
      try {
        yield* fut;
        seen.push("resolved");
      } catch (e) {
        seen.push(e);
      }
    }
  });
  assert.deepEqual(seen, [null, undefined]);
});
