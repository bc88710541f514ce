/** The virtual clock of `asyncio-ts/testing`, and a clock of the user's own, run with plain node. */
import assert from "node:assert/strict";
import { Event, createTask, getRunningLoop, gather, run, sleep, type Clock, type Coroutine } from "asyncio-ts";
import { LeftoversError, VirtualClock, asyncioTest, waitAllTasksBlocked } from "asyncio-ts/testing";

const started = performance.now();
const clock = new VirtualClock();
const slept = await run(
  function* (): Coroutine<number> {
    const loop = getRunningLoop();
    yield* gather(sleep(3600), sleep(60));
    yield* waitAllTasksBlocked();
    return loop.time();
  },
  { clock },
);
assert.equal(slept, 3600);
assert.equal(clock.now(), 3600);
assert.ok(performance.now() - started < 2000, "an hour of virtual time takes no real time");

let now = 100;
const own: Clock = { autojump: true, now: () => now, jumpTo: (when) => void (now = when) };
await run(
  function* () {
    yield* sleep(5);
  },
  { clock: own },
);
assert.equal(now, 105);

// asyncioTest: a clean test passes; a leftover task and a deadlock fail it.
await asyncioTest(function* () {
  yield* sleep(60);
}, { clock: "virtual" })();
await assert.rejects(
  asyncioTest(function* () {
    createTask(sleep(3600), { name: "left" });
    yield* sleep(0);
  }),
  (e: unknown) => e instanceof LeftoversError && e.leftovers.length === 1 && e.leftovers[0]!.includes("name='left'"),
);
await assert.rejects(
  asyncioTest(function* () {
    yield* new Event().wait();
  }),
  /Event loop deadlock/,
);
console.log("ok: virtual clock");
