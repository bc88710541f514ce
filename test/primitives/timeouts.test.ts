// The behaviour of CPython's test_timeouts.py and test_waitfor.py (3.11 on disk, 3.12/3.13 changes),
// on the virtual clock so every deadline is exact.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  CancelledError,
  ContextVar,
  ExceptionGroup,
  RuntimeError,
  Timeout,
  TimeoutError,
  createTask,
  currentTask,
  getRunningLoop,
  run,
  shield,
  sleep,
  taskGroup,
  timeout,
  timeoutAt,
  waitFor,
  type Coroutine,
} from "asyncio-ts";
import { asyncioTest, VirtualClock } from "asyncio-ts/testing";
import { outcome } from "../helpers.ts";

class KeyError extends Error {
  override name = "KeyError";
}

// -- timeout / timeoutAt -------------------------------------------------------------------

test("timeout: past the deadline the body is cancelled and TimeoutError is thrown, caused by the CancelledError", asyncioTest(function* () {
  const events: string[] = [];
  const loop = getRunningLoop();
  let cm: Timeout | null = null;
  const e = yield* outcome(
    timeout(0.01, function* (c) {
      cm = c;
      try {
        yield* sleep(10);
      } catch (err) {
        events.push(`body saw ${(err as Error).name} at ${loop.time()}`);
        throw err;
      }
    }),
  );
  assert.ok(e instanceof TimeoutError);
  assert.equal(e.message, "");
  assert.ok(e.cause instanceof CancelledError);
  assert.equal(cm!.expired(), true);
  assert.equal(cm!.when(), 0.01);
  assert.equal(loop.time(), 0.01);
  assert.equal(currentTask()!.cancelling(), 0);
  assert.deepEqual(events, ["body saw CancelledError at 0.01"]);
}, { clock: "virtual", debug: false }));

test("timeoutAt: an absolute deadline on the loop's clock; when() reads it back", asyncioTest(function* () {
  const loop = getRunningLoop();
  yield* sleep(5);
  const deadline = loop.time() + 0.5;
  let cm: Timeout | null = null;
  const e = yield* outcome(
    timeoutAt(deadline, function* (c) {
      cm = c;
      yield* sleep(10);
    }),
  );
  assert.ok(e instanceof TimeoutError);
  assert.equal(cm!.expired(), true);
  assert.equal(cm!.when(), 5.5);
  assert.equal(loop.time(), 5.5);
}, { clock: "virtual", debug: false }));

test("timeout: the body's result passes through and a deadline not reached changes nothing", asyncioTest(function* () {
  const loop = getRunningLoop();
  let cm: Timeout | null = null;
  const v = yield* timeout(10, function* (c) {
    cm = c;
    yield* sleep(1);
    return 42;
  });
  assert.equal(v, 42);
  assert.equal(cm!.expired(), false);
  assert.equal(cm!.when(), 10);
  assert.equal(loop.time(), 1);
  assert.equal(String(cm), "<Timeout [finished]>");
  // The cancelled timer does not fire later.
  yield* sleep(20);
  assert.equal(currentTask()!.cancelling(), 0);
}, { clock: "virtual", debug: false }));

test("timeout(null) and timeoutAt(null) never fire", asyncioTest(function* () {
  const loop = getRunningLoop();
  for (const make of [timeout, timeoutAt]) {
    let cm: Timeout | null = null;
    const v = yield* make(null, function* (c) {
      cm = c;
      assert.equal(String(c), "<Timeout [active] when=null>");
      yield* sleep(3600);
      return "slept";
    });
    assert.equal(v, "slept");
    assert.equal(cm!.expired(), false);
    assert.equal(cm!.when(), null);
  }
  assert.equal(loop.time(), 7200);
}, { clock: "virtual", debug: false }));

