// Behaviour of Task and the ways to compose tasks, ported from CPython's test_asyncio/test_tasks.py.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  ALL_COMPLETED,
  CancelledError,
  Context,
  ContextVar,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  KeyboardInterrupt,
  SystemExit,
  Task,
  ValueError,
  allTasks,
  asCompleted,
  createTask,
  currentTask,
  eagerTaskFactory,
  createEagerTaskFactory,
  ensureFuture,
  fromPromise,
  gather,
  getRunningLoop,
  isCoroutine,
  isCoroutineFunction,
  newEventLoop,
  run,
  setEventLoop,
  shield,
  sleep,
  wait,
  type Coroutine,
  type EventLoop,
  type ReturnWhen,
  type TaskOptions,
} from "asyncio-ts";
import { caught } from "../helpers.ts";
import { asyncioTest, VirtualClock } from "asyncio-ts/testing";

/** createTask(fn()) */
function spawn<T>(fn: () => Coroutine<T>, options?: { name?: string; eagerStart?: boolean }): Task<T> {
  return createTask(fn(), options);
}

/** Lets every ready task run `n` times. */
function* turns(n: number): Coroutine<void> {
  for (let i = 0; i < n; i++) yield* sleep(0);
}

/** Type-level equality: `Equal<A, B>` is `true` only when A and B are the same type. */
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function assertType<_T extends true>(): void {}

// -- stepping ----------------------------------------------------------------------------------------

test("tasks step in turn at each sleep(0), in the order they were created, after the creator yields", asyncioTest(function* () {
  const order: string[] = [];
  const worker = (name: string) =>
    function* (): Coroutine<string> {
      for (let i = 0; i < 3; i++) {
        order.push(`${name}${i}`);
        yield* sleep(0);
      }
      return name;
    };
  const a = spawn(worker("a"));
  const b = spawn(worker("b"));
  order.push("main");
  assert.equal(a.done(), false);
  assert.equal(yield* a, "a");
  assert.equal(b.result(), "b");
  assert.deepEqual(order, ["main", "a0", "b0", "a1", "b1", "a2", "b2"]);
}, { debug: false }));

test("a task's result is its coroutine's return value; its error is what the coroutine threw", asyncioTest(function* () {
  const ok = spawn(function* () {
    yield* sleep(0);
    return { answer: 42 };
  });
  const err = new RangeError("bad range");
  const bad = spawn(function* (): Coroutine<number> {
    yield* sleep(0);
    throw err;
  });
  assert.deepEqual(yield* ok, { answer: 42 });
  assert.equal(yield* caught(bad), err);
  assert.equal(bad.exception(), err);
  assert.equal(ok.exception(), null);
}, { debug: false }));

test("getCoro, getName (Task-N by default, counting up), setName, the name option, and the repr", asyncioTest(function* () {
  const coro = (function* () {
    yield* sleep(0);
  })();
  const t1 = createTask(coro);
  const t2 = spawn(function* () {});
  assert.equal(t1.getCoro(), coro);
  const n = Number(/^Task-(\d+)$/.exec(t1.getName())![1]);
  assert.equal(t2.getName(), `Task-${n + 1}`);
  const named = spawn(function* () {}, { name: "crawler" });
  assert.equal(named.getName(), "crawler");
  named.setName(123);
  assert.equal(named.getName(), "123");
  assert.equal(String(named), "<Task pending name='123'>");
  assert.equal(inspect(named), "<Task pending name='123'>");
  yield* gather(t1, t2, named);
  assert.equal(String(named), "<Task finished name='123' result=undefined>");
  const waiting = spawn(function* () {
    yield* getRunningLoop().createFuture();
  }, { name: "w" });
  yield* sleep(0);
  assert.equal(String(waiting), "<Task pending name='w' wait_for=<Future pending>>");
  waiting.cancel();
  yield* sleep(0);
  assert.equal(String(waiting), "<Task cancelled name='w'>");
}, { debug: false }));

test("currentTask: the task running now, null in a plain callback; outside a loop it throws RuntimeError", async () => {
  const seen: unknown[] = [];
  await asyncioTest(function* (loop) {
    const main = currentTask();
    assert.ok(main instanceof Task);
    const child = spawn(function* () {
      seen.push(currentTask() === child ? "child is current" : "wrong");
      yield* sleep(0);
      seen.push(currentTask() === child ? "child is current again" : "wrong");
    });
    loop.callSoon(() => seen.push(`callback sees ${String(currentTask())}`));
    yield* child;
    seen.push(currentTask() === main ? "main is current" : "wrong");
    assert.equal(currentTask(loop), main);
  }, { debug: false })();
  assert.deepEqual(seen, ["child is current", "callback sees null", "child is current again", "main is current"]);
  assert.throws(() => currentTask(), { name: "RuntimeError", message: "no running event loop" });
  const idle = newEventLoop();
  assert.equal(currentTask(idle), null);
  idle.close();
});

test("allTasks: every task of the loop not yet done, the main one included", async () => {
  await asyncioTest(function* () {
    const main = currentTask()!;
    const a = spawn(function* () {
      yield* sleep(0);
    });
    const b = spawn(function* () {
      yield* turns(3);
    });
    assert.deepEqual(allTasks(), new Set([main, a, b]));
    yield* a;
    assert.deepEqual(allTasks(), new Set([main, b]));
    yield* b;
    assert.deepEqual(allTasks(), new Set([main]));
  }, { debug: false })();
  assert.throws(() => allTasks(), { name: "RuntimeError", message: "no running event loop" });
});

test("createTask needs a running loop and a coroutine", async () => {
  assert.throws(() => createTask(sleep(0)), { name: "RuntimeError", message: "no running event loop" });
  await asyncioTest(function* () {
    function* gen(): Coroutine<void> {}
    assert.throws(() => createTask(gen as unknown as Coroutine<void>), {
      name: "TypeError",
      message: "a coroutine was expected, got the function gen (call it: pass f(), not f)",
    });
    assert.throws(() => createTask(Promise.resolve(1) as unknown as Coroutine<void>), {
      name: "TypeError",
      message: "a coroutine was expected, got a promise (wrap a promise with fromPromise(p))",
    });
    assert.throws(() => createTask(5 as unknown as Coroutine<void>), {
      name: "TypeError",
      message: "a coroutine was expected, got 5 (a coroutine is what a generator function `function*` returns)",
    });
    yield* sleep(0);
  }, { debug: false })();
});

test("setResult and setException on a Task throw RuntimeError", asyncioTest(function* () {
  const t = spawn(function* () {
    return 1;
  });
  assert.throws(() => t.setResult(2), { name: "RuntimeError", message: "Task does not support setResult operation" });
  assert.throws(() => t.setException(new Error("x")), { name: "RuntimeError", message: "Task does not support setException operation" });
  assert.equal(yield* t, 1);
}, { debug: false }));

// -- cancellation --------------------------------------------------------------------------------------

test("cancel() throws CancelledError at the exact await point; finally blocks run; the awaited future is cancelled", asyncioTest(function* (loop) {
  const order: string[] = [];
  const fut = loop.createFuture<number>();
  const t = spawn(function* () {
    order.push("before");
    try {
      yield* fut;
      order.push("not reached");
    } finally {
      order.push("finally");
    }
    order.push("not reached either");
  });
  yield* sleep(0);
  assert.equal(t.cancel(), true);
  order.push("cancel requested");
  assert.equal(t.done(), false, "cancellation is delivered by the task's next step, not inline");
  yield* caught(t);
  assert.equal(t.cancelled(), true);
  assert.equal(fut.cancelled(), true);
  assert.deepEqual(order, ["before", "cancel requested", "finally"]);
}, { debug: false }));

