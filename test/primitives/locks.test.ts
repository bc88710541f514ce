// Behaviour of the synchronization primitives, ported from CPython's test_asyncio/test_locks.py
// (3.13), with the races it pins: cancelled waiters never keep or lose a wake-up that belongs to
// another task.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  CancelledError,
  Condition,
  Event,
  Lock,
  RuntimeError,
  Semaphore,
  TimeoutError,
  ValueError,
  createTask,
  gather,
  getRunningLoop,
  newEventLoop,
  sleep,
  taskGroup,
  timeout,
  waitFor,
  type Coroutine,
  type Future,
  type Task,
} from "asyncio-ts";
import { asyncioTest } from "asyncio-ts/testing";
import { expectCancelled } from "../helpers.ts";

function* ticks(n: number): Coroutine<void> {
  for (let i = 0; i < n; i++) yield* sleep(0);
}

// -- every lock-like primitive: one body, run over each class ----------------------------------

type LockLike = Lock | Condition | Semaphore | BoundedSemaphore;
const lockLikes: [string, () => LockLike][] = [
  ["Lock", () => new Lock()],
  ["Condition", () => new Condition()],
  ["Semaphore", () => new Semaphore()],
  ["BoundedSemaphore", () => new BoundedSemaphore()],
];

for (const [name, make] of lockLikes) {
  test(`${name}: with() holds it during the body and releases it on return, throw and cancellation`, asyncioTest(function* () {
    const lock = make();
    const seen: boolean[] = [];
    const value = yield* lock.with(function* () {
      seen.push(lock.locked());
      yield* sleep(0);
      return 42;
    });
    assert.equal(value, 42);
    seen.push(lock.locked());
    try {
      yield* lock.with(function* () {
        throw new Error("boom");
      });
    } catch (e) {
      assert.equal((e as Error).message, "boom");
    }
    seen.push(lock.locked());
    const t = createTask(lock.with(() => sleep(3600)));
    yield* sleep(0);
    seen.push(lock.locked());
    t.cancel();
    yield* expectCancelled(t);
    seen.push(lock.locked());
    assert.deepEqual(seen, [true, false, false, true, false]);
  }, { clock: "virtual", debug: false }));

  test(`${name}: hold() with \`using\` releases when the block is left, however it is left`, asyncioTest(function* () {
    const lock = make();
    const order: string[] = [];
    function* critical(tag: string, fail: boolean): Coroutine<void> {
      using _ = yield* lock.hold();
      order.push(`${tag} in`);
      yield* sleep(0.1);
      if (fail) throw new Error(`${tag} failed`);
      order.push(`${tag} out`);
    }
    const a = createTask(critical("a", true));
    const b = createTask(critical("b", false));
    const c = createTask(critical("c", false));
    yield* sleep(0);
    c.cancel(); // cancelled while waiting: it never held the lock, so it must not release it
    const results = yield* gather(a, b, c, { returnExceptions: true });
    assert.equal((results[0] as Error).message, "a failed");
    assert.ok(results[2] instanceof CancelledError);
    assert.deepEqual(order, ["a in", "b in", "b out"]);
    assert.equal(lock.locked(), false);
  }, { clock: "virtual", debug: false }));

  test(`${name}: waiters acquire in FIFO order`, asyncioTest(function* () {
    const lock = make();
    const order: number[] = [];
    yield* lock.acquire();
    const tasks = [1, 2, 3].map((i) =>
      createTask(
        lock.with(function* () {
          order.push(i);
          yield* sleep(0.01);
        }),
      ),
    );
    yield* sleep(0);
    lock.release();
    yield* gather(...tasks);
    assert.deepEqual(order, [1, 2, 3]);
  }, { clock: "virtual", debug: false }));
}

// -- Lock -----------------------------------------------------------------------------------------

test("Lock prints its state under util.inspect and reports statistics", asyncioTest(function* () {
  const lock = new Lock();
  assert.equal(inspect(lock), "<Lock [unlocked]>");
  yield* lock.acquire();
  const t = createTask(lock.acquire());
  yield* sleep(0);
  assert.equal(inspect(lock), "<Lock [locked, waiters:1]>");
  assert.equal(String(lock), "<Lock [locked, waiters:1]>");
  assert.deepEqual(lock.statistics(), { locked: true, waiters: 1 });
  lock.release();
  yield* t;
  assert.deepEqual(lock.statistics(), { locked: true, waiters: 0 });
}, { clock: "virtual", debug: false }));

test("Lock.acquire() hands the lock over in FIFO order, one release at a time (test_acquire)", asyncioTest(function* () {
  const lock = new Lock();
  const result: number[] = [];
  assert.equal(yield* lock.acquire(), true);
  function* c(i: number): Coroutine<boolean> {
    if (yield* lock.acquire()) result.push(i);
    return true;
  }
  const t1 = createTask(c(1));
  const t2 = createTask(c(2));
  yield* sleep(0);
  assert.deepEqual(result, []);
  lock.release();
  yield* sleep(0);
  assert.deepEqual(result, [1]);
  yield* sleep(0);
  assert.deepEqual(result, [1]);
  const t3 = createTask(c(3));
  lock.release();
  yield* sleep(0);
  assert.deepEqual(result, [1, 2]);
  lock.release();
  yield* sleep(0);
  assert.deepEqual(result, [1, 2, 3]);
  assert.deepEqual([t1.result(), t2.result(), t3.result()], [true, true, true]);
}, { clock: "virtual", debug: false }));