test("timeout(0) and a deadline in the past fire at the next iteration, even around sleep(0)", asyncioTest(function* () {
  const loop = getRunningLoop();
  yield* sleep(20);
  for (const [delay, inner] of [
    [0, 10],
    [0, 0],
    [-11, 0],
  ] as const) {
    let cm: Timeout | null = null;
    const e = yield* outcome(
      timeout(delay, function* (c) {
        cm = c;
        yield* sleep(inner);
      }),
    );
    assert.ok(e instanceof TimeoutError, `timeout(${delay}) around sleep(${inner})`);
    assert.equal(cm!.expired(), true);
    assert.equal(cm!.when(), 20 + delay);
    assert.equal(loop.time(), 20);
  }
}, { clock: "virtual", debug: false }));

test("a foreign error passes through unchanged and the timeout is not expired", asyncioTest(function* () {
  let cm: Timeout | null = null;
  const boom = new KeyError("k");
  const e = yield* outcome(
    timeout(0.01, function* (c) {
      cm = c;
      yield* sleep(0);
      throw boom;
    }),
  );
  assert.equal(e, boom);
  assert.equal(cm!.expired(), false);
}, { clock: "virtual", debug: false }));

test("an error thrown while the body unwinds from the timeout wins over TimeoutError", asyncioTest(function* () {
  let cm: Timeout | null = null;
  function* crash(): Coroutine<void> {
    try {
      yield* sleep(1);
    } finally {
      throw new RangeError("in finally");
    }
  }
  const e = yield* outcome(
    timeout(0.01, function* (c) {
      cm = c;
      yield* crash();
    }),
  );
  assert.ok(e instanceof RangeError);
  assert.equal((e as Error).message, "in finally");
  assert.equal(cm!.expired(), true);
  assert.equal(currentTask()!.cancelling(), 0);
}, { clock: "virtual", debug: false }));

test("a cancellation from outside inside a timeout that did not expire stays a CancelledError", asyncioTest(function* () {
  let cm: Timeout | null = null;
  const t = createTask(
    timeout(10, function* (c) {
      cm = c;
      currentTask()!.cancel("from inside");
      yield* sleep(10);
    }),
  );
  const e = yield* outcome(t);
  assert.ok(e instanceof CancelledError);
  assert.equal(e.message, "from inside");
  assert.equal(t.cancelled(), true);
  assert.equal(cm!.expired(), false);
}, { clock: "virtual", debug: false }));

test("a cancellation from outside at the moment the timeout fires stays a CancelledError", asyncioTest(function* () {
  const events: string[] = [];
  const loop = getRunningLoop();
  let cm: Timeout | null = null;
  const t = createTask(
    timeout(1, function* (c) {
      cm = c;
      // Scheduled after the timeout's own timer, for the same time.
      loop.callAt(c.when()!, () => {
        events.push(`outside cancel, cancelling=${t.cancelling()}`);
        t.cancel("outside");
      });
      try {
        yield* sleep(10);
      } catch (e) {
        events.push(`body saw ${(e as Error).name}("${(e as Error).message}") cancelling=${t.cancelling()}`);
        throw e;
      }
    }),
  );
  const e = yield* outcome(t);
  assert.ok(e instanceof CancelledError);
  assert.equal(t.cancelled(), true);
  assert.equal(cm!.expired(), true);
  assert.equal(loop.time(), 1);
  assert.deepEqual(events, ["outside cancel, cancelling=1", 'body saw CancelledError("outside") cancelling=2']);
}, { clock: "virtual", debug: false }));

test("a task whose timeout expired and who caught the TimeoutError is not cancelled", asyncioTest(function* () {
  const t = createTask(
    (function* () {
      const e = yield* outcome(timeout(0.001, () => sleep(10)));
      assert.ok(e instanceof TimeoutError);
      yield* sleep(1); // later awaits work: the cancellation is fully taken back
      return "ok";
    })(),
  );
  assert.equal(yield* t, "ok");
  assert.equal(t.cancelled(), false);
  assert.equal(t.cancelling(), 0);
}, { clock: "virtual", debug: false }));

test("a body that swallows the timeout's cancellation returns normally; expired() is still true", asyncioTest(function* () {
  let cm: Timeout | null = null;
  const v = yield* timeout(1, function* (c) {
    cm = c;
    try {
      yield* sleep(10);
    } catch (e) {
      assert.ok(e instanceof CancelledError);
      assert.throws(() => c.reschedule(5), { name: "RuntimeError", message: "Cannot change state of expiring Timeout" });
    }
    return "swallowed";
  });
  assert.equal(v, "swallowed");
  assert.equal(cm!.expired(), true);
  assert.equal(currentTask()!.cancelling(), 0);
  yield* sleep(1);
}, { clock: "virtual", debug: false }));

