import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ConnectionRefusedError,
  ConnectionResetError,
  IncompleteReadError,
  LimitOverrunError,
  OverflowError,
  RuntimeError,
  StreamReader,
  StreamReaderProtocol,
  StreamWriter,
  ValueError,
  createTask,
  gather,
  getRunningLoop,
  isCoroutine,
  isCoroutineFunction,
  openConnection,
  openUnixConnection,
  run,
  sleep,
  startServer,
  startUnixServer,
  type Coroutine,
  type Server,
} from "asyncio-ts";
import { asyncioTest } from "asyncio-ts/testing";
import { caught, runTs } from "../helpers.ts";

const fixtures = new URL("../fixtures/net/", import.meta.url);
const KEY = readFileSync(new URL("TEST-ONLY-localhost.key", fixtures));
const CERT = readFileSync(new URL("TEST-ONLY-localhost.crt", fixtures));

const b = (s: string): Buffer => Buffer.from(s, "latin1");

/** Records pause/resume calls, as a transport would receive them. */
class FakeTransport {
  events: string[] = [];
  pauseReading(): void {
    this.events.push("pause");
  }
  resumeReading(): void {
    this.events.push("resume");
  }
}

test("StreamReader: a limit <= 0 is a ValueError", () => {
  assert.throws(() => new StreamReader({ limit: 0 }), { name: "ValueError", message: "Limit cannot be <= 0" });
  assert.throws(() => new StreamReader({ limit: -1 }), ValueError);
});

test("feedData of an empty buffer changes nothing; feedData copies its argument", asyncioTest(function* () {
  const r = new StreamReader();
  r.feedData(new Uint8Array(0));
  assert.equal(r._bufferSize, 0);
  const data = b("abc");
  r.feedData(data);
  data[0] = 0x7a;
  assert.deepEqual(yield* r.read(3), b("abc"));
}, { debug: false }));

test("read(n) waits for data, returns at most n bytes, and an empty buffer at EOF", asyncioTest(function* () {
  const loop = getRunningLoop();
  const r = new StreamReader();
  loop.callSoon(() => r.feedData("line1\nline2\n"));
  const out: string[] = [];
  out.push((yield* r.read(5)).toString());
  out.push((yield* r.read(100)).toString());
  r.feedEof();
  out.push(JSON.stringify((yield* r.read(10)).toString()));
  out.push(String(r.atEof()));
  const got = out;
  assert.deepEqual(got, ["line1", "\nline2\n", '""', "true"]);
}, { debug: false }));

test("read() with no argument reads until EOF across chunks; read(0) returns at once", asyncioTest(function* () {
  const loop = getRunningLoop();
  const r = new StreamReader({ limit: 4 });
  assert.equal((yield* r.read(0)).length, 0);
  loop.callSoon(() => {
    r.feedData("chunk1\n");
    r.feedData("chunk2");
    r.feedEof();
  });
  assert.deepEqual(yield* r.read(), b("chunk1\nchunk2"));
  assert.deepEqual(yield* r.read(), b(""));
}, { debug: false }));

test("read(n) returns a coroutine that keeps a generator's protocol: nothing until resumed, return and throw, cancelled while it waits", asyncioTest(function* () {
  assert.ok(isCoroutineFunction(StreamReader.prototype.read));
  const r = new StreamReader();
  r.feedData("abcdef");
  const made = r.read(2);
  assert.ok(isCoroutine(made));
  assert.equal(String(made), "[object StreamReader.read]");
  assert.equal(made[Symbol.iterator](), made);
  // Closed before it started: it returns what it is given and reads nothing.
  assert.deepEqual(made.return(b("x")), { done: true, value: b("x") });
  assert.deepEqual(made.next(), { done: true, value: undefined });
  // Thrown into before it started: throws that error, reads nothing.
  const boom = new Error("boom");
  const thrown = r.read(2);
  assert.throws(() => thrown.throw(boom), (e) => e === boom);
  assert.deepEqual(thrown.next(), { done: true, value: undefined });
  // With bytes there, the first step returns them; then it stays done.
  const now = r.read(4);
  assert.deepEqual(now.next(), { done: true, value: b("abcd") });
  assert.deepEqual(now.next(), { done: true, value: undefined });
  // Bad sizes throw at the first step, as the body of a generator would.
  const bad = r.read(1.5);
  assert.throws(() => bad.next(), TypeError);
  assert.deepEqual(bad.next(), { done: true, value: undefined });
  // A read with nothing to read yields the future it waits on, then takes the bytes.
  assert.deepEqual(yield* r.read(10), b("ef"));
  const waiting = r.read(3);
  const step = waiting.next();
  assert.equal(step.done, false);
  r.feedData("ghij");
  yield* sleep(0);
  assert.deepEqual(waiting.next(), { done: true, value: b("ghi") });
  // Cancelled while it waits: the task ends cancelled and the bytes stay for the next read.
  const r2 = new StreamReader();
  const reading = createTask(r2.read(5));
  yield* sleep(0);
  reading.cancel();
  yield* sleep(0);
  assert.ok(reading.cancelled());
  r2.feedData("later");
  assert.deepEqual(yield* r2.read(5), b("later"));
  // A stream that failed makes the read throw its error.
  const r3 = new StreamReader();
  const failing = createTask(r3.read(5));
  yield* sleep(0);
  r3.setException(new ValueError("broken"));
  assert.equal((yield* caught(failing))?.message, "broken");
}, { debug: false }));

