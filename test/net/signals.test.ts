import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RuntimeError, ValueError, getRunningLoop, newEventLoop, run, sleep } from "asyncio-ts";
import { runTs } from "../helpers.ts";

const fixture = fileURLToPath(new URL("../fixtures/subprocess/signal-child.ts", import.meta.url));

/** Runs the fixture, calling `onLine` for each line it prints; resolves with all lines and the exit code. */
function runChild(mode: string, onLine: (line: string, kill: (sig: NodeJS.Signals) => void) => void): Promise<{ lines: string[]; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(...runTs(fixture, mode), { stdio: ["ignore", "pipe", "inherit"] });
    const lines: string[] = [];
    let pending = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`child did not exit; it printed ${JSON.stringify(lines)}`));
    }, 15000);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      pending += chunk;
      let i;
      while ((i = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 1);
        lines.push(line);
        onLine(line, (sig) => child.kill(sig));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ lines, code });
    });
  });
}

test("signals run their handler as a loop callback; removing the handlers lets the process exit", async () => {
  const { lines, code } = await runChild("wait", (line, kill) => {
    if (line === "ready") kill("SIGUSR1");
    else if (line === "usr1 tag #1") kill("SIGUSR1");
    else if (line === "usr1 tag #2") kill("SIGTERM");
  });
  assert.deepEqual(lines, ["ready", "usr1 tag #1", "usr1 tag #2", "terminated", "removed true true false", "exited run"]);
  assert.equal(code, 0);
});

test("closing the loop removes handlers left installed, so the process exits", async () => {
  const { lines, code } = await runChild("leave", () => {});
  assert.deepEqual(lines, ["ready", "exited run"]);
  assert.equal(code, 0);
});

test("the handler runs later, as a callback of the loop, with its arguments", async () => {
  const order: string[] = [];
  await run(function* () {
    const loop = getRunningLoop();
    const got = loop.createFuture<void>();
    loop.addSignalHandler(
      "SIGUSR2",
      (a: number, b: string) => {
        order.push(`handler ${a} ${b} running=${getRunningLoop() === loop}`);
        got.setResult();
      },
      1,
      "two",
    );
    process.kill(process.pid, "SIGUSR2");
    order.push("sent");
    yield* got;
    assert.equal(loop.removeSignalHandler("SIGUSR2"), true);
    assert.equal(loop.removeSignalHandler("SIGUSR2"), false);
  });
  assert.deepEqual(order, ["sent", "handler 1 two running=true"]);
  assert.equal(process.listenerCount("SIGUSR2"), 0);
});

test("a second handler for the same signal replaces the first", async () => {
  const seen: string[] = [];
  await run(function* () {
    const loop = getRunningLoop();
    const got = loop.createFuture<void>();
    loop.addSignalHandler("SIGUSR2", () => seen.push("first"));
    loop.addSignalHandler(12, () => (seen.push("second"), got.setResult()));
    assert.equal(process.listenerCount("SIGUSR2"), 1);
    process.kill(process.pid, "SIGUSR2");
    yield* got;
    yield* sleep(0.01);
    loop.removeSignalHandler("SIGUSR2");
  });
  assert.deepEqual(seen, ["second"]);
});

test("SIGKILL and SIGSTOP cannot be caught: RuntimeError, as CPython", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    assert.throws(() => loop.addSignalHandler("SIGKILL", () => {}), { name: "RuntimeError", message: "sig SIGKILL cannot be caught" });
    assert.throws(() => loop.addSignalHandler(19, () => {}), { name: "RuntimeError", message: "sig 19 cannot be caught" });
    assert.equal(loop.removeSignalHandler("SIGKILL"), false);
    yield* sleep(0);
  });
});

test("invalid signals and callbacks are rejected with clear errors", () => {
  const loop = newEventLoop();
  assert.throws(() => loop.addSignalHandler("SIGFOO" as NodeJS.Signals, () => {}), {
    name: "ValueError",
    message: 'invalid signal name "SIGFOO" (use a name such as "SIGTERM" or a number)',
  });
  assert.throws(() => loop.addSignalHandler(999, () => {}), { name: "ValueError", message: "invalid signal number 999" });
  assert.throws(() => loop.removeSignalHandler(1.5), ValueError);
  assert.throws(() => loop.removeSignalHandler({} as unknown as number), {
    name: "TypeError",
    message: 'sig must be a signal name such as "SIGTERM" or a signal number, not {}',
  });
  assert.throws(() => loop.addSignalHandler("SIGUSR2", function* () {} as unknown as () => void), {
    name: "TypeError",
    message: "coroutines cannot be used with addSignalHandler() (pass a plain function; it may call createTask())",
  });
  assert.throws(() => loop.addSignalHandler("SIGUSR2", 42 as unknown as () => void), {
    name: "TypeError",
    message: "a callable object was expected by addSignalHandler(), got 42",
  });
  loop.close();
  assert.throws(() => loop.addSignalHandler("SIGUSR2", () => {}), RuntimeError);
  assert.equal(process.listenerCount("SIGUSR2"), 0);
});