test("a cancelled task may await in its finally block; a second cancel interrupts that cleanup", asyncioTest(function* (loop) {
  const order: string[] = [];
  const cleanup = (name: string) =>
    spawn(function* () {
      try {
        yield* sleep(10);
      } finally {
        order.push(`${name} cleanup starts at ${loop.time()}`);
        try {
          yield* sleep(0.5);
          order.push(`${name} cleanup done at ${loop.time()}`);
        } catch (e) {
          order.push(`${name} cleanup interrupted by ${(e as Error).name} at ${loop.time()}`);
          throw e;
        }
      }
    });
  const a = cleanup("a");
  const b = cleanup("b");
  yield* sleep(1);
  a.cancel();
  b.cancel();
  yield* sleep(0.25);
  b.cancel();
  yield* caught(a);
  yield* caught(b);
  assert.equal(a.cancelled(), true);
  assert.equal(b.cancelled(), true);
  assert.equal(b.cancelling(), 2);
  assert.deepEqual(order, [
    "a cleanup starts at 1",
    "b cleanup starts at 1",
    "b cleanup interrupted by CancelledError at 1.25",
    "a cleanup done at 1.5",
  ]);
}, { clock: "virtual", debug: false }));

test("a catch that swallows CancelledError keeps the task running, and it can return a value", asyncioTest(function* () {
  const order: string[] = [];
  const t = spawn(function* (): Coroutine<string> {
    try {
      yield* sleep(10);
    } catch (e) {
      order.push(`caught ${(e as Error).name}`);
    }
    yield* sleep(0);
    order.push("still running");
    return "survived";
  });
  yield* sleep(0);
  t.cancel();
  assert.equal(yield* t, "survived");
  assert.equal(t.cancelled(), false);
  assert.equal(t.cancelling(), 1);
  assert.deepEqual(order, ["caught CancelledError", "still running"]);
}, { debug: false }));

test("a task cancelled before its first step never runs its body", asyncioTest(function* () {
  let ran = false;
  const t = spawn(function* () {
    ran = true;
  });
  assert.equal(t.cancel("too early"), true);
  const e = yield* caught(t);
  assert.ok(e instanceof CancelledError);
  assert.equal(e.message, "too early");
  assert.equal(t.cancelled(), true);
  assert.equal(ran, false);
}, { debug: false }));

test("cancelling a task that waits on another task cancels the inner one first, then the outer", asyncioTest(function* () {
  const order: string[] = [];
  const inner = spawn(function* () {
    try {
      yield* sleep(10);
    } finally {
      order.push("inner finally");
    }
  });
  const outer = spawn(function* () {
    try {
      yield* inner;
    } catch (e) {
      order.push(`outer caught ${(e as Error).name}: ${(e as Error).message}`);
      throw e;
    }
  });
  yield* sleep(0);
  outer.cancel("from main");
  yield* caught(outer);
  assert.equal(inner.cancelled(), true);
  assert.equal(outer.cancelled(), true);
  assert.deepEqual(order, ["inner finally", "outer caught CancelledError: from main"]);
}, { debug: false }));

test("cancel(msg): the coroutine and every awaiter of the task see the message", async () => {
  const seen: string[] = [];
  await asyncioTest(function* () {
    const t = spawn(function* () {
      try {
        yield* sleep(10);
      } catch (e) {
        seen.push(`in task: ${(e as Error).message}`);
        throw e;
      }
    });
    const awaiter = spawn(function* () {
      const e = yield* caught(t);
      seen.push(`awaiter: ${e.name} ${e.message}`);
    });
    yield* sleep(0);
    t.cancel("shutting down");
    yield* awaiter;
    assert.throws(() => t.result(), { name: "CancelledError", message: "shutting down" });
  }, { debug: false })();
  assert.deepEqual(seen, ["in task: shutting down", "awaiter: CancelledError shutting down"]);
});

test("cancel(msg) of a task that is ready (after sleep(0)) is delivered at its next step with the message", asyncioTest(function* () {
  const seen: string[] = [];
  const t = spawn(function* () {
    seen.push("step 1");
    try {
      yield* sleep(0);
      seen.push("not reached");
    } catch (e) {
      seen.push(`step 2: ${(e as Error).name} ${(e as Error).message}`);
      throw e;
    }
  });
  yield* sleep(0);
  t.cancel("while ready");
  yield* caught(t);
  assert.equal(t.cancelled(), true);
  assert.deepEqual(seen, ["step 1", "step 2: CancelledError while ready"]);
}, { debug: false }));

test("a task that cancels itself and then returns ends cancelled (CPython's cancel at end)", asyncioTest(function* () {
  const t = spawn(function* () {
    currentTask()!.cancel();
    return 12;
  });
  yield* caught(t);
  assert.equal(t.cancelled(), true);
}, { debug: false }));

test("cancel() returns false once the task is done and does not count", asyncioTest(function* () {
  const t = spawn(function* () {
    return 1;
  });
  yield* t;
  assert.equal(t.cancel(), false);
  assert.equal(t.cancelling(), 0);
  assert.equal(t.result(), 1);
}, { debug: false }));

test("cancelling() counts each cancel(); uncancel() takes one back and returns what remains", asyncioTest(function* () {
  const seen: number[] = [];
  const t = spawn(function* (): Coroutine<string> {
    try {
      yield* sleep(10);
    } catch {
      const self = currentTask()!;
      seen.push(self.cancelling());
      seen.push(self.uncancel());
      seen.push(self.uncancel());
      seen.push(self.uncancel());
    }
    yield* sleep(0.01);
    return "done";
  });
  yield* sleep(0);
  assert.equal(t.cancelling(), 0);
  t.cancel();
  t.cancel();
  assert.equal(t.cancelling(), 2);
  assert.equal(yield* t, "done");
  assert.equal(t.cancelling(), 0);
  assert.deepEqual(seen, [2, 1, 0, 0]);
}, { debug: false }));

test("uncancel() down to zero withdraws a cancellation not yet delivered", asyncioTest(function* () {
  const order: string[] = [];
  const t = spawn(function* () {
    yield* sleep(0);
    order.push("step 2 ran normally");
    return "ok";
  });
  yield* sleep(0);
  t.cancel();
  assert.equal(t.uncancel(), 0);
  assert.equal(yield* t, "ok");
  assert.deepEqual(order, ["step 2 ran normally"]);
}, { debug: false }));

test("cancelling a task twice while it waits delivers one CancelledError; swallowing it lets the task go on", asyncioTest(function* () {
  const order: string[] = [];
  const t = spawn(function* () {
    try {
      yield* sleep(10);
    } catch (e) {
      order.push(`caught ${(e as Error).name}`);
    }
    yield* sleep(0);
    yield* sleep(0);
    order.push("after");
    return 5;
  });
  yield* sleep(0);
  t.cancel();
  t.cancel();
  assert.equal(yield* t, 5);
  assert.equal(t.cancelling(), 2);
  assert.deepEqual(order, ["caught CancelledError", "after"]);
}, { debug: false }));

