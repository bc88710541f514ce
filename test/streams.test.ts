import { test } from "node:test";
import assert from "node:assert/strict";
import {
  IncompleteReadError,
  LimitOverrunError,
  RuntimeError,
  StreamReader,
  ValueError,
  createTask,
  getRunningLoop,
  run,
  sleep,
  type Coroutine,
} from "../src/index.ts";

const b = (s: string): Buffer => Buffer.from(s, "latin1");

/** Runs `body` on a fresh loop and returns its result. */
function inLoop<T>(body: () => Coroutine<T>): Promise<T> {
  return run(body);
}

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

test("feedData of an empty buffer changes nothing; feedData copies its argument", async () => {
  await inLoop(function* () {
    const r = new StreamReader();
    r.feedData(new Uint8Array(0));
    assert.equal(r._bufferSize, 0);
    const data = b("abc");
    r.feedData(data);
    data[0] = 0x7a;
    assert.deepEqual(yield* r.read(3), b("abc"));
  });
});

test("read(n) waits for data, returns at most n bytes, and an empty buffer at EOF", async () => {
  const got = await inLoop(function* () {
    const loop = getRunningLoop();
    const r = new StreamReader();
    loop.callSoon(() => r.feedData("line1\nline2\n"));
    const out: string[] = [];
    out.push((yield* r.read(5)).toString());
    out.push((yield* r.read(100)).toString());
    r.feedEof();
    out.push(JSON.stringify((yield* r.read(10)).toString()));
    out.push(String(r.atEof()));
    return out;
  });
  assert.deepEqual(got, ["line1", "\nline2\n", '""', "true"]);
});

test("read() with no argument reads until EOF across chunks; read(0) returns at once", async () => {
  await inLoop(function* () {
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
  });
});

test("readline returns lines with their newline, the tail at EOF, then empty buffers", async () => {
  await inLoop(function* () {
    const r = new StreamReader();
    r.feedData("li");
    r.feedData("ne1\nline2\nlast");
    r.feedEof();
    const lines: string[] = [];
    for (let i = 0; i < 4; i++) lines.push((yield* r.readline()).toString());
    assert.deepEqual(lines, ["line1\n", "line2\n", "last", ""]);
    assert.equal(r.atEof(), true);
  });
});

test("readline over the limit is a ValueError; the line is dropped, the rest kept (CPython's cases)", async () => {
  await inLoop(function* () {
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
  });
});

/** Fails unless `coro` throws an error matching `expected` (as assert.throws matches). */
function* rejects(coro: Coroutine<unknown>, expected: assert.AssertPredicate): Coroutine<void> {
  const e = yield* caught(coro);
  assert.throws(() => {
    throw e;
  }, expected);
}

test("readuntil finds a separator that spans chunks", async () => {
  await inLoop(function* () {
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
  });
});

test("readuntil waits for more data, and accepts several separators (3.13)", async () => {
  await inLoop(function* () {
    const loop = getRunningLoop();
    const r = new StreamReader();
    loop.callSoon(() => r.feedData("abc\r"));
    loop.callLater(0.001, () => r.feedData("\ndef|ghi"));
    assert.deepEqual(yield* r.readuntil("\r\n"), b("abc\r\n"));
    assert.deepEqual(yield* r.readuntil(["\r\n", "|"]), b("def|"));
    yield* rejects(r.readuntil([]), { name: "ValueError", message: "Separator should contain at least one element" });
    yield* rejects(r.readuntil(""), { name: "ValueError", message: "Separator should be at least one-byte string" });
  });
});

test("readuntil at EOF throws IncompleteReadError with the partial data, which is consumed", async () => {
  await inLoop(function* () {
    const r = new StreamReader();
    r.feedData("some dataAA");
    r.feedEof();
    const e = (yield* caught(r.readuntil("AAA"))) as IncompleteReadError;
    assert.ok(e instanceof IncompleteReadError);
    assert.equal(e.message, "11 bytes read on a total of undefined expected bytes");
    assert.deepEqual(e.partial, b("some dataAA"));
    assert.equal(e.expected, null);
    assert.equal(r._bufferSize, 0);
  });
});

test("readuntil over the limit throws LimitOverrunError and consumes nothing", async () => {
  await inLoop(function* () {
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
  });
});

/** The error a coroutine throws (fails the test if it returns). */
function* caught(coro: Coroutine<unknown>): Coroutine<unknown> {
  try {
    yield* coro;
  } catch (e) {
    return e;
  }
  assert.fail("expected an error");
}

test("readexactly returns exactly n bytes across chunks; EOF first is IncompleteReadError with partial and expected", async () => {
  await inLoop(function* () {
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
  });
});

test("setException fails the waiting read and every later one", async () => {
  await inLoop(function* () {
    const loop = getRunningLoop();
    const r = new StreamReader();
    const boom = new ValueError("boom");
    loop.callSoon(() => r.setException(boom));
    assert.equal(yield* caught(r.readline()), boom);
    assert.equal(r.exception(), boom);
    assert.equal(yield* caught(r.read(1)), boom);
    assert.equal(yield* caught(r.readexactly(1)), boom);
  });
});

test("a second coroutine reading while one waits is a RuntimeError", async () => {
  await inLoop(function* () {
    const r = new StreamReader();
    const first = createTask(r.read(1));
    yield* sleep(0);
    const e = yield* caught(r.read(1));
    assert.ok(e instanceof RuntimeError);
    assert.equal((e as Error).message, "read() called while another coroutine is already waiting for incoming data");
    r.feedData("x");
    assert.deepEqual(yield* first, b("x"));
  });
});

test("a cancelled read leaves the reader usable", async () => {
  await inLoop(function* () {
    const r = new StreamReader();
    const t = createTask(r.readline());
    yield* sleep(0);
    t.cancel();
    yield* sleep(0);
    assert.equal(t.cancelled(), true);
    r.feedData("ok\n");
    assert.deepEqual(yield* r.readline(), b("ok\n"));
  });
});

test("feedData after feedEof is a RuntimeError", () => {
  const r = new StreamReader({ loop: undefined });
  r.feedEof();
  assert.throws(() => r.feedData("x"), { name: "RuntimeError", message: "feedData after feedEof" });
});

test("reading pauses over 2*limit and resumes once a read brings the buffer to limit", async () => {
  await inLoop(function* () {
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
  });
});

test("StreamReader prints its state", () => {
  const r = new StreamReader({ limit: 5 });
  r.feedData("abc");
  r.feedEof();
  assert.equal(String(r), "<StreamReader 3 bytes eof limit=5>");
});