test("nested timeouts: the inner one fires first, is caught, then the outer one fires", asyncioTest(function* () {
  const events: string[] = [];
  const loop = getRunningLoop();
  let inner: Timeout | null = null;
  let outer: Timeout | null = null;
  const e = yield* outcome(
    timeout(10, function* (o) {
      outer = o;
      const ie = yield* outcome(
        timeout(1, function* (i) {
          inner = i;
          yield* sleep(5);
        }),
      );
      events.push(`inner threw ${(ie as Error).name} at ${loop.time()}`);
      yield* sleep(20);
      events.push("not reached");
    }),
  );
  events.push(`outer threw ${(e as Error).name} at ${loop.time()}`);
  assert.equal(inner!.expired(), true);
  assert.equal(outer!.expired(), true);
  assert.deepEqual(events, ["inner threw TimeoutError at 1", "outer threw TimeoutError at 10"]);
}, { clock: "virtual", debug: false }));

test("nested timeouts: the outer one fires first, the inner one passes the CancelledError on", asyncioTest(function* () {
  const events: string[] = [];
  let inner: Timeout | null = null;
  const e = yield* outcome(
    timeout(1, function* () {
      try {
        yield* timeout(10, function* (i) {
          inner = i;
          yield* sleep(5);
        });
      } catch (err) {
        events.push(`inner block threw ${(err as Error).name}`);
        throw err;
      }
    }),
  );
  events.push(`outer block threw ${(e as Error).name}`);
  assert.equal(inner!.expired(), false);
  assert.deepEqual(events, ["inner block threw CancelledError", "outer block threw TimeoutError"]);
}, { clock: "virtual", debug: false }));

test("nested timeouts with the same deadline: only the outermost throws TimeoutError", asyncioTest(function* () {
  const events: string[] = [];
  const deadline = getRunningLoop().time() + 0.01;
  let cm1: Timeout | null = null;
  let cm2: Timeout | null = null;
  const e = yield* outcome(
    timeoutAt(deadline, function* (c1) {
      cm1 = c1;
      try {
        yield* timeoutAt(deadline, function* (c2) {
          cm2 = c2;
          yield* sleep(10);
        });
      } catch (err) {
        events.push(`inner block threw ${(err as Error).name}`);
        throw err;
      }
    }),
  );
  events.push(`outer block threw ${(e as Error).name}`);
  assert.equal(cm1!.expired(), true);
  assert.equal(cm2!.expired(), true);
  assert.equal(currentTask()!.cancelling(), 0);
  assert.deepEqual(events, ["inner block threw CancelledError", "outer block threw TimeoutError"]);
}, { clock: "virtual", debug: false }));

test("nested timeouts both past due in one iteration (a busy loop): the outer one throws TimeoutError", async () => {
  const clock = new VirtualClock({ autojump: false });
  const events: string[] = [];
  await run(
    function* () {
      const loop = getRunningLoop();
      const e = yield* outcome(
        timeout(0.1, function* () {
          const ie = yield* outcome(
            timeout(0.01, function* () {
              clock.advance(0.2); // the loop is busy past both deadlines
              yield* sleep(1);
            }),
          );
          events.push(`inner block threw ${(ie as Error).name}`);
          throw ie;
        }),
      );
      events.push(`outer block threw ${(e as Error).name} at ${loop.time()}`);
    },
    { clock },
  );
  assert.deepEqual(events, ["inner block threw CancelledError", "outer block threw TimeoutError at 0.2"]);
});