test("Lock: a newcomer does not jump ahead of a waiter that was woken but has not run yet", asyncioTest(function* () {
  const lock = new Lock();
  const order: string[] = [];
  yield* lock.acquire();
  const waiter = createTask(
    lock.with(function* () {
      order.push("waiter");
    }),
  );
  yield* sleep(0);
  lock.release(); // wakes `waiter`, which has not run yet
  assert.equal(lock.locked(), false);
  const newcomer = createTask(
    lock.with(function* () {
      order.push("newcomer");
    }),
  );
  yield* gather(waiter, newcomer);
  assert.deepEqual(order, ["waiter", "newcomer"]);
}, { clock: "virtual", debug: false }));

test("Lock: a cancelled acquire() leaves no waiter behind (test_acquire_cancel)", asyncioTest(function* () {
  const lock = new Lock();
  yield* lock.acquire();
  const task = createTask(lock.acquire());
  getRunningLoop().callSoon(() => task.cancel());
  yield* expectCancelled(task);
  assert.equal(lock._waiters.length, 0);
}, { clock: "virtual", debug: false }));

test("Lock: release() skips a waiter cancelled but not yet removed (test_cancel_race)", asyncioTest(function* () {
  const lock = new Lock();
  function* lockit(blocker: Future<void> | null): Coroutine<void> {
    yield* lock.acquire();
    try {
      if (blocker !== null) yield* blocker;
    } finally {
      lock.release();
    }
  }
  const fa = getRunningLoop().createFuture<void>();
  const ta = createTask(lockit(fa));
  yield* sleep(0);
  assert.ok(lock.locked());
  const tb = createTask(lockit(null));
  yield* sleep(0);
  assert.equal(lock._waiters.length, 1);
  const tc = createTask(lockit(null));
  yield* sleep(0);
  assert.equal(lock._waiters.length, 2);

  fa.setResult();
  tb.cancel();
  assert.ok(lock._waiters.at(0)!.cancelled());
  yield* sleep(0);
  assert.equal(lock.locked(), false);
  assert.ok(ta.done());
  assert.ok(tb.cancelled());
  yield* tc;
}, { clock: "virtual", debug: false }));

test("Lock: cancel plus release at once lets exactly one waiter in (test_cancel_release_race, bpo-32734)", asyncioTest(function* () {
  const loop = getRunningLoop();
  const lock = new Lock();
  let lockCount = 0;
  let callCount = 0;
  function* lockit(): Coroutine<void> {
    callCount++;
    yield* lock.acquire();
    lockCount++;
  }
  yield* lock.acquire();
  const t1 = createTask(lockit());
  const t2 = createTask(lockit());
  const t3 = createTask(lockit());
  yield* sleep(0);
  loop.callSoon(() => {
    t1.cancel();
    lock.release();
  });
  yield* expectCancelled(t1);
  assert.equal(lockCount, 1);
  assert.equal(callCount, 3);
  assert.ok(t1.cancelled() && t2.done());
  t3.cancel();
  yield* sleep(0);
  assert.ok(t3.cancelled());
}, { clock: "virtual", debug: false }));

test("Lock: a waiter cancelled right after release() chose it passes the lock on (test_finished_waiter_cancelled)", asyncioTest(function* () {
  const lock = new Lock();
  yield* lock.acquire();
  const tb = createTask(lock.acquire());
  yield* sleep(0);
  assert.equal(lock._waiters.length, 1);
  const tc = createTask(lock.acquire());
  tb.cancel();
  lock.release();
  yield* sleep(0);
  assert.ok(lock.locked());
  assert.ok(tb.cancelled());
  assert.equal(yield* tc, true);
}, { clock: "virtual", debug: false }));

test("Lock: an acquire() cancelled after the release that woke it lets the next one in", asyncioTest(function* () {
  const lock = new Lock();
  const order: string[] = [];
  yield* lock.acquire();
  const first = createTask(lock.acquire());
  const second = createTask(
    lock.with(function* () {
      order.push("second");
    }),
  );
  yield* sleep(0);
  lock.release(); // chooses `first`...
  first.cancel(); // ...which is cancelled before it runs
  yield* expectCancelled(first);
  yield* second;
  assert.deepEqual(order, ["second"]);
  assert.equal(lock.locked(), false);
}, { clock: "virtual", debug: false }));

test("Lock.release() on an unlocked lock throws RuntimeError 'Lock is not acquired.'", () => {
  assert.throws(() => new Lock().release(), { name: "RuntimeError", message: "Lock is not acquired." });
});

test("a lock used from a second loop throws RuntimeError '... is bound to a different event loop'", async () => {
  const lock = new Lock();
  await asyncioTest(function* () {
    yield* lock.acquire();
    const t = createTask(lock.acquire()); // binds the lock to this loop
    yield* sleep(0);
    lock.release();
    yield* t;
  }, { clock: "virtual", debug: false })();
  // Still held by the finished task: a second loop has to wait, and may not.
  await asyncioTest(function* () {
    assert.throws(() => lock.acquire().next(), {
      name: "RuntimeError",
      message: "<Lock [locked]> is bound to a different event loop",
    });
  }, { clock: "virtual", debug: false })();
});

