// The testing helpers (asyncio-ts/testing): VirtualClock (after Trio's MockClock) and
// waitAllTasksBlocked (after Trio's wait_all_tasks_blocked).
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { RuntimeError, createTask, gather, getRunningLoop, run, sleep, timeout, type Coroutine } from "../src/index.ts";
import { VirtualClock, waitAllTasksBlocked } from "../src/testing.ts";

test("autojump: sleep(3600) returns at once and loop.time() then reads 3600", async () => {
  const clock = new VirtualClock();
  assert.equal(clock.autojump, true);
  const wall0 = performance.now();
  const t = await run(
    function* () {
      const loop = getRunningLoop();
      assert.equal(loop.time(), 0);
      yield* sleep(3600);
      return loop.time();
    },
    { clock },
  );
  assert.equal(t, 3600);
  assert.equal(clock.now(), 3600);
  // Not an hour of real time (a generous bound, not a speed test).
  assert.ok(performance.now() - wall0 < 60_000);
});

test("autojump goes from timer to timer in order of when, ties in order of scheduling", async () => {
  const events: string[] = [];
  await run(
    function* () {
      const loop = getRunningLoop();
      function* sleeper(name: string, d: number): Coroutine<void> {
        yield* sleep(d);
        events.push(`${name} at ${loop.time()}`);
      }
      loop.callLater(2, () => events.push(`callLater(2) first at ${loop.time()}`));
      loop.callLater(2, () => events.push(`callLater(2) second at ${loop.time()}`));
      yield* gather(sleeper("c", 30), sleeper("a", 1), sleeper("b", 2.5));
    },
    { clock: new VirtualClock({ start: 100 }) },
  );
  assert.deepEqual(events, [
    "a at 101",
    "callLater(2) first at 102",
    "callLater(2) second at 102",
    "b at 102.5",
    "c at 130",
  ]);
});

test("autojump waits until every task is blocked: time does not move while one can still run", async () => {
  await run(
    function* () {
      const loop = getRunningLoop();
      let spins = 0;
      const spinner = createTask(
        (function* () {
          for (; spins < 1000; spins++) yield* sleep(0);
          return loop.time();
        })(),
      );
      const sleeper = createTask(sleep(1, "slept"));
      assert.equal(yield* spinner, 0);
      assert.equal(yield* sleeper, "slept");
      assert.equal(loop.time(), 1);
    },
    { clock: new VirtualClock() },
  );
});

test("a timeout on the virtual clock expires at its exact deadline", async () => {
  await run(
    function* () {
      const loop = getRunningLoop();
      let error: unknown = null;
      try {
        yield* timeout(86_400, () => sleep(10 * 86_400));
      } catch (e) {
        error = e;
      }
      assert.equal((error as Error).name, "TimeoutError");
      assert.equal(loop.time(), 86_400);
    },
    { clock: new VirtualClock() },
  );
});

test("autojump false: time moves only by advance(), from outside the loop", async () => {
  const clock = new VirtualClock({ autojump: false });
  const events: string[] = [];
  const done = run(
    function* () {
      const loop = getRunningLoop();
      events.push(`sleeping at ${loop.time()}`);
      yield* sleep(5);
      events.push(`woke at ${loop.time()}`);
    },
    { clock },
  );
  await new Promise((r) => setTimeout(r, 20));
  events.push("advance(2)");
  clock.advance(2);
  await new Promise((r) => setTimeout(r, 20));
  events.push("advance(3)");
  clock.advance(3);
  await done;
  assert.deepEqual(events, ["sleeping at 0", "advance(2)", "advance(3)", "woke at 5"]);
  assert.equal(clock.now(), 5);
});

test("autojump false: a task may advance the clock once the others are blocked", async () => {
  const clock = new VirtualClock({ autojump: false });
  const events: string[] = [];
  await run(
    function* () {
      const loop = getRunningLoop();
      const sleeper = createTask(
        (function* () {
          yield* sleep(10);
          events.push(`sleeper woke at ${loop.time()}`);
        })(),
      );
      yield* waitAllTasksBlocked();
      clock.advance(4);
      yield* waitAllTasksBlocked();
      events.push(`after advance(4): sleeper done=${sleeper.done()}`);
      clock.advance(6.5);
      yield* waitAllTasksBlocked();
      events.push(`after advance(6.5): sleeper done=${sleeper.done()}, time ${loop.time()}`);
    },
    { clock },
  );
  assert.deepEqual(events, ["after advance(4): sleeper done=false", "sleeper woke at 10.5", "after advance(6.5): sleeper done=true, time 10.5"]);
});

test("advance() refuses to go backwards; jumpTo() never does", () => {
  const clock = new VirtualClock({ start: 10 });
  assert.throws(() => clock.advance(-1), {
    name: "ValueError",
    message: "`seconds` must be a non-negative number, got -1; time cannot go backwards",
  });
  assert.throws(() => clock.advance(NaN), { name: "ValueError" });
  clock.jumpTo(5);
  assert.equal(clock.now(), 10);
  clock.jumpTo(12.5);
  assert.equal(clock.now(), 12.5);
  clock.advance(0.5);
  assert.equal(clock.now(), 13);
  assert.equal(String(clock), "<VirtualClock now=13 autojump=true>");
  assert.equal(inspect(new VirtualClock({ autojump: false })), "<VirtualClock now=0 autojump=false>");
});

test("waitAllTasksBlocked returns once every other task waits on something, without moving time", async () => {
  const events: string[] = [];
  await run(
    function* () {
      const loop = getRunningLoop();
      const gate = loop.createFuture<void>();
      function* worker(name: string, steps: number): Coroutine<void> {
        for (let i = 0; i < steps; i++) yield* sleep(0);
        events.push(`${name} blocked`);
        yield* gate;
        events.push(`${name} released`);
      }
      const workers = [createTask(worker("a", 3)), createTask(worker("b", 50)), createTask(worker("c", 0))];
      // A chain of callbacks counts as work not yet done.
      let hops = 0;
      const hop = (): void => {
        if (++hops < 20) loop.callSoon(hop);
      };
      loop.callSoon(hop);
      // A timer already due too.
      const timerFired = loop.createFuture<void>();
      loop.callLater(0, () => timerFired.setResult(undefined));
      const timerWaiter = createTask(
        (function* () {
          yield* timerFired;
          events.push("timer waiter woke");
        })(),
      );
      yield* waitAllTasksBlocked();
      events.push(`all blocked at ${loop.time()}, hops=${hops}, timer waiter done=${timerWaiter.done()}`);
      gate.setResult(undefined);
      yield* gather(...workers);
    },
    { clock: new VirtualClock() },
  );
  assert.deepEqual(events, [
    "c blocked",
    "timer waiter woke",
    "a blocked",
    "b blocked",
    "all blocked at 0, hops=20, timer waiter done=true",
    "c released",
    "a released",
    "b released",
  ]);
});

test("waitAllTasksBlocked on the real clock with a task sleeping returns at once", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const sleeper = createTask(sleep(3600));
    const t0 = loop.time();
    yield* waitAllTasksBlocked();
    assert.ok(loop.time() - t0 < 60);
    assert.equal(sleeper.done(), false);
    sleeper.cancel();
  });
});