test("a nested timeout in the finally of an expired one works, then the outer one throws", asyncioTest(function* () {
  const events: string[] = [];
  const loop = getRunningLoop();
  const e = yield* outcome(
    timeout(0.01, function* () {
      try {
        yield* sleep(1);
      } finally {
        const ie = yield* outcome(timeout(0.01, () => sleep(10)));
        events.push(`cleanup timeout threw ${(ie as Error).name} at ${loop.time()}`);
      }
    }),
  );
  events.push(`outer threw ${(e as Error).name}`);
  assert.deepEqual(events, ["cleanup timeout threw TimeoutError at 0.02", "outer threw TimeoutError"]);
}, { clock: "virtual", debug: false }));

test("a timeout entered after a swallowed cancellation still expires into TimeoutError", asyncioTest(function* () {
  const me = currentTask()!;
  try {
    me.cancel();
    yield* sleep(1);
  } catch (e) {
    assert.ok(e instanceof CancelledError);
  }
  assert.equal(me.cancelling(), 1);
  const e = yield* outcome(timeout(0, () => sleep(1)));
  assert.ok(e instanceof TimeoutError);
  assert.equal(me.cancelling(), 1);
  // A new cancellation inside a fresh timeout stays a cancellation.
  const e2 = yield* outcome(
    timeout(1, function* () {
      me.cancel();
      yield* sleep(2);
    }),
  );
  assert.ok(e2 instanceof CancelledError);
  assert.equal(me.cancelling(), 2);
  me.uncancel();
  me.uncancel();
}, { clock: "virtual", debug: false }));

test("reschedule moves the deadline earlier, later, or away (null)", asyncioTest(function* () {
  const fired: number[] = [];
  const loop = getRunningLoop();
  yield* outcome(
    timeout(10, function* (cm) {
      yield* sleep(1);
      cm.reschedule(loop.time() + 1);
      assert.equal(cm.when(), 2);
      yield* sleep(10);
    }),
  );
  fired.push(loop.time());
  yield* outcome(
    timeout(1, function* (cm) {
      cm.reschedule(loop.time() + 5);
      yield* sleep(10);
    }),
  );
  fired.push(loop.time());
  const v = yield* timeout(1, function* (cm) {
    cm.reschedule(null);
    assert.equal(cm.when(), null);
    yield* sleep(10);
    return "never fired";
  });
  assert.equal(v, "never fired");
  fired.push(loop.time());
  const e = yield* outcome(
    timeout(10, function* (cm) {
      cm.reschedule(loop.time() - 1);
      yield* sleep(0);
      return "not reached";
    }),
  );
  assert.ok(e instanceof TimeoutError);
  fired.push(loop.time());
  assert.deepEqual(fired, [2, 7, 17, 17]);
}, { clock: "virtual", debug: false }));

test("reschedule from another task while the block is active (CPython's test_reschedule)", asyncioTest(function* () {
  const loop = getRunningLoop();
  const entered = loop.createFuture<Timeout>();
  const deadline1 = loop.time() + 10;
  const deadline2 = deadline1 + 20;
  const task = createTask(
    timeoutAt(deadline1, function* (cm) {
      entered.setResult(cm);
      yield* sleep(50);
    }),
  );
  const cm = yield* entered;
  assert.equal(cm.when(), deadline1);
  cm.reschedule(deadline2);
  assert.equal(cm.when(), deadline2);
  cm.reschedule(null);
  assert.equal(cm.when(), null);
  task.cancel();
  assert.ok((yield* outcome(task)) instanceof CancelledError);
  assert.equal(cm.expired(), false);
  assert.equal(loop.time(), 0);
}, { clock: "virtual", debug: false }));

test("reschedule outside the block throws RuntimeError with CPython's messages", asyncioTest(function* () {
  assert.throws(() => new Timeout(1).reschedule(2), { name: "RuntimeError", message: "Timeout has not been entered" });
  let finished: Timeout | null = null;
  yield* timeout(1, function* (cm) {
    finished = cm;
  });
  assert.throws(() => finished!.reschedule(2), { name: "RuntimeError", message: "Cannot change state of finished Timeout" });
  let expired: Timeout | null = null;
  yield* outcome(
    timeout(0.01, function* (cm) {
      expired = cm;
      yield* sleep(1);
    }),
  );
  assert.throws(() => expired!.reschedule(2), { name: "RuntimeError", message: "Cannot change state of expired Timeout" });
}, { clock: "virtual", debug: false }));