test("acquire() with no running loop and a reason to wait throws RuntimeError 'no running event loop'", () => {
  const lock = new Lock();
  assert.deepEqual(lock.acquire().next(), { done: true, value: true });
  assert.throws(() => lock.acquire().next(), { name: "RuntimeError", message: "no running event loop" });
});

// -- Event ----------------------------------------------------------------------------------------

test("Event: wait() blocks until set(), which wakes every waiter; clear() resets (test_wait)", asyncioTest(function* () {
  const ev = new Event();
  assert.equal(ev.isSet(), false);
  const result: number[] = [];
  function* c(i: number): Coroutine<void> {
    if (yield* ev.wait()) result.push(i);
  }
  const tasks = [1, 2, 3].map((i) => createTask(c(i)));
  yield* sleep(0);
  assert.deepEqual(result, []);
  assert.equal(inspect(ev), "<Event [unset, waiters:3]>");
  assert.deepEqual(ev.statistics(), { isSet: false, waiters: 3 });
  ev.set();
  assert.equal(inspect(ev), "<Event [set, waiters:3]>");
  yield* gather(...tasks);
  assert.deepEqual(result, [1, 2, 3]);
  assert.equal(inspect(ev), "<Event [set]>");
  assert.equal(yield* ev.wait(), true); // already set: returns at once
  ev.clear();
  assert.equal(ev.isSet(), false);
}, { clock: "virtual", debug: false }));

test("Event: a cancelled wait() removes its waiter (test_wait_cancel)", asyncioTest(function* () {
  const ev = new Event();
  const wait = createTask(ev.wait());
  getRunningLoop().callSoon(() => wait.cancel());
  yield* expectCancelled(wait);
  assert.equal(ev._waiters.length, 0);
}, { clock: "virtual", debug: false }));

test("Event: set() then clear() before the waiter runs still wakes it (test_clear_with_waiters)", asyncioTest(function* () {
  const ev = new Event();
  const result: number[] = [];
  const t = createTask(
    (function* () {
      if (yield* ev.wait()) result.push(1);
      return true;
    })(),
  );
  yield* sleep(0);
  assert.deepEqual(result, []);
  ev.set();
  ev.clear();
  assert.equal(ev.isSet(), false);
  ev.set();
  ev.set();
  assert.equal(ev._waiters.length, 1);
  yield* sleep(0);
  assert.deepEqual(result, [1]);
  assert.equal(ev._waiters.length, 0);
  assert.equal(t.result(), true);
}, { clock: "virtual", debug: false }));

// -- Condition ------------------------------------------------------------------------------------

test("Condition: notify() wakes waiters in order, each once it has the lock (test_wait)", asyncioTest(function* () {
  const cond = new Condition();
  const result: number[] = [];
  function* c(i: number): Coroutine<boolean> {
    yield* cond.acquire();
    if (yield* cond.wait()) result.push(i);
    return true;
  }
  const tasks = [1, 2, 3].map((i) => createTask(c(i)));
  yield* sleep(0);
  assert.deepEqual(result, []);
  assert.equal(cond.locked(), false);

  assert.equal(yield* cond.acquire(), true);
  cond.notify();
  yield* sleep(0);
  assert.deepEqual(result, []);
  assert.ok(cond.locked());

  cond.release();
  yield* sleep(0);
  assert.deepEqual(result, [1]);
  assert.ok(cond.locked());

  cond.notify(2);
  yield* sleep(0);
  assert.deepEqual(result, [1]);
  cond.release();
  yield* sleep(0);
  assert.deepEqual(result, [1, 2]);
  cond.release();
  yield* sleep(0);
  assert.deepEqual(result, [1, 2, 3]);
  assert.ok(cond.locked());
  assert.deepEqual(
    tasks.map((t) => t.result()),
    [true, true, true],
  );
}, { clock: "virtual", debug: false }));

test("Condition: a cancelled wait() still takes the lock back (test_wait_cancel)", asyncioTest(function* () {
  const cond = new Condition();
  yield* cond.acquire();
  const wait = createTask(cond.wait());
  getRunningLoop().callSoon(() => wait.cancel());
  yield* expectCancelled(wait);
  assert.equal(cond._waiters.length, 0);
  assert.ok(cond.locked());
}, { clock: "virtual", debug: false }));

test("Condition: notified, then cancelled while the lock is contested, wait() returns normally (test_wait_cancel_contested)", asyncioTest(function* () {
  const loop = getRunningLoop();
  const cond = new Condition();
  yield* cond.acquire();
  const waitTask = createTask(cond.wait());
  yield* sleep(0);
  assert.equal(cond.locked(), false);
  yield* cond.acquire();
  cond.notify();
  loop.callSoon(() => waitTask.cancel());
  loop.callSoon(() => cond.release());
  try {
    yield* waitTask;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
  }
  assert.ok(cond.locked());
}, { clock: "virtual", debug: false }));