test("readline() and readexactly(n) take buffered bytes in their first step and wait in a generator otherwise, with a generator's protocol", asyncioTest(function* () {
  assert.ok(isCoroutineFunction(StreamReader.prototype.readline) && isCoroutineFunction(StreamReader.prototype.readexactly));
  const r = new StreamReader({ limit: 8 });
  r.feedData("one\ntwo\nthree");
  const line = r.readline();
  const exact = r.readexactly(2);
  assert.equal(String(line), "[object StreamReader.readline]");
  assert.equal(String(exact), "[object StreamReader.readexactly]");
  assert.equal(r._bufferSize, 13, "made, not resumed: nothing read");
  assert.deepEqual(line.next(), { done: true, value: b("one\n") });
  assert.deepEqual(line.next(), { done: true, value: undefined });
  assert.deepEqual(exact.next(), { done: true, value: b("tw") });
  // Closed or thrown into before the first step: nothing read.
  assert.deepEqual(r.readline().return(b("x")), { done: true, value: b("x") });
  const boom = new Error("boom");
  assert.throws(() => r.readexactly(1).throw(boom), (e) => e === boom);
  assert.equal(r._bufferSize, 7);
  // What the method throws, it throws from the first step, as its generator did.
  assert.throws(() => r.readexactly(1.5).next(), TypeError);
  assert.throws(() => r.readexactly(-1).next(), { name: "ValueError", message: "readexactly size can not be less than zero" });
  assert.equal(r._bufferSize, 7);
  // A line longer than the limit goes through the generator: ValueError, the line dropped.
  r.feedData("-and-more-than-eight\nnext\n");
  assert.deepEqual(yield* r.readline(), b("o\n"));
  assert.equal((yield* caught(r.readline())).name, "ValueError");
  assert.deepEqual(yield* r.readline(), b("next\n"));
  // Not enough bytes yet: each waits in its generator, and a cancellation there leaves the bytes.
  const waitingLine = createTask(r.readline());
  yield* sleep(0);
  assert.equal(String(waitingLine).includes("pending"), true);
  r.feedData("ab");
  yield* sleep(0);
  assert.equal(waitingLine.done(), false);
  waitingLine.cancel();
  yield* sleep(0);
  assert.ok(waitingLine.cancelled());
  const waitingExact = createTask(r.readexactly(4));
  yield* sleep(0);
  r.feedData("cd\n");
  assert.deepEqual(yield* waitingExact, b("abcd"));
  // At EOF: the rest of a line, and IncompleteReadError with what there was.
  r.feedData("tail");
  r.feedEof();
  assert.deepEqual(yield* r.readline(), b("\n"));
  assert.deepEqual(yield* r.readline(), b("tail"));
  const incomplete = yield* caught(r.readexactly(3));
  assert.ok(incomplete instanceof IncompleteReadError);
  assert.equal(incomplete.expected, 3);
}, { debug: false }));

test("readline returns lines with their newline, the tail at EOF, then empty buffers", asyncioTest(function* () {
  const r = new StreamReader();
  r.feedData("li");
  r.feedData("ne1\nline2\nlast");
  r.feedEof();
  const lines: string[] = [];
  for (let i = 0; i < 4; i++) lines.push((yield* r.readline()).toString());
  assert.deepEqual(lines, ["line1\n", "line2\n", "last", ""]);
  assert.equal(r.atEof(), true);
}, { debug: false }));

