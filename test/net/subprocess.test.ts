import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { fileURLToPath } from "node:url";
import {
  DEVNULL,
  FileNotFoundError,
  OSError,
  PIPE,
  PermissionError,
  ProcessLookupError,
  ReadPipeTransport,
  STDOUT,
  SubprocessProtocol,
  TimeoutError,
  WritePipeTransport,
  createSubprocessExec,
  createSubprocessShell,
  getRunningLoop,
  run,
  waitFor,
  type Coroutine,
  type SubprocessTransport,
  gather,
} from "asyncio-ts";

const node = process.execPath;

function* expectError(coro: Coroutine<unknown>): Coroutine<Error> {
  try {
    yield* coro;
  } catch (e) {
    return e as Error;
  }
  assert.fail("expected an error");
}

test("communicate() returns stdout and stderr as Buffers (null when not PIPE) and waits for the exit", async () => {
  await run(function* () {
    const proc = yield* createSubprocessExec(node, "-e", "process.stdout.write('out'); process.stderr.write('err'); process.exitCode = 3", {
      stdout: PIPE,
      stderr: PIPE,
    });
    assert.equal(typeof proc.pid, "number");
    assert.equal(inspect(proc), `<Process ${proc.pid}>`);
    assert.equal(proc.stdin, null);
    const [out, err] = yield* proc.communicate();
    assert.deepEqual([out?.toString(), err?.toString(), proc.returncode], ["out", "err", 3]);

    const quiet = yield* createSubprocessShell("echo hidden", { stdout: DEVNULL });
    assert.equal(quiet.stdout, null);
    assert.deepEqual(yield* quiet.communicate(), [null, null]);
    assert.equal(quiet.returncode, 0);
  });
});

test("stdin is a StreamWriter; stdout a StreamReader read line by line; returncode is null while running", async () => {
  await run(function* () {
    const proc = yield* createSubprocessExec("cat", { stdin: PIPE, stdout: PIPE });
    const lines: string[] = [];
    for (const word of ["one", "two"]) {
      proc.stdin!.write(`${word}\n`);
      yield* proc.stdin!.drain();
      lines.push((yield* proc.stdout!.readline()).toString());
    }
    assert.equal(proc.returncode, null);
    proc.stdin!.close();
    lines.push((yield* proc.stdout!.readline()).toString());
    assert.equal(yield* proc.wait(), 0);
    assert.equal(yield* proc.wait(), 0);
    assert.deepEqual(lines, ["one\n", "two\n", ""]);
  });
});

test("stderr: STDOUT merges both streams into stdout, in the order they were written", async () => {
  await run(function* () {
    const proc = yield* createSubprocessShell("echo out; echo err >&2; echo out2; echo err2 >&2", { stdout: PIPE, stderr: STDOUT });
    assert.equal(proc.stderr, null);
    const [out, err] = yield* proc.communicate();
    assert.equal(out!.toString(), "out\nerr\nout2\nerr2\n");
    assert.equal(err, null);
  });
});

test("communicate() with several MiB each way does not deadlock", async () => {
  await run(function* () {
    const input = Buffer.alloc(6 * 1024 * 1024);
    for (let i = 0; i < input.length; i++) input[i] = i % 251;
    const proc = yield* createSubprocessExec("cat", { stdin: PIPE, stdout: PIPE, stderr: PIPE });
    const [out, err] = yield* proc.communicate(input);
    assert.equal(out!.length, input.length);
    assert.ok(out!.equals(input));
    assert.equal(err!.length, 0);
    assert.equal(proc.returncode, 0);
  });
});

test("a child that exits without reading its stdin: communicate(input) ignores the broken pipe", async () => {
  await run(function* () {
    const proc = yield* createSubprocessShell("exit 0", { stdin: PIPE, stdout: PIPE });
    const [out] = yield* proc.communicate(Buffer.alloc(1024 * 1024));
    assert.equal(out!.length, 0);
    assert.equal(proc.returncode, 0);
  });
});

test("killed by a signal: returncode is minus the signal number; sendSignal reaches the child", async () => {
  await run(function* () {
    const sleeper = yield* createSubprocessExec("sleep", "30");
    sleeper.kill();
    assert.equal(yield* sleeper.wait(), -9);
    const another = yield* createSubprocessExec("sleep", "30");
    another.terminate();
    assert.equal(yield* another.wait(), -15);

    const script = "process.on('SIGUSR1', () => { console.log('usr1'); process.exit(7); }); console.log('ready'); setTimeout(() => {}, 30000);";
    const child = yield* createSubprocessExec(node, "-e", script, { stdout: PIPE });
    assert.equal((yield* child.stdout!.readline()).toString(), "ready\n");
    child.sendSignal("SIGUSR1");
    assert.equal((yield* child.stdout!.readline()).toString(), "usr1\n");
    assert.equal(yield* child.wait(), 7);
    // Once the process was waited for, there is no process to signal (CPython: ProcessLookupError).
    assert.throws(() => child.kill(), { name: "ProcessLookupError", message: "[Errno 3] No such process" });
    assert.throws(() => child.sendSignal("SIGFOO" as NodeJS.Signals), { name: "ValueError" });
  });
});

test("cancelling wait() or communicate() does not kill the child", async () => {
  await run(function* () {
    const proc = yield* createSubprocessExec("sleep", "30", { stdout: PIPE });
    const e1 = yield* expectError(waitFor(proc.wait(), 0.05));
    assert.ok(e1 instanceof TimeoutError);
    const e2 = yield* expectError(waitFor(proc.communicate(), 0.05));
    assert.ok(e2 instanceof TimeoutError);
    assert.equal(proc.returncode, null);
    proc.kill();
    assert.equal(yield* proc.wait(), -9);
  });
});

