/**
 * What the asyncio-ts/bullmq tests share: a real redis-server of their own (Debian's, on a free
 * loopback port, data in a temporary folder, stopped and restarted at will) and real worker
 * processes (the `asyncio-ts-worker` command, src/bullmq/cli.ts under tsx). Without redis-server
 * the tests fail, saying how to install it: they never skip.
 */

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
export const cli = join(root, "src", "bullmq", "cli.ts");
export const jobsUrl = new URL("../fixtures/bullmq/jobs.ts", import.meta.url);

/** Every process these helpers started, ended if the test process exits without stopping them (a timeout, a crash). */
const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});
function adopt(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** A free TCP port on 127.0.0.1 (bound, then released for redis-server to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own. */
export class RedisServer {
  private child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), "asyncio-ts-redis-"));

  private constructor(readonly port: number) {}

  /** The server process's pid. */
  get pid(): number {
    return this.child?.pid ?? -1;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server on a free port; rejects, saying how to install it, when it is missing. */
  static async start(): Promise<RedisServer> {
    if (spawnSync("redis-server", ["--version"]).error !== undefined) {
      throw new Error("redis-server is not installed: the asyncio-ts/bullmq tests need Debian's (apt-get install redis-server; .ci/run installs it)");
    }
    for (let attempt = 0; ; attempt++) {
      const server = new RedisServer(await freePort());
      try {
        await server.launch();
        return server;
      } catch (e) {
        server.remove();
        if (attempt >= 3) throw e;
      }
    }
  }

  /** Starts the server process (again, after `stop`), with its data in `dir` (append-only file). */
  async launch(): Promise<void> {
    const child = adopt(spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--loglevel", "warning"],
      { stdio: ["ignore", "pipe", "pipe"] },
    ));
    this.child = child;
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    // Ready once it answers PING.
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server exited at start (${child.exitCode ?? child.signalCode}):\n${output}`);
      const ping = spawnSync("redis-cli", ["-p", String(this.port), "ping"], { encoding: "utf8" });
      if (ping.stdout?.trim() === "PONG") return;
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${this.port}:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops the server (SIGTERM: it writes its data and exits); `launch()` brings it back. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await gone;
  }

  /** Runs a redis-cli command, returns its output. */
  cli(...args: string[]): string {
    const r = spawnSync("redis-cli", ["-p", String(this.port), ...args], { encoding: "utf8" });
    return r.stdout.trim();
  }

  /** Stops it and removes its data. */
  async close(): Promise<void> {
    await this.stop();
    this.remove();
  }

  private remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A worker process: the asyncio-ts-worker command. */
export class WorkerProcess {
  output = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on("data", (d) => (this.output += d));
    child.stderr!.on("data", (d) => (this.output += d));
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts `asyncio-ts-worker --redis url --queue queue ...flags` and waits for its "serving" line. */
  static async start(url: string, queue: string, ...flags: string[]): Promise<WorkerProcess> {
    const child = adopt(spawn(process.execPath, ["--import", "tsx", cli, "--redis", url, "--queue", queue, ...flags], { stdio: ["ignore", "pipe", "pipe"], cwd: root }));
    const worker = new WorkerProcess(child);
    await worker.waitFor(/serving queue/, 20_000);
    return worker;
  }

  /** Waits until the output matches `pattern`. */
  async waitFor(pattern: RegExp, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pattern.test(this.output)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`the worker exited (${this.child.exitCode ?? this.child.signalCode}) before printing ${pattern}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`the worker did not print ${pattern} within ${ms} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops it with `signal` and waits for it to exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** Resolves once `check()` is true, polling; rejects after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A queue name of its own for each test, so tests sharing a server never see each other's jobs. */
let queues = 0;
export function queueName(): string {
  return `t${process.pid}-${++queues}`;
}