test("a task awaiting a cancelled task gets CancelledError and is cancelled too", asyncioTest(function* () {
  const inner = spawn(function* () {
    yield* sleep(10);
  });
  const outer = spawn(function* () {
    yield* inner;
    return "not reached";
  });
  yield* sleep(0);
  inner.cancel();
  yield* caught(outer);
  assert.equal(outer.cancelled(), true);
}, { debug: false }));

test("a task that cancels itself is cancelled at its next await, which never waits", asyncioTest(function* (loop) {
  const order: string[] = [];
  const t = spawn(function* () {
    currentTask()!.cancel("self");
    order.push("still running after cancel()");
    try {
      yield* sleep(10);
    } catch (e) {
      order.push(`sleep threw ${(e as Error).name}: ${(e as Error).message}`);
      throw e;
    }
  });
  yield* caught(t);
  assert.equal(t.cancelled(), true);
  assert.equal(loop.time(), 0);
  assert.deepEqual(order, ["still running after cancel()", "sleep threw CancelledError: self"]);
}, { clock: "virtual", debug: false }));

test("cancelling both the task and the future it waits on leaves the task cancelled", asyncioTest(function* (loop) {
  const fut = loop.createFuture();
  const t = spawn(function* () {
    yield* fut;
  });
  yield* sleep(0);
  fut.cancel();
  t.cancel();
  yield* caught(t);
  assert.equal(t.cancelled(), true);
}, { debug: false }));

test("a future that completes after its waiting task was cancelled does not resume the task normally", asyncioTest(function* (loop) {
  const fut = loop.createFuture<number>();
  const t = spawn(function* () {
    return yield* fut;
  });
  yield* sleep(0);
  t.cancel("msg");
  assert.throws(() => fut.setResult(1), { name: "InvalidStateError" });
  const e = yield* caught(t);
  assert.equal(e.message, "msg");
}, { debug: false }));

test("cancelling a future awaited by several tasks wakes each with CancelledError, in the order they waited", asyncioTest(function* (loop) {
  const order: string[] = [];
  const fut = loop.createFuture();
  const tasks = ["a", "b", "c"].map((n) =>
    spawn(function* () {
      try {
        yield* fut;
      } catch (e) {
        order.push(`${n}: ${(e as Error).name}`);
        throw e;
      }
    }),
  );
  yield* sleep(0);
  fut.cancel();
  for (const t of tasks) yield* caught(t);
  assert.deepEqual(order, ["a: CancelledError", "b: CancelledError", "c: CancelledError"]);
}, { debug: false }));

test("a task cancelled while awaiting a task that swallows the cancellation resumes with that task's result", asyncioTest(function* () {
  const stubborn = spawn(function* () {
    try {
      yield* sleep(10);
    } catch {
      return "refused";
    }
    return "slept";
  });
  const outer = spawn(function* () {
    const r = yield* stubborn;
    return `outer got ${r}`;
  });
  yield* sleep(0);
  assert.equal(outer.cancel(), true);
  assert.equal(yield* outer, "outer got refused");
  assert.equal(outer.cancelled(), false);
  assert.equal(outer.cancelling(), 1);
}, { debug: false }));

// -- what a coroutine may yield ------------------------------------------------------------------------

