// The testing helpers (asyncio-ts/testing): VirtualClock (after Trio's MockClock) and
// waitAllTasksBlocked (after Trio's wait_all_tasks_blocked).
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { PIPE, ThreadPoolExecutor, createSubprocessExec, createTask, fromPromise, gather, getRunningLoop, openConnection, run, sleep, startServer, timeout, waitFor, type Coroutine } from "asyncio-ts";
import { VirtualClock, waitAllTasksBlocked } from "asyncio-ts/testing";

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

test("the virtual clock does not jump while a task waits on a bridged promise: waitFor(fromPromise(100 ms), 10) returns its value", async () => {
  const [value, elapsed] = await run(
    function* (): Coroutine<[string, number]> {
      const loop = getRunningLoop();
      const real = new Promise<string>((resolve) => setTimeout(() => resolve("real"), 100));
      const v = yield* waitFor(fromPromise(real), 10);
      return [v, loop.time()];
    },
    { clock: new VirtualClock() },
  );
  assert.equal(value, "real");
  assert.equal(elapsed, 0, "no timer was due, so virtual time did not move");
});

test("the virtual clock waits while a task waits on an executor job, then jumps to the next timer", async () => {
  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const events: string[] = [];
  try {
    await run(
      function* () {
        const loop = getRunningLoop();
        const sleeper = createTask(
          (function* () {
            yield* sleep(5);
            events.push(`slept to ${loop.time()}`);
          })(),
        );
        // 50 ms of real work on a thread: the 5 s sleep must not end first.
        const job = yield* loop.runInExecutor(pool, (ms: number) => {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
          return "job done";
        }, 50);
        events.push(`${job} at ${loop.time()}`);
        yield* sleeper;
      },
      { clock: new VirtualClock() },
    );
  } finally {
    await pool.shutdown();
  }
  assert.deepEqual(events, ["job done at 0", "slept to 5"]);
});

test("autojumpThreshold: with real work pending and every task blocked, the clock jumps after that much real time", async () => {
  const wall0 = performance.now();
  const events = await run(
    function* (): Coroutine<string[]> {
      const loop = getRunningLoop();
      const log: string[] = [];
      let release!: () => void;
      const never = fromPromise(new Promise<void>((resolve) => (release = resolve)));
      yield* sleep(5);
      log.push(`slept to ${loop.time()}, the promise still pending: ${!never.done()}`);
      release();
      yield* never;
      return log;
    },
    { clock: new VirtualClock({ autojumpThreshold: 0.05 }) },
  );
  assert.deepEqual(events, ["slept to 5, the promise still pending: true"]);
  assert.ok(performance.now() - wall0 >= 45, "it waited about 50 ms of real time before jumping");
  assert.throws(() => new VirtualClock({ autojumpThreshold: -1 }), {
    name: "ValueError",
    message: "`autojumpThreshold` must be a non-negative number of seconds (Infinity: never jump while real work is pending), got -1",
  });
  assert.equal(inspect(new VirtualClock({ autojumpThreshold: 0 })), "<VirtualClock now=0 autojump=true autojumpThreshold=0>");
});

test("the virtual clock waits for a connect, a DNS lookup and a child process: timeouts around them do not expire in no time", async () => {
  const got = await run(
    function* (): Coroutine<string[]> {
      const loop = getRunningLoop();
      const log: string[] = [];
      const server = yield* startServer((_r, w) => w.close(), "127.0.0.1", 0);
      const port = (server.sockets[0]!.getsockname() as [string, number])[1];
      const [, writer] = yield* waitFor(openConnection("127.0.0.1", port), 5);
      writer.close();
      yield* writer.waitClosed();
      log.push(`connected at ${loop.time()}`);
      const infos = yield* waitFor(loop.getaddrinfo("localhost", 80), 5);
      log.push(`resolved at ${loop.time()}: ${infos.length > 0}`);
      const proc = yield* createSubprocessExec(process.execPath, "-e", "setTimeout(() => process.exit(3), 100)");
      log.push(`exit ${yield* waitFor(proc.wait(), 5)} at ${loop.time()}`);
      server.close();
      yield* server.waitClosed();
      return log;
    },
    { clock: new VirtualClock() },
  );
  assert.deepEqual(got, ["connected at 0", "resolved at 0: true", "exit 3 at 0"]);
});

test("the virtual clock waits while a task reads from a peer outside the loop: a child's stdout, a socket served by another process", async () => {
  const got = await run(
    function* (): Coroutine<string[]> {
      const loop = getRunningLoop();
      const log: string[] = [];
      // The child answers after 300 ms of real time; a 1 s timeout around the read must not expire first.
      const child = yield* createSubprocessExec(process.execPath, "-e", "setTimeout(() => console.log('late'), 300)", { stdout: PIPE });
      log.push(`${(yield* waitFor(child.stdout!.readline(), 1)).toString().trim()} from the child at ${loop.time()}`);
      yield* child.wait();
      // A TCP server in another process that answers 300 ms after the connection.
      const peer = yield* createSubprocessExec(
        process.execPath,
        "-e",
        "const s = require('net').createServer((c) => setTimeout(() => c.end('late\\n'), 300)).listen(0, '127.0.0.1', () => console.log(s.address().port))",
        { stdout: PIPE },
      );
      const port = Number((yield* peer.stdout!.readline()).toString());
      const [reader, writer] = yield* openConnection("127.0.0.1", port);
      log.push(`${(yield* waitFor(reader.readline(), 1)).toString().trim()} from the socket at ${loop.time()}`);
      writer.close();
      yield* writer.waitClosed();
      peer.kill();
      yield* peer.wait();
      return log;
    },
    { clock: new VirtualClock() },
  );
  assert.deepEqual(got, ["late from the child at 0", "late from the socket at 0"]);
});

test("a peer on the same loop answers in virtual time: a server that sleeps 60 s before its reply is read at loop time 60, at once", async () => {
  const wall0 = performance.now();
  const got = await run(
    function* (): Coroutine<string> {
      const loop = getRunningLoop();
      const server = yield* startServer(function* (reader, writer) {
        yield* reader.readline();
        yield* sleep(60);
        writer.write(Buffer.from("pong\n"));
        yield* writer.drain();
        writer.close();
      }, "127.0.0.1", 0);
      const port = (server.sockets[0]!.getsockname() as [string, number])[1];
      const [reader, writer] = yield* openConnection("127.0.0.1", port);
      writer.write(Buffer.from("ping\n"));
      const reply = (yield* waitFor(reader.readline(), 120)).toString().trim();
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return `${reply} at ${loop.time()}`;
    },
    { clock: new VirtualClock() },
  );
  assert.equal(got, "pong at 60");
  assert.ok(performance.now() - wall0 < 5000, "the 60 s were virtual");
});
