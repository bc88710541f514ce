/**
 * `ProcessPoolExecutor` (CPython: `concurrent/futures/process.py`): a pool of child processes.
 *
 * Everything but starting and talking to a process is in pool.ts. A child process is the heavy
 * kind of worker (a whole Node.js, started in about a tenth of a second), for jobs that must not
 * share the parent's heap or may take it down. Messages travel over Node's IPC channel with the
 * "advanced" (structured clone) serialization; a dying child writes its last words to a pipe on
 * file descriptor 4 (see bootstrap.js).
 */

import { spawn, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { deserialize } from "node:v8";
import { Pool, WorkerSlot, type PoolOptions } from "./pool.ts";
import { bootstrapUrl, childExecArgv, tsxApiUrl, type WorkerEnv } from "./worker.ts";

const CRASH_FD = 4;

class ProcessSlot extends WorkerSlot {
  private readonly child: ChildProcess;

  constructor(pool: Pool, env: WorkerEnv) {
    super();
    const child = spawn(process.execPath, [...childExecArgv(), fileURLToPath(bootstrapUrl), JSON.stringify(env)], {
      stdio: ["ignore", "inherit", "inherit", "ipc", "pipe"],
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
   * @throws ValueError when `maxWorkers` is not a positive integer.
   */
  constructor(options?: PoolOptions) {
    super(options, availableParallelism());
  }

  protected startWorker(): WorkerSlot {
    return new ProcessSlot(this, { thread: false, tsxApi: tsxApiUrl(), crashFd: CRASH_FD });
  }
}