test("a timeout entered outside a task throws RuntimeError; timeout() outside a loop too", async () => {
  assert.throws(() => timeout(1, function* () {}), { name: "RuntimeError", message: "no running event loop" });
  await asyncioTest(function* () {
    const loop = getRunningLoop();
    const seen = loop.createFuture<unknown>();
    loop.callSoon(() => {
      const co = timeoutAt(null, function* () {});
      try {
        co.next();
        seen.setResult("entered");
      } catch (e) {
        seen.setResult(e);
      }
    });
    const e = yield* seen;
    assert.ok(e instanceof RuntimeError);
    assert.equal(e.message, "Timeout should be used inside a task");
  }, { clock: "virtual", debug: false })();
});

test("timeout and timeoutAt reject a bad delay or body with TypeError", asyncioTest(function* () {
  assert.throws(() => timeout("1" as unknown as number, function* () {}), {
    name: "TypeError",
    message: "`delay` must be a number of seconds or null, got 1",
  });
  assert.throws(() => timeout(NaN, function* () {}), { name: "TypeError", message: "`delay` must be a number of seconds or null, got NaN" });
  assert.throws(() => timeoutAt(undefined as unknown as number, function* () {}), {
    name: "TypeError",
    message: "`when` must be a number of seconds on the loop's clock or null, got undefined",
  });
  assert.throws(() => timeout(1, null as unknown as () => Coroutine<void>), {
    name: "TypeError",
    message: "the body of a timeout must be a generator function (cm) => Coroutine, got null",
  });
  yield* sleep(0);
}, { clock: "virtual", debug: false }));

test("Timeout prints its state and deadline (repr), also under util.inspect", asyncioTest(function* () {
  yield* sleep(1.23456);
  yield* timeout(10, function* (cm) {
    assert.equal(String(cm), "<Timeout [active] when=11.235>");
    assert.equal(inspect(cm), "<Timeout [active] when=11.235>");
  });
  let cm: Timeout | null = null;
  yield* outcome(
    timeout(0.01, function* (c) {
      cm = c;
      yield* sleep(10);
    }),
  );
  assert.equal(String(cm), "<Timeout [expired]>");
  assert.equal(String(new Timeout(5)), "<Timeout [created]>");
}, { clock: "virtual", debug: false }));

test("a task group inside an expired timeout: the group's errors come out, not TimeoutError (3.13's test_timeout_taskgroup)", asyncioTest(function* () {
  let cm: Timeout | null = null;
  const e = yield* outcome(
    timeout(0.01, function* (c) {
      cm = c;
      yield* taskGroup(function* (tg) {
        tg.createTask(
          (function* () {
            try {
              yield* sleep(2); // interrupted after 0.01 s
            } finally {
              throw new RangeError("crash in cleanup");
            }
          })(),
        );
        try {
          throw new KeyError("k");
        } finally {
          yield* sleep(1); // the timeout's CancelledError replaces the KeyError here
        }
      });
    }),
  );
  assert.ok(e instanceof ExceptionGroup);
  assert.equal(e.exceptions.length, 1);
  assert.ok(e.exceptions[0] instanceof RangeError);
  assert.equal(cm!.expired(), true);
  assert.equal(currentTask()!.cancelling(), 0);
  yield* sleep(1); // no cancellation left over
  assert.equal(getRunningLoop().time(), 1.01);
}, { clock: "virtual", debug: false }));

// -- waitFor --------------------------------------------------------------------------------

test("waitFor: the result of a coroutine, a future or a task passes through; null waits without limit", asyncioTest(function* () {
  const loop = getRunningLoop();
  function* coro(): Coroutine<string> {
    yield* sleep(100);
    return "done";
  }
  assert.equal(yield* waitFor(coro(), null), "done");
  assert.equal(yield* waitFor(coro(), 101), "done");
  const fut = loop.createFuture<string>();
  loop.callLater(0.1, () => fut.setResult("ok"));
  assert.equal(yield* waitFor(fut, 0.2), "ok");
  assert.equal(yield* waitFor(createTask(coro()), 1000), "done");
  assert.equal(loop.time(), 300.1);
}, { clock: "virtual", debug: false }));

