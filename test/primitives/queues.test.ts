// Behaviour of Queue, LifoQueue and PriorityQueue, ported from CPython's
// test_asyncio/test_queues.py (3.13, with shutdown), plus Python's ordering in PriorityQueue.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  CancelledError,
  Event,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueFull,
  QueueShutDown,
  TimeoutError,
  ValueError,
  createTask,
  gather,
  getRunningLoop,
  isCoroutine,
  isCoroutineFunction,
  sleep,
  taskGroup,
  waitFor,
  type Awaitable,
  type Coroutine,
  type Task,
} from "asyncio-ts";
import { asyncioTest } from "asyncio-ts/testing";
import { expectCancelled } from "../helpers.ts";
import { Deque } from "../../src/primitives/locks.ts";

/** Runs `body` expecting it to throw an instance of `cls`; returns the error. */
function* expectThrows<E>(cls: new (...args: never[]) => E, body: () => Awaitable<unknown>): Coroutine<E> {
  try {
    yield* body();
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected ${cls.name}, nothing was thrown`);
}

const queueTypes: [string, (maxsize?: number) => Queue<number | string>][] = [
  ["Queue", (m) => new Queue(m)],
  ["LifoQueue", (m) => new LifoQueue(m)],
  ["PriorityQueue", (m) => new PriorityQueue(m)],
];

// -- every queue type: one body, run over each class -----------------------------------------------

for (const [name, make] of queueTypes) {
  test(`${name}: empty(), full(), qsize() and maxsize`, asyncioTest(function* () {
    const q = make(2);
    assert.equal(q.maxsize, 2);
    assert.ok(q.empty() && !q.full());
    yield* q.put(1);
    yield* q.put(2);
    assert.equal(q.qsize(), 2);
    assert.ok(q.full() && !q.empty());
    assert.ok(!make().full());
  }, { clock: "virtual", debug: false }));

  test(`${name}: put() waits while the queue is full, and resumes when a get frees a slot (test_maxsize)`, asyncioTest(function* () {
    const q = make(2);
    const havePut: number[] = [];
    const t = createTask(
      (function* () {
        for (let i = 0; i < 3; i++) {
          yield* q.put(i);
          havePut.push(i);
        }
        return true;
      })(),
    );
    yield* sleep(0);
    yield* sleep(0);
    assert.deepEqual(havePut, [0, 1]);
    q.getNowait();
    yield* sleep(0);
    assert.deepEqual(havePut, [0, 1, 2]);
    assert.equal(yield* t, true);
  }, { clock: "virtual", debug: false }));

  test(`${name}: getNowait() throws QueueEmpty, putNowait() throws QueueFull`, () => {
    const q = make(1);
    assert.throws(() => q.getNowait(), { name: "QueueEmpty", message: "queue is empty; use `yield* queue.get()` to wait for an item" });
    q.putNowait(1);
    assert.throws(() => q.putNowait(2), { name: "QueueFull", message: "queue is full (maxsize=1); use `yield* queue.put(item)` to wait for room" });
    assert.equal(q.getNowait(), 1);
  });

  test(`${name}: taskDone() too many times throws ValueError (test_task_done_underflow)`, () => {
    const q = make();
    assert.throws(() => q.taskDone(), { name: "ValueError", message: "taskDone() called too many times" });
    q.putNowait(1);
    q.getNowait();
    q.taskDone();
    assert.throws(() => q.taskDone(), ValueError);
  });

  test(`${name}: join() returns once taskDone() was called for every item (test_task_done)`, asyncioTest(function* () {
    const q = make();
    for (let i = 0; i < 100; i++) q.putNowait(i);
    let accumulator = 0;
    let running = true;
    function* worker(): Coroutine<void> {
      while (running) {
        accumulator += (yield* q.get()) as number;
        q.taskDone();
      }
    }
    yield* taskGroup(function* (tg) {
      for (let i = 0; i < 2; i++) tg.createTask(worker());
      yield* q.join();
      assert.equal(accumulator, 4950);
      running = false;
      for (let i = 0; i < 2; i++) q.putNowait(0);
    });
    assert.equal(q._unfinishedTasks, 0);
  }, { clock: "virtual", debug: false }));

  test(`${name}: join() on a queue with nothing unfinished returns at once (test_join_empty_queue)`, asyncioTest(function* () {
    const q = make();
    yield* q.join();
    yield* q.join();
  }, { clock: "virtual", debug: false }));

  test(`${name}: shutdown() makes put throw QueueShutDown at once and get once the queue is empty`, asyncioTest(function* () {
    const q = make();
    yield* q.put("L");
    q.putNowait("O");
    q.shutdown();
    const e = yield* expectThrows(QueueShutDown, () => q.put("E"));
    assert.equal(e.message, "queue is shut down; no more items can be put");
    assert.throws(() => q.putNowait("W"), QueueShutDown);
    assert.ok("LO".includes((yield* q.get()) as string));
    q.taskDone();
    assert.ok("LO".includes(q.getNowait() as string));
    q.taskDone();
    yield* q.join();
    const g = yield* expectThrows(QueueShutDown, () => q.get());
    assert.equal(g.message, "queue is shut down and empty; no more items will come");
    assert.throws(() => q.getNowait(), QueueShutDown);
  }, { clock: "virtual", debug: false }));

  test(`${name}: shutdown(immediate) drops the items, counts them done, and get throws at once`, asyncioTest(function* () {
    const q = make();
    yield* q.put("L");
    q.putNowait("O");
    q.shutdown(true);
    yield* expectThrows(QueueShutDown, () => q.put("E"));
    yield* expectThrows(QueueShutDown, () => q.get());
    assert.throws(() => q.getNowait(), QueueShutDown);
    assert.equal(q.qsize(), 0);
    yield* q.join(); // the dropped items count as done
    assert.throws(() => q.taskDone(), ValueError);
  }, { clock: "virtual", debug: false }));

  test(`${name}: shutdown() wakes blocked putters with QueueShutDown (test_shutdown_putters_deque)`, async () => {
    for (const immediate of [false, true]) {
      await asyncioTest(function* () {
        const q = make(2);
        yield* q.put("E");
        yield* q.put("W");
        const t = createTask(q.put("Y"));
        yield* sleep(0.001);
        assert.equal(q._putters.length, 1);
        q.shutdown(immediate);
        yield* expectThrows(QueueShutDown, () => t);
        assert.equal(q._putters.length, 0);
      }, { clock: "virtual", debug: false })();
    }
  });

  test(`${name}: shutdown() wakes blocked getters, which throw only when nothing is left (test_shutdown_getters_deque)`, async () => {
    for (const immediate of [false, true]) {
      await asyncioTest(function* () {
        const q = make(1);
        yield* q.put("Y");
        const first = createTask(q.get());
        yield* sleep(0.001);
        const t = createTask(q.get());
        yield* sleep(0.001);
        assert.equal(first.result(), "Y");
        assert.equal(q._getters.length, 1);
        q.shutdown(immediate);
        yield* expectThrows(QueueShutDown, () => t);
        assert.equal(q._getters.length, 0);
        assert.equal(q._unfinishedTasks, 1);
      }, { clock: "virtual", debug: false })();
    }
  });

  test(`${name}: shutdown(immediate) releases join() while items were unprocessed`, asyncioTest(function* () {
    const q = make(2);
    yield* q.put("Y");
    yield* q.put("D");
    const joined = createTask(q.join());
    yield* sleep(0);
    assert.equal(joined.done(), false);
    q.shutdown(true);
    yield* joined;
    assert.ok(q._finished.isSet());
  }, { clock: "virtual", debug: false }));
}

// -- Queue ----------------------------------------------------------------------------------------

test("Queue prints like CPython's repr under util.inspect and reports statistics", asyncioTest(function* () {
  const q = new Queue<number>(10);
  assert.equal(inspect(q), "<Queue maxsize=10>");
  const getter = createTask(q.get());
  yield* sleep(0);
  assert.equal(inspect(q), "<Queue maxsize=10 _getters[1]>");
  assert.deepEqual(q.statistics(), { size: 0, maxsize: 10, getters: 1, putters: 0, unfinishedTasks: 0, shutdown: false });
  q.putNowait(0);
  assert.equal(yield* getter, 0);
  q.putNowait(1);
  q.putNowait(2);
  assert.equal(inspect(q), "<Queue maxsize=10 _queue=[1, 2] tasks=3>");
  assert.equal(String(q), "<Queue maxsize=10 _queue=[1, 2] tasks=3>");

  const full = new Queue<number>(1);
  full.putNowait(1);
  const putter = createTask(full.put(2));
  yield* sleep(0);
  assert.equal(inspect(full), "<Queue maxsize=1 _queue=[1] _putters[1] tasks=1>");
  full.getNowait();
  yield* putter;
  full.shutdown();
  assert.equal(inspect(full), "<Queue maxsize=1 _queue=[2] tasks=2 shutdown>");

  const pairs = new PriorityQueue<[number, string]>();
  pairs.putNowait([1, "a"]);
  assert.equal(inspect(pairs), "<PriorityQueue maxsize=0 _queue=[[1, 'a']] tasks=1>");
}, { clock: "virtual", debug: false }));

test("Queue: items come out in FIFO order, LifoQueue in LIFO order, PriorityQueue smallest first (test_order)", asyncioTest(function* () {
  for (const [q, expected] of [
    [new Queue<number>(), [1, 3, 2]],
    [new LifoQueue<number>(), [2, 3, 1]],
    [new PriorityQueue<number>(), [1, 2, 3]],
  ] as const) {
    for (const i of [1, 3, 2]) yield* q.put(i);
    const items: number[] = [];
    for (let i = 0; i < 3; i++) items.push(yield* q.get());
    assert.deepEqual(items, expected);
  }
}, { clock: "virtual", debug: false }));

test("Queue: a blocked get() returns the item put later (test_blocking_get_wait)", asyncioTest(function* () {
  const loop = getRunningLoop();
  const q = new Queue<number>();
  const started = new Event();
  let finished = false;
  const t = createTask(
    (function* () {
      started.set();
      const res = yield* q.get();
      finished = true;
      return res;
    })(),
  );
  yield* started.wait();
  assert.equal(finished, false);
  loop.callLater(0.01, () => q.putNowait(1));
  assert.equal(yield* t, 1);
  assert.ok(finished);
  assert.equal(loop.time(), 0.01);
}, { clock: "virtual", debug: false }));

test("Queue: getNowait() wakes a waiting putter (test_get_with_putters)", asyncioTest(function* () {
  const q = new Queue<number>(1);
  yield* q.put(1);
  const waiter = getRunningLoop().createFuture<void>();
  q._putters.push(waiter);
  assert.equal(yield* q.get(), 1);
  assert.ok(waiter.done());
  assert.equal(waiter.result(), undefined);
}, { clock: "virtual", debug: false }));

test("Queue: a cancelled get() does not steal the next item (test_get_cancelled_race)", asyncioTest(function* () {
  const q = new Queue<string>();
  const t1 = createTask(q.get());
  const t2 = createTask(q.get());
  yield* sleep(0);
  t1.cancel();
  yield* sleep(0);
  assert.ok(t1.done());
  yield* q.put("a");
  yield* sleep(0);
  assert.equal(yield* t2, "a");
}, { clock: "virtual", debug: false }));

test("Queue: get() with putters waiting takes the items in order (test_get_with_waiting_putters)", asyncioTest(function* () {
  const q = new Queue<string>(1);
  createTask(q.put("a"));
  createTask(q.put("b"));
  assert.equal(yield* q.get(), "a");
  assert.equal(yield* q.get(), "b");
}, { clock: "virtual", debug: false }));

test("Queue: producer and consumer through Queue(1) never deadlock (test_why_are_getters_waiting)", asyncioTest(function* () {
  const q = new Queue<number>(1);
  const got: number[] = [];
  yield* taskGroup(function* (tg) {
    tg.createTask(
      (function* () {
        for (let i = 0; i < 5; i++) yield* q.put(i);
      })(),
    );
    tg.createTask(
      (function* () {
        for (let i = 0; i < 5; i++) got.push(yield* q.get());
      })(),
    );
  });
  assert.deepEqual(got, [0, 1, 2, 3, 4]);
}, { clock: "virtual", debug: false }));

test("Queue: a get() timed out by waitFor leaves no getter behind (test_cancelled_getters_not_being_held_in_self_getters)", asyncioTest(function* () {
  const q = new Queue<number>(5);
  yield* expectThrows(TimeoutError, () => waitFor(q.get(), 0.1));
  assert.equal(q._getters.length, 0);
}, { clock: "virtual", debug: false }));

test("Queue: a reader cancelled after an item was put for it does not drop the item (test_get_cancel_drop_one_pending_reader)", asyncioTest(function* () {
  const q = new Queue<number>();
  let reader = createTask(q.get());
  yield* sleep(0);
  q.putNowait(1);
  q.putNowait(2);
  reader.cancel();
  try {
    yield* reader;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
    reader = createTask(q.get());
    yield* reader;
  }
  assert.equal(reader.result(), 1); // 2 would mean that 1 was dropped
}, { clock: "virtual", debug: false }));

test("Queue: of several readers, a cancelled one hands its wake-up on (test_get_cancel_drop_many_pending_readers)", asyncioTest(function* () {
  const q = new Queue<number>();
  let reader2: Task<number> | null = null;
  let reader3: Task<number> | null = null;
  yield* taskGroup(function* (tg) {
    const reader1 = tg.createTask(q.get());
    reader2 = tg.createTask(q.get());
    reader3 = tg.createTask(q.get());
    yield* sleep(0);
    q.putNowait(1);
    q.putNowait(2);
    reader1.cancel();
    yield* expectCancelled(reader1);
    yield* reader3;
  });
  assert.deepEqual(new Set([reader2!.result(), reader3!.result()]), new Set([1, 2]));
}, { clock: "virtual", debug: false }));

test("Queue: a writer cancelled after a slot freed up for it does not lose the slot (test_put_cancel_drop)", asyncioTest(function* () {
  const q = new Queue<number>(1);
  q.putNowait(1);
  let writer = createTask(q.put(2));
  yield* sleep(0);
  assert.equal(q.getNowait(), 1);
  writer.cancel();
  try {
    yield* writer;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
    writer = createTask(q.put(2));
    yield* writer;
  }
  assert.equal(q.getNowait(), 2);
  assert.equal(q.qsize(), 0);
}, { clock: "virtual", debug: false }));

test("Queue: a cancelled put() does not take the slot of the putter before it (test_put_cancelled_race)", asyncioTest(function* () {
  const q = new Queue<string>(1);
  const putA = createTask(q.put("a"));
  const putB = createTask(q.put("b"));
  const putC = createTask(q.put("X"));
  yield* sleep(0);
  assert.ok(putA.done());
  assert.ok(!putB.done());
  putC.cancel();
  yield* sleep(0);
  assert.ok(putC.done());
  assert.equal(q.getNowait(), "a");
  yield* sleep(0);
  assert.equal(q.getNowait(), "b");
  yield* putB;
}, { clock: "virtual", debug: false }));

test("Queue: put() wakes a waiting getter (test_put_with_waiting_getters)", asyncioTest(function* () {
  const q = new Queue<string>();
  const t = createTask(q.get());
  yield* sleep(0);
  yield* q.put("a");
  assert.equal(yield* t, "a");
}, { clock: "virtual", debug: false }));

test("Queue: putters woken by getNowait() all get in (test_why_are_putters_waiting)", asyncioTest(function* () {
  const q = new Queue<number>(2);
  yield* taskGroup(function* (tg) {
    tg.createTask(
      (function* () {
        yield* sleep(0);
        for (let n = q.qsize(); n > 0; n--) q.getNowait();
      })(),
    );
    for (let i = 0; i < 4; i++) tg.createTask(q.put(i));
  });
  assert.equal(q.qsize(), 2);
}, { clock: "virtual", debug: false }));

test("Queue: a cancelled put() leaves no putter behind, even when a get removed it first", asyncioTest(function* () {
  const q = new Queue<number>(1);
  q.putNowait(1);
  const putTask = createTask(q.put(1));
  yield* sleep(0);
  assert.equal(q._putters.length, 1);
  putTask.cancel();
  yield* expectCancelled(putTask);
  assert.equal(q._putters.length, 0);

  // test_cancelled_put_silence_value_error_exception
  const again = createTask(q.put(1));
  yield* sleep(0);
  q.getNowait(); // takes `again`'s putter off the deque
  again.cancel();
  yield* expectCancelled(again);
}, { clock: "virtual", debug: false }));

test("Queue(maxsize=1.3) holds two items, as Python's does (test_float_maxsize)", asyncioTest(function* () {
  const q = new Queue<number>(1.3);
  q.putNowait(1);
  q.putNowait(2);
  assert.ok(q.full());
  assert.throws(() => q.putNowait(3), QueueFull);
  assert.throws(() => new Queue("3" as unknown as number), {
    name: "TypeError",
    message: "Queue maxsize must be a number (0 for no limit), got '3'",
  });
}, { clock: "virtual", debug: false }));

test("Queue: backpressure holds a fast producer to maxsize items ahead of a slow consumer", asyncioTest(function* () {
  const loop = getRunningLoop();
  const q = new Queue<number>(3);
  const log: string[] = [];
  const producer = createTask(
    (function* () {
      for (let i = 0; i < 6; i++) {
        yield* q.put(i);
        log.push(`put ${i} at ${loop.time()} size ${q.qsize()}`);
      }
    })(),
  );
  for (let i = 0; i < 6; i++) {
    yield* sleep(1);
    log.push(`got ${yield* q.get()} at ${loop.time()}`);
  }
  yield* producer;
  assert.deepEqual(log, [
    "put 0 at 0 size 1",
    "put 1 at 0 size 2",
    "put 2 at 0 size 3",
    "got 0 at 1",
    "put 3 at 1 size 3",
    "got 1 at 2",
    "put 4 at 2 size 3",
    "got 2 at 3",
    "put 5 at 3 size 3",
    "got 3 at 4",
    "got 4 at 5",
    "got 5 at 6",
  ]);
}, { clock: "virtual", debug: false }));

test("Queue: a shut-down queue wakes a getter that then takes what is left (shutdown while getters wait)", asyncioTest(function* () {
  const q = new Queue<string>();
  const results: string[] = [];
  const getters = [0, 1].map(() =>
    createTask(
      (function* () {
        try {
          results.push(yield* q.get());
        } catch (e) {
          if (!(e instanceof QueueShutDown)) throw e;
          results.push("shut down");
        }
      })(),
    ),
  );
  yield* sleep(0);
  q.putNowait("x"); // wakes the first getter
  q.shutdown(); // wakes the second, which finds the queue empty once the first took "x"
  yield* gather(...getters);
  assert.deepEqual(results, ["x", "shut down"]);
}, { clock: "virtual", debug: false }));

// -- PriorityQueue ordering -------------------------------------------------------------------------

test("PriorityQueue orders [priority, data] arrays as Python orders tuples", () => {
  const q = new PriorityQueue<unknown[]>();
  const items = [[2, "b"], [1, "z"], [2, "a"], [1], [1, "z", 0], [0.5, "x"], [10n, "big"], [true, "one"]];
  for (const item of items) q.putNowait(item);
  const out: unknown[][] = [];
  while (!q.empty()) out.push(q.getNowait());
  assert.deepEqual(out, [[0.5, "x"], [1], [true, "one"], [1, "z"], [1, "z", 0], [2, "a"], [2, "b"], [10n, "big"]]);
});

test("PriorityQueue orders strings by code point, as Python does", () => {
  const q = new PriorityQueue<string>();
  for (const s of ["\u{1F600}", "\uFFFD", "b", "a", "ab", ""]) q.putNowait(s);
  const out: string[] = [];
  while (!q.empty()) out.push(q.getNowait());
  assert.deepEqual(out, ["", "a", "ab", "b", "\uFFFD", "\u{1F600}"]);
});

test("PriorityQueue: items Python cannot compare throw TypeError naming both, and are not added", () => {
  const q = new PriorityQueue<unknown>();
  q.putNowait(1);
  assert.throws(() => q.putNowait("a"), {
    name: "TypeError",
    message:
      "'<' not supported between instances of 'string' and 'number' ('a' and 1); give PriorityQueue a compare function to order such items",
  });
  assert.equal(q.qsize(), 1);
  assert.equal(q._unfinishedTasks, 1);
  const pairs = new PriorityQueue<unknown[]>();
  pairs.putNowait([1, { id: 1 }]);
  assert.throws(() => pairs.putNowait([1, { id: 2 }]), {
    name: "TypeError",
    message:
      "'<' not supported between instances of 'Object' and 'Object' ({ id: 2 } and { id: 1 }); give PriorityQueue a compare function to order such items",
  });
  pairs.putNowait([0, { id: 3 }]); // the first items differ, so the objects are never compared
  assert.deepEqual(pairs.getNowait(), [0, { id: 3 }]);
});

test("PriorityQueue: a comparison that throws in getNowait() leaves the heap intact", () => {
  const q = new PriorityQueue<unknown[]>();
  // Each is comparable with the root, but the two children are not comparable with each other.
  for (const item of [[0], [1, "x"], [1, 2]]) q.putNowait(item);
  assert.throws(() => q.getNowait(), TypeError);
  assert.equal(q.qsize(), 3);
  assert.deepEqual((q as unknown as { _queue: unknown[] })._queue, [[0], [1, "x"], [1, 2]]);
});

// The expected orders are CPython's (3.11), for the same pushes and pops with heapq and items
// that compare only their priority:
//   class J:
//       def __init__(s, p, n): s.p, s.n = p, n
//       def __lt__(s, o): return s.p < o.p
test("PriorityQueue(maxsize, compare) orders by the comparator, ties as Python's heapq leaves them", () => {
  type Job = { priority: number; name: string };
  const q = new PriorityQueue<Job>(0, (a, b) => a.priority - b.priority);
  const names = "abcdefghijkl".split("");
  names.forEach((name, i) => q.putNowait({ priority: (i * 7) % 3, name }));
  const out: string[] = [];
  while (!q.empty()) out.push(q.getNowait().name);
  assert.deepEqual(out, ["a", "g", "d", "j", "e", "k", "b", "h", "c", "f", "i", "l"]);

  const mixed: string[] = [];
  "abcdefghijklmnopqrst".split("").forEach((name, i) => {
    q.putNowait({ priority: (i * 5) % 4, name });
    if (i % 3 === 2) mixed.push(q.getNowait().name);
  });
  while (!q.empty()) mixed.push(q.getNowait().name);
  assert.deepEqual(mixed, "a e i b m q j r n f s g o c k l d p h t".split(" "));
  assert.throws(() => new PriorityQueue(0, 5 as unknown as () => number), TypeError);
});

test("Deque (the store of Queue and of every waiter list) keeps FIFO order across wrap-around, growth and removal", () => {
  const d = new Deque<number>();
  const model: number[] = [];
  let next = 0;
  // A deterministic mix of pushes, shifts, pops and removals from the middle, checked against an array.
  for (let step = 0; step < 5000; step++) {
    const r = (step * 7919) % 11;
    if (r < 5 || model.length === 0) {
      d.push(next);
      model.push(next++);
    } else if (r < 8) {
      assert.equal(d.shift(), model.shift());
    } else if (r < 9) {
      assert.equal(d.pop(), model.pop());
    } else {
      const victim = model[(step * 31) % model.length]!;
      assert.equal(d.remove(victim), true);
      model.splice(model.indexOf(victim), 1);
    }
    assert.equal(d.length, model.length);
  }
  assert.deepEqual([...d], model);
  assert.equal(d.remove(-1), false);
  assert.equal(d.at(model.length), undefined);
  while (d.length > 0) assert.equal(d.shift(), model.shift());
  assert.equal(d.shift(), undefined);
  assert.equal(d.pop(), undefined);
  // Grows well past its first size, drains (giving the big ring back), and works on.
  for (let i = 0; i < 3000; i++) d.push(i);
  for (let i = 0; i < 3000; i++) assert.equal(d.shift(), i);
  d.push(7);
  assert.deepEqual([...d], [7]);
});

test("Queue subclasses change only the _init/_put/_get hooks, and keep waiting, join and shutdown", asyncioTest(function* () {
  class LargestFirstQueue extends Queue<number> {
    declare protected _queue: number[];
    protected override _init(): void {
      this._queue = [];
    }
    protected override _put(item: number): void {
      const i = this._queue.findIndex((x) => x < item);
      this._queue.splice(i === -1 ? this._queue.length : i, 0, item);
    }
    protected override _get(): number {
      return this._queue.shift()!;
    }
  }
  const q = new LargestFirstQueue(3);
  const got: number[] = [];
  const consumer = createTask(
    (function* () {
      for (;;) {
        got.push(yield* q.get());
        q.taskDone();
        yield* sleep(1);
      }
    })(),
  );
  for (const x of [5, 1, 9, 3, 7]) yield* q.put(x);
  yield* q.join();
  assert.deepEqual(got, [9, 5, 7, 3, 1]);
  assert.equal(inspect(q), "<LargestFirstQueue maxsize=3>");
  yield* sleep(1.5);
  assert.equal(inspect(q), "<LargestFirstQueue maxsize=3 _getters[1]>");
  q.shutdown();
  yield* expectThrows(QueueShutDown, () => consumer);
}, { clock: "virtual", debug: false }));

test("put() and get() return coroutines that keep a generator's protocol: nothing until resumed, then return, throw and done as a generator", asyncioTest(function* () {
  const q = new Queue<number>(1);
  assert.ok(isCoroutineFunction(Queue.prototype.put) && isCoroutineFunction(Queue.prototype.get));
  // Made but not resumed: nothing happens, as with Python's coroutine objects.
  const put = q.put(1);
  const get = q.get();
  assert.ok(isCoroutine(put) && isCoroutine(get));
  assert.equal(put[Symbol.iterator](), put);
  assert.equal(q.qsize(), 0);
  assert.equal(String(put), "[object Queue.put]");
  assert.equal(String(get), "[object Queue.get]");
  // Closed before it started: returns what it is given and never puts, as a generator would.
  const reference = (function* () {})();
  assert.deepEqual(put.return(undefined), reference.return(undefined));
  assert.deepEqual(put.next(), { done: true, value: undefined });
  assert.equal(q.qsize(), 0);
  // Thrown into before it started: throws that error and is finished.
  const boom = new Error("boom");
  assert.throws(() => get.throw(boom), (e) => e === boom);
  assert.deepEqual(get.next(), { done: true, value: undefined });
  // With room, or with an item, each finishes in its first step; then it stays done.
  const put2 = q.put(2);
  assert.deepEqual(put2.next(), { done: true, value: undefined });
  assert.deepEqual(put2.next(), { done: true, value: undefined });
  const get2 = q.get();
  assert.deepEqual(get2.next(), { done: true, value: 2 });
  assert.deepEqual(get2.next(), { done: true, value: undefined });
  assert.deepEqual(q.put(3).return(undefined), { done: true, value: undefined });
  // A put that throws (shut down) is finished too, like a generator whose body threw.
  const closed = new Queue<number>();
  closed.shutdown();
  const refused = closed.put(1);
  assert.throws(() => refused.next(), QueueShutDown);
  assert.deepEqual(refused.next(), { done: true, value: undefined });
  // One that must wait yields the future it waits on; a throw while it waits reaches the waiting
  // body, which leaves no getter behind.
  const empty = new Queue<number>();
  const waiting = empty.get();
  const first = waiting.next();
  assert.equal(first.done, false);
  assert.equal(empty.statistics().getters, 1);
  assert.throws(() => waiting.throw(new CancelledError()), CancelledError);
  assert.equal(empty.statistics().getters, 0);
  assert.deepEqual(waiting.next(), { done: true, value: undefined });
  // As tasks they run as any coroutine does.
  const full = new Queue<string>(1);
  full.putNowait("a");
  const putting = createTask(full.put("b"));
  const getting = createTask(full.get());
  yield* sleep(0);
  assert.equal(yield* getting, "a");
  yield* putting;
  assert.equal(full.getNowait(), "b");
}));
