/**
 * Every options object of the public API rejects a key it does not know (src/options.ts): a
 * TypeError naming the call, the key and the keys it accepts, so a misspelt option fails where it
 * is written instead of being silently ignored. One table, one check per row.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ConcurrentFuture,
  ContextVar,
  DatagramProtocol,
  EventLoop,
  Future,
  ProcessPoolExecutor,
  Protocol,
  Runner,
  StreamReader,
  SubprocessProtocol,
  ThreadPoolExecutor,
  asCompleted,
  createSubprocessExec,
  createSubprocessShell,
  createTask,
  fromPromise,
  gather,
  newEventLoop,
  openConnection,
  openUnixConnection,
  run,
  sleep,
  startServer,
  startUnixServer,
  taskGroup,
  wait,
  withJobOptions,
  wrapFuture,
  type Coroutine,
} from "asyncio-ts";
import { VirtualClock } from "asyncio-ts/testing";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each row passes a wrong key on purpose
const bad = (options: object): any => options;
function* idle(): Coroutine<void> {}

/** [what is called, a call with an unknown key, the message]. Rows that need a running loop say so. */
const rows: [string, () => unknown, string, boolean?][] = [
  ["run()", () => run(idle, bad({ debgu: true })), "run() got an unknown option `debgu`; the options are debug, clock, signal"],
  ["new Runner()", () => new Runner(bad({ signal: null })), "Runner() got an unknown option `signal`; the options are debug, clock"],
  ["Runner.run()", () => new Runner().run(idle(), bad({ name: "main" })), "Runner.run() got an unknown option `name`; the options are context, signal"],
  ["new EventLoop()", () => new EventLoop(bad({ clok: null })), "EventLoop() got an unknown option `clok`; the options are debug, clock"],
  ["newEventLoop()", () => newEventLoop(bad({ debug: false, slow: 1 })), "EventLoop() got an unknown option `slow`; the options are debug, clock"],
  ["createTask()", () => createTask(idle(), bad({ signl: null })), "createTask() got an unknown option `signl`; the options are name, context, eagerStart, signal", true],
  ["loop.createTask()", () => new EventLoop().createTask(idle(), bad({ eager: true })), "createTask() got an unknown option `eager`; the options are name, context, eagerStart, signal"],
  ["new Future()", () => new Future(bad({ loop: undefined, name: "f" })), "Future() got an unknown option `name`; the options are loop"],
  ["fromPromise()", () => fromPromise(Promise.resolve(1), bad({ signal: null })), "fromPromise() got an unknown option `signal`; the options are loop", true],
  ["wrapFuture()", () => wrapFuture(new ConcurrentFuture(), bad({ timeout: 1 })), "wrapFuture() got an unknown option `timeout`; the options are loop", true],
  ["wait()", () => wait([sleep(0)], bad({ return_when: "x" })).next(), "wait() got an unknown option `return_when`; the options are timeout, returnWhen", true],
  ["asCompleted()", () => asCompleted([sleep(0)], bad({ timout: 1 })), "asCompleted() got an unknown option `timout`; the options are timeout", true],
  ["new ContextVar()", () => new ContextVar("v", bad({ defualt: 1 })), "ContextVar() got an unknown option `defualt`; the options are default"],
  ["new VirtualClock()", () => new VirtualClock(bad({ autoJump: true })), "VirtualClock() got an unknown option `autoJump`; the options are autojump, start, autojumpThreshold"],
  ["new ThreadPoolExecutor()", () => new ThreadPoolExecutor(bad({ max_workers: 2 })), "ThreadPoolExecutor() got an unknown option `max_workers`; the options are maxWorkers, cancelGrace, jobTimeout, resourceLimits"],
  ["new ProcessPoolExecutor()", () => new ProcessPoolExecutor(bad({ grace: 1 })), "ProcessPoolExecutor() got an unknown option `grace`; the options are maxWorkers, cancelGrace, jobTimeout"],
  ["resourceLimits", () => new ThreadPoolExecutor({ resourceLimits: bad({ maxHeapMb: 1 }) }), "ThreadPoolExecutor() resourceLimits got an unknown option `maxHeapMb`; the options are maxOldGenerationSizeMb, maxYoungGenerationSizeMb, codeRangeSizeMb, stackSizeMb"],
  ["pool.shutdown()", () => new ThreadPoolExecutor().shutdown(bad({ cancel_futures: true })), "shutdown() got an unknown option `cancel_futures`; the options are wait, cancelFutures, timeout"],
  ["withJobOptions()", () => withJobOptions((x: number) => x, bad({ grace: 1 })), "withJobOptions() got an unknown option `grace`; the options are timeout"],
  ["gather()", () => gather(bad({ return_exceptions: true })), "gather() got an unknown option `return_exceptions`; the options are returnExceptions"],
  // Networking and subprocesses: the coroutine checks its options at its first step, before any I/O.
  ["openConnection()", () => openConnection("127.0.0.1", 1, bad({ server_hostname: "x" })).next(), "openConnection() got an unknown option `server_hostname`; the options are limit, ssl, serverHostname, localAddr, family"],
  ["startServer()", () => startServer(() => {}, "127.0.0.1", 0, bad({ reusePort: true })).next(), "startServer() got an unknown option `reusePort`; the options are limit, ssl, backlog, reuseAddress, ipv6Only, startServing"],
  ["openUnixConnection()", () => openUnixConnection("/tmp/none.sock", bad({ family: 6 })).next(), "openUnixConnection() got an unknown option `family`; the options are limit, ssl, serverHostname"],
  ["startUnixServer()", () => startUnixServer(() => {}, "/tmp/none.sock", bad({ reuseAddress: true })).next(), "startUnixServer() got an unknown option `reuseAddress`; the options are limit, ssl, backlog, startServing"],
  ["loop.createConnection()", () => new EventLoop().createConnection(() => new Protocol(), "127.0.0.1", 1, bad({ limit: 10 })).next(), "createConnection() got an unknown option `limit`; the options are ssl, serverHostname, localAddr, family"],
  ["loop.createServer()", () => new EventLoop().createServer(() => new Protocol(), "127.0.0.1", 0, bad({ sslHandshakeTimeout: 5 })).next(), "createServer() got an unknown option `sslHandshakeTimeout`; the options are ssl, backlog, reuseAddress, ipv6Only, startServing"],
  ["loop.createUnixConnection()", () => new EventLoop().createUnixConnection(() => new Protocol(), "/tmp/none.sock", bad({ localAddr: null })).next(), "createUnixConnection() got an unknown option `localAddr`; the options are ssl, serverHostname"],
  ["loop.createUnixServer()", () => new EventLoop().createUnixServer(() => new Protocol(), "/tmp/none.sock", bad({ ipv6Only: true })).next(), "createUnixServer() got an unknown option `ipv6Only`; the options are ssl, backlog, startServing"],
  ["loop.startTls()", () => new EventLoop().startTls(bad({}), new Protocol(), true, bad({ server_side: true })).next(), "startTls() got an unknown option `server_side`; the options are serverSide, serverHostname"],
  ["loop.createDatagramEndpoint()", () => new EventLoop().createDatagramEndpoint(() => new DatagramProtocol(), bad({ local_addr: ["127.0.0.1", 0] })).next(), "createDatagramEndpoint() got an unknown option `local_addr`; the options are localAddr, remoteAddr, family, proto, flags, reuseAddress, allowBroadcast"],
  ["loop.getaddrinfo()", () => new EventLoop().getaddrinfo("localhost", 80, bad({ socktype: 1 })).next(), "getaddrinfo() got an unknown option `socktype`; the options are family, type, proto, flags"],
  ["new StreamReader()", () => new StreamReader(bad({ limt: 10 })), "StreamReader() got an unknown option `limt`; the options are limit, loop"],
  ["createSubprocessExec()", () => createSubprocessExec("node", "-v", bad({ stdot: null })).next(), "createSubprocessExec() got an unknown option `stdot`; the options are stdin, stdout, stderr, limit, cwd, env, startNewSession"],
  ["createSubprocessShell()", () => createSubprocessShell("true", bad({ shell: "/bin/bash" })).next(), "createSubprocessShell() got an unknown option `shell`; the options are stdin, stdout, stderr, limit, cwd, env, startNewSession"],
  ["loop.subprocessExec()", () => new EventLoop().subprocessExec(() => new SubprocessProtocol(), "node", "-v", bad({ limit: 10 })).next(), "subprocessExec() got an unknown option `limit`; the options are stdin, stdout, stderr, cwd, env, startNewSession"],
  ["loop.subprocessShell()", () => new EventLoop().subprocessShell(() => new SubprocessProtocol(), "true", bad({ start_new_session: true })).next(), "subprocessShell() got an unknown option `start_new_session`; the options are stdin, stdout, stderr, cwd, env, startNewSession"],
];

