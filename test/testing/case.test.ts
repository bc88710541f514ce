/**
 * asyncioTest (asyncio-ts/testing): a test on its own loop that fails on leftovers and deadlocks.
 * Each case runs the wrapped test function directly and checks how it ends.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import {
  Event,
  Queue,
  RuntimeError,
  ThreadPoolExecutor,
  createTask,
  fromPromise,
  getRunningLoop,
  sleep,
  startServer,
  type Coroutine,
} from "asyncio-ts";
import { LeftoversError, asyncioTest } from "asyncio-ts/testing";

async function leftoversOf(run: () => Promise<void>): Promise<string[]> {
  try {
    await run();
  } catch (e) {
    if (e instanceof LeftoversError) return [...e.leftovers];
    throw e;
  }
  return [];
}

test("a test that leaves nothing behind passes, on the real clock and the virtual one", async () => {
  for (const clock of ["real", "virtual"] as const) {
    await asyncioTest(
      function* () {
        const q = new Queue<number>();
        const consumer = createTask(q.get());
        yield* q.put(1);
        assert.equal(yield* consumer, 1);
        yield* sleep(0.01);
      },
      { clock },
    )();
  }
});

test("a leftover task, loop timer, server, Node interval and thread pool each fail the test, by name", async () => {
  let ticks = 0;
  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const leftovers = await leftoversOf(
    asyncioTest(function* (loop) {
      createTask(sleep(3600), { name: "forgotten" });
      loop.callLater(3600, () => undefined);
      yield* startServer(() => undefined, "127.0.0.1", 0);
      setInterval(() => ticks++, 5);
      yield* loop.runInExecutor(pool, (x: number) => x + 1, 1);
    }),
  );
  await pool.shutdown();
  assert.equal(leftovers.length, 5, leftovers.join("\n---\n"));
  assert.match(
    leftovers[0]!,
    /^task <Task pending name='forgotten' coro=<sleep\(3600\)> wait_for=<SleepFuture pending> created at \S*case\.test\.ts:\d+> created at\n {4}at .*case\.test\.ts:\d+:\d+\)/,
  );
  assert.match(leftovers[1]!, /^timer <TimerHandle when=\d+(\.\d+)? <anonymous>\(\)> still scheduled on the loop$/);
  assert.match(leftovers[2]!, /^<Server sockets=\[<ServerSocket family=AF_INET laddr=127\.0\.0\.1:\d+>\] serving clients=0> still open$/);
  const handles = leftovers.slice(3).sort();
  assert.match(handles[0]!, /^a Node timer \(setTimeout or setInterval\), still alive, created at\n {4}at .*case\.test\.ts:\d+:\d+\)/);
  // The pool starts its thread from its own dispatch, so no frame of the test's made it.
  assert.equal(handles[1], "a worker thread (a ThreadPoolExecutor worker?), still alive");
  const seen = ticks;
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(ticks, seen, "the wrapper cleared the interval it reported");
});

test("an unref'd timer Node makes for itself (node:http's Date header cache) is no leftover; one the test makes is", async () => {
  const leftovers = await leftoversOf(
    asyncioTest(function* () {
      const server = createHttpServer((_req, res) => res.end("ok"));
      yield* fromPromise(new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
      const { port } = server.address() as { port: number };
      // Answering sets Node's unref'd one-second timer that caches the Date header.
      const body = yield* fromPromise(fetch(`http://127.0.0.1:${port}/`, { headers: { connection: "close" } }).then((r) => r.text()));
      assert.equal(body, "ok");
      server.closeAllConnections();
      yield* fromPromise(new Promise((resolve) => server.close(resolve)));
      setInterval(() => undefined, 1000).unref();
    }),
  );
  assert.equal(leftovers.length, 1, leftovers.join("\n---\n"));
  assert.match(leftovers[0]!, /^a Node timer \(setTimeout or setInterval\), still alive, created at\n {4}at .*case\.test\.ts:\d+:\d+\)/);
});

test("allow: a leftover matched on purpose does not fail the test", async () => {
  await asyncioTest(
    function* () {
      createTask(sleep(3600), { name: "background-poller" });
      yield* sleep(0);
    },
    { allow: ["name='background-poller'"] },
  )();
});

test("an error nobody retrieved is a leftover", async () => {
  const leftovers = await leftoversOf(
    asyncioTest(function* () {
      createTask(
        (function* (): Coroutine {
          throw new RangeError("lost");
        })(),
        { name: "failing" },
      );
      yield* sleep(0.01);
    }),
  );
  assert.equal(leftovers.length, 1);
  assert.match(leftovers[0]!, /^an error nobody retrieved: <Task finished name='failing' .*> failed with RangeError: lost$/);
});

test("a deadlocked test fails alone, at once, with the loop's report naming what it waits on", async () => {
  const started = performance.now();
  await assert.rejects(
    asyncioTest(function* () {
      const ready = new Event();
      yield* ready.wait();
    }),
    (e: unknown) => {
      assert.ok(e instanceof RuntimeError);
      assert.match(e.message, /^Event loop deadlock: nothing can ever run again .* but <Task pending .*> is still pending; it waits on <Future pending.*> in <Event \[unset, waiters:1\]>$/);
      return true;
    },
  );
  await assert.rejects(
    asyncioTest(function* () {
      const jobs = new Queue<string>();
      createTask(jobs.get(), { name: "consumer" });
      yield* jobs.get();
    }),
    /it waits on <Future pending> in <Queue maxsize=0 _getters\[2\]>$/,
  );
  assert.ok(performance.now() - started < 2000, "found without waiting for the process to exit");
  // The file goes on: this test still runs, with another fresh loop.
  await asyncioTest(function* () {
    yield* sleep(0);
  })();
});

test("not a deadlock while something outside the loop can still wake it: a Node timer, a bridged promise", async () => {
  await asyncioTest(function* () {
    const loop = getRunningLoop();
    const fut = loop.createFuture<string>();
    const timer = setTimeout(() => loop.callSoonThreadsafe(() => fut.setResult("woken")), 50);
    assert.equal(yield* fut, "woken");
    clearTimeout(timer);
    assert.equal(yield* fromPromise(new Promise<number>((resolve) => setTimeout(() => resolve(7), 30))), 7);
  })();
});

test("a test that fails gets its own error, and its loop is closed with the leftovers cancelled", async () => {
  let leftover: ReturnType<typeof createTask> | undefined;
  await assert.rejects(
    asyncioTest(function* () {
      leftover = createTask(sleep(3600));
      yield* sleep(0);
      throw new Error("the test's own failure");
    }),
    { message: "the test's own failure" },
  );
  assert.equal(leftover!.cancelled(), true);
});

test("asyncioTest refuses an unknown option and a body that is not a function", () => {
  assert.throws(() => asyncioTest(function* () {}, { timeout: 1 } as never), {
    name: "TypeError",
    message: "asyncioTest(): unknown option `timeout` (the options are clock, debug, allow, shuffle)",
  });
  assert.throws(() => asyncioTest(42 as never), { name: "TypeError", message: "asyncioTest() takes a generator function (loop) => Coroutine, got 42" });
});

test("shuffle: the order within a turn changes with the seed, the same seed repeats it, and a failure names the seed", async () => {
  function orderWith(seed: number): Promise<string> {
    let order = "";
    return asyncioTest(
      function* (loop) {
        for (const c of "abcdefgh") loop.callSoon(() => (order += c));
        yield* sleep(0);
        yield* sleep(0);
      },
      { shuffle: seed },
    )().then(() => order);
  }
  const first = await orderWith(1);
  assert.equal(first.split("").sort().join(""), "abcdefgh");
  assert.equal(await orderWith(1), first, "the same seed, the same order");
  const orders = new Set([first, await orderWith(2), await orderWith(3), await orderWith(4)]);
  assert.ok(orders.size > 1, "different seeds give different orders");
  let fifo = "";
  await asyncioTest(function* (loop) {
    for (const c of "abcdefgh") loop.callSoon(() => (fifo += c));
    yield* sleep(0);
  })();
  assert.equal(fifo, "abcdefgh", "without shuffle, FIFO as asyncio");
  await assert.rejects(
    asyncioTest(
      function* (loop) {
        // Seed 7 runs these two in the order b, a (the generator is deterministic).
        let order = "";
        for (const c of "ab") loop.callSoon(() => (order += c));
        yield* sleep(0);
        assert.equal(order, "ab");
      },
      { shuffle: 7 },
    ),
    /\(the ready queue was shuffled with seed 7: asyncioTest\(body, \{ shuffle: 7 \}\) runs it in the same order again\)$/,
  );
});

// createServer from node:net, outside any test: a handle made outside the wrapper is not its business.
const outside = createServer();
test.after(() => outside.close());