test("Condition: cancelled after notify, while taking the lock back, the waiter ends cancelled (test_wait_cancel_after_notify)", asyncioTest(function* () {
  let waited = false;
  const cond = new Condition();
  const waiter = createTask(
    cond.with(function* () {
      waited = true;
      yield* cond.wait();
    }),
  );
  yield* sleep(0);
  yield* cond.acquire();
  cond.notify();
  yield* sleep(0);
  waiter.cancel();
  yield* sleep(0);
  cond.release();
  yield* sleep(0);
  assert.ok(waiter.cancelled());
  assert.ok(waited);
}, { clock: "virtual", debug: false }));

test("Condition.wait()/waitFor()/notify()/notifyAll() without the lock throw RuntimeError", asyncioTest(function* () {
  const cond = new Condition();
  assert.throws(() => cond.wait().next(), { name: "RuntimeError", message: "cannot wait on un-acquired lock" });
  assert.throws(() => cond.notify(), { name: "RuntimeError", message: "cannot notify on un-acquired lock" });
  assert.throws(() => cond.notifyAll(), { name: "RuntimeError", message: "cannot notify on un-acquired lock" });
  // A predicate true at once needs no lock (test_wait_for_unacquired).
  assert.deepEqual(yield* cond.waitFor(() => [1, 2, 3]), [1, 2, 3]);
  assert.throws(() => cond.waitFor(() => false).next(), RuntimeError);
}, { clock: "virtual", debug: false }));

test("Condition.waitFor() rechecks the predicate at each notify (test_wait_for)", asyncioTest(function* () {
  const cond = new Condition();
  let presult = false;
  const result: number[] = [];
  const t = createTask(
    (function* () {
      yield* cond.acquire();
      if (yield* cond.waitFor(() => presult)) {
        result.push(1);
        cond.release();
      }
      return true;
    })(),
  );
  yield* sleep(0);
  yield* cond.acquire();
  cond.notify();
  cond.release();
  yield* sleep(0);
  assert.deepEqual(result, []);
  presult = true;
  yield* cond.acquire();
  cond.notify();
  cond.release();
  yield* sleep(0);
  assert.deepEqual(result, [1]);
  assert.equal(t.result(), true);
}, { clock: "virtual", debug: false }));

test("Condition: notify(n) wakes n, notifyAll() every waiter (test_notify, test_notify_all)", asyncioTest(function* () {
  const cond = new Condition();
  const result: number[] = [];
  function* c(i: number): Coroutine<boolean> {
    yield* cond.acquire();
    if (yield* cond.wait()) {
      result.push(i);
      cond.release();
    }
    return true;
  }
  const tasks = [1, 2, 3].map((i) => createTask(c(i)));
  yield* sleep(0);
  assert.equal(inspect(cond), "<Condition [unlocked, waiters:3]>");
  yield* cond.acquire();
  cond.notify(1);
  cond.release();
  yield* sleep(0);
  assert.deepEqual(result, [1]);
  yield* cond.acquire();
  cond.notify(1);
  cond.notify(2048);
  cond.release();
  yield* sleep(0);
  assert.deepEqual(result, [1, 2, 3]);
  yield* gather(...tasks);

  const more = [4, 5].map((i) => createTask(c(i)));
  yield* sleep(0);
  yield* cond.acquire();
  assert.deepEqual(cond.statistics(), { locked: true, waiters: 2, lockWaiters: 0 });
  cond.notifyAll();
  cond.release();
  yield* sleep(0);
  assert.deepEqual(result, [1, 2, 3, 4, 5]);
  yield* gather(...more);
}, { clock: "virtual", debug: false }));

test("Condition(lock) shares the given lock (test_explicit_lock)", asyncioTest(function* () {
  const lock = new Lock();
  const cond = new Condition(lock);
  assert.equal(cond._lock, lock);
  yield* cond.with(function* () {
    assert.ok(lock.locked() && cond.locked());
  });
  assert.ok(!lock.locked() && !cond.locked());
  yield* lock.with(function* () {
    assert.ok(cond.locked());
  });
  assert.throws(() => new Condition({} as Lock), { name: "TypeError", message: "Condition(lock): lock must be a Lock, got {}" });
}, { clock: "virtual", debug: false }));

test("Condition: waitFor() under a timeout throws TimeoutError and leaves the lock held (test_timeout_in_block)", asyncioTest(function* () {
  const cond = new Condition();
  yield* cond.with(function* () {
    try {
      yield* waitFor(cond.wait(), 0.5);
      assert.fail("no timeout");
    } catch (e) {
      assert.ok(e instanceof TimeoutError);
    }
    assert.ok(cond.locked());
  });
}, { clock: "virtual", debug: false }));

test("Condition: a cancellation while waiting is rethrown with its message (test_cancelled_error_wakeup)", asyncioTest(function* () {
  const cond = new Condition();
  let raised: unknown = null;
  const task = createTask(
    cond.with(function* () {
      try {
        yield* cond.waitFor(() => false);
      } catch (e) {
        raised = e;
        throw e;
      }
    }),
  );
  yield* sleep(0);
  task.cancel("foo");
  yield* expectCancelled(task);
  assert.ok(raised instanceof CancelledError);
  assert.equal(raised.message, "foo");
}, { clock: "virtual", debug: false }));