test("readline over the limit is a ValueError; the line is dropped, the rest kept (CPython's cases)", asyncioTest(function* () {
  const loop = getRunningLoop();
  let r = new StreamReader({ limit: 3 });
  r.feedData("li");
  r.feedData("ne1\nline2\n");
  yield* rejects(r.readline(), { name: "ValueError", message: "Separator is found, but chunk is longer than limit" });
  assert.deepEqual(r._peekBuffer(), b("line2\n"));

  r = new StreamReader({ limit: 3 });
  r.feedData("li");
  r.feedData("ne1");
  r.feedData("li");
  yield* rejects(r.readline(), { name: "ValueError", message: "Separator is not found, and chunk exceed the limit" });
  assert.deepEqual(r._peekBuffer(), b(""));

  r = new StreamReader({ limit: 7 });
  const r2 = r;
  loop.callSoon(() => {
    r2.feedData("chunk1");
    r2.feedData("chunk2\n");
    r2.feedData("chunk3\n");
    r2.feedEof();
  });
  yield* rejects(r.readline(), ValueError);
  assert.deepEqual(r._peekBuffer(), b("chunk3\n"));

  // The limit is strict: 7 bytes before the newline pass, 8 do not.
  r = new StreamReader({ limit: 7 });
  r.feedData("1234567\n");
  assert.deepEqual(yield* r.readline(), b("1234567\n"));
  r.feedData("12345678\n");
  yield* rejects(r.readline(), { name: "ValueError", message: "Separator is found, but chunk is longer than limit" });
  assert.deepEqual(r._peekBuffer(), b(""));
}, { debug: false }));

/** Fails unless `coro` throws an error matching `expected` (as assert.throws matches). */
function* rejects(coro: Coroutine<unknown>, expected: assert.AssertPredicate): Coroutine<void> {
  const e = yield* caught(coro);
  assert.throws(() => {
    throw e;
  }, expected);
}

test("readuntil finds a separator that spans chunks", asyncioTest(function* () {
  const r = new StreamReader();
  const cases: string[][] = [
    ["QWEaa", "XYaa", "a"],
    ["QWEaa", "XYa", "aa"],
    ["aaa"],
    ["Xaaa"],
    ["XXX", "a", "a", "a"],
  ];
  const got: string[] = [];
  for (const chunks of cases) {
    for (const c of chunks) r.feedData(c);
    got.push((yield* r.readuntil("aaa")).toString());
    assert.equal(r._bufferSize, 0);
  }
  assert.deepEqual(got, ["QWEaaXYaaa", "QWEaaXYaaa", "aaa", "Xaaa", "XXXaaa"]);
}, { debug: false }));

test("readuntil waits for more data, and accepts several separators (3.13)", asyncioTest(function* () {
  const loop = getRunningLoop();
  const r = new StreamReader();
  loop.callSoon(() => r.feedData("abc\r"));
  loop.callLater(0.001, () => r.feedData("\ndef|ghi"));
  assert.deepEqual(yield* r.readuntil("\r\n"), b("abc\r\n"));
  assert.deepEqual(yield* r.readuntil(["\r\n", "|"]), b("def|"));
  yield* rejects(r.readuntil([]), { name: "ValueError", message: "Separator should contain at least one element" });
  yield* rejects(r.readuntil(""), { name: "ValueError", message: "Separator should be at least one-byte string" });
}, { debug: false }));

test("readuntil at EOF throws IncompleteReadError with the partial data, which is consumed", asyncioTest(function* () {
  const r = new StreamReader();
  r.feedData("some dataAA");
  r.feedEof();
  const e = (yield* caught(r.readuntil("AAA"))) as IncompleteReadError;
  assert.ok(e instanceof IncompleteReadError);
  assert.equal(e.message, "11 bytes read on a total of undefined expected bytes");
  assert.deepEqual(e.partial, b("some dataAA"));
  assert.equal(e.expected, null);
  assert.equal(r._bufferSize, 0);
}, { debug: false }));

