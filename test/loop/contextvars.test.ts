// The behaviour of CPython's test_context.py (the Context/ContextVar/Token part) and of the
// context tests in test_tasks.py and test_events.py: each task runs in a copy of the context
// current when it was created, each callback in a copy of the context current when it was scheduled.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  Context,
  ContextVar,
  LookupError,
  RuntimeError,
  Token,
  ValueError,
  copyContext,
  createTask,
  currentTask,
  eagerTaskFactory,
  gather,
  getRunningLoop,
  run,
  sleep,
  type Coroutine,
} from "asyncio-ts";
import { asyncioTest } from "asyncio-ts/testing";

/** Runs `fn` in a fresh empty context, so tests do not see each other's values. */
function isolated<T>(fn: () => T): T {
  return new Context().run(fn);
}

// -- Context, ContextVar, Token ------------------------------------------------------------

test("ContextVar: a name that is not a string is a TypeError; name and repr", () => {
  assert.throws(() => new ContextVar(1 as unknown as string), { name: "TypeError", message: "context variable name must be a str" });
  const c = new ContextVar("aaa");
  assert.equal(c.name, "aaa");
  assert.equal(String(c), "<ContextVar name='aaa'>");
  assert.equal(inspect(new ContextVar("a", { default: 123 })), "<ContextVar name='a' default=123>");
  // A default that contains the variable itself prints without recursing.
  const lst: unknown[] = [];
  const d = new ContextVar("a", { default: lst });
  lst.push(d);
  assert.match(String(d), /^<ContextVar name='a' default=/);
});

test("Token: repr names its variable and says when it was used", () =>
  isolated(() => {
    const c = new ContextVar<number>("a", { default: 123 });
    const t = c.set(1);
    assert.equal(String(t), "<Token var=<ContextVar name='a' default=123>>");
    assert.ok(!String(t).includes(" used "));
    c.reset(t);
    assert.equal(inspect(t), "<Token used var=<ContextVar name='a' default=123>>");
  }));

test("copyContext returns a Context; Context.run passes arguments and the result through", () => {
  assert.ok(copyContext() instanceof Context);
  const ctx = new Context();
  const f = (...args: unknown[]): unknown[] => [...args, "bar"];
  assert.deepEqual(ctx.run(f), ["bar"]);
  assert.deepEqual(ctx.run(f, 1), [1, "bar"]);
  assert.deepEqual(ctx.run(f, 11, { a: 2 }), [11, { a: 2 }, "bar"]);
});

test("Context.run: an error in fn propagates and the changes fn made stay in the context, not outside", () =>
  isolated(() => {
    const ctx = new Context();
    const v = new ContextVar<string>("var");
    assert.throws(
      () =>
        ctx.run(() => {
          assert.equal(v.get(undefined), undefined);
          v.set("spam");
          throw new RangeError("1 / 0");
        }),
      RangeError,
    );
    assert.equal(v.get(undefined), undefined);
    assert.equal(ctx.get(v), "spam");
  }));

test("Context.run inside the same context throws RuntimeError", () => {
  const ctx = new Context();
  const inner = (): void => {
    assert.throws(() => ctx.run(inner), { name: "RuntimeError", message: "cannot enter context: <Context vars=0> is already entered" });
  };
  ctx.run(inner);
  // Once left, it can be entered again.
  ctx.run(() => undefined);
});

test("Context.run nests different contexts, each keeping its own values", () =>
  isolated(() => {
    const ctx1 = new Context();
    const ctx2 = new Context();
    const v = new ContextVar<string>("var");
    const returned = ctx1.run(() => {
      assert.equal(v.get(undefined), undefined);
      v.set("spam");
      ctx2.run(() => assert.equal(v.get(undefined), undefined));
      assert.equal(v.get(undefined), "spam");
      const cur = copyContext();
      assert.equal(cur.size, 1);
      assert.equal(cur.get(v), "spam");
      return cur;
    });
    assert.deepEqual([...returned.entries()], [...ctx1.entries()]);
    assert.equal(returned.get(v), "spam");
    assert.equal(returned.has(v), true);
    assert.equal(ctx2.size, 0);
  }));