test("Condition: a cancellation while taking the lock back is rethrown with its message (test_cancelled_error_re_aquire)", asyncioTest(function* () {
  const cond = new Condition();
  let wake = false;
  let raised: unknown = null;
  const task = createTask(
    cond.with(function* () {
      try {
        yield* cond.waitFor(() => wake);
      } catch (e) {
        raised = e;
        throw e;
      }
    }),
  );
  yield* sleep(0);
  yield* cond.acquire();
  wake = true;
  cond.notify();
  yield* sleep(0);
  task.cancel("foo"); // the task now waits to take the lock back
  cond.release();
  yield* expectCancelled(task);
  assert.ok(raised instanceof CancelledError);
  assert.equal(raised.message, "foo");
}, { clock: "virtual", debug: false }));

for (const [label, settle] of [
  ["while waiting to be woken (test_cancelled_wakeup)", false],
  ["while taking the lock back (test_cancelled_wakeup_relock)", true],
] as const) {
  test(`Condition: a notify() raced by a cancellation ${label} is passed on, not lost`, asyncioTest(function* () {
    const cond = new Condition();
    let state = 0;
    function* consumer(): Coroutine<void> {
      yield* cond.with(function* () {
        for (;;) {
          yield* cond.waitFor(() => state !== 0);
          if (state < 0) return;
          state--;
        }
      });
    }
    const c = [createTask(consumer()), createTask(consumer())];
    yield* sleep(0);
    yield* cond.with(function* () {
      state++;
      cond.notify(1);
      if (settle) yield* sleep(0);
      c[0]!.cancel();
      try {
        yield* timeout(0.01, () => cond.waitFor(() => state === 0));
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
      }
      assert.equal(state, 0);
      state = -1;
      cond.notifyAll();
    });
    yield* c[1]!;
    yield* expectCancelled(c[0]!);
  }, { clock: "virtual", debug: false }));
}

// -- Semaphore ------------------------------------------------------------------------------------

test("Semaphore prints its value and waiters, and validates its initial value", asyncioTest(function* () {
  const sem = new Semaphore();
  assert.equal(inspect(sem), "<Semaphore [unlocked, value:1]>");
  yield* sem.acquire();
  assert.equal(inspect(sem), "<Semaphore [locked]>");
  const t = createTask(sem.acquire());
  yield* sleep(0);
  assert.equal(inspect(sem), "<Semaphore [locked, waiters:1]>");
  assert.deepEqual(sem.statistics(), { value: 0, locked: true, waiters: 1 });
  sem.release();
  yield* t;
  assert.equal(inspect(new BoundedSemaphore(2)), "<BoundedSemaphore [unlocked, value:2]>");
  assert.equal(new Semaphore(0).locked(), true);
  assert.throws(() => new Semaphore(-1), { name: "ValueError", message: "Semaphore initial value must be >= 0" });
  assert.throws(() => new Semaphore("2" as unknown as number), TypeError);
}, { clock: "virtual", debug: false }));

test("Semaphore.acquire() lets `value` tasks in and queues the rest (test_acquire)", asyncioTest(function* () {
  const sem = new Semaphore(3);
  const result: number[] = [];
  assert.equal(yield* sem.acquire(), true);
  assert.equal(yield* sem.acquire(), true);
  assert.equal(sem.locked(), false);
  function* c(i: number): Coroutine<boolean> {
    yield* sem.acquire();
    result.push(i);
    return true;
  }
  const t1 = createTask(c(1));
  const t2 = createTask(c(2));
  const t3 = createTask(c(3));
  yield* sleep(0);
  assert.deepEqual(result, [1]);
  assert.ok(sem.locked());
  assert.equal(sem._waiters.length, 2);
  assert.equal(sem._value, 0);
  const t4 = createTask(c(4));
  sem.release();
  sem.release();
  assert.equal(sem._value, 0);
  yield* sleep(0);
  assert.equal(sem._value, 0);
  assert.equal(result.length, 3);
  assert.ok(sem.locked());
  assert.equal(sem._waiters.length, 1);
  assert.ok(t1.result());
  assert.equal([t2, t3, t4].filter((t) => t.done() && t.result()).length, 2);
  sem.release();
  yield* gather(t2, t3, t4);
}, { clock: "virtual", debug: false }));

test("Semaphore: waiters cancelled before being woken do not take the slot (test_acquire_cancel_before_awoken)", asyncioTest(function* () {
  const sem = new Semaphore(0);
  const [t1, t2, t3, t4] = [0, 1, 2, 3].map(() => createTask(sem.acquire())) as [Task<true>, Task<true>, Task<true>, Task<true>];
  yield* sleep(0);
  t1.cancel();
  t2.cancel();
  sem.release();
  yield* ticks(2);
  assert.ok(t3.done());
  assert.equal(t4.done(), false);
  t3.cancel();
  t4.cancel();
  yield* sleep(0);
  yield* gather(t1, t2, t3, t4, { returnExceptions: true });
}, { clock: "virtual", debug: false }));