test("readuntil over the limit throws LimitOverrunError and consumes nothing", asyncioTest(function* () {
  const r = new StreamReader({ limit: 3 });
  r.feedData("some dataAA");
  let e = (yield* caught(r.readuntil("AAA"))) as LimitOverrunError;
  assert.ok(e instanceof LimitOverrunError);
  assert.equal(e.message, "Separator is not found, and chunk exceed the limit");
  assert.equal(e.consumed, 9);
  assert.deepEqual(r._peekBuffer(), b("some dataAA"));
  r.feedData("A");
  e = (yield* caught(r.readuntil("AAA"))) as LimitOverrunError;
  assert.equal(e.message, "Separator is found, but chunk is longer than limit");
  assert.equal(e.consumed, 9);
  assert.deepEqual(r._peekBuffer(), b("some dataAAA"));
}, { debug: false }));

test("readexactly returns exactly n bytes across chunks; EOF first is IncompleteReadError with partial and expected", asyncioTest(function* () {
  const loop = getRunningLoop();
  const r = new StreamReader();
  assert.equal((yield* r.readexactly(0)).length, 0);
  yield* rejects(r.readexactly(-1), { name: "ValueError", message: "readexactly size can not be less than zero" });
  const data = "chunk1\nchunk2\nchunk3\n";
  loop.callSoon(() => {
    r.feedData(data);
    r.feedData(data);
    r.feedData(data);
  });
  assert.deepEqual(yield* r.readexactly(2 * data.length), b(data + data));
  assert.deepEqual(yield* r.readexactly(3), b("chu"));
  loop.callSoon(() => r.feedEof());
  const e = (yield* caught(r.readexactly(100))) as IncompleteReadError;
  assert.ok(e instanceof IncompleteReadError);
  assert.deepEqual(e.partial, b(data.slice(3)));
  assert.equal(e.expected, 100);
  assert.equal(e.message, "18 bytes read on a total of 100 expected bytes");
}, { debug: false }));

test("readexactly() and read() of a size that is not an integer (1.5, NaN) are TypeErrors and leave the buffer as it was (beside test_readexactly_zero_or_less)", asyncioTest(function* () {
  const r = new StreamReader();
  r.feedData("some data");
  for (const n of [1.5, NaN, Infinity, "2" as unknown as number]) {
    const shown = typeof n === "string" ? '"2"' : String(n);
    yield* rejects(r.readexactly(n), { name: "TypeError", message: `readexactly(): \`n\` must be an integer number of bytes, got ${shown}` });
    yield* rejects(r.read(n), { name: "TypeError", message: `read(): \`n\` must be an integer number of bytes, got ${shown}` });
  }
  assert.deepEqual(r._peekBuffer(), b("some data"));
  assert.deepEqual(yield* r.readexactly(4), b("some"));
  assert.deepEqual(yield* r.read(100), b(" data"));
}, { debug: false }));

test("openConnection with no port is refused as a connection to port 0; a port out of 0-65535 is OverflowError; a fraction is TypeError (as CPython)", asyncioTest(function* () {
  const noPort = yield* caught(openConnection("127.0.0.1", undefined as unknown as number));
  assert.ok(noPort instanceof ConnectionRefusedError, `got ${String(noPort)}`);
  assert.equal(noPort.message, "[Errno 111] Connect call failed ('127.0.0.1', 0)");
  for (const port of [65536, 70000, -1]) {
    const e = yield* caught(openConnection("127.0.0.1", port));
    assert.ok(e instanceof OverflowError, `got ${String(e)}`);
    assert.equal(e.message, `connect(): port must be 0-65535, got ${port}`);
  }
  const e = yield* caught(openConnection("127.0.0.1", 80.5));
  assert.ok(e instanceof TypeError);
  assert.equal(e.message, "port must be an integer from 0 to 65535, got 80.5");
}, { debug: false }));

test("setException fails the waiting read and every later one", asyncioTest(function* () {
  const loop = getRunningLoop();
  const r = new StreamReader();
  const boom = new ValueError("boom");
  loop.callSoon(() => r.setException(boom));
  assert.equal(yield* caught(r.readline()), boom);
  assert.equal(r.exception(), boom);
  assert.equal(yield* caught(r.read(1)), boom);
  assert.equal(yield* caught(r.readexactly(1)), boom);
}, { debug: false }));