for (const [what, call, message, needsLoop] of rows) {
  test(`${what} rejects an unknown option with a TypeError naming it and the accepted ones`, async () => {
    const check = (): void => assert.throws(call, { name: "TypeError", message });
    if (needsLoop) await run(function* () {
      check();
    });
    else check();
  });
}

test("TaskGroup.createTask() rejects an unknown option, eagerStart included (a group's tasks start as the group schedules them)", async () => {
  await run(function* () {
    yield* taskGroup(function* (tg) {
      assert.throws(() => tg.createTask(idle(), bad({ eagerStart: true })), {
        name: "TypeError",
        message: "TaskGroup.createTask() got an unknown option `eagerStart`; the options are name, context, signal",
      });
    });
  });
});

test("an options argument that is not an object is a TypeError too; undefined values of known keys are fine", async () => {
  assert.throws(() => new ContextVar("v", bad(5 as unknown as object)), { name: "TypeError", message: "ContextVar() options must be an object, got number" });
  await run(idle, { debug: undefined, clock: undefined, signal: undefined });
});

test("StreamWriter.startTls() rejects an unknown option before it touches the connection", async () => {
  await run(function* () {
    const server = yield* startServer(function* (_reader, writer) {
      writer.close();
    }, "127.0.0.1", 0);
    const [host, port] = server.sockets[0]!.getsockname() as [string, number];
    const [, writer] = yield* openConnection(host, port);
    try {
      yield* writer.startTls(true, bad({ serverSide: true }));
      assert.fail("startTls() should throw");
    } catch (e) {
      assert.ok(e instanceof TypeError);
      assert.equal((e as Error).message, "StreamWriter.startTls() got an unknown option `serverSide`; the options are serverHostname");
    }
    assert.equal(writer.isClosing(), false, "the connection is left as it was");
    writer.close();
    yield* writer.waitClosed();
    server.close();
    yield* server.waitClosed();
  });
});

test("gather() takes its last argument as options only when it cannot be awaited: a thenable is awaited, an array is an error", async () => {
  await run(function* () {
    const thenable: PromiseLike<number> = { then: ((resolve: (v: number) => void) => resolve(5)) as PromiseLike<number>["then"] };
    assert.deepEqual(yield* gather(sleep(0, 1), thenable), [1, 5]);
    assert.deepEqual(yield* gather(sleep(0, 1), bad({})), [1], "an empty options object");
    assert.throws(() => gather(sleep(0, 1), bad([2, 3])), {
      name: "TypeError",
      message: "gather() takes coroutines, futures and promises, got [ 2, 3 ] (a coroutine is what a generator function `function*` returns)",
    });
  });
});