test("Semaphore: a cancelled first waiter does not hang the next one (test_acquire_hang)", asyncioTest(function* () {
  const sem = new Semaphore(0);
  const t1 = createTask(sem.acquire());
  const t2 = createTask(sem.acquire());
  yield* sleep(0);
  t1.cancel();
  sem.release();
  yield* ticks(2);
  assert.ok(sem.locked());
  assert.ok(t2.done());
}, { clock: "virtual", debug: false }));

test("Semaphore: a waiter cancelled after being handed a slot gives it back (test_acquire_no_hang)", asyncioTest(function* () {
  const sem = new Semaphore(1);
  let t2: Task<void> | null = null;
  const t1 = createTask(
    (function* () {
      yield* sem.with(() => sleep(0));
      t2!.cancel();
    })(),
  );
  t2 = createTask(
    sem.with(function* () {
      assert.fail("t2 must not get the semaphore");
    }),
  );
  const [r1, r2] = yield* gather(t1, t2, { returnExceptions: true });
  assert.equal(r1, undefined);
  assert.ok(r2 instanceof CancelledError);
  yield* waitFor(sem.acquire(), 1);
}, { clock: "virtual", debug: false }));

test("Semaphore: FIFO order across release and reacquire (test_acquire_fifo_order)", asyncioTest(function* () {
  const sem = new Semaphore(1);
  const result: string[] = [];
  function* coro(tag: string): Coroutine<void> {
    yield* sem.acquire();
    result.push(`${tag}_1`);
    yield* sleep(0.01);
    sem.release();
    yield* sem.acquire();
    result.push(`${tag}_2`);
    yield* sleep(0.01);
    sem.release();
  }
  yield* taskGroup(function* (tg) {
    for (const tag of ["c1", "c2", "c3"]) tg.createTask(coro(tag));
  });
  assert.deepEqual(result, ["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"]);
}, { clock: "virtual", debug: false }));

test("Semaphore: a task that releases and reacquires queues behind the others (test_acquire_fifo_order_2)", asyncioTest(function* () {
  const sem = new Semaphore(1);
  const result: number[] = [];
  const t1 = createTask(
    (function* () {
      yield* sem.acquire();
      result.push(1);
    })(),
  );
  const t2 = createTask(
    (function* () {
      yield* sem.acquire();
      result.push(2);
      sem.release();
      yield* sem.acquire();
      result.push(4);
    })(),
  );
  const t3 = createTask(
    (function* () {
      yield* sem.acquire();
      result.push(3);
    })(),
  );
  yield* sleep(0);
  sem.release();
  sem.release();
  yield* gather(t1, t2, t3);
  assert.deepEqual(result, [1, 2, 3, 4]);
}, { clock: "virtual", debug: false }));

test("Semaphore: a waiter cancelled before the releases takes none of them (test_acquire_fifo_order_3)", asyncioTest(function* () {
  const sem = new Semaphore(0);
  const result: number[] = [];
  const tasks = [1, 2, 3].map((i) =>
    createTask(
      (function* () {
        yield* sem.acquire();
        result.push(i);
      })(),
    ),
  );
  yield* sleep(0);
  tasks[0]!.cancel();
  yield* sleep(0);
  sem.release();
  sem.release();
  yield* gather(...tasks, { returnExceptions: true });
  assert.deepEqual(result, [2, 3]);
}, { clock: "virtual", debug: false }));

test("Semaphore: a successful acquire() wakes every waiter that can now go (test_acquire_fifo_order_4)", asyncioTest(function* () {
  const sem = new Semaphore(0);
  const result: number[] = [];
  let t4: Task<void> | null = null;
  const t1 = createTask(
    (function* () {
      assert.equal(sem._value, 0);
      yield* sem.acquire();
      assert.equal(sem._value, 0); // every waiter that can go was woken
      t4 = createTask(
        (function* () {
          result.push(4);
        })(),
      );
      result.push(1);
    })(),
  );
  const t2 = createTask(
    (function* () {
      sem.release();
      sem.release();
      sem.release();
      assert.equal(sem._value, 2);
      assert.ok(sem.locked()); // t1 has not woken up yet
      yield* sem.acquire();
      result.push(2);
    })(),
  );
  const t3 = createTask(
    (function* () {
      yield* sem.acquire();
      assert.ok(sem.locked());
      result.push(3);
    })(),
  );
  yield* sleep(0);
  assert.equal(sem._value, 2);
  assert.equal(sem._waiters.length, 3);
  yield* sleep(0);
  yield* gather(t1, t2, t3, t4!);
  assert.deepEqual(result, [1, 2, 3, 4]);
}, { clock: "virtual", debug: false }));

test("BoundedSemaphore.release() past its initial value throws ValueError", asyncioTest(function* () {
  const sem = new BoundedSemaphore(2);
  assert.throws(() => sem.release(), { name: "ValueError", message: "BoundedSemaphore released too many times" });
  yield* sem.acquire();
  sem.release();
  assert.throws(() => sem.release(), ValueError);
  assert.equal(sem._value, 2);
}, { clock: "virtual", debug: false }));

// -- Barrier --------------------------------------------------------------------------------------