test("ContextVar get/set/reset, Token.oldValue and MISSING, and the context's mapping view", () =>
  isolated(() => {
    const c = new ContextVar<number | string>("c");
    assert.throws(() => c.get(), {
      name: "LookupError",
      message: "<ContextVar name='c'> has no value; give it a default or call set() first",
    });
    assert.ok(new LookupError() instanceof Error);
    assert.equal(c.get(undefined), undefined);
    assert.equal(c.get("fallback"), "fallback");

    const t0 = c.set(42);
    assert.equal(c.get(), 42);
    assert.equal(t0.oldValue, Token.MISSING);
    assert.equal(t0.var, c);

    const t = c.set("spam");
    assert.equal(c.get(), "spam");
    assert.equal(t.oldValue, 42);
    c.reset(t);
    assert.equal(c.get(), 42);

    c.set("spam2");
    assert.throws(() => c.reset(t), { name: "RuntimeError", message: `${String(t)} has already been used once` });
    assert.equal(c.get(), "spam2");

    const ctx1 = copyContext();
    assert.equal(ctx1.has(c), true);
    c.reset(t0);
    assert.throws(() => c.reset(t0), RuntimeError);
    assert.equal(c.get(undefined), undefined);

    // The copy did not see the reset.
    assert.equal(ctx1.get(c), "spam2");
    assert.equal(ctx1.get(c, "aa"), "spam2");
    assert.equal(ctx1.size, 1);
    assert.deepEqual([...ctx1.entries()], [[c, "spam2"]]);
    assert.deepEqual([...ctx1.values()], ["spam2"]);
    assert.deepEqual([...ctx1.keys()], [c]);

    const ctx2 = copyContext();
    assert.equal(ctx2.has(c), false);
    assert.equal(ctx2.get(c), undefined);
    assert.equal(ctx2.get(c, "aa"), "aa");
    assert.equal(ctx2.size, 0);
  }));

test("reset with a token of another variable or another context throws ValueError", () =>
  isolated(() => {
    const v1 = new ContextVar<number>("v1");
    const v2 = new ContextVar<number>("v2");
    const t1 = v1.set(42);
    assert.throws(() => v2.reset(t1), { name: "ValueError", message: `${String(t1)} was created by a different ContextVar` });
    const c = new ContextVar<number>("c", { default: 42 });
    const ctx = new Context();
    const tok = ctx.run(() => c.set(1));
    assert.throws(() => c.reset(tok), { name: "ValueError", message: `${String(tok)} was created in a different Context` });
    assert.throws(() => c.reset({} as Token<number>), { name: "TypeError", message: "expected an instance of Token, got [object Object]" });
    assert.ok(new ValueError() instanceof Error);
  }));

test("a variable with a default, set and reset inside Context.run", () =>
  isolated(() => {
    const c = new ContextVar<number>("c", { default: 42 });
    const ctx = new Context();
    ctx.run(() => {
      assert.equal(c.get(), 42);
      assert.equal(ctx.get(c), undefined);
      assert.equal(ctx.get(c, 7), 7);
      assert.equal(ctx.has(c), false);
      const t = c.set(1);
      assert.deepEqual([...ctx.keys()], [c]);
      assert.equal(ctx.get(c), 1);
      c.reset(t);
      assert.deepEqual([...ctx.keys()], []);
    });
  }));

test("changes made in a copy do not reach the original; a copy does not see later changes", () =>
  isolated(() => {
    const c = new ContextVar<number[] | number>("c", { default: 42 });
    c.set([]);
    copyContext().run(() => {
      c.set([]);
      (c.get() as number[]).push(42);
      assert.deepEqual(c.get(), [42]);
    });
    assert.deepEqual(c.get(), []);

    const ctx1 = new Context();
    ctx1.run(() => {
      c.set(10);
      const ctx2 = ctx1.copy();
      assert.equal(ctx2.get(c), 10);
      c.set(20);
      assert.equal(ctx1.get(c), 20);
      assert.equal(ctx2.get(c), 10);
      ctx2.run(() => {
        assert.equal(c.get(), 10);
        c.set(30);
      });
      assert.equal(ctx1.get(c), 20);
      assert.equal(ctx2.get(c), 30);
    });
  }));