test("waitFor: on timeout it cancels the inner task and waits for it to finish cancelling", asyncioTest(function* () {
  const events: string[] = [];
  const loop = getRunningLoop();
  const inner = createTask(
    (function* () {
      try {
        yield* sleep(10);
      } catch (e) {
        events.push(`inner cancelled at ${loop.time()}`);
        yield* sleep(0.5);
        events.push(`inner done cleaning up at ${loop.time()}`);
        throw e;
      }
    })(),
  );
  const e = yield* outcome(waitFor(inner, 1));
  events.push(`waitFor threw ${(e as Error).name} at ${loop.time()}`);
  assert.ok((e as Error).cause instanceof CancelledError);
  assert.equal(inner.cancelled(), true);
  assert.deepEqual(events, ["inner cancelled at 1", "inner done cleaning up at 1.5", "waitFor threw TimeoutError at 1.5"]);
}, { clock: "virtual", debug: false }));

test("waitFor with timeout 0 or negative: a done future gives its result, a pending task is cancelled first", asyncioTest(function* () {
  const loop = getRunningLoop();
  const fut = loop.createFuture<string>();
  fut.setResult("done");
  assert.equal(yield* waitFor(fut, 0), "done");
  assert.equal(yield* waitFor(fut, -1), "done");
  for (const t of [0, -1]) {
    let running: boolean | null = null;
    const started = loop.createFuture<void>();
    const task = createTask(
      (function* () {
        running = true;
        started.setResult(undefined);
        try {
          yield* sleep(10);
        } finally {
          running = false;
        }
        return "done";
      })(),
    );
    yield* started;
    const e = yield* outcome(waitFor(task, t));
    assert.ok(e instanceof TimeoutError, `timeout ${t}`);
    assert.ok(e.cause instanceof CancelledError);
    assert.equal(task.cancelled(), true);
    assert.equal(running, false);
  }
  assert.equal(loop.time(), 0);
}, { clock: "virtual", debug: false }));

test("waitFor with timeout 0 never starts a coroutine", asyncioTest(function* () {
  let started = false;
  const e = yield* outcome(
    waitFor(
      (function* () {
        started = true;
      })(),
      0,
    ),
  );
  assert.ok(e instanceof TimeoutError);
  assert.equal(started, false);
}, { clock: "virtual", debug: false }));

test("waitFor with timeout 0 waits for the inner task's cancellation to finish", asyncioTest(function* () {
  const events: string[] = [];
  const loop = getRunningLoop();
  const inner = createTask(
    (function* () {
      try {
        yield* sleep(10);
      } catch (e) {
        yield* sleep(0.25);
        throw e;
      } finally {
        events.push(`inner finally at ${loop.time()}`);
      }
    })(),
  );
  yield* sleep(0.0001);
  const e = yield* outcome(waitFor(inner, 0));
  events.push(`waitFor threw ${(e as Error).name} caused by ${((e as Error).cause as Error).name} at ${loop.time()}`);
  assert.deepEqual(events, ["inner finally at 0.2501", "waitFor threw TimeoutError caused by CancelledError at 0.2501"]);
}, { clock: "virtual", debug: false }));

test("waitFor: an inner task that swallows the cancellation and returns gives its value", asyncioTest(function* () {
  const loop = getRunningLoop();
  function* return42(): Coroutine<number> {
    try {
      yield* sleep(10);
    } catch (e) {
      assert.ok(e instanceof CancelledError);
      return 42;
    }
    return 0;
  }
  assert.equal(yield* waitFor(return42(), 0.1), 42);
  assert.equal(yield* waitFor(createTask(return42()), 0.1), 42);
  assert.equal(loop.time(), 0.2);
}, { clock: "virtual", debug: false }));

test("waitFor: an error thrown by the inner task while it is cancelled is thrown instead of TimeoutError", asyncioTest(function* () {
  const inner = createTask(
    (function* () {
      try {
        yield* sleep(0.2);
      } finally {
        throw new KeyError("foo");
      }
    })(),
  );
  const e = yield* outcome(waitFor(inner, 0.0001));
  assert.ok(e instanceof KeyError);
}, { clock: "virtual", debug: false }));