test("a second coroutine reading while one waits is a RuntimeError", asyncioTest(function* () {
  const r = new StreamReader();
  const first = createTask(r.read(1));
  yield* sleep(0);
  const e = yield* caught(r.read(1));
  assert.ok(e instanceof RuntimeError);
  assert.equal((e as Error).message, "read() called while another coroutine is already waiting for incoming data");
  r.feedData("x");
  assert.deepEqual(yield* first, b("x"));
}, { debug: false }));

test("a cancelled read leaves the reader usable", asyncioTest(function* () {
  const r = new StreamReader();
  const t = createTask(r.readline());
  yield* sleep(0);
  t.cancel();
  yield* sleep(0);
  assert.equal(t.cancelled(), true);
  r.feedData("ok\n");
  assert.deepEqual(yield* r.readline(), b("ok\n"));
}, { debug: false }));

test("feedData after feedEof is a RuntimeError", () => {
  const r = new StreamReader({ loop: undefined });
  r.feedEof();
  assert.throws(() => r.feedData("x"), { name: "RuntimeError", message: "feedData after feedEof" });
});

test("reading pauses over 2*limit and resumes once a read brings the buffer to limit", asyncioTest(function* () {
  const r = new StreamReader({ limit: 10 });
  const t = new FakeTransport();
  r.setTransport(t);
  r.feedData("x".repeat(15));
  r.feedData("x".repeat(5));
  assert.deepEqual(t.events, []);
  r.feedData("x");
  assert.deepEqual(t.events, ["pause"]);
  yield* r.read(5);
  assert.deepEqual(t.events, ["pause"]);
  yield* r.read(6);
  assert.deepEqual(t.events, ["pause", "resume"]);
  // readexactly of more than 2*limit resumes reading before it waits, or it would wait forever.
  r.feedData("y".repeat(20));
  assert.deepEqual(t.events, ["pause", "resume", "pause"]);
  const loop = getRunningLoop();
  loop.callSoon(() => r.feedData("z".repeat(10)));
  const got = yield* r.readexactly(40);
  assert.equal(got.length, 40);
  assert.deepEqual(t.events, ["pause", "resume", "pause", "resume", "pause", "resume"]);
}, { debug: false }));

test("StreamReader prints its state", () => {
  const r = new StreamReader({ limit: 5 });
  r.feedData("abc");
  r.feedEof();
  assert.equal(String(r), "<StreamReader 3 bytes eof limit=5>");
});

// -- over the network -----------------------------------------------------------------------

function portOf(server: Server): number {
  return (server.sockets[0]!.getsockname() as [string, number])[1];
}

/** A stream handler that echoes lines until EOF, then closes. */
function* echoLines(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
  for (;;) {
    const line = yield* reader.readline();
    if (line.length === 0) break;
    writer.write(line);
    yield* writer.drain();
  }
  writer.close();
  yield* writer.waitClosed();
}

function* closeServer(server: Server): Coroutine<void> {
  server.close();
  yield* server.waitClosed();
}

test("openConnection and startServer: lines echoed, EOF, peername and sockname, waitClosed", async () => {
  await run(function* () {
    const server = yield* startServer(echoLines, "127.0.0.1", 0);
    const port = portOf(server);
    const [reader, writer] = yield* openConnection("127.0.0.1", port);
    assert.deepEqual(writer.getExtraInfo("peername"), ["127.0.0.1", port]);
    assert.equal((writer.getExtraInfo("sockname") as [string, number])[0], "127.0.0.1");
    writer.writelines(["one\n", Buffer.from("two\n")]);
    assert.equal((yield* reader.readline()).toString(), "one\n");
    assert.equal((yield* reader.readline()).toString(), "two\n");
    writer.writeEof();
    assert.equal((yield* reader.read()).length, 0);
    assert.equal(reader.atEof(), true);
    writer.close();
    assert.equal(writer.isClosing(), true);
    yield* writer.waitClosed();
    assert.match(String(writer), /^<StreamWriter transport=<SocketTransport closed peer=127\.0\.0\.1:\d+ write=<idle, bufsize=0>> reader=<StreamReader eof transport=<SocketTransport closed .*>>>$/);
    yield* closeServer(server);
  });
});

test("drain() under the high-water mark returns one shared finished iterator (no allocation)", async () => {
  await run(function* () {
    const server = yield* startServer(echoLines, "127.0.0.1", 0);
    const [, writer] = yield* openConnection("127.0.0.1", portOf(server));
    writer.write("x\n");
    const a = writer.drain();
    const b2 = writer.drain();
    assert.equal(a, b2);
    assert.deepEqual(a.next(), { done: true, value: undefined });
    writer.close();
    yield* writer.waitClosed();
    yield* closeServer(server);
  });
});