function* gatherN<T>(n: number, coro: () => Coroutine<T>): Coroutine<T[]> {
  const tasks = Array.from({ length: n }, () => createTask(coro()));
  return (yield* gather(...tasks)) as T[];
}

test("Barrier prints its state as it fills, drains, resets and breaks (test_repr)", asyncioTest(function* () {
  const barrier = new Barrier(5);
  assert.equal(inspect(barrier), "<Barrier [filling, waiters:0/5]>");
  const waiters: Task<number>[] = [];
  for (let i = 0; i < 2; i++) waiters.push(createTask(barrier.wait()));
  yield* sleep(0);
  assert.equal(inspect(barrier), "<Barrier [filling, waiters:2/5]>");
  assert.deepEqual(barrier.statistics(), { state: "filling", parties: 5, nWaiting: 2, broken: false });
  for (let i = barrier.parties - barrier.nWaiting; i > 0; i--) waiters.push(createTask(barrier.wait()));
  yield* sleep(0);
  assert.equal(inspect(barrier), "<Barrier [draining, waiters:0/5]>");
  for (let i = 0; i < 2; i++) waiters.push(createTask(barrier.wait()));
  yield* sleep(0);
  yield* barrier.reset();
  assert.equal(inspect(barrier), "<Barrier [resetting, waiters:0/5]>");
  for (let i = 0; i < 2; i++) waiters.push(createTask(barrier.wait()));
  yield* sleep(0);
  yield* barrier.abort();
  assert.equal(inspect(barrier), "<Barrier [broken]>");
  assert.ok(barrier.broken);
  yield* gather(...waiters, { returnExceptions: true });
}, { clock: "virtual", debug: false }));

test("Barrier(parties) needs at least one party", () => {
  assert.throws(() => new Barrier(0), { name: "ValueError", message: "parties must be >= 1" });
  assert.throws(() => new Barrier(-4), ValueError);
});

test("Barrier: with() passes each task a distinct index (test_context_manager)", asyncioTest(function* () {
  const barrier = new Barrier(3);
  const results: number[] = [];
  yield* gatherN(3, () =>
    barrier.with(function* (i) {
      results.push(i);
    }),
  );
  assert.deepEqual(results.sort(), [0, 1, 2]);
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
}, { clock: "virtual", debug: false }));

test("Barrier(1) lets each task through alone (test_filling_one_task_twice)", asyncioTest(function* () {
  const barrier = new Barrier(1);
  const t1 = createTask(barrier.wait());
  yield* sleep(0);
  assert.equal(barrier.nWaiting, 0);
  const t2 = createTask(barrier.wait());
  yield* sleep(0);
  assert.equal(t1.result(), 0);
  assert.equal(t2.result(), 0);
}, { clock: "virtual", debug: false }));

test("Barrier fills task by task, then everyone passes (test_filling_task_by_task)", asyncioTest(function* () {
  const barrier = new Barrier(3);
  const t1 = createTask(barrier.wait());
  yield* sleep(0);
  assert.equal(barrier.nWaiting, 1);
  const t2 = createTask(barrier.wait());
  yield* sleep(0);
  assert.equal(barrier.nWaiting, 2);
  const t3 = createTask(barrier.wait());
  assert.deepEqual((yield* gather(t1, t2, t3)).sort(), [0, 1, 2]);
  assert.equal(barrier.nWaiting, 0);
}, { clock: "virtual", debug: false }));

test("Barrier can be passed twice in a row, and reports draining until the last task leaves (test_filling_tasks_wait_twice, test_draining_state)", asyncioTest(function* () {
  const barrier = new Barrier(5);
  const results: boolean[] = [];
  const draining: boolean[] = [];
  const indexes = yield* gatherN(5, () =>
    barrier.with(function* () {
      results.push(true);
      draining.push(inspect(barrier).includes("draining"));
      return yield* barrier.with(function* (i) {
        results.push(false);
        return i;
      });
    }),
  );
  assert.equal(results.filter((r) => r).length, 5);
  assert.equal(results.filter((r) => !r).length, 5);
  assert.deepEqual(draining, [true, true, true, true, false]);
  assert.deepEqual(indexes.sort(), [0, 1, 2, 3, 4]);
}, { clock: "virtual", debug: false }));

test("Barrier: tasks arriving while it drains wait for the next round (test_blocking_tasks_while_draining)", asyncioTest(function* () {
  const barrier = new Barrier(5);
  const barrierNoWaiting = new Barrier(3);
  let rewait = 2;
  yield* gatherN(5, function* () {
    yield* barrier.wait();
    if (rewait > 0) {
      rewait--;
      yield* barrier.wait();
    } else {
      yield* barrierNoWaiting.wait();
      yield* barrier.wait();
    }
  });
}, { clock: "virtual", debug: false }));

test("Barrier: a cancelled waiter leaves the count (test_filling_tasks_cancel_one)", asyncioTest(function* () {
  const barrier = new Barrier(3);
  const results: boolean[] = [];
  function* coro(): Coroutine<void> {
    yield* barrier.wait();
    results.push(true);
  }
  const t1 = createTask(coro());
  yield* sleep(0);
  assert.equal(barrier.nWaiting, 1);
  const t2 = createTask(coro());
  yield* sleep(0);
  assert.equal(barrier.nWaiting, 2);
  t1.cancel();
  yield* sleep(0);
  assert.equal(barrier.nWaiting, 1);
  yield* expectCancelled(t1);
  const t3 = createTask(coro());
  yield* sleep(0);
  assert.equal(barrier.nWaiting, 2);
  const t4 = createTask(coro());
  yield* gather(t2, t3, t4);
  assert.equal(results.length, 3);
  assert.equal(barrier.nWaiting, 0);
}, { clock: "virtual", debug: false }));