test("a program that does not exist: FileNotFoundError; one that is not executable: PermissionError", async () => {
  await run(function* () {
    const e = yield* expectError(createSubprocessExec("no-such-program-asyncio-ts", "x"));
    assert.ok(e instanceof FileNotFoundError && e instanceof OSError);
    assert.equal(e.message, "[Errno 2] No such file or directory: 'no-such-program-asyncio-ts'");
    assert.equal(e.errno, 2);
    assert.equal(e.filename, "no-such-program-asyncio-ts");
    const notExecutable = fileURLToPath(new URL("../fixtures/subprocess/not-executable.txt", import.meta.url));
    const p = yield* expectError(createSubprocessExec(notExecutable));
    assert.ok(p instanceof PermissionError);
    assert.equal(p.message, `[Errno 13] Permission denied: '${notExecutable}'`);
  });
});

test("misuse throws clear errors", async () => {
  await run(function* () {
    const e1 = yield* expectError(createSubprocessExec("cat", { stdout: STDOUT }));
    assert.deepEqual([e1.name, e1.message], ["ValueError", "STDOUT can only be used for stderr, not for stdout"]);
    const e2 = yield* expectError(createSubprocessShell(["ls"] as unknown as string));
    assert.deepEqual([e2.name, e2.message], ["ValueError", "cmd must be a string"]);
    const proc = yield* createSubprocessExec("true");
    const e3 = yield* expectError(proc.communicate("input"));
    assert.deepEqual([e3.name, e3.message], ["ValueError", "communicate(input) needs stdin=PIPE"]);
    assert.equal(yield* proc.wait(), 0);
  });
});

class Recorder extends SubprocessProtocol {
  events: string[] = [];
  transport: SubprocessTransport | null = null;
  done = getRunningLoop().createFuture<void>();
  override connectionMade(t: SubprocessTransport): void {
    this.transport = t;
    this.events.push("made");
  }
  override pipeDataReceived(fd: number, data: Buffer): void {
    this.events.push(`data ${fd} ${JSON.stringify(data.toString())}`);
  }
  override pipeConnectionLost(fd: number, exc: Error | null): void {
    this.events.push(`pipe lost ${fd} ${exc}`);
  }
  override processExited(): void {
    this.events.push(`exited ${this.transport!.getReturncode()}`);
  }
  override connectionLost(exc: Error | null): void {
    this.events.push(`lost ${exc}`);
    this.done.setResult();
  }
}

test("loop.subprocessExec drives a SubprocessProtocol: connectionMade first, connectionLost last", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const [transport, proto] = yield* loop.subprocessExec(() => new Recorder(), "sh", "-c", "read line; echo got $line; exit 5");
    assert.deepEqual(proto.events, ["made"]);
    assert.equal(typeof transport.getPid(), "number");
    assert.equal(transport.getReturncode(), null);
    const stdin = transport.getPipeTransport(0);
    assert.ok(stdin instanceof WritePipeTransport);
    assert.ok(transport.getPipeTransport(1) instanceof ReadPipeTransport);
    assert.ok(transport.getPipeTransport(2) instanceof ReadPipeTransport);
    stdin.write("hello\n");
    yield* proto.done;
    const events = proto.events;
    assert.equal(events[0], "made");
    assert.equal(events.at(-1), "lost null");
    assert.deepEqual(
      events.slice(1, -1).sort(),
      ['data 1 "got hello\\n"', "exited 5", "pipe lost 0 null", "pipe lost 1 null", "pipe lost 2 null"],
    );
    assert.ok(events.indexOf('data 1 "got hello\\n"') < events.indexOf("pipe lost 1 null"));
    assert.equal(transport.getReturncode(), 5);
    transport.close();
  });
});

test("loop.subprocessShell with DEVNULL pipes; close() kills a child that still runs", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const [transport, proto] = yield* loop.subprocessShell(() => new Recorder(), "sleep 30", { stdin: DEVNULL, stdout: DEVNULL, stderr: DEVNULL });
    assert.equal(transport.getPipeTransport(0), null);
    transport.close();
    assert.equal(transport.isClosing(), true);
    yield* proto.done;
    assert.deepEqual(proto.events, ["made", "exited -9", "lost null"]);
  });
});

test("inherit is the default of createSubprocessExec: no pipes", async () => {
  await run(function* () {
    const proc = yield* createSubprocessExec("true");
    assert.deepEqual([proc.stdin, proc.stdout, proc.stderr], [null, null, null]);
    assert.equal(yield* proc.wait(), 0);
    assert.ok(ProcessLookupError.prototype instanceof OSError);
  });
});

test("a child that exits before its pipes are set up loses neither its output nor its EOF, and its stdin reads as closed", async () => {
  // Node resumes a child's stdout when it exits and destroys its stdin: a quick child used to
  // lose its output, or leave communicate() waiting forever for an EOF or a closed stdin.
  const outputs = await run(function* () {
    const procs = yield* gather(...Array.from({ length: 30 }, (_, i) => createSubprocessShell(`printf out-${i}`, { stdin: PIPE, stdout: PIPE })));
    return yield* gather(...procs.map((p) => p.communicate(Buffer.alloc(256 * 1024))));
  });
  assert.deepEqual(
    outputs.map(([out]) => out!.toString()),
    Array.from({ length: 30 }, (_, i) => `out-${i}`),
  );
});