test("a line longer than the limit: LimitOverrunError, and reading pauses so memory stays bounded", async () => {
  const limit = 64 * 1024;
  await run(function* () {
    const big = Buffer.alloc(8 * 1024 * 1024, 0x61);
    const server = yield* startServer(function* (_r, w) {
      w.write(big);
      try {
        yield* w.drain();
      } catch {
        // The client leaves without reading it all.
      }
      w.close();
    }, "127.0.0.1", 0);
    const [reader, writer] = yield* openConnection("127.0.0.1", portOf(server), { limit });
    try {
      yield* reader.readuntil("\n");
      assert.fail("found a separator");
    } catch (e) {
      assert.ok(e instanceof LimitOverrunError);
      assert.equal(e.message, "Separator is not found, and chunk exceed the limit");
      assert.ok(e.consumed > limit);
    }
    // Give the peer time to push more: the reader must have stopped reading at 2 * limit.
    yield* sleep(0.1);
    assert.equal(writer.transport.isReading(), false);
    assert.ok(reader._bufferSize <= 2 * limit + 65536, `buffered ${reader._bufferSize}`);
    // readline turns it into a ValueError and drops the data; reading resumes, and pauses again.
    try {
      yield* reader.readline();
      assert.fail("read a line");
    } catch (e) {
      assert.ok(e instanceof ValueError);
      assert.equal((e as Error).message, "Separator is not found, and chunk exceed the limit");
    }
    yield* sleep(0.1);
    assert.ok(reader._bufferSize <= 2 * limit + 65536, `buffered ${reader._bufferSize}`);
    writer.close();
    yield* writer.waitClosed();
    yield* closeServer(server);
  });
});

test("EOF before readexactly is satisfied: IncompleteReadError with partial and expected", async () => {
  await run(function* () {
    const server = yield* startServer(function* (_r, w) {
      w.write("0123456789");
      w.close();
    }, "127.0.0.1", 0);
    const [reader, writer] = yield* openConnection("127.0.0.1", portOf(server));
    try {
      yield* reader.readexactly(100);
      assert.fail("read 100 bytes");
    } catch (e) {
      assert.ok(e instanceof IncompleteReadError);
      assert.deepEqual(e.partial, Buffer.from("0123456789"));
      assert.equal(e.expected, 100);
      assert.equal(e.message, "10 bytes read on a total of 100 expected bytes");
    }
    writer.close();
    yield* writer.waitClosed();
    yield* closeServer(server);
  });
});

test("a peer that resets mid-write: ConnectionResetError from drain and read, never an unhandled rejection", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => void unhandled.push(e);
  process.on("unhandledRejection", onUnhandled);
  const peers = new Set<net.Socket>();
  const raw = net.createServer((s) => {
    peers.add(s);
    s.on("error", () => {});
    // Read a little, then reset the connection.
    s.once("data", () => setTimeout(() => s.resetAndDestroy(), 5));
  });
  await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
  try {
    await run(function* () {
      const loop = getRunningLoop();
      const reports: string[] = [];
      loop.setExceptionHandler((_l, ctx) => reports.push(ctx.message));
      const port = (raw.address() as net.AddressInfo).port;
      const [reader, writer] = yield* openConnection("127.0.0.1", port);
      const chunk = Buffer.alloc(256 * 1024);
      let error: unknown = null;
      for (let i = 0; i < 10_000 && error === null; i++) {
        try {
          writer.write(chunk);
          yield* writer.drain();
        } catch (e) {
          error = e;
        }
      }
      assert.ok(error instanceof ConnectionResetError, String(error));
      assert.match((error as Error).message, /^(\[Errno 104\] Connection reset by peer|Connection lost)$/);
      try {
        yield* reader.read(1);
        assert.fail("read after a reset");
      } catch (e) {
        assert.ok(e instanceof ConnectionResetError);
      }
      try {
        yield* writer.waitClosed();
        assert.fail("waitClosed after a reset");
      } catch (e) {
        assert.ok(e instanceof ConnectionResetError);
      }
      writer.close();
      assert.deepEqual(reports, []);
    });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off("unhandledRejection", onUnhandled);
    for (const s of peers) s.destroy();
    await new Promise<void>((r) => raw.close(() => r()));
  }
});

