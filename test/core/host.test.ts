// core/host.ts: the scheduler yields to its host with what the host has (setImmediate on Node,
// Bun and Deno; a MessageChannel message in a browser or a Web Worker; setTimeout where neither
// exists), and whichever it uses, a task that never blocks does not starve the host's own timers
// and I/O. Node has all three, so each is run here; test/browser/ runs the same in Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer, connect, type AddressInfo, type Socket } from "node:net";
import { run, sleep, getRunningLoop, createTask, type Coroutine } from "asyncio-ts";
import { _useTurnKind, detectTurnKind, turnKind, type TurnKind } from "../../src/core/host.ts";
import { VirtualClock } from "asyncio-ts/testing";
import { runTs } from "../helpers.ts";

const KINDS: TurnKind[] = ["setImmediate", "MessageChannel", "setTimeout"];

test("Node has setImmediate, and the scheduler uses it", () => {
  assert.equal(detectTurnKind(), "setImmediate");
  assert.equal(turnKind(), "setImmediate");
});

/** A loopback ping-pong on plain Node sockets, counting round trips until `stop()`. */
async function pingPong(): Promise<{ trips: () => number; stop: () => Promise<void> }> {
  const server = createServer((s) => s.on("data", (d) => s.write(d)).on("error", () => {}));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client: Socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
  await new Promise<void>((resolve) => client.once("connect", resolve));
  let trips = 0;
  let stopped = false;
  client.on("data", () => {
    trips++;
    if (!stopped) client.write("x");
  });
  client.write("x");
  return {
    trips: () => trips,
    stop: async () => {
      stopped = true;
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

for (const kind of KINDS) {
  test(`yielding by ${kind}: a task spinning on sleep(0) for 500 ms lets Node's timers, immediates and sockets run all along`, async (t) => {
    _useTurnKind(kind);
    t.after(() => _useTurnKind(null));
    const io = await pingPong();
    let timerTicks = 0;
    let immediates = 0;
    let spinning = true;
    const tick = (): void => {
      timerTicks++;
      if (spinning) setTimeout(tick, 1);
    };
    const immediate = (): void => {
      immediates++;
      if (spinning) setImmediate(immediate);
    };
    setTimeout(tick, 1);
    setImmediate(immediate);
    const tripsBefore = io.trips();
    const switches = await run(function* (): Coroutine<number> {
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < 500) {
        yield* sleep(0);
        n++;
      }
      return n;
    });
    spinning = false;
    const trips = io.trips() - tripsBefore;
    const [ticks, turns] = [timerTicks, immediates];
    await io.stop();
    // A batch lasts at most 4 ms, so the host has a turn at least every 4 ms or so: 500 ms give
    // a hundred turns on a quiet machine, and a loaded one still some; without yielding, none
    // would come before the end (the counts are read when the spin ends). A round trip takes two
    // polls for I/O, which Deno makes only on the loop's timer turns (core/host.ts).
    assert.ok(ticks >= 5, `timer ticks: ${ticks}`);
    assert.ok(turns >= 5, `immediates: ${turns}`);
    assert.ok(trips >= 2, `socket round trips: ${trips}`);
    assert.ok(switches >= 10_000, `switches: ${switches}`);
  });

  test(`yielding by ${kind}: the order of callbacks and timers is CPython's, on a virtual clock that jumps`, async (t) => {
    _useTurnKind(kind);
    t.after(() => _useTurnKind(null));
    const order = await run(function* (): Coroutine<string[]> {
      const loop = getRunningLoop();
      const seen: string[] = [];
      loop.callLater(0.02, () => seen.push("timer 0.02"));
      loop.callLater(0.01, () => seen.push("timer 0.01"));
      loop.callSoon(() => {
        seen.push("soon 1");
        loop.callSoon(() => seen.push("soon 3 (scheduled by soon 1)"));
      });
      loop.callSoon(() => seen.push("soon 2"));
      const task = createTask(
        (function* (): Coroutine<void> {
          seen.push("task starts");
          yield* sleep(0.015);
          seen.push("task after 0.015");
        })(),
      );
      yield* sleep(0.03);
      yield* task;
      return seen;
    }, { clock: new VirtualClock() });
    assert.deepEqual(order, ["soon 1", "soon 2", "task starts", "soon 3 (scheduled by soon 1)", "timer 0.01", "task after 0.015", "timer 0.02"]);
  });
}

test("yielding by MessageChannel, a program exits when its main task ends: the port does not hold the host open", () => {
  const r = spawnSync(...runTs("test/fixtures/core/message_channel.ts", "exit"), { encoding: "utf8", timeout: 15_000 });
  assert.equal(r.stderr, "");
  assert.deepEqual(r.stdout.trim().split("\n"), ["turns by MessageChannel", "main returned 42"]);
  assert.equal(r.status, 0);
});

test("yielding by MessageChannel, a deadlock is still reported when the host's loop drains", () => {
  const r = spawnSync(...runTs("test/fixtures/core/message_channel.ts", "deadlock"), { encoding: "utf8", timeout: 15_000 });
  assert.equal(r.stderr, "");
  assert.deepEqual(r.stdout.trim().split("\n"), ["turns by MessageChannel", "deadlock: RuntimeError"]);
  assert.equal(r.status, 0);
});