// -- tasks and callbacks ----------------------------------------------------------------------

test("each task runs in a copy of the context current when it was created", asyncioTest(function* () {
  const cvar = new ContextVar<string>("cvar", { default: "nope" });
  const seen: string[] = [];
  function* sub(): Coroutine<void> {
    seen.push(`child sees ${cvar.get()}`);
    cvar.set("set by child");
    yield* sleep(1);
    seen.push(`child still sees ${cvar.get()}`);
  }
  cvar.set("before");
  const t1 = createTask(sub());
  cvar.set("after");
  const t2 = createTask(sub());
  cvar.set("parent");
  yield* gather(t1, t2);
  seen.push(`parent sees ${cvar.get()}`);
  assert.deepEqual(seen, [
    "child sees before",
    "child sees after",
    "child still sees set by child",
    "child still sees set by child",
    "parent sees parent",
  ]);
}, { clock: "virtual", debug: false }));

test("a thousand tasks each keep their own value across awaits", asyncioTest(function* () {
  const cvar = new ContextVar<number>("cvar", { default: -1 });
  function* sub(i: number): Coroutine<number> {
    cvar.set(i);
    yield* sleep(0.01 * (i % 7));
    yield* sleep(0);
    return cvar.get();
  }
  const results = yield* gather(...Array.from({ length: 1000 }, (_, i) => sub(i)));
  assert.deepEqual(results, Array.from({ length: 1000 }, (_, i) => i));
  assert.equal(cvar.get(), -1);
}, { clock: "virtual", debug: false }));

test("a task made with an explicit context runs in it, and its changes are seen there", asyncioTest(function* () {
  const cvar = new ContextVar<number>("cvar", { default: -1 });
  const ctx = copyContext();
  function* sub(v: number): Coroutine<number> {
    const old = cvar.get();
    yield* sleep(0);
    cvar.set(v);
    return old;
  }
  const t1 = createTask(sub(1), { context: ctx });
  assert.equal(t1.getContext(), ctx);
  assert.equal(yield* t1, -1);
  assert.equal(ctx.get(cvar), 1);
  assert.equal(yield* createTask(sub(2), { context: ctx }), 1);
  assert.equal(ctx.get(cvar), 2);
  assert.equal(cvar.get(), -1);
}, { clock: "virtual", debug: false }));

test("a task created inside Context.run runs in a copy of that context", asyncioTest(function* () {
  const cvar = new ContextVar<string>("cvar", { default: "outer" });
  const ctx = new Context();
  ctx.run(() => cvar.set("inside"));
  const t = ctx.run(() =>
    createTask(
      (function* () {
        yield* sleep(0);
        const v = cvar.get();
        cvar.set("changed by the task");
        return v;
      })(),
    ),
  );
  assert.equal(yield* t, "inside");
  assert.equal(ctx.get(cvar), "inside");
  assert.equal(cvar.get(), "outer");
}, { clock: "virtual", debug: false }));

test("an eager task runs its first step in its own copy of the context too", asyncioTest(function* () {
  const cvar = new ContextVar<string>("cvar", { default: "none" });
  getRunningLoop().setTaskFactory(eagerTaskFactory);
  cvar.set("parent");
  const seen: string[] = [];
  const t = createTask(
    (function* () {
      seen.push(`eager first step sees ${cvar.get()}`);
      cvar.set("child");
      yield* sleep(0);
      seen.push(`then ${cvar.get()}`);
    })(),
  );
  seen.push(`parent sees ${cvar.get()} after createTask`);
  yield* t;
  assert.deepEqual(seen, ["eager first step sees parent", "parent sees parent after createTask", "then child"]);
}, { clock: "virtual", debug: false }));