test("a handler that throws is reported through the exception handler; the server serves the others", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const reports: string[] = [];
    loop.setExceptionHandler((_l, ctx) => reports.push(`${ctx.message}: ${(ctx.exception as Error).message}`));
    let n = 0;
    const server = yield* startServer(function* (reader, writer) {
      if (n++ === 0) throw new RuntimeError("handler bug");
      yield* echoLines(reader, writer);
    }, "127.0.0.1", 0);
    const [r1, w1] = yield* openConnection("127.0.0.1", portOf(server));
    // The failing handler's connection is closed: this client reads EOF.
    assert.equal((yield* r1.read()).length, 0);
    const [r2, w2] = yield* openConnection("127.0.0.1", portOf(server));
    w2.write("still serving\n");
    assert.equal((yield* r2.readline()).toString(), "still serving\n");
    assert.deepEqual(reports, ["Unhandled exception in client_connected_cb: handler bug"]);
    for (const w of [w1, w2]) {
      w.close();
      yield* w.waitClosed();
    }
    yield* closeServer(server);
  });
});

test("Server.close() + waitClosed() leaves no open handle: the program exits by itself", () => {
  const fixture = fileURLToPath(new URL("server_exits.ts", fixtures));
  const r = spawnSync(...runTs(fixture), { encoding: "utf8", timeout: 15_000 });
  assert.equal(r.signal, null, `did not exit by itself: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "answer=ping serving=false sockets=0 handles=[]\nrun returned\n");
});

test("a server and a connection left open when run() returns are closed with the loop, so the program exits", () => {
  const fixture = fileURLToPath(new URL("left_open.ts", fixtures));
  const r = spawnSync(...runTs(fixture, "debug"), { encoding: "utf8", timeout: 15_000 });
  assert.equal(r.signal, null, `did not exit by itself: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "run returned\n");
  // In debug mode the loop names what it closed (CPython's "unclosed transport" ResourceWarning).
  const unclosed = r.stderr.split("\n").filter((l) => l.startsWith("unclosed ")).sort();
  assert.equal(unclosed.length, 3, r.stderr);
  assert.match(unclosed[0]!, /^unclosed <Server sockets=\[<ServerSocket family=AF_INET laddr=127\.0\.0\.1:\d+>\] serving clients=1>$/);
  assert.match(unclosed[1]!, /^unclosed <SocketTransport open peer=127\.0\.0\.1:\d+ write=<idle, bufsize=0>>$/);
  assert.match(unclosed[2]!, /^unclosed <SocketTransport open peer=127\.0\.0\.1:\d+ write=<idle, bufsize=0>>$/);
});

test("a slow reader makes drain() wait: 32 MiB through a paused reader, the writer's buffer stays under its high-water mark", async () => {
  const total = 32 * 1024 * 1024;
  const chunkSize = 64 * 1024;
  await run(function* () {
    let received = 0;
    let maxReaderBuffer = 0;
    const done = getRunningLoop().createFuture<void>();
    const server = yield* startServer(function* (reader, writer) {
      // Let the writer run into the reader's pause first.
      yield* sleep(0.05);
      for (;;) {
        maxReaderBuffer = Math.max(maxReaderBuffer, reader._bufferSize);
        const data = yield* reader.read(chunkSize);
        if (data.length === 0) break;
        received += data.length;
      }
      writer.close();
      done.setResult(undefined);
    }, "127.0.0.1", 0);
    const [, writer] = yield* openConnection("127.0.0.1", portOf(server));
    const transport = writer.transport;
    const [, high] = transport.getWriteBufferLimits();
    assert.equal(high, 65536);
    const chunk = Buffer.alloc(chunkSize, 0x62);
    let maxAfterWrite = 0;
    let maxAfterDrain = 0;
    let waits = 0;
    for (let sent = 0; sent < total; sent += chunkSize) {
      writer.write(chunk);
      maxAfterWrite = Math.max(maxAfterWrite, transport.getWriteBufferSize());
      if (transport.getWriteBufferSize() > high) waits++;
      yield* writer.drain();
      maxAfterDrain = Math.max(maxAfterDrain, transport.getWriteBufferSize());
    }
    writer.writeEof();
    yield* done;
    assert.equal(received, total);
    assert.ok(waits > 0, "drain never waited");
    assert.ok(maxAfterDrain <= high, `after drain: ${maxAfterDrain}`);
    assert.ok(maxAfterWrite <= high + chunkSize, `after write: ${maxAfterWrite}`);
    assert.ok(maxReaderBuffer <= 2 * 65536 + chunkSize, `reader buffered ${maxReaderBuffer}`);
    writer.close();
    yield* writer.waitClosed();
    yield* closeServer(server);
  });
});

