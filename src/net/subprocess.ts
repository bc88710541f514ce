/**
 * Child processes (CPython: `asyncio/subprocess.py`, `base_subprocess.py` and the pipe transports
 * of `unix_events.py`): `createSubprocessExec`, `createSubprocessShell`, `Process`, the `PIPE`,
 * `STDOUT`, `DEVNULL` and `INHERIT` constants, and the transports behind `loop.subprocessExec`
 * and `loop.subprocessShell`.
 *
 * The layers are CPython's. `SubprocessPipesTransport` spawns the child (Node's `spawn`) and wraps
 * each of its pipes in a pipe transport (src/net/pipes.ts: `ReadPipeTransport` for stdout and
 * stderr, `WritePipeTransport` for stdin) whose protocol reports back to it. It tells its
 * `SubprocessProtocol` `connectionMade`, then `pipeDataReceived`/`pipeConnectionLost` and
 * `processExited` as they happen, and `connectionLost` once the child has exited *and* every pipe
 * is closed; `wait()` returns at that moment, as in CPython. Node callbacks reach the protocol as
 * part of the loop (`_runFromNode`); until `connectionMade` has run they are held back in order.
 *
 * `Process` is the stream face: `stdout`/`stderr` are `StreamReader`s, `stdin` a `StreamWriter`
 * whose flow control is a `StreamReaderProtocol` without a reader. `communicate()` writes, reads
 * and waits at once, so several MiB each way cannot deadlock. `stderr: STDOUT` with `stdout: PIPE`
 * gives the child one socket pair for both (Node has no pipe(2)), so their order is kept.
 */