test("callbacks run in a copy of the context current when they were scheduled", asyncioTest(function* () {
  const cvar = new ContextVar<string>("cvar", { default: "none" });
  const seen: string[] = [];
  const loop = getRunningLoop();
  const fut = loop.createFuture<void>();
  cvar.set("at callSoon");
  const h = loop.callSoon(() => {
    seen.push(`callSoon sees ${cvar.get()}`);
    cvar.set("changed by callSoon");
  });
  cvar.set("at callLater");
  loop.callLater(0.5, () => seen.push(`callLater sees ${cvar.get()}`));
  cvar.set("at addDoneCallback");
  fut.addDoneCallback(() => seen.push(`done callback sees ${cvar.get()}`));
  cvar.set("main");
  yield* sleep(0);
  assert.equal(h.getContext().get(cvar), "changed by callSoon");
  fut.setResult(undefined);
  yield* sleep(1);
  seen.push(`main sees ${cvar.get()}`);
  assert.deepEqual(seen, [
    "callSoon sees at callSoon",
    "done callback sees at addDoneCallback",
    "callLater sees at callLater",
    "main sees main",
  ]);
}, { clock: "virtual", debug: false }));

test("a token is reset in a later step of the task that made it; another task cannot reset it", asyncioTest(function* () {
  const cvar = new ContextVar<number>("cvar", { default: 0 });
  const loop = getRunningLoop();
  const handed = loop.createFuture<Token<number>>();
  const owner = createTask(
    (function* () {
      const tok = cvar.set(1);
      handed.setResult(tok);
      yield* sleep(1);
      assert.equal(cvar.get(), 1);
      cvar.reset(tok);
      assert.equal(cvar.get(), 0);
      const tok2 = cvar.set(2);
      yield* sleep(0);
      cvar.reset(tok2);
      return cvar.get();
    })(),
  );
  const tok = yield* handed;
  const other = createTask(
    (function* () {
      yield* sleep(0);
      cvar.reset(tok);
    })(),
  );
  let error: unknown = null;
  try {
    yield* other;
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ValueError);
  assert.equal(error.message, `${String(tok)} was created in a different Context`);
  assert.equal(yield* owner, 0);
}, { clock: "virtual", debug: false }));

test("a token left unused by a task whose context ended up empty cannot be reset by another task", asyncioTest(function* () {
  const cvar = new ContextVar<number>("cvar");
  const loop = getRunningLoop();
  const handed = loop.createFuture<Token<number>>();
  createTask(
    (function* () {
      const first = cvar.set(1);
      const second = cvar.set(2);
      cvar.reset(first); // the task's context holds nothing again
      handed.setResult(second);
    })(),
  );
  const unused = yield* handed;
  const other = createTask(
    (function* () {
      cvar.reset(unused);
    })(),
  );
  yield* sleep(0);
  assert.ok(other.exception() instanceof ValueError);
  assert.equal(cvar.get(undefined), undefined);
}, { clock: "virtual", debug: false }));

test("a task's own changes are not seen by the code that awaits it", asyncioTest(function* () {
  const cvar = new ContextVar<string>("cvar", { default: "main" });
  yield* createTask(
    (function* () {
      cvar.set("task");
      yield* sleep(0);
    })(),
  );
  assert.equal(cvar.get(), "main");
  assert.equal(currentTask()!.getContext().get(cvar), undefined);
}, { clock: "virtual", debug: false }));

test("Context prints the number of variables it holds", () =>
  isolated(() => {
    const v = new ContextVar<number>("v");
    v.set(1);
    assert.equal(String(copyContext()), "<Context vars=1>");
    assert.equal(inspect(new Context()), "<Context vars=0>");
  }));

test("a task's getContext() during its own step is the context the step runs in, and stays the task's", async () => {
  const w = new ContextVar<number>("w");
  const seen: unknown[] = [];
  await run(function* () {
    yield* createTask(
      (function* () {
        const ctx = currentTask()!.getContext();
        w.set(5);
        seen.push(ctx.get(w));
        yield* sleep(0);
        seen.push(currentTask()!.getContext() === ctx, ctx.get(w), w.get());
      })(),
    );
  });
  assert.deepEqual(seen, [5, true, 5, 5]);
});