test("waitFor: cancelling the waiting task cancels the inner task too (bpo-23219), with or without a timeout", asyncioTest(function* () {
  const loop = getRunningLoop();
  for (const t of [null, 60]) {
    const blocked = createTask(
      (function* () {
        yield* loop.createFuture<void>();
      })(),
    );
    const waiter = createTask(waitFor(blocked, t));
    loop.callSoon(() => waiter.cancel());
    const e = yield* outcome(waiter);
    assert.ok(e instanceof CancelledError, `timeout ${t}`);
    assert.equal(blocked.cancelled(), true);
    assert.equal(waiter.cancelled(), true);
  }
}, { clock: "virtual", debug: false }));

test("waitFor: cancelling the waiting task while the inner one refuses the cancellation lets it finish (3.12+)", asyncioTest(function* () {
  const loop = getRunningLoop();
  const inner = createTask(
    (function* () {
      try {
        yield* sleep(0.3);
      } catch {
        try {
          yield* sleep(0.3);
        } catch {
          yield* sleep(0.3);
        }
      }
      return 42;
    })(),
  );
  const waiter = createTask(waitFor(inner, 0.1));
  yield* sleep(0.2);
  waiter.cancel();
  // The inner task swallowed both cancellations and returned: so does waitFor.
  assert.equal(yield* waiter, 42);
  assert.equal(yield* inner, 42);
  assert.equal(loop.time(), 0.5);
}, { clock: "virtual", debug: false }));

test("waitFor on a task that finishes in one iteration, then the waiter is cancelled (gh-86296)", asyncioTest(function* () {
  const inner = createTask(
    (function* () {
      return "done";
    })(),
  );
  let reachedEnd = false;
  const task = createTask(
    (function* () {
      yield* waitFor(inner, 100);
      yield* sleep(1);
      reachedEnd = true;
    })(),
  );
  assert.equal(task.done(), false);
  yield* sleep(0);
  task.cancel();
  assert.ok((yield* outcome(task)) instanceof CancelledError);
  assert.equal(inner.done(), true);
  assert.equal(yield* inner, "done");
  assert.equal(reachedEnd, false);
}, { clock: "virtual", debug: false }));

test("waitFor on a shield: the timeout cancels the shield, not the task behind it", asyncioTest(function* () {
  const loop = getRunningLoop();
  function* coro(): Coroutine<string> {
    yield* sleep(0.25);
    return "done";
  }
  for (const t of [0, 0.125]) {
    const task = createTask(coro());
    const shielded = shield(task);
    const e = yield* outcome(waitFor(shielded, t));
    assert.ok(e instanceof TimeoutError, `timeout ${t}`);
    assert.equal(shielded.cancelled(), true);
    assert.equal(task.done(), false);
    assert.equal(yield* task, "done");
  }
  const task = createTask(coro());
  assert.equal(yield* waitFor(shield(task), null), "done");
  assert.equal(loop.time(), 0.75);
}, { clock: "virtual", debug: false }));

test("waitFor rejects a timeout that is not a number", asyncioTest(function* () {
  const fut = getRunningLoop().createFuture<void>();
  const e = yield* outcome(waitFor(fut, "1" as unknown as number));
  assert.ok(e instanceof TypeError);
  assert.equal(e.message, "`timeout` must be a number of seconds or null, got 1");
  fut.cancel();
}, { clock: "virtual", debug: false }));

test("waitFor awaits a coroutine inside the calling task: same currentTask(), context changes kept (3.12+)", asyncioTest(function* () {
  const v = new ContextVar<number>("v", { default: 0 });
  const me = currentTask();
  const inner = yield* waitFor(
    (function* () {
      v.set(1);
      yield* sleep(0.1);
      return currentTask();
    })(),
    1,
  );
  const seen = [inner === me, v.get()];
  assert.deepEqual(seen, [true, 1]);
}, { clock: "virtual", debug: false }));
