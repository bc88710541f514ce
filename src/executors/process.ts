/**
 * `ProcessPoolExecutor` (CPython: `concurrent/futures/process.py`): a pool of child processes.
 *
 * Everything but starting and talking to a process is in pool.ts. A child process is the heavy
 * kind of worker (a whole Node.js, started in about a tenth of a second), for jobs that must not
 * share the parent's heap or may take it down. Messages travel over Node's IPC channel with the
 * "advanced" (structured clone) serialization; a dying child writes its last words to a pipe on
 * file descriptor 4 (see bootstrap.js). File descriptor 5 is the control channel: a socket to a
 * small thread in the child that holds the job claim cells with the child's main thread and
 * applies the parent's revocations and aborts even while a job blocks that main thread (pool.ts).
 */

import { spawn, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { deserialize, serialize } from "node:v8";
import type { Socket } from "node:net";
import { POOL_OPTION_KEYS, Pool, WorkerSlot, type Job, type PoolOptions } from "./pool.ts";
import { ABORT_JOB, CTL_ABORT, CTL_REVOKE, CTL_REVOKED, bootstrapUrl, childExecArgv, tsxApiUrl, type WorkerEnv } from "./worker.ts";

const CRASH_FD = 4;
const CONTROL_FD = 5;

/**
 * Deno's `child.send()` clones the message in an asynchronous operation: a message that cannot be
 * cloned does not throw, and the failure then ends the parent with an uncatchable internal error
 * ("Missing promise"). So on Deno a batch is cloned once here first, to throw as Node's `send()`
 * does (the pool then fails the job whose argument cannot be sent, `postFailed`); it costs one
 * more serialization per batch, on Deno only.
 */
const sendClonesLate = "Deno" in globalThis;

class ProcessSlot extends WorkerSlot {
  private readonly child: ChildProcess;
  private readonly control: Socket | null;
  /** The revocations asked and not answered, in order. */
  private readonly revocations: ((revoked: readonly number[]) => void)[] = [];
  /** The cells of the answer being read. */
  private answer: number[] = [];
  private controlBuffer: Buffer = Buffer.alloc(0);

  constructor(pool: Pool, env: WorkerEnv) {
    super(pool);
    const child = spawn(process.execPath, [...childExecArgv(), fileURLToPath(bootstrapUrl), JSON.stringify(env)], {
      stdio: ["ignore", "inherit", "inherit", "ipc", "pipe", "pipe"],
      serialization: "advanced",
      windowsHide: true,
    });
    this.child = child;
    const lastWords: Buffer[] = [];
    // The child is gone once it has exited and its crash pipe is drained (Node's own "close" event
    // does not fire for a child with an IPC channel and an extra pipe).
    let pending = 2;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    const gone = (): void => {
      if (--pending !== 0) return;
      if (lastWords.length > 0) {
        try {
          pool._onMessage(this, deserialize(Buffer.concat(lastWords)) as unknown[]);
        } catch {
          // Torn last words: the pool fails every job this process had.
        }
      }
      pool._onExit(this, exitCode, exitSignal);
    };
    const crashPipe = child.stdio[CRASH_FD] as (Readable & { unref?: () => void }) | null | undefined;
    if (crashPipe) {
      crashPipe.on("data", (chunk: Buffer) => lastWords.push(chunk));
      crashPipe.on("close", gone);
      crashPipe.unref?.();
    } else {
      pending = 1;
    }
    this.control = ((child.stdio as unknown[])[CONTROL_FD] as Socket | null | undefined) ?? null;
    if (this.control !== null) {
      this.control.on("data", (chunk: Buffer) => this.onControl(chunk));
      // A child gone before answering: its revocations are answered empty (the jobs die with it).
      this.control.on("close", () => this.answerAll());
      this.control.on("error", () => {});
      this.control.unref();
    }
    child.on("message", (msg: unknown[]) => pool._onMessage(this, msg));
    child.on("error", (e) => {
      this.error = e;
      // It never started: there is no exit and no pipe to wait for.
      if (child.pid === undefined && pending > 0) {
        pending = 1;
        gone();
      }
    });
    child.on("exit", (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      // The crash pipe may close after the exit; unref'd, it would let Node exit first, and a
      // `shutdown()` waiting for this worker would never settle.
      (crashPipe as { ref?: () => void } | null | undefined)?.ref?.();
      gone();
    });
  }

  post(msg: unknown[]): void {
    if (sendClonesLate) serialize(msg);
    this.child.send(msg);
  }

  ref(): void {
    this.refd = true;
    this.child.ref();
    this.child.channel?.ref?.(); // Bun's channel has no ref()/unref(); its child's ref() covers it
  }

  unref(): void {
    this.refd = false;
    this.child.unref();
    this.child.channel?.unref?.();
  }

  stop(): void {
    // Hold the parent until the child is gone, so `await shutdown()` sees it exit. The child
    // exits when its IPC channel closes.
    this.ref();
    if (this.child.connected) this.child.disconnect();
    else this.child.kill();
  }

  kill(): void {
    this.ref();
    this.child.kill("SIGKILL");
  }

  protected sendRevoke(jobs: readonly Job<unknown>[], done: (revoked: readonly number[]) => void): void {
    if (this.control === null || this.control.destroyed || jobs.length === 0) {
      done([]);
      return;
    }
    const frame = Buffer.alloc(8 + 8 * jobs.length);
    frame.writeInt32LE(CTL_REVOKE, 0);
    frame.writeInt32LE(jobs.length, 4);
    jobs.forEach((job, i) => {
      frame.writeInt32LE(job._cell, 8 + 8 * i);
      frame.writeInt32LE(job._id, 12 + 8 * i);
    });
    this.revocations.push(done);
    this.control.write(frame);
  }

  abort(job: Job<unknown>, why: number): void {
    if (this.control !== null && !this.control.destroyed) {
      const frame = Buffer.alloc(16);
      frame.writeInt32LE(CTL_ABORT, 0);
      frame.writeInt32LE(why, 4);
      frame.writeInt32LE(job._cell, 8);
      frame.writeInt32LE(job._id, 12);
      this.control.write(frame);
    }
    try {
      if (this.child.connected) this.child.send([ABORT_JOB, job._id, why]);
    } catch {
      // The child is going: its exit settles the job.
    }
  }

  /** Reads the control thread's answers: `[CTL_REVOKED, n, cell...]`, each revocation ending with -1. */
  private onControl(chunk: Buffer): void {
    let buf = this.controlBuffer.length === 0 ? chunk : Buffer.concat([this.controlBuffer, chunk]);
    let at = 0;
    while (buf.length - at >= 8) {
      const n = buf.readInt32LE(at + 4);
      if (buf.readInt32LE(at) !== CTL_REVOKED || buf.length - at < 8 + 4 * n) break;
      for (let i = 0; i < n; i++) {
        const cell = buf.readInt32LE(at + 8 + 4 * i);
        if (cell >= 0) {
          this.answer.push(cell);
          continue;
        }
        const answer = this.answer;
        this.answer = [];
        this.revocations.shift()?.(answer);
      }
      at += 8 + 4 * n;
    }
    buf = buf.subarray(at);
    this.controlBuffer = buf;
  }

  private answerAll(): void {
    while (this.revocations.length > 0) this.revocations.shift()!([]);
  }
}

/**
 * A pool of child processes for CPU-bound jobs that must be isolated
 * (`concurrent.futures.ProcessPoolExecutor`). Processes start on demand, up to `maxWorkers`;
 * an idle pool does not keep the parent alive.
 *
 * @example
 * const pool = new ProcessPoolExecutor({ maxWorkers: 2 });
 * const fib = workerFunction<typeof import("./jobs.ts").fib>(new URL("./jobs.ts", import.meta.url), "fib");
 * console.log(await pool.map(fib, [25, 30, 35]));
 * await pool.shutdown();
 */
export class ProcessPoolExecutor extends Pool {
  protected readonly workerNoun = "process";

  /**
   * @param options.maxWorkers How many processes at most. @default the number of CPUs, as Python
   * @param options.cancelGrace Seconds a stopped job has before its process is killed. @default 1
   * @param options.jobTimeout Seconds each job may run, from its start. @default null (no limit)
   * @throws ValueError when `maxWorkers` is not a positive integer or a duration is not a number
   *   of seconds; TypeError for an unknown option.
   */
  constructor(options?: PoolOptions) {
    super(options, availableParallelism(), "ProcessPoolExecutor()", POOL_OPTION_KEYS);
  }

  protected startWorker(): WorkerSlot {
    return new ProcessSlot(this, { thread: false, tsxApi: tsxApiUrl(), crashFd: CRASH_FD, controlFd: CONTROL_FD, cells: null });
  }
}