test("Barrier.reset() breaks the current waiters with BrokenBarrierError (test_reset_barrier_while_tasks_waiting)", asyncioTest(function* () {
  const barrier = new Barrier(5);
  const results: string[] = [];
  const tasks = Array.from({ length: 4 }, () =>
    createTask(
      (function* () {
        try {
          yield* barrier.wait();
        } catch (e) {
          assert.ok(e instanceof BrokenBarrierError);
          results.push(e.message);
        }
      })(),
    ),
  );
  yield* sleep(0);
  createTask(barrier.reset());
  yield* gather(...tasks);
  assert.deepEqual(results, Array(4).fill("Abort or reset of barrier"));
  assert.equal(barrier.nWaiting, 0);
  assert.ok(!inspect(barrier).includes("resetting"));
  assert.equal(barrier.broken, false);
}, { clock: "virtual", debug: false }));

test("Barrier: a reset while half the tasks still drain breaks only the next round (test_reset_barrier_when_tasks_half_draining_half_blocking)", asyncioTest(function* () {
  const barrier = new Barrier(5);
  const results1: boolean[] = [];
  const results2: boolean[] = [];
  let count = 0;
  yield* gatherN(5, function* () {
    try {
      yield* barrier.wait();
    } catch (e) {
      if (!(e instanceof BrokenBarrierError)) throw e;
      results1.push(true);
      yield* barrier.wait();
      return;
    }
    count++;
    if (count > 2) {
      yield* barrier.reset();
      yield* barrier.wait();
    } else {
      try {
        yield* barrier.wait();
      } catch (e) {
        if (!(e instanceof BrokenBarrierError)) throw e;
        results2.push(true);
      }
    }
  });
  assert.deepEqual(results1, [true, true]);
  assert.deepEqual(results2, []);
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
}, { clock: "virtual", debug: false }));

test("Barrier.abort() breaks it for waiters and later callers until reset() (test_abort_barrier_when_exception_then_resetting)", asyncioTest(function* () {
  const barrier1 = new Barrier(5);
  const barrier2 = new Barrier(5);
  const results1: boolean[] = [];
  const results2: string[] = [];
  const results3: boolean[] = [];
  yield* gatherN(5, function* () {
    try {
      const i = yield* barrier1.wait();
      if (i === 2) throw new Error("boom");
      yield* barrier1.wait();
      results1.push(true);
    } catch (e) {
      if (e instanceof BrokenBarrierError) results2.push(e.message);
      else yield* barrier1.abort();
    }
    const i = yield* barrier2.wait();
    if (i === 2) yield* barrier1.reset();
    yield* barrier2.wait();
    yield* barrier1.wait();
    results3.push(true);
  });
  assert.equal(barrier1.broken, false);
  assert.deepEqual(results1, []);
  // As CPython: one task was already waiting when the barrier broke, three came after.
  assert.deepEqual(results2, ["Abort or reset of barrier", "Barrier aborted", "Barrier aborted", "Barrier aborted"]);
  assert.equal(results3.length, 5);
  assert.equal(barrier1.nWaiting, 0);
}, { clock: "virtual", debug: false }));

test("Barrier: wait() on a broken barrier throws BrokenBarrierError 'Barrier aborted'", asyncioTest(function* () {
  const barrier = new Barrier(2);
  yield* barrier.abort();
  assert.ok(barrier.broken);
  try {
    yield* barrier.wait();
    assert.fail("no error");
  } catch (e) {
    assert.ok(e instanceof BrokenBarrierError);
    assert.equal(e.message, "Barrier aborted");
  }
  yield* barrier.reset();
  assert.equal(barrier.broken, false);
}, { clock: "virtual", debug: false }));

test("the Lock benchmark shape: many tasks through one lock, each in turn", asyncioTest(function* () {
  const lock = new Lock();
  let inside = 0;
  let maxInside = 0;
  const order: number[] = [];
  const tasks = Array.from({ length: 1000 }, (_, i) =>
    createTask(
      lock.with(function* () {
        inside++;
        maxInside = Math.max(maxInside, inside);
        order.push(i);
        yield* sleep(0);
        inside--;
      }),
    ),
  );
  yield* gather(...tasks);
  assert.equal(maxInside, 1);
  assert.deepEqual(
    order,
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.equal(lock._waiters.length, 0);
}, { clock: "virtual", debug: false }));

test("a primitive made outside any loop works in the loop that first waits on it", async () => {
  const ev = new Event();
  const loop = newEventLoop();
  await loop.runUntilComplete(
    (function* () {
      const t = createTask(ev.wait());
      yield* sleep(0);
      ev.set();
      assert.equal(yield* t, true);
    })(),
  );
  loop.close();
});