test("a task awaiting itself gets RuntimeError 'Task cannot await on itself' thrown in", asyncioTest(function* () {
  let self!: Task<string>;
  self = spawn(function* (): Coroutine<string> {
    try {
      yield* self;
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
    return "not reached";
  }, { name: "narcissus" });
  assert.equal(yield* self, "RuntimeError: Task cannot await on itself: <Task pending name='narcissus'>");
}, { debug: false }));

test("after a refused self-await, a bare `yield task` elsewhere still resumes with the task's result", asyncioTest(function* () {
  let self!: Task<number>;
  self = spawn(function* () {
    try {
      yield* self;
    } catch {
      // refused: RuntimeError
    }
    yield* sleep(0);
    return 7;
  });
  const watcher = spawn(function* () {
    return yield self;
  });
  assert.equal(yield* watcher, 7);
}, { debug: false }));

test("bad yields (a number, a generator without *, a promise) throw a TypeError with the yield* hint at that point", async () => {
  const messages: string[] = [];
  await asyncioTest(function* () {
    const t = spawn(function* (): Coroutine<string> {
      for (const bad of [5, "x", (function* () {})(), Promise.resolve(1)]) {
        try {
          yield bad;
          messages.push("not reached");
        } catch (e) {
          assert.ok(e instanceof TypeError);
          messages.push(e.message);
        }
      }
      return "recovered";
    });
    assert.equal(yield* t, "recovered");
  }, { debug: false })();
  assert.deepEqual(messages, [
    "Task got bad yield: 5 (did you mean `yield*`?)",
    'Task got bad yield: "x" (did you mean `yield*`?)',
    "Task got bad yield: <generator> (did you mean `yield*`?)",
    "Task got bad yield: <promise> (await a promise with `yield* fromPromise(p)`)",
  ]);
});

test("an uncaught bad yield fails the task with the TypeError", asyncioTest(function* () {
  const t = spawn(function* () {
    yield sleep(1);
  });
  const e = yield* caught(t);
  assert.equal(e.name, "TypeError");
  assert.equal(e.message, "Task got bad yield: <generator> (did you mean `yield*`?)");
}, { debug: false }));

test("a bare `yield future` resumes with the future's result, or throws its error", asyncioTest(function* (loop) {
  const ok = loop.createFuture<number>();
  const bad = loop.createFuture<number>();
  const cancelled = loop.createFuture<number>();
  loop.callSoon(() => ok.setResult(7));
  loop.callSoon(() => bad.setException(new RangeError("out")));
  loop.callSoon(() => cancelled.cancel("gone"));
  const t = spawn(function* () {
    const got: unknown[] = [yield ok];
    try {
      yield bad;
    } catch (e) {
      got.push((e as Error).message);
    }
    try {
      yield cancelled;
    } catch (e) {
      got.push(`${(e as Error).name}: ${(e as Error).message}`);
    }
    got.push(yield ok); // already done
    return got;
  });
  assert.deepEqual(yield* t, [7, "out", "CancelledError: gone", 7]);
}, { debug: false }));

test("awaiting a future of another loop throws RuntimeError into the coroutine", async () => {
  const other = newEventLoop();
  try {
    await asyncioTest(function* () {
      const foreign = other.createFuture<number>();
      const e = yield* caught(
        spawn(function* () {
          yield* foreign;
        }, { name: "t" }),
      );
      assert.equal(e.name, "RuntimeError");
      assert.equal(e.message, "Task <Task pending name='t'> got Future <Future pending> attached to a different loop");
    }, { debug: false })();
  } finally {
    other.close();
  }
});

test("isCoroutine and isCoroutineFunction tell generators apart from futures, promises and functions", asyncioTest(function* (loop) {
  function* gen(): Coroutine<void> {}
  assert.equal(isCoroutine(gen()), true);
  assert.equal(isCoroutine(sleep(1)), true);
  assert.equal(isCoroutine(sleep(0)), true);
  assert.equal(isCoroutine(loop.createFuture()), false);
  assert.equal(isCoroutine(Promise.resolve()), false);
  assert.equal(isCoroutine(gen), false);
  assert.equal(isCoroutine(null), false);
  assert.equal(isCoroutineFunction(gen), true);
  assert.equal(isCoroutineFunction(function* () {}), true);
  assert.equal(isCoroutineFunction(() => gen()), false);
  assert.equal(isCoroutineFunction(async () => {}), false);
  yield* sleep(0);
}, { debug: false }));

test("a task runs in a copy of the context current at its creation, or in the context given", asyncioTest(function* () {
  const seen: unknown[] = [];
  const v = new ContextVar<string>("v", { default: "default" });
  v.set("parent");
  const child = spawn(function* () {
    seen.push(v.get());
    v.set("child's own");
    yield* sleep(0);
    seen.push(v.get());
  });
  v.set("parent, later");
  yield* child;
  seen.push(v.get());
  assert.equal(child.getContext().get(v), "child's own");
  const ctx = new Context();
  const inGiven = createTask(
    (function* () {
      seen.push(v.get());
      v.set("in given");
    })(),
    { context: ctx },
  );
  assert.equal(inGiven.getContext(), ctx);
  yield* inGiven;
  assert.equal(ctx.get(v), "in given");
  assert.deepEqual(seen, ["parent", "child's own", "parent, later", "default"]);
}, { debug: false }));

// -- eager tasks -------------------------------------------------------------------------------------

test("eagerStart runs the coroutine synchronously up to its first suspension", asyncioTest(function* () {
  const order: string[] = [];
  const main = currentTask();
  const t = spawn(function* () {
    order.push(`eager step, main is current: ${currentTask() === main}`);
    yield* sleep(0);
    order.push("second step");
    return "r";
  }, { eagerStart: true });
  order.push(`createTask returned, main is current: ${currentTask() === main}`);
  assert.equal(t.done(), false);
  assert.equal(yield* t, "r");
  assert.deepEqual(order, ["eager step, main is current: false", "createTask returned, main is current: true", "second step"]);
}, { debug: false }));

test("an eager task is the current task during its first step", asyncioTest(function* () {
  const names: (string | undefined)[] = [];
  const t = spawn(function* () {
    names.push(currentTask()?.getName());
  }, { name: "eager-one", eagerStart: true });
  names.push(currentTask()?.getName() === t.getName() ? "wrong" : "back to main");
  yield* sleep(0);
  assert.deepEqual(names, ["eager-one", "back to main"]);
}, { debug: false }));

test("an eager task that never suspends is done when createTask returns; its callbacks still run soon", asyncioTest(function* () {
  const order: string[] = [];
  const t = spawn(function* () {
    order.push("body");
    return 99;
  }, { eagerStart: true });
  assert.equal(t.done(), true);
  assert.equal(t.result(), 99);
  assert.equal(allTasks().has(t), false);
  t.addDoneCallback(() => order.push("callback"));
  order.push("after createTask");
  yield* sleep(0);
  assert.deepEqual(order, ["body", "after createTask", "callback"]);
}, { debug: false }));

test("an eager task that throws at once is failed when createTask returns", asyncioTest(function* () {
  const t = spawn(function* () {
    throw new URIError("eager failure");
  }, { eagerStart: true });
  assert.equal(t.done(), true);
  assert.equal((t.exception() as Error).message, "eager failure");
  yield* sleep(0);
}, { debug: false }));

test("eagerTaskFactory via loop.setTaskFactory makes createTask and ensureFuture eager", asyncioTest(function* (loop) {
  const order: string[] = [];
  loop.setTaskFactory(eagerTaskFactory);
  assert.equal(loop.getTaskFactory(), eagerTaskFactory);
  const a = spawn(function* () {
    order.push("a: first step");
    yield* sleep(0);
    order.push("a: second step");
  });
  order.push("created a");
  const b = ensureFuture(
    (function* () {
      order.push("b: whole body");
      return "b";
    })(),
  );
  order.push("created b");
  assert.equal(b.done(), true);
  assert.equal(b.result(), "b");
  yield* a;
  loop.setTaskFactory(null);
  const c = spawn(function* () {
    order.push("c: lazy");
  });
  order.push("created c");
  yield* c;
  assert.deepEqual(order, ["a: first step", "created a", "b: whole body", "created b", "a: second step", "created c", "c: lazy"]);
}, { debug: false }));

test("createEagerTaskFactory(TaskClass) makes eager tasks of that class (test_eager_task_factory_set)", asyncioTest(function* (loop) {
  const order: string[] = [];
  class TracedTask<T> extends Task<T> {
    constructor(coro: Coroutine<T>, options: TaskOptions & { loop: EventLoop }) {
      super(coro, options);
      order.push(`made ${this.getName()}`);
    }
  }
  const factory = createEagerTaskFactory(TracedTask);
  loop.setTaskFactory(factory);
  assert.equal(loop.getTaskFactory(), factory);
  const t = loop.createTask(
    (function* () {
      order.push("first step");
      yield* sleep(0);
      order.push("second step");
      return 42;
    })(),
    { name: "traced" },
  );
  order.push("createTask returned");
  assert.ok(t instanceof TracedTask);
  assert.equal(yield* t, 42);
  loop.setTaskFactory(null);
  assert.ok(!(loop.createTask((function* () {})()) instanceof TracedTask));
  assert.deepEqual(order, ["first step", "made traced", "createTask returned", "second step"]);
}, { debug: false }));

test("createEagerTaskFactory of something that is not a class is a TypeError", () => {
  assert.throws(() => createEagerTaskFactory(null as unknown as typeof Task), {
    name: "TypeError",
    message: "createEagerTaskFactory() takes a Task class (Task or a subclass), got null",
  });
});

test("with the eager factory, gather runs each coroutine to its first suspension as it is gathered", asyncioTest(function* (loop) {
  const order: string[] = [];
  loop.setTaskFactory(eagerTaskFactory);
  const job = (name: string, suspends: boolean) =>
    (function* () {
      order.push(`${name} starts`);
      if (suspends) yield* sleep(0);
      order.push(`${name} ends`);
      return name;
    })();
  const g = gather(job("a", false), job("b", true), job("c", false));
  order.push("gather returned");
  assert.deepEqual(yield* g, ["a", "b", "c"]);
  assert.deepEqual(order, ["a starts", "a ends", "b starts", "c starts", "c ends", "gather returned", "b ends"]);
}, { debug: false }));

test("an eager task whose first step throws KeyboardInterrupt fails with it, and createTask throws it on (CPython's eager start)", async () => {
  const seen: string[] = [];
  // run() itself, not asyncioTest: what is pinned is the report at the loop's close, which asyncioTest's leftover check would take first.
  await run(function* () {
    const loop = getRunningLoop();
    loop.setExceptionHandler((_l, ctx) => seen.push(`${ctx.message}: ${(ctx.exception as Error).name}`));
    const interrupt = new KeyboardInterrupt();
    let task: Task<never> | undefined;
    const e = (() => {
      try {
        task = spawn(function* (): Coroutine<never> {
          throw interrupt;
        }, { eagerStart: true, name: "eager" });
      } catch (error) {
        return error;
      }
      return "createTask returned";
    })();
    assert.equal(e, interrupt);
    assert.equal(task, undefined);
    const [eager] = [...allTasks()].filter((t) => t.getName() === "eager");
    assert.equal(eager, undefined, "the failed task is done, so not among the pending ones");
    yield* sleep(0);
  });
  // Nobody could read the task's error: createTask threw instead of returning the task.
  assert.deepEqual(seen, ["Task exception was never retrieved (task 'eager'): KeyboardInterrupt"]);
});

// -- ensureFuture ------------------------------------------------------------------------------------

test("ensureFuture: a future as is, a coroutine as a task, a promise bridged; anything else is a TypeError", asyncioTest(function* (loop) {
  const f = loop.createFuture<number>();
  assert.equal(ensureFuture(f), f);
  const t = spawn(function* () {
    return 1;
  });
  assert.equal(ensureFuture(t), t);
  const fromCoro = ensureFuture(
    (function* () {
      yield* sleep(0);
      return "coro";
    })(),
  );
  assert.ok(fromCoro instanceof Task);
  assert.equal(yield* fromCoro, "coro");
  const fromPromise = ensureFuture(Promise.resolve("promise"));
  assert.ok(fromPromise instanceof Future);
  assert.equal(yield* fromPromise, "promise");
  assert.throws(() => ensureFuture(5 as unknown as Future<number>), {
    name: "TypeError",
    message: "An asyncio Future, a coroutine or a promise is required, got 5 (a coroutine is what a generator function `function*` returns)",
  });
  const other = newEventLoop();
  assert.throws(() => ensureFuture(f, other), {
    name: "ValueError",
    message: "The future belongs to a different loop than the one specified as the loop argument",
  });
  other.close();
  yield* t;
}, { debug: false }));

test("ensureFuture of a coroutine outside a running loop binds to the current loop, which then runs it", async () => {
  const loop = newEventLoop();
  setEventLoop(loop);
  try {
    const t = ensureFuture(
      (function* () {
        yield* sleep(0);
        return currentTask()!.getLoop() === loop;
      })(),
    );
    assert.ok(t instanceof Task);
    assert.equal(t.getLoop(), loop);
    assert.equal(await loop.runUntilComplete(t), true);
  } finally {
    setEventLoop(null);
    loop.close();
  }
});

test("ensureFuture(promise, loop) bridges the promise on that loop, so runUntilComplete(promise) of a non-current loop ends", async () => {
  const loop = newEventLoop();
  const other = newEventLoop();
  setEventLoop(other);
  try {
    const f = ensureFuture(Promise.resolve(1), loop);
    assert.equal(f.getLoop(), loop);
    f.cancel();
    assert.equal(await loop.runUntilComplete(Promise.resolve(5)), 5);
  } finally {
    setEventLoop(null);
    other.close();
    loop.close();
  }
});

// -- sleep ----------------------------------------------------------------------------------------------

test("sleeps of 0.3, 0.1 and 0.2 s end in order of time, at exact loop.time() readings (virtual clock)", asyncioTest(function* (loop) {
  const order: string[] = [];
  assert.equal(loop.time(), 0);
  const sleeper = (d: number) =>
    function* () {
      yield* sleep(d);
      order.push(`${d} woke at ${loop.time()}`);
    };
  yield* gather(spawn(sleeper(0.3)), spawn(sleeper(0.1)), spawn(sleeper(0.2)));
  assert.equal(loop.time(), 0.3);
  yield* sleep(3600);
  assert.equal(loop.time(), 3600.3);
  assert.deepEqual(order, ["0.1 woke at 0.1", "0.2 woke at 0.2", "0.3 woke at 0.3"]);
}, { clock: "virtual", debug: false }));

test("sleep(delay, result) returns result; sleep(0) allocates no timer and lets others run once", asyncioTest(function* (loop) {
  const order: string[] = [];
  assert.equal(yield* sleep(0.5, "later"), "later");
  assert.equal(loop.time(), 0.5);
  assert.equal(yield* sleep(0, "now"), "now");
  assert.equal(loop.time(), 0.5);
  spawn(function* () {
    order.push("other");
  });
  const before = loop._timers.size;
  const s = sleep(0);
  assert.equal(loop._timers.size, before);
  order.push("before sleep(0)");
  yield* s;
  order.push("after sleep(0)");
  assert.deepEqual(order, ["before sleep(0)", "other", "after sleep(0)"]);
}, { clock: "virtual", debug: false }));

test("under the virtual clock sleep(Infinity) sleeps forever: the clock never jumps to Infinity", asyncioTest(function* (loop) {
  const forever = spawn(function* () {
    yield* sleep(Infinity);
    return "woke";
  });
  // Only the forever-sleeper's timer is left while this real timer runs: no jump may happen.
  yield* fromPromise(new Promise<void>((resolve) => setTimeout(resolve, 5)));
  assert.equal(loop.time(), 0);
  assert.equal(forever.done(), false);
  yield* sleep(2);
  assert.equal(loop.time(), 2);
  forever.cancel();
  assert.ok((yield* caught(forever)) instanceof CancelledError);
}, { clock: "virtual", debug: false }));

test("sleep rejects a NaN or non-number delay (test_sleep_when_delay_is_nan)", () => {
  assert.throws(() => sleep(NaN), { name: "ValueError", message: "`delay` must be a number of seconds, got NaN" });
  assert.throws(() => sleep("1" as unknown as number), { name: "TypeError", message: '`delay` must be a number of seconds, got "1"' });
});

test("sleep with a negative delay is sleep(0): one turn of the loop, no timer, then its result (CPython's `delay <= 0`)", asyncioTest(function* (loop) {
  const seen: string[] = [];
  const timersBefore = loop._timers.size;
  loop.callSoon(() => seen.push(`callback ran, ${loop._timers.size - timersBefore} timers armed`));
  const t0 = loop.time();
  seen.push(String(yield* sleep(-0.001, "slept")));
  seen.push(String(yield* sleep(-Infinity)));
  assert.deepEqual(seen, ["callback ran, 0 timers armed", "slept", "undefined"]);
  assert.ok(loop.time() - t0 < 0.1);
}, { debug: false }));

test("cancel() on a task that failed returns false and counts as reading its error (test_tb_logger_not_called_after_cancel)", async () => {
  const seen: string[] = [];
  // run() itself, not asyncioTest: what is pinned is the report at the loop's close, which asyncioTest's leftover check would take first.
  await run(function* () {
    const loop = getRunningLoop();
    loop.setExceptionHandler((_l, ctx) => seen.push(`${ctx.message}: ${(ctx.exception as Error).message}`));
    const failing = (name: string) => spawn(function* (): Coroutine<never> {
      throw new TypeError(name);
    }, { name });
    const cancelled = failing("cancelled");
    failing("control");
    yield* sleep(0.05);
    assert.equal(cancelled.cancel(), false);
    assert.equal(cancelled.cancelled(), false);
  });
  assert.deepEqual(seen, ["Task exception was never retrieved (task 'control'): control"]);
});

test("a task that throws SystemExit as it is cancelled fails with it, and the run ends with it (test_baseexception_during_cancel)", async () => {
  const loop = newEventLoop({ clock: new VirtualClock() });
  const baseExc = new SystemExit();
  function* sleeper(): Coroutine<void> {
    yield* sleep(10);
  }
  function* notmuch(): Coroutine<void> {
    try {
      yield* sleeper();
    } catch (e) {
      if (e instanceof CancelledError) throw baseExc;
      throw e;
    }
  }
  function* once(): Coroutine<void> {}
  const task = loop.createTask(notmuch());
  await loop.runUntilComplete(once());
  task.cancel();
  assert.equal(task.done(), false);
  await assert.rejects(loop.runUntilComplete(once()), (e) => e === baseExc);
  assert.equal(task.done(), true);
  assert.equal(task.cancelled(), false);
  assert.equal(task.exception(), baseExc);
  assert.equal(loop.time(), 0);
  // The loop is stopped, not broken: the task made by the interrupted run can still run to its end.
  const [left] = allTasks(loop);
  assert.ok(left !== undefined);
  await loop.runUntilComplete(left);
  loop.close();
});

test("cancelling a task in sleep() removes its timer, and the sleep throws CancelledError", asyncioTest(function* (loop) {
  const base = loop._timers.size;
  const t = spawn(function* () {
    yield* sleep(10);
  });
  yield* sleep(0);
  assert.equal(loop._timers.size, base + 1);
  t.cancel();
  assert.equal(loop._timers.size, base);
  const e = yield* caught(t);
  assert.ok(e instanceof CancelledError);
  assert.equal(loop.time(), 0);
}, { clock: "virtual", debug: false }));

test("a sleep that is abandoned (its coroutine returns from inside a finally) cancels its timer", asyncioTest(function* (loop) {
  const base = loop._timers.size;
  const s = sleep(5);
  s.next();
  assert.equal(loop._timers.size, base + 1);
  s.return(undefined);
  assert.equal(loop._timers.size, base);
  yield* sleep(0);
}, { clock: "virtual", debug: false }));

// -- gather ---------------------------------------------------------------------------------------------

function* after<T>(delay: number, value: T, log?: string[]): Coroutine<T> {
  yield* sleep(delay);
  log?.push(`${String(value)} done`);
  return value;
}

function* failAfter(delay: number, error: Error, log?: string[]): Coroutine<never> {
  yield* sleep(delay);
  log?.push(`${error.message} thrown`);
  throw error;
}

test("gather returns results in argument order whatever the completion order, as a typed tuple", asyncioTest(function* (loop) {
  const log: string[] = [];
  const fut = loop.createFuture<boolean>();
  loop.callLater(0.05, () => fut.setResult(true));
  const results = yield* gather(after(0.3, "slow", log), after(0.1, 1, log), fut, Promise.resolve(null));
  assertType<Equal<typeof results, [string, number, boolean, null]>>();
  assert.deepEqual(results, ["slow", 1, true, null]);
  assert.equal(loop.time(), 0.3);
  assert.deepEqual(log, ["1 done", "slow done"]);
}, { clock: "virtual", debug: false }));

test("gather of a spread array of tasks is an array of their results", asyncioTest(function* () {
  const tasks = [1, 2, 3].map((n) =>
    spawn(function* () {
      yield* sleep(0);
      return n * 10;
    }),
  );
  const results = yield* gather(...tasks);
  assertType<Equal<typeof results, number[]>>();
  assert.deepEqual(results, [10, 20, 30]);
  const strict = yield* caught(gather(failAfter(0, new Error("propagates")), { returnExceptions: false }));
  assert.equal(strict.message, "propagates");
}, { debug: false }));

test("gather with returnExceptions puts each error in its place, and its type says so", asyncioTest(function* () {
  const err = new RangeError("second");
  const results = yield* gather(after(0.2, "a"), failAfter(0.1, err), after(0.3, 3), { returnExceptions: true });
  assertType<Equal<typeof results, [string | Error, Error, number | Error]>>();
  assert.equal(results[0], "a");
  assert.equal(results[1], err);
  assert.equal(results[2], 3);
}, { clock: "virtual", debug: false }));

test("gather: the first error propagates at once while the other children keep running", asyncioTest(function* (loop) {
  const log: string[] = [];
  const err = new Error("first");
  const a = spawn(() => after(0.3, "a", log));
  const g = gather(a, failAfter(0.1, err, log), failAfter(0.2, new Error("second"), log));
  const e = yield* caught(g);
  assert.equal(e, err);
  assert.equal(loop.time(), 0.1);
  assert.equal(a.done(), false);
  log.push("gather failed");
  yield* a;
  assert.equal(loop.time(), 0.3);
  assert.deepEqual(log, ["first thrown", "gather failed", "second thrown", "a done"]);
}, { clock: "virtual", debug: false }));

test("cancelling the gather cancels every child; awaiting it throws CancelledError with the message", asyncioTest(function* (loop) {
  const log: string[] = [];
  const child = (name: string) =>
    spawn(function* () {
      try {
        yield* sleep(1);
      } catch (e) {
        log.push(`${name}: ${(e as Error).name} ${(e as Error).message}`);
        throw e;
      }
    });
  const a = child("a");
  const b = child("b");
  const g = gather(a, b);
  yield* sleep(0);
  assert.equal(g.cancel("stop all"), true);
  const e = yield* caught(g);
  assert.ok(e instanceof CancelledError);
  assert.equal(e.message, "stop all");
  assert.equal(a.cancelled(), true);
  assert.equal(b.cancelled(), true);
  assert.equal(g.cancel(), false);
  assert.equal(loop.time(), 0);
  assert.deepEqual(log, ["a: CancelledError stop all", "b: CancelledError stop all"]);
}, { clock: "virtual", debug: false }));

test("cancelling the gather still ends in CancelledError when a child swallows the cancellation", asyncioTest(function* () {
  const stubborn = spawn(function* () {
    try {
      yield* sleep(1);
    } catch {
      return "ignored the cancel";
    }
    return "slept";
  });
  const g = gather(stubborn);
  yield* sleep(0);
  g.cancel();
  const e = yield* caught(g);
  assert.ok(e instanceof CancelledError);
  assert.equal(stubborn.result(), "ignored the cancel");
}, { clock: "virtual", debug: false }));

test("a task awaiting gather that is cancelled cancels the children", asyncioTest(function* () {
  const a = spawn(() => after(1, "a"));
  const b = spawn(() => after(2, "b"));
  const parent = spawn(function* () {
    return yield* gather(a, b);
  });
  yield* sleep(0);
  parent.cancel();
  yield* caught(parent);
  assert.equal(parent.cancelled(), true);
  assert.equal(a.cancelled(), true);
  assert.equal(b.cancelled(), true);
}, { clock: "virtual", debug: false }));

test("cancelling a task that awaits gather(returnExceptions) still cancels it, with the message (CPython's cancel_gather_2)", asyncioTest(function* () {
  const looping = spawn(function* () {
    let delay = 0;
    for (;;) {
      delay += 0.05;
      yield* gather(sleep(delay), { returnExceptions: true });
    }
  });
  yield* sleep(0.2);
  looping.cancel("my message");
  const e = yield* caught(looping);
  assert.ok(e instanceof CancelledError);
  assert.equal(e.message, "my message");
  assert.equal(looping.cancelled(), true);
}, { clock: "virtual", debug: false }));

test("a child cancelled on its own: gather throws CancelledError, or with returnExceptions holds one", asyncioTest(function* () {
  const victim = spawn(() => after(1, "v"));
  const g = gather(victim, after(0.5, "other"));
  yield* sleep(0);
  victim.cancel("just this one");
  const e = yield* caught(g);
  assert.ok(e instanceof CancelledError);
  assert.equal(e.message, "just this one");

  const victim2 = spawn(() => after(1, "v"));
  const g2 = gather(victim2, after(0.5, "other"), { returnExceptions: true });
  yield* sleep(0);
  victim2.cancel("only me");
  const results = yield* g2;
  assert.ok(results[0] instanceof CancelledError);
  assert.equal((results[0] as Error).message, "only me");
  assert.equal(results[1], "other");
}, { clock: "virtual", debug: false }));

test("gather awaits a duplicated argument once and repeats its result", asyncioTest(function* () {
  let runs = 0;
  const coro = (function* () {
    runs++;
    yield* sleep(0);
    return "same";
  })();
  const t = spawn(function* () {
    return 4;
  });
  const results = yield* gather(coro, coro, t, t);
  assert.deepEqual(results, ["same", "same", 4, 4]);
  assert.equal(runs, 1);
}, { debug: false }));

test("gather() with no arguments is an already-done future of an empty tuple", asyncioTest(function* () {
  const g = gather();
  assert.equal(g.done(), true);
  const results = yield* g;
  assertType<Equal<typeof results, []>>();
  assert.deepEqual(results, []);
}, { debug: false }));

test("gather with a bad argument throws TypeError and leaves no task behind", asyncioTest(function* () {
  const before = allTasks();
  let started = false;
  const coro = (function* () {
    started = true;
  })();
  assert.throws(() => gather(coro, 42 as unknown as Future<number>), {
    name: "TypeError",
    message: "gather() takes coroutines, futures and promises, got 42 (a coroutine is what a generator function `function*` returns)",
  });
  assert.deepEqual(allTasks(), before);
  yield* turns(2);
  assert.equal(started, false);
}, { debug: false }));

// -- wait -----------------------------------------------------------------------------------------------

test("wait ALL_COMPLETED: every future done, none pending; coroutines are wrapped in tasks", asyncioTest(function* (loop) {
  const a = spawn(() => after(0.1, "a"));
  const [done, pending] = yield* wait<string>([a, after(0.2, "b")]);
  assert.equal(loop.time(), 0.2);
  assert.equal(done.size, 2);
  assert.equal(pending.size, 0);
  assert.ok(done.has(a));
  assert.deepEqual([...done].map((f) => f.result()).sort(), ["a", "b"]);
  for (const f of done) assert.ok(f instanceof Task);
}, { clock: "virtual", debug: false }));

test("wait FIRST_COMPLETED returns at the first completion and cancels nothing", asyncioTest(function* (loop) {
  const a = spawn(() => after(0.3, "a"));
  const b = spawn(() => after(0.1, "b"));
  const c = spawn(() => after(0.2, "c"));
  const [done, pending] = yield* wait([a, b, c], { returnWhen: FIRST_COMPLETED });
  assert.equal(loop.time(), 0.1);
  assert.deepEqual(done, new Set([b]));
  assert.deepEqual(pending, new Set([a, c]));
  assert.equal(a.cancelled() || c.cancelled(), false);
  assert.deepEqual(yield* gather(a, c), ["a", "c"]);
}, { clock: "virtual", debug: false }));

test("wait FIRST_EXCEPTION returns at the first error, or when all are done if none fails", asyncioTest(function* (loop) {
  const a = spawn(() => after(0.3, "a"));
  const b = spawn(() => failAfter(0.2, new Error("b failed")));
  const c = spawn(() => after(0.1, "c"));
  const [done, pending] = yield* wait([a, b, c], { returnWhen: FIRST_EXCEPTION });
  assert.equal(loop.time(), 0.2);
  assert.deepEqual(done, new Set([b, c]));
  assert.deepEqual(pending, new Set([a]));
  yield* a;

  const start = loop.time();
  const x = spawn(() => after(0.1, "x"));
  const y = spawn(() => after(0.2, "y"));
  const [done2, pending2] = yield* wait([x, y], { returnWhen: FIRST_EXCEPTION });
  assert.equal(loop.time() - start, 0.2);
  assert.equal(done2.size, 2);
  assert.equal(pending2.size, 0);
}, { clock: "virtual", debug: false }));

test("wait with a timeout returns what is done by then and cancels nothing", asyncioTest(function* (loop) {
  const a = spawn(() => after(0.1, "a"));
  const b = spawn(() => after(1, "b"));
  const [done, pending] = yield* wait([a, b], { timeout: 0.5 });
  assert.equal(loop.time(), 0.5);
  assert.deepEqual(done, new Set([a]));
  assert.deepEqual(pending, new Set([b]));
  assert.equal(b.cancelled(), false);
  assert.equal(yield* b, "b");
  assert.equal(loop.time(), 1);
}, { clock: "virtual", debug: false }));

test("wait with a negative timeout returns at once, the unfinished futures pending", asyncioTest(function* (loop) {
  const a = spawn(() => after(0.1, "a"));
  const [done, pending] = yield* wait([a], { timeout: -1 });
  assert.equal(loop.time(), 0);
  assert.deepEqual(done, new Set());
  assert.deepEqual(pending, new Set([a]));
  assert.equal(yield* a, "a");
}, { clock: "virtual", debug: false }));

test("wait of an empty collection, a bad returnWhen, or a single future instead of a collection", asyncioTest(function* (loop) {
  const e1 = yield* caught(wait([]));
  assert.ok(e1 instanceof ValueError);
  assert.equal(e1.message, "Set of Tasks/Futures is empty.");
  const f = loop.createFuture();
  const e2 = yield* caught(wait([f], { returnWhen: "SOMETIMES" as ReturnWhen }));
  assert.ok(e2 instanceof ValueError);
  assert.equal(e2.message, "Invalid return_when value: SOMETIMES; use FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED");
  const e3 = yield* caught(wait(f as unknown as Future<unknown>[]));
  assert.equal(e3.name, "TypeError");
  assert.equal(e3.message, "expect an iterable of futures, not Future; pass [aw] instead of aw");
  assert.equal(ALL_COMPLETED, "ALL_COMPLETED");
}, { debug: false }));

test("wait FIRST_EXCEPTION returns at once when a future has already failed", asyncioTest(function* (loop) {
  const failed = loop.createFuture<string>();
  failed.setException(new Error("early"));
  const slow = spawn(() => after(1, "slow"));
  const [done, pending] = yield* wait([failed, slow], { returnWhen: FIRST_EXCEPTION });
  assert.equal(loop.time(), 0);
  assert.deepEqual(done, new Set([failed]));
  assert.deepEqual(pending, new Set([slow]));
  slow.cancel();
}, { clock: "virtual", debug: false }));

test("cancelling a task inside wait() does not cancel the futures it waits for", asyncioTest(function* () {
  const a = spawn(() => after(1, "a"));
  const waiter = spawn(function* () {
    return yield* wait([a]);
  });
  yield* sleep(0.5);
  waiter.cancel();
  yield* caught(waiter);
  assert.equal(waiter.cancelled(), true);
  assert.equal(a.cancelled(), false);
  assert.equal(yield* a, "a");
}, { clock: "virtual", debug: false }));

test("wait and gather take a coroutine given twice once", asyncioTest(function* () {
  let runs = 0;
  const coro = (function* () {
    runs++;
    yield* sleep(0);
    return 1;
  })();
  const [done, pending] = yield* wait([coro, coro]);
  assert.equal(done.size, 1);
  assert.equal(pending.size, 0);
  assert.equal(runs, 1);
}, { debug: false }));

// -- asCompleted ----------------------------------------------------------------------------------------

test("asCompleted yields results in the order of completion", asyncioTest(function* (loop) {
  const got: string[] = [];
  for (const next of asCompleted([after(0.3, "c"), after(0.1, "a"), after(0.2, "b")])) {
    got.push(`${yield* next} at ${loop.time()}`);
  }
  assert.deepEqual(got, ["a at 0.1", "b at 0.2", "c at 0.3"]);
}, { clock: "virtual", debug: false }));

test("asCompleted: an error comes out of its own item; the others still come", asyncioTest(function* () {
  const got: string[] = [];
  for (const next of asCompleted([after(0.2, "b"), failAfter(0.1, new Error("a failed"))])) {
    try {
      got.push(yield* next);
    } catch (e) {
      got.push(`error: ${(e as Error).message}`);
    }
  }
  assert.deepEqual(got, ["error: a failed", "b"]);
}, { clock: "virtual", debug: false }));

test("asCompleted with a timeout: what finished in time, then TimeoutError for each of the rest", asyncioTest(function* (loop) {
  const got: string[] = [];
  const slow = spawn(() => after(5, "slow"));
  const slower = spawn(() => after(10, "slower"));
  for (const next of asCompleted([after(0.1, "fast"), slow, slower], { timeout: 1 })) {
    try {
      got.push(`${yield* next} at ${loop.time()}`);
    } catch (e) {
      got.push(`${(e as Error).name} at ${loop.time()}`);
    }
  }
  assert.equal(slow.cancelled(), false, "the timeout cancels nothing");
  assert.equal(yield* slow, "slow");
  slower.cancel();
  assert.deepEqual(got, ["fast at 0.1", "TimeoutError at 1", "TimeoutError at 1"]);
}, { clock: "virtual", debug: false }));

test("asCompleted serves concurrent consumers in the order they asked", asyncioTest(function* () {
  const got: string[] = [];
  const items = [...asCompleted([after(0.2, "second"), after(0.1, "first")])];
  const consumer = (name: string, item: Coroutine<string>) =>
    spawn(function* () {
      got.push(`${name} got ${yield* item}`);
    });
  yield* gather(consumer("x", items[0]!), consumer("y", items[1]!));
  assert.deepEqual(got, ["x got first", "y got second"]);
}, { clock: "virtual", debug: false }));

test("asCompleted of nothing yields nothing", asyncioTest(function* () {
  assert.deepEqual([...asCompleted([])], []);
  yield* sleep(0);
}, { debug: false }));

test("asCompleted's iterator resumes where a break left it (test_as_completed_resume_iterator)", asyncioTest(function* () {
  function* coro(i: number): Coroutine<number> {
    return i;
  }
  const iterator = asCompleted([coro(0), coro(1), coro(2), coro(3)]);
  assert.equal(iterator[Symbol.iterator](), iterator);
  const collected: number[] = [];
  for (const next of iterator) {
    collected.push(yield* next);
    if (collected.length === 2) break;
  }
  assert.equal(collected.length, 2);
  for (const next of iterator) collected.push(yield* next);
  assert.deepEqual([...collected].sort(), [0, 1, 2, 3]);
  assert.deepEqual([...iterator], [], "every item was handed out once");
}, { debug: false }));

test("asCompleted with for await (Python's async for) gives the results as they come, and resumes after a break too (test_as_completed_resume_iterator)", asyncioTest(function* (loop) {
  const iterator = asCompleted<string>([after(0.2, "a"), after(0.1, "b"), after(0.3, "c")]);
  const got = yield* fromPromise(async () => {
    const seen: string[] = [];
    for await (const result of iterator) {
      seen.push(`${result} at ${loop.time()}`);
      break;
    }
    for await (const result of iterator) seen.push(`${result} at ${loop.time()}`);
    return seen;
  });
  assert.deepEqual(got, ["b at 0.1", "a at 0.2", "c at 0.3"]);
}, { clock: new VirtualClock({ autojumpThreshold: 0 }), debug: false }));

test("asCompleted with for await: an error, or TimeoutError once the timeout passed, comes out of the loop", asyncioTest(function* (loop) {
  const slow = spawn(() => after(5, "slow"));
  const iterator = asCompleted<string>([after(0.1, "fast"), failAfter(0.2, new Error("failed")), slow], { timeout: 1 });
  const got = yield* fromPromise(async () => {
    const seen: string[] = [];
    for (;;) {
      try {
        for await (const result of iterator) seen.push(`${result} at ${loop.time()}`);
        return seen;
      } catch (e) {
        seen.push(`${(e as Error).name}: ${(e as Error).message} at ${loop.time()}`);
      }
    }
  });
  assert.deepEqual(got, ["fast at 0.1", "Error: failed at 0.2", "TimeoutError:  at 1"]);
  assert.equal(yield* slow, "slow");
}, { clock: new VirtualClock({ autojumpThreshold: 0 }), debug: false }));

// -- shield ---------------------------------------------------------------------------------------------

test("shield: cancelling the outer future does not cancel the inner one, which runs to its end", asyncioTest(function* (loop) {
  const inner = spawn(() => after(1, "inner result"));
  const outer = shield(inner);
  assert.notEqual(outer, inner);
  yield* sleep(0);
  assert.equal(outer.cancel(), true);
  assert.equal(outer.cancelled(), true);
  assert.equal(inner.cancelled(), false);
  assert.equal(yield* inner, "inner result");
  assert.equal(loop.time(), 1);
}, { clock: "virtual", debug: false }));

test("shield: a task awaiting the shield is cancelled while the shielded work goes on", asyncioTest(function* () {
  const log: string[] = [];
  const inner = spawn(() => after(1, "kept", log));
  const waiter = spawn(function* () {
    return yield* shield(inner);
  });
  yield* sleep(0.5);
  waiter.cancel();
  yield* caught(waiter);
  log.push("waiter cancelled");
  assert.equal(yield* inner, "kept");
  assert.deepEqual(log, ["waiter cancelled", "kept done"]);
}, { clock: "virtual", debug: false }));

test("shield: cancelling the inner one cancels the outer one", asyncioTest(function* () {
  const inner = spawn(() => after(1, "x"));
  const outer = shield(inner);
  yield* sleep(0);
  inner.cancel();
  const e = yield* caught(outer);
  assert.ok(e instanceof CancelledError);
  assert.equal(outer.cancelled(), true);
}, { clock: "virtual", debug: false }));

test("shield passes results and errors through, and returns an already-done future as is", asyncioTest(function* (loop) {
  assert.equal(yield* shield(after(0.1, "through")), "through");
  const err = new Error("also through");
  assert.equal(yield* caught(shield(failAfter(0.1, err))), err);
  const done = loop.createFuture<number>();
  done.setResult(1);
  assert.equal(shield(done), done);
}, { clock: "virtual", debug: false }));

test("gather of shielded tasks: cancelling the gather does not reach the tasks", asyncioTest(function* () {
  const a = spawn(() => after(1, "a"));
  const b = spawn(() => after(2, "b"));
  const g = gather(shield(a), shield(b));
  yield* sleep(0);
  g.cancel();
  yield* caught(g);
  assert.deepEqual(yield* gather(a, b), ["a", "b"]);
}, { clock: "virtual", debug: false }));