test("TLS streams: startServer with ssl, openConnection with ssl and serverHostname; peercert", async () => {
  await run(function* () {
    const server = yield* startServer(echoLines, "127.0.0.1", 0, { ssl: { key: KEY, cert: CERT } });
    const [reader, writer] = yield* openConnection("127.0.0.1", portOf(server), { ssl: { ca: CERT }, serverHostname: "localhost" });
    assert.equal((writer.getExtraInfo("peercert") as { subject: { CN: string } }).subject.CN, "localhost");
    assert.equal(writer.canWriteEof(), false);
    writer.write("over tls\n");
    assert.equal((yield* reader.readline()).toString(), "over tls\n");
    writer.close();
    yield* writer.waitClosed();
    yield* closeServer(server);
  });
});

test("startTls upgrades a plain stream to TLS on both sides (STARTTLS)", async () => {
  await run(function* () {
    const server = yield* startServer(function* (reader, writer) {
      assert.equal((yield* reader.readline()).toString(), "STARTTLS\n");
      writer.write("GO\n");
      yield* writer.startTls({ key: KEY, cert: CERT });
      yield* echoLines(reader, writer);
    }, "127.0.0.1", 0);
    const [reader, writer] = yield* openConnection("127.0.0.1", portOf(server));
    assert.equal(writer.getExtraInfo("peercert"), null);
    writer.write("STARTTLS\n");
    assert.equal((yield* reader.readline()).toString(), "GO\n");
    yield* writer.startTls({ ca: CERT }, { serverHostname: "localhost" });
    assert.equal((writer.getExtraInfo("peercert") as { subject: { CN: string } }).subject.CN, "localhost");
    writer.write("secret\n");
    assert.equal((yield* reader.readline()).toString(), "secret\n");
    writer.close();
    yield* writer.waitClosed();
    yield* closeServer(server);
  });
});

test("Unix streams: startUnixServer and openUnixConnection", async () => {
  const dir = mkdtempSync(join(tmpdir(), "asyncio-ts-"));
  try {
    await run(function* () {
      const path = join(dir, "echo.sock");
      const server = yield* startUnixServer(echoLines, path);
      const [reader, writer] = yield* openUnixConnection(path);
      assert.equal(writer.getExtraInfo("peername"), path);
      writer.write("unix\n");
      assert.equal((yield* reader.readline()).toString(), "unix\n");
      writer.close();
      yield* writer.waitClosed();
      yield* closeServer(server);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("many clients at once are served concurrently", async () => {
  await run(function* () {
    const server = yield* startServer(echoLines, "127.0.0.1", 0);
    const port = portOf(server);
    function* client(i: number): Coroutine<string> {
      const [reader, writer] = yield* openConnection("127.0.0.1", port);
      writer.write(`client ${i}\n`);
      const line = (yield* reader.readline()).toString().trim();
      writer.close();
      yield* writer.waitClosed();
      return line;
    }
    const lines = yield* gather(...Array.from({ length: 20 }, (_, i) => client(i)));
    assert.deepEqual(lines, Array.from({ length: 20 }, (_, i) => `client ${i}`));
    yield* closeServer(server);
  });
});

test("StreamReaderProtocol and StreamWriter made by hand over loop.createConnection; readlines", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const server = yield* startServer(echoLines, "127.0.0.1", 0);
    const reader = new StreamReader();
    const protocol = new StreamReaderProtocol(reader);
    const [transport] = yield* loop.createConnection(() => protocol, "127.0.0.1", portOf(server));
    const writer = new StreamWriter(transport, protocol, reader, loop);
    writer.write("a\nb\n");
    writer.writeEof();
    const lines = yield* reader.readlines();
    assert.deepEqual(lines.map(String), ["a\n", "b\n"]);
    writer.close();
    yield* writer.waitClosed();
    yield* closeServer(server);
  });
});
