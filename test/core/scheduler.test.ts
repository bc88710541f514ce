/**
 * The scheduler's parts (src/core/): the ready ring, the timer heap, and the batch semantics of the
 * loop inside Node's (CPython's `_run_once`: what a callback schedules runs in the next iteration).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Ring } from "../../src/core/ring.ts";
import { TimerHeap, type HeapTimer } from "../../src/core/heap.ts";
import { EventLoop, getRunningLoop, run, sleep } from "asyncio-ts";
import { VirtualClock } from "asyncio-ts/testing";

test("Ring is FIFO across its blocks, as it fills and drains", () => {
  const ring = new Ring<number>();
  const out: number[] = [];
  let next = 0;
  for (let round = 0; round < 120; round++) {
    for (let i = 0; i < round; i++) ring.push(next++);
    for (let i = 0; i < round / 2; i++) out.push(ring.shift());
  }
  assert.deepEqual([...ring], Array.from({ length: ring.length }, (_, i) => next - ring.length + i));
  while (ring.length > 0) out.push(ring.shift());
  assert.deepEqual(out, Array.from({ length: next }, (_, i) => i));
  assert.deepEqual([...ring], []);
  for (let i = 0; i < 3000; i++) ring.push(i);
  assert.equal(ring.shift(), 0);
  ring.clear();
  assert.equal(ring.length, 0);
  ring.push(7);
  assert.deepEqual([ring.length, ring.shift()], [1, 7]);
});

function timer(when: number, label: string): HeapTimer & { label: string } {
  return { _when: when, _cancelled: false, label };
}

test("TimerHeap pops by deadline, ties in insertion order, skipping cancelled timers", () => {
  const heap = new TimerHeap<HeapTimer & { label: string }>();
  const timers = [timer(3, "c"), timer(1, "a1"), timer(2, "b"), timer(1, "a2"), timer(1, "a3"), timer(0.5, "x")];
  for (const t of timers) heap.push(t);
  timers[5]!._cancelled = true;
  heap.noteCancelled();
  assert.equal(heap.size, 5);
  const order: string[] = [];
  for (let t = heap.peek(); t !== undefined; t = heap.peek()) order.push(heap.pop().label);
  assert.deepEqual(order, ["a1", "a2", "a3", "b", "c"]);
  assert.equal(heap.size, 0);
});

test("TimerHeap rebuilds itself when most timers are cancelled, keeping the order of the rest", () => {
  const heap = new TimerHeap<HeapTimer & { label: string }>();
  const all = Array.from({ length: 1000 }, (_, i) => timer((i * 7919) % 1000, String(i)));
  for (const t of all) heap.push(t);
  for (const t of all) {
    if (Number(t.label) % 10 !== 0) {
      t._cancelled = true;
      heap.noteCancelled();
    }
  }
  assert.equal(heap.size, 100);
  assert.ok(heap.live().length === 100, "the cancelled ones were dropped by a rebuild");
  const whens: number[] = [];
  for (let t = heap.peek(); t !== undefined; t = heap.peek()) whens.push(heap.pop()._when);
  assert.deepEqual(whens, [...whens].sort((a, b) => a - b));
  assert.equal(whens.length, 100);
});

/** The order a heap keyed by (when, push order) gives: the reference for TimerHeap. */
function referenceOrder<T extends HeapTimer>(pushed: T[]): T[] {
  return pushed.map((t, i) => ({ t, i })).sort((a, b) => a.t._when - b.t._when || a.i - b.i).map(({ t }) => t);
}

test("TimerHeap agrees with a sorted reference while timers are pushed, popped and cancelled in any mix", () => {
  let x = 42;
  const random = (k: number): number => {
    x = (x * 48271) % 2147483647;
    return x % k;
  };
  const heap = new TimerHeap<HeapTimer & { label: string }>();
  const pending: (HeapTimer & { label: string })[] = [];
  let now = 0;
  for (let step = 0; step < 20_000; step++) {
    const op = random(10);
    if (op < 5) {
      // Deadlines within a few milliseconds, many sharing one, some in the millisecond being drained.
      const t = timer(now + random(4000) / 1_000_000 + (random(3) === 0 ? 0 : 0.0005), `t${step}`);
      heap.push(t);
      pending.push(t);
    } else if (op < 6 && pending.length > 0) {
      const t = pending[random(pending.length)]!;
      if (!t._cancelled) {
        t._cancelled = true;
        heap.noteCancelled();
      }
    } else {
      now += random(3) / 10_000;
      const expected = referenceOrder(pending.filter((t) => !t._cancelled)).filter((t) => t._when <= now);
      const got: string[] = [];
      for (let t = heap.peek(); t !== undefined && t._when <= now; t = heap.peek()) got.push(heap.pop().label);
      assert.deepEqual(got, expected.map((t) => t.label));
      const left = new Set(expected);
      pending.splice(0, pending.length, ...pending.filter((t) => !left.has(t)));
    }
    assert.equal(heap.size, pending.filter((t) => !t._cancelled).length);
  }
});