import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { createServer, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { inspect } from "node:util";
import { toOSError } from "./errors.ts";
import { getRunningLoop, type EventLoop } from "../loop/events.ts";
import { BrokenPipeError, ConnectionResetError, ProcessLookupError, ValueError } from "../exceptions.ts";
import { _holdRealUntilDone, type Future } from "../loop/futures.ts";
import { BaseProtocol, Protocol, SubprocessProtocol } from "./protocols.ts";
import { _checkSignal } from "./signals.ts";
import { DEFAULT_LIMIT, StreamReader, StreamReaderProtocol, StreamWriter } from "./streams.ts";
import { gather } from "../loop/tasks.ts";
import { SubprocessTransport, type BaseTransport, type Transport } from "./transports.ts";
import { ReadPipeTransport, WritePipeTransport, holdOutput, type HeldOutput } from "./pipes.ts";
import type { Coroutine } from "../loop/types.ts";
import { _watchCoroutines } from "../debug/unawaited.ts";

/**
 * Connect the child's stream to a new pipe (`asyncio.subprocess.PIPE`): `proc.stdin` is then a
 * `StreamWriter`, `proc.stdout`/`proc.stderr` a `StreamReader`.
 * @example
 * const proc = yield* createSubprocessExec("cat", { stdin: PIPE, stdout: PIPE });
 * const [out] = yield* proc.communicate("hi"); // Buffer "hi"
 */
export const PIPE = -1;
/**
 * For `stderr`: send it where stdout goes (`asyncio.subprocess.STDOUT`).
 * @example
 * const proc = yield* createSubprocessExec("sh", "-c", "echo out; echo err >&2", { stdout: PIPE, stderr: STDOUT });
 * const [both] = yield* proc.communicate(); // Buffer "out\nerr\n"
 */
export const STDOUT = -2;
/**
 * Connect the child's stream to the null device (`asyncio.subprocess.DEVNULL`).
 * @example const proc = yield* createSubprocessExec("make", { stdout: DEVNULL, stderr: DEVNULL });
 */
export const DEVNULL = -3;
/**
 * The child uses this process's stream (Python's `None`, the default of `createSubprocessExec`).
 * @example const proc = yield* createSubprocessExec("ls", { stdout: INHERIT }); // prints to our stdout
 */
export const INHERIT = null;

/** Where a standard stream of the child goes: `PIPE`, `STDOUT` (stderr only), `DEVNULL`, `INHERIT`, or a file descriptor. */
export type StdioSpec = typeof PIPE | typeof STDOUT | typeof DEVNULL | null | undefined | number;

/** Options of `loop.subprocessExec`/`subprocessShell` and of `createSubprocessExec`/`createSubprocessShell`. */
export interface SubprocessOptions {
  /** @default PIPE for the loop methods, INHERIT for createSubprocess* (as in CPython) */
  stdin?: StdioSpec;
  /** @default PIPE for the loop methods, INHERIT for createSubprocess* */
  stdout?: StdioSpec;
  /** @default PIPE for the loop methods, INHERIT for createSubprocess* */
  stderr?: StdioSpec;
  /** The child's working directory. @default this process's */
  cwd?: string;
  /** The child's environment. @default this process's */
  env?: NodeJS.ProcessEnv;
  /** Start the child in a new session, `setsid()` (CPython's `start_new_session`). @default false */
  startNewSession?: boolean;
}

/** Options of `createSubprocessExec` and `createSubprocessShell`. */
export interface CreateSubprocessOptions extends SubprocessOptions {
  /** The `limit` of the stdout and stderr readers. @default 65536 */
  limit?: number;
}

/** The protocol of one pipe: tells the subprocess transport what happened (CPython's `*SubprocessPipeProto`). */
class SubprocessPipeProtocol extends Protocol {
  pipe: ReadPipeTransport | WritePipeTransport | null = null;
  disconnected = false;
  constructor(
    private readonly proc: SubprocessPipesTransport,
    readonly fd: number,
  ) {
    super();
  }
  override connectionMade(transport: BaseTransport): void {
    this.pipe = transport as ReadPipeTransport | WritePipeTransport;
  }
  override dataReceived(data: Buffer): void {
    this.proc._pipeDataReceived(this.fd, data);
  }
  override connectionLost(exc: Error | null): void {
    this.disconnected = true;
    this.proc._pipeConnectionLost(this.fd, exc);
  }
  override pauseWriting(): void {
    this.proc._protocol?.pauseWriting();
  }
  override resumeWriting(): void {
    this.proc._protocol?.resumeWriting();
  }
}

// -- the subprocess transport --------------------------------------------------------------------

/**
 * The transport of a child process (CPython's `BaseSubprocessTransport`), made by
 * `loop.subprocessExec`/`subprocessShell`. Extra info `"subprocess"` is Node's `ChildProcess`.
 * @example
 * const [transport, protocol] = yield* loop.subprocessExec(() => new Collect(), "cat");
 * console.log(transport.getPid());
 * // ... once the protocol's processExited() ran:
 * console.log(transport.getReturncode()); // 0
 * transport.close();
 */
export class SubprocessPipesTransport extends SubprocessTransport {
  /** @internal */ _protocol: SubprocessProtocol | null;
  /** @internal */ readonly _loop: EventLoop;
  /** @internal */ _proc: ChildProcess | null;
  private readonly pid: number;
  private returncode: number | null = null;
  private closed = false;
  private finished = false;
  private exitWaiters: Future<number>[] | null = [];
  private pendingCalls: Array<() => void> | null = [];
  private readonly pipes = new Map<number, SubprocessPipeProtocol | null>();

  /** @internal Use `loop.subprocessExec` or `loop.subprocessShell`. */
  constructor(
    loop: EventLoop,
    protocol: SubprocessProtocol,
    proc: ChildProcess,
    mergedStdout: Socket | null,
    exit: ExitWatch,
    heldOutput: Map<Readable, HeldOutput>,
  ) {
    super({ subprocess: proc });
    this._loop = loop;
    this._protocol = protocol;
    this._proc = proc;
    this.pid = proc.pid!;
    exit.onExit = (rc) => loop._runFromNode(() => this.processExited(rc));
    if (exit.returncode !== null) {
      const rc = exit.returncode;
      loop.callSoon(() => this.processExited(rc));
    }
    const stdout = mergedStdout ?? proc.stdout;
    const streams: Array<[number, Readable | Writable | null]> = [[0, proc.stdin], [1, stdout], [2, proc.stderr]];
    for (const [fd, stream] of streams) {
      if (stream === null) continue;
      const proto = new SubprocessPipeProtocol(this, fd);
      this.pipes.set(fd, proto);
      if (fd === 0) new WritePipeTransport(loop, stream as Writable, proto);
      else new ReadPipeTransport(loop, stream as Readable, proto, heldOutput.get(stream as Readable) ?? null);
    }
    // connectionMade first, then whatever the pipes and the exit reported meanwhile, in order.
    loop.callSoon(() => this._protocol?.connectionMade(this));
    loop.callSoon(() => {
      const calls = this.pendingCalls!;
      this.pendingCalls = null;
      for (const call of calls) loop.callSoon(call);
    });
  }

  getPid(): number {
    return this.pid;
  }

  getReturncode(): number | null {
    return this.returncode;
  }

  getPipeTransport(fd: number): ReadPipeTransport | WritePipeTransport | null {
    return this.pipes.get(fd)?.pipe ?? null;
  }

  /**
   * Sends `signal` to the child (a no-op once it has exited and not been reaped yet, as CPython's `os.kill`).
   * @throws ProcessLookupError after the transport finished; ValueError for an unknown signal.
   */
  sendSignal(signal: NodeJS.Signals | number): void {
    const [, name] = _checkSignal(signal);
    const proc = this.checkProc();
    if (this.returncode === null) proc.kill(name);
  }

  terminate(): void {
    this.sendSignal("SIGTERM");
  }

  kill(): void {
    this.sendSignal("SIGKILL");
  }

  isClosing(): boolean {
    return this.closed;
  }

  /** Closes the pipes and kills the child if it still runs. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const proto of this.pipes.values()) proto?.pipe?.close();
    if (this._proc !== null && this.returncode === null) this._proc.kill("SIGKILL");
  }

  setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol as SubprocessProtocol;
  }

  getProtocol(): SubprocessProtocol {
    return this._protocol!;
  }

  /** @internal Waits for the exit (and the pipes to close) and returns the exit code (`_wait`). */
  *_wait(): Coroutine<number> {
    if (this.returncode !== null && this.exitWaiters === null) return this.returncode;
    const waiter = this._loop.createFuture<number>();
    _holdRealUntilDone(this._loop, waiter); // the child runs in real time: a virtual clock waits for its exit
    this.exitWaiters!.push(waiter);
    try {
      return yield* waiter;
    } finally {
      // A cancelled wait leaves nothing behind.
      const i = this.exitWaiters?.indexOf(waiter) ?? -1;
      if (i !== -1) this.exitWaiters!.splice(i, 1);
    }
  }

  private checkProc(): ChildProcess {
    if (this._proc === null) throw new ProcessLookupError(3, "No such process");
    return this._proc;
  }

  private call(fn: () => void): void {
    if (this.pendingCalls !== null) this.pendingCalls.push(fn);
    else this._loop.callSoon(fn);
  }

  /** @internal */
  _pipeDataReceived(fd: number, data: Buffer): void {
    this.call(() => this._protocol?.pipeDataReceived(fd, data));
  }

  /** @internal */
  _pipeConnectionLost(fd: number, exc: Error | null): void {
    this.call(() => this._protocol?.pipeConnectionLost(fd, exc));
    this.tryFinish();
  }

  private processExited(returncode: number): void {
    if (this.returncode !== null) return;
    this.returncode = returncode;
    this.call(() => this._protocol?.processExited());
    this.tryFinish();
  }

  private tryFinish(): void {
    if (this.finished || this.returncode === null) return;
    for (const p of this.pipes.values()) if (p === null || !p.disconnected) return;
    this.finished = true;
    this.call(() => this.callConnectionLost());
  }

  private callConnectionLost(): void {
    try {
      this._protocol?.connectionLost(null);
    } finally {
      const waiters = this.exitWaiters ?? [];
      this.exitWaiters = null;
      for (const w of waiters) if (!w.done()) w.setResult(this.returncode!);
      this._proc = null;
      this._protocol = null;
    }
  }

  override toString(): string {
    const state = this.returncode !== null ? `returncode=${this.returncode}` : "running";
    return `<SubprocessPipesTransport${this.closed ? " closed" : ""} pid=${this.pid} ${state}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

// -- spawning ----------------------------------------------------------------------------------------

/** The child's exit, seen from spawning on: the status if it came early, else where to report it. @internal */
interface ExitWatch {
  returncode: number | null;
  onExit: ((returncode: number) => void) | null;
}

let socketPairs = 0;

/** A connected pair of local sockets, [ours, the child's], for `stderr: STDOUT` with `stdout: PIPE`. */
function socketPair(): Promise<[Socket, Socket]> {
  const name = `asyncio-ts-${process.pid}-${++socketPairs}-${Math.random().toString(36).slice(2)}`;
  const path = process.platform === "win32" ? `\\\\.\\pipe\\${name}` : join(tmpdir(), `${name}.sock`);
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(path, () => {
      const theirs = connect(path);
      theirs.once("error", reject);
      server.once("connection", (ours) => {
        server.close();
        theirs.off("error", reject);
        resolve([ours, theirs]);
      });
    });
  });
}

function stdioOf(spec: StdioSpec, name: string): "pipe" | "ignore" | "inherit" | number {
  if (spec === PIPE) return "pipe";
  if (spec === DEVNULL) return "ignore";
  if (spec === null || spec === undefined) return "inherit";
  if (spec === STDOUT) throw new ValueError(`STDOUT can only be used for stderr, not for ${name}`);
  if (Number.isInteger(spec) && spec >= 0) return spec;
  throw new ValueError(`${name} must be PIPE, DEVNULL, INHERIT (null) or a file descriptor, got ${inspect(spec)}`);
}

/** Spawns the child and makes its transport once Node reports it started (or throws its error). */
function* makeSubprocessTransport(
  loop: EventLoop,
  protocol: SubprocessProtocol,
  file: string,
  args: readonly string[],
  options: SubprocessOptions,
  shownName: string,
): Coroutine<SubprocessPipesTransport> {
  const stdin = stdioOf(options.stdin === undefined ? PIPE : options.stdin, "stdin");
  const stdout = stdioOf(options.stdout === undefined ? PIPE : options.stdout, "stdout");
  const stderrSpec = options.stderr === undefined ? PIPE : options.stderr;
  let stderr: "pipe" | "ignore" | "inherit" | number | Socket;
  let stdoutIo: "pipe" | "ignore" | "inherit" | number | Socket = stdout;
  let merged: [Socket, Socket] | null = null;
  if (stderrSpec === STDOUT) {
    if (stdout === "pipe") {
      const fut = loop.createFuture<[Socket, Socket]>();
      socketPair().then(
        (pair) => loop._runFromNode(() => (fut.done() ? (pair[0].destroy(), pair[1].destroy()) : fut.setResult(pair))),
        (e: unknown) => loop._runFromNode(() => fut.done() || fut.setException(toOSError(e))),
      );
      merged = yield* fut;
      stdoutIo = merged[1];
      stderr = merged[1];
    } else {
      stderr = stdout === "inherit" ? 1 : stdout;
    }
  } else {
    stderr = stdioOf(stderrSpec, "stderr");
  }

  const stdio: StdioOptions = [stdin, stdoutIo, stderr];
  let proc: ChildProcess;
  try {
    proc = spawn(file, args, { stdio, cwd: options.cwd, env: options.env, detached: options.startNewSession === true });
  } catch (e) {
    merged?.[0].destroy();
    merged?.[1].destroy();
    throw toOSError(e, undefined, shownName);
  }
  // The child holds its end now; ours must not keep the pair open once the child is done.
  merged?.[1].destroy();
  // Until the pipe transports exist, hold what the child writes (see holdOutput).
  const heldOutput = new Map<Readable, HeldOutput>();
  for (const s of [merged?.[0] ?? proc.stdout, proc.stderr]) if (s) heldOutput.set(s, holdOutput(s));
  const started = loop.createFuture<void>();
  _holdRealUntilDone(loop, started);
  const onSpawn = (): void => loop._runFromNode(() => started.done() || started.setResult());
  const onError = (e: Error): void => loop._runFromNode(() => started.done() || started.setException(toOSError(e, undefined, shownName)));
  proc.once("spawn", onSpawn);
  proc.once("error", onError);
  // A quick child may exit before the transport exists: keep its status until then.
  const exit: ExitWatch = { returncode: null, onExit: null };
  proc.once("exit", (code, signal) => {
    const rc = code ?? -(signal === null ? 0 : _checkSignal(signal)[0]);
    if (exit.onExit !== null) exit.onExit(rc);
    else exit.returncode = rc;
  });
  try {
    yield* started;
  } catch (e) {
    for (const held of heldOutput.values()) held.release();
    merged?.[0].destroy();
    for (const s of [proc.stdin, proc.stdout, proc.stderr]) s?.destroy();
    throw e;
  } finally {
    proc.off("spawn", onSpawn);
    proc.off("error", onError);
  }
  // Later errors (a failed kill) are reported through the calls that make them.
  proc.on("error", () => {});
  const transport = new SubprocessPipesTransport(loop, protocol, proc, merged?.[0] ?? null, exit, heldOutput);
  // Resolves after connectionMade (scheduled first by the transport).
  const ready = loop.createFuture<void>();
  loop.callSoon(() => ready.done() || ready.setResult());
  try {
    yield* ready;
  } catch (e) {
    transport.close();
    throw e;
  }
  return transport;
}

/** Splits `[...args, options?]` as `subprocessExec` and `createSubprocessExec` take them. @internal */
export function _splitArgs<O extends object>(rest: ReadonlyArray<string | O>): [string[], O | undefined] {
  const last = rest.at(-1);
  if (typeof last === "object" && last !== null) return [rest.slice(0, -1) as string[], last as O];
  return [rest as string[], undefined];
}

/** The body of `loop.subprocessExec` (TSDoc in events.ts). @internal */
export function* _subprocessExec<P extends SubprocessProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  program: string,
  args: readonly string[],
  options: SubprocessOptions = {},
): Coroutine<[SubprocessPipesTransport, P]> {
  if (typeof program !== "string") throw new TypeError(`program must be a string, got ${inspect(program)}`);
  for (const a of args) if (typeof a !== "string") throw new TypeError(`each argument must be a string, got ${inspect(a)}`);
  const protocol = protocolFactory();
  const transport = yield* makeSubprocessTransport(loop, protocol, program, args, options, program);
  return [transport, protocol];
}

/** The body of `loop.subprocessShell` (TSDoc in events.ts). @internal */
export function* _subprocessShell<P extends SubprocessProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  cmd: string,
  options: SubprocessOptions = {},
): Coroutine<[SubprocessPipesTransport, P]> {
  if (typeof cmd !== "string") throw new ValueError("cmd must be a string");
  const protocol = protocolFactory();
  const [shell, flag] = process.platform === "win32" ? [process.env.ComSpec ?? "cmd.exe", "/d /s /c"] : ["/bin/sh", "-c"];
  const transport = yield* makeSubprocessTransport(loop, protocol, shell, [...flag.split(" "), cmd], options, shell);
  return [transport, protocol];
}

// -- the stream face ---------------------------------------------------------------------------------

/**
 * The protocol behind `Process` (CPython's `SubprocessStreamProtocol`): feeds the stdout and
 * stderr readers, gives stdin a `StreamWriter`, closes the transport once the child exited and
 * its output pipes are closed.
 */
class SubprocessStreamProtocol extends SubprocessProtocol {
  stdin: StreamWriter | null = null;
  stdout: StreamReader | null = null;
  stderr: StreamReader | null = null;
  /** Flow control and close waiting of stdin, which `StreamWriter` expects of its protocol. */
  private readonly stdinProtocol: StreamReaderProtocol;
  private transport: SubprocessPipesTransport | null = null;
  private exited = false;
  private readonly pipeFds: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly loop: EventLoop,
  ) {
    super();
    this.stdinProtocol = new StreamReaderProtocol(null, null, loop);
  }

  override connectionMade(transport: SubprocessTransport): void {
    const t = transport as SubprocessPipesTransport;
    this.transport = t;
    for (const fd of [1, 2]) {
      const pipe = t.getPipeTransport(fd);
      if (pipe === null) continue;
      const reader = new StreamReader({ limit: this.limit, loop: this.loop });
      reader.setTransport(pipe as ReadPipeTransport);
      if (fd === 1) this.stdout = reader;
      else this.stderr = reader;
      this.pipeFds.push(fd);
    }
    const stdinPipe = t.getPipeTransport(0);
    if (stdinPipe !== null) {
      // StreamWriter uses the write half of a Transport only (write, writelines, writeEof, close, isClosing, getExtraInfo).
      this.stdin = new StreamWriter(stdinPipe as unknown as Transport, this.stdinProtocol, null, this.loop);
    }
  }

  override pipeDataReceived(fd: number, data: Buffer): void {
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    reader?._feed(data);
  }

  override pipeConnectionLost(fd: number, exc: Error | null): void {
    if (fd === 0) {
      this.stdinProtocol.connectionLost(exc);
      return;
    }
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    if (reader !== null) {
      if (exc === null) reader.feedEof();
      else reader.setException(exc);
    }
    const i = this.pipeFds.indexOf(fd);
    if (i !== -1) this.pipeFds.splice(i, 1);
    this.maybeCloseTransport();
  }

  override processExited(): void {
    this.exited = true;
    this.maybeCloseTransport();
  }

  override pauseWriting(): void {
    this.stdinProtocol.pauseWriting();
  }

  override resumeWriting(): void {
    this.stdinProtocol.resumeWriting();
  }

  private maybeCloseTransport(): void {
    if (this.pipeFds.length === 0 && this.exited && this.transport !== null) {
      this.transport.close();
      this.transport = null;
    }
  }
}

/**
 * A child process started by `createSubprocessExec` or `createSubprocessShell`
 * (`asyncio.subprocess.Process`).
 *
 * @example
 * const proc = yield* createSubprocessExec("ls", "-l", { stdout: PIPE });
 * const [out] = yield* proc.communicate();
 * console.log(proc.returncode, out!.toString());
 */
export class Process {
  /** The child's process id. */
  readonly pid: number;
  /** The child's stdin when it is `PIPE`, else null. */
  readonly stdin: StreamWriter | null;
  /** The child's stdout when it is `PIPE`, else null. */
  readonly stdout: StreamReader | null;
  /** The child's stderr when it is `PIPE`, else null. */
  readonly stderr: StreamReader | null;
  /** @internal */ readonly _transport: SubprocessPipesTransport;

  /** @internal Use `createSubprocessExec` or `createSubprocessShell`. */
  constructor(transport: SubprocessPipesTransport, protocol: SubprocessStreamProtocol) {
    this._transport = transport;
    this.stdin = protocol.stdin;
    this.stdout = protocol.stdout;
    this.stderr = protocol.stderr;
    this.pid = transport.getPid();
  }

  /** The exit code; negative `-N` when killed by signal N; null while the child runs. */
  get returncode(): number | null {
    return this._transport.getReturncode();
  }

  /**
   * Waits until the child exits (and its pipes are closed) and returns `returncode`.
   * Cancelling the wait does not kill the child. With `stdout: PIPE`, read the output meanwhile
   * (or use `communicate()`): a child blocked on a full pipe never exits.
   */
  *wait(): Coroutine<number> {
    return yield* this._transport._wait();
  }

  /**
   * Writes `input` to stdin (then closes it), reads stdout and stderr to EOF, and waits for the
   * exit, all at once. A child that stops reading its stdin early is not an error.
   * @param input bytes or a string (UTF-8) for stdin; needs `stdin: PIPE`.
   * @returns `[stdout, stderr]`, each null unless it is `PIPE`.
   * @throws ValueError for `input` without `stdin: PIPE`.
   */
  *communicate(input?: Uint8Array | string | null): Coroutine<[Buffer | null, Buffer | null]> {
    if (input !== undefined && input !== null && this.stdin === null) {
      throw new ValueError("communicate(input) needs stdin=PIPE");
    }
    const [, out, err] = (yield* gather(
      this.stdin !== null ? this.feedStdin(input ?? null) : noop(),
      this.stdout !== null ? this.readStream(1) : noop(),
      this.stderr !== null ? this.readStream(2) : noop(),
    )) as [unknown, Buffer | null, Buffer | null];
    yield* this.wait();
    return [out, err];
  }

  /**
   * Sends `signal` to the child (a name such as "SIGUSR1", or a number).
   * @throws ProcessLookupError once the process was waited for; ValueError for an unknown signal.
   */
  sendSignal(signal: NodeJS.Signals | number): void {
    this._transport.sendSignal(signal);
  }

  /** Sends SIGTERM. */
  terminate(): void {
    this._transport.terminate();
  }

  /** Sends SIGKILL. */
  kill(): void {
    this._transport.kill();
  }

  private *feedStdin(input: Uint8Array | string | null): Coroutine<void> {
    const stdin = this.stdin!;
    try {
      if (input !== null) stdin.write(input);
      yield* stdin.drain();
    } catch (e) {
      // communicate() ignores a child that closed its stdin early, as CPython does.
      if (!(e instanceof BrokenPipeError || e instanceof ConnectionResetError)) throw e;
    }
    stdin.close();
  }

  private *readStream(fd: 1 | 2): Coroutine<Buffer> {
    const stream = fd === 1 ? this.stdout! : this.stderr!;
    const output = yield* stream.read();
    this._transport.getPipeTransport(fd)?.close();
    return output;
  }

  toString(): string {
    return `<Process ${this.pid}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function* noop(): Coroutine<null> {
  return null;
}

/**
 * Runs `program` with `args` as a child process (`asyncio.create_subprocess_exec`). Each of
 * stdin, stdout and stderr is inherited unless set to `PIPE`, `DEVNULL` or (stderr) `STDOUT`.
 * The last argument may be the options object.
 * @throws FileNotFoundError "[Errno 2] No such file or directory: 'prog'" when `program` does not
 * exist; PermissionError when it is not executable; other `OSError`s from spawning.
 * @example
 * const proc = yield* createSubprocessExec("node", "-e", "console.log(6 * 7)", { stdout: PIPE });
 * const [out] = yield* proc.communicate(); // Buffer "42\n"
 */
export function createSubprocessExec(program: string, ...rest: Array<string | CreateSubprocessOptions>): Coroutine<Process> {
  const [args, options = {}] = _splitArgs(rest);
  return createProcess(options, (loop, factory, opts) => _subprocessExec(loop, factory, program, args, opts));
}

/**
 * Runs `cmd` through the shell, `/bin/sh -c cmd` (`asyncio.create_subprocess_shell`). Quote
 * what you interpolate into `cmd`. Options as `createSubprocessExec`.
 * @example
 * const proc = yield* createSubprocessShell("ls | wc -l", { stdout: PIPE });
 */
export function createSubprocessShell(cmd: string, options: CreateSubprocessOptions = {}): Coroutine<Process> {
  return createProcess(options, (loop, factory, opts) => _subprocessShell(loop, factory, cmd, opts));
}

function* createProcess(
  options: CreateSubprocessOptions,
  start: (loop: EventLoop, factory: () => SubprocessStreamProtocol, opts: SubprocessOptions) => Coroutine<[SubprocessPipesTransport, SubprocessStreamProtocol]>,
): Coroutine<Process> {
  const loop = getRunningLoop();
  const { limit = DEFAULT_LIMIT, stdin = INHERIT, stdout = INHERIT, stderr = INHERIT, ...rest } = options;
  const [transport, protocol] = yield* start(loop, () => new SubprocessStreamProtocol(limit, loop), { ...rest, stdin, stdout, stderr });
  return new Process(transport, protocol);
}

// Debug mode reports a coroutine of these that was never awaited (debug/unawaited.ts).
_watchCoroutines(Process);