test("TimerHeap orders a millisecond of thousands of timers: spread, bunched, equal, cancelled, infinite", () => {
  let x = 7;
  const random = (k: number): number => {
    x = (x * 48271) % 2147483647;
    return x % k;
  };
  const cases: Record<string, () => number> = {
    "spread over the millisecond": () => 5 + random(1_000_000) / 1e9,
    "bunched within a nanosecond": () => 5.0004 + random(1000) / 1e12,
    "a few deadlines, each shared": () => 5.0001 * (1 + random(4) / 1e7),
    "mixed with other milliseconds and the infinities": () => [Infinity, -Infinity, 4.9991, 5.0004 + random(100) / 1e9][random(4)]!,
  };
  for (const [name, when] of Object.entries(cases)) {
    const heap = new TimerHeap<HeapTimer & { label: string }>();
    const pushed = Array.from({ length: 5000 }, (_, i) => timer(when(), `${name} ${i}`));
    for (const t of pushed) heap.push(t);
    for (const t of pushed) {
      if (random(7) === 0) {
        t._cancelled = true;
        heap.noteCancelled();
      }
    }
    const got: string[] = [];
    for (let t = heap.peek(); t !== undefined; t = heap.peek()) got.push(heap.pop().label);
    assert.deepEqual(got, referenceOrder(pushed.filter((t) => !t._cancelled)).map((t) => t.label), name);
  }
});

test("TimerHeap keeps a millisecond being drained in order as timers join it, and orders the infinities", () => {
  const heap = new TimerHeap<HeapTimer & { label: string }>();
  for (const t of [timer(Infinity, "inf"), timer(1.0004, "b"), timer(-Infinity, "-inf"), timer(1.0001, "a"), timer(-5, "neg")]) heap.push(t);
  const order = [heap.pop().label, heap.pop().label];
  assert.equal(heap.peek()!.label, "a");
  order.push(heap.pop().label);
  // Draining has begun in the millisecond of 1.0001 and 1.0004: these join it in order.
  for (const t of [timer(1.0009, "d"), timer(1.0002, "a2"), timer(1.0004, "b2"), timer(1.0001, "a3")]) heap.push(t);
  for (let t = heap.peek(); t !== undefined; t = heap.peek()) order.push(heap.pop().label);
  assert.deepEqual(order, ["-inf", "neg", "a", "a3", "a2", "b", "b2", "d", "inf"]);
  assert.equal(heap.size, 0);
  assert.deepEqual(heap.live(), []);
});

test("what a callback schedules runs in the next iteration, after the timers that became due", async () => {
  const order: string[] = [];
  await run(
    function* () {
      const loop = getRunningLoop();
      loop.callLater(1, () => order.push("timer at 1"));
      loop.callSoon(() => {
        order.push("first");
        loop.callSoon(() => order.push("scheduled by first"));
      });
      loop.callSoon(() => order.push("second"));
      yield* sleep(2);
    },
    { clock: new VirtualClock() },
  );
  assert.deepEqual(order, ["first", "second", "scheduled by first", "timer at 1"]);
});

test("stop() lets the current iteration finish; callbacks it scheduled wait for the next run", async () => {
  const loop = new EventLoop();
  const order: string[] = [];
  loop.callSoon(() => {
    order.push("a");
    loop.stop();
    loop.callSoon(() => order.push("c"));
  });
  loop.callSoon(() => order.push("b"));
  await loop.runForever();
  assert.deepEqual(order, ["a", "b"]);
  loop.callSoon(() => loop.stop());
  await loop.runForever();
  assert.deepEqual(order, ["a", "b", "c"]);
  loop.close();
});

test("a loop yields to Node between batches: a spinning task lets a Node immediate run", async () => {
  let immediates = 0;
  let spins = 0;
  await run(function* () {
    setImmediate(() => immediates++);
    while (immediates === 0) {
      spins++;
      yield* sleep(0);
    }
  });
  assert.equal(immediates, 1);
  assert.ok(spins > 0);
});
