/**
 * `npx asyncio-ts ps PID` and `pstree PID` against a real child process (test/fixtures/debug/
 * ps_target.ts): the inspector opened with SIGUSR1 and found by itself, the table and the tree of
 * CPython 3.14's commands, with and without debug mode, and while the child's loop is blocked.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { remoteSnapshot } from "../src/debug/remote.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = path.join(ROOT, "src", "cli.ts");
const TARGET = path.join(ROOT, "test", "fixtures", "debug", "ps_target.ts");

interface Target {
  child: ChildProcess;
  stdout: string[];
  stderr: string;
  /** Resolves once the child printed `line`. */
  printed(line: string): Promise<void>;
}

/** Starts the child; it prints "ready" once its tasks wait. `--inspect-port=0`: SIGUSR1 opens the inspector on a free port. */
async function startTarget(...args: string[]): Promise<Target> {
  const child = spawn(process.execPath, ["--inspect-port=0", "--import", "tsx", TARGET, ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  const target: Target = {
    child,
    stdout: [],
    stderr: "",
    printed: (line) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (target.stdout.includes(line)) resolve();
          else if (child.exitCode !== null) reject(new Error(`the target exited before printing ${line}: ${target.stderr}`));
          else setTimeout(check, 20);
        };
        check();
      }),
  };
  let partial = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    const lines = (partial + d).split("\n");
    partial = lines.pop()!;
    target.stdout.push(...lines);
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (target.stderr += d));
  await target.printed("ready");
  return target;
}

async function stopTarget(target: Target): Promise<void> {
  target.child.stdin!.end("quit\n");
  const [code] = (await once(target.child, "exit")) as [number | null];
  assert.equal(code, 0, target.stderr);
}

/** Runs the command line with `args`; its exit code and what it printed. */
async function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

/** The line of `file` (relative to the root) where `text` first appears, 1-based. */
function lineOf(file: string, text: string): number {
  const lines = readFileSync(path.join(ROOT, file), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${text} is not in ${file}`);
  return i + 1;
}

/** The fixture's path in the output, made short. */
const short = (text: string): string => text.split(TARGET).join("ps_target.ts").split(path.join(ROOT, "src")).join("src");

const HEADER = [
  "tid        task id              task name            coroutine stack                                    awaiter chain                                      awaiter name    awaiter id     ",
  "-".repeat(180),
];

test("ps PID: the table of the child's tasks (without debug mode, each task's own coroutine)", async () => {
  const target = await startTarget();
  try {
    const r = await cli("ps", String(target.child.pid));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split("\n"), [
      ...HEADER,
      "0          0x1                  Task-1               main                                                                                                                  0x0            ",
      "0          0x2                  timer                tick                                               main                                               Task-1          0x1            ",
      "0          0x2                  timer                tick                                               worker                                             worker-1        0x3            ",
      "0          0x2                  timer                tick                                               worker                                             worker-2        0x4            ",
      "0          0x3                  worker-1             worker                                             main                                               Task-1          0x1            ",
      "0          0x4                  worker-2             worker                                             main                                               Task-1          0x1            ",
      "0          0x5                  blocker              blocker                                            main                                               Task-1          0x1            ",
      "",
    ]);
    // The inspector was opened by SIGUSR1 for this, and closed afterwards.
    assert.match(target.stderr, /^Debugger listening on ws:\/\/127\.0\.0\.1:\d+\//);
  } finally {
    await stopTarget(target);
  }
  assert.match(target.stderr, /Debugger ending on ws:\/\/127\.0\.0\.1:\d+\//);
});

test("pstree PID in debug mode: every coroutine each task awaits through, down to the tasks it awaits", async () => {
  const target = await startTarget("debug");
  try {
    const r = await cli("pstree", String(target.child.pid));
    assert.equal(r.code, 0, r.stderr);
    const t = (text: string): number => lineOf("test/fixtures/debug/ps_target.ts", text);
    const main = `main ps_target.ts:${t("yield* taskGroup(")}`;
    const group = `taskGroup src/primitives/taskgroups.ts:${lineOf("src/primitives/taskgroups.ts", "result = yield* body(tg)")}`;
    const body = `<anonymous> ps_target.ts:${t("yield* quit.wait()")}`;
    // Event.wait's `yield* fut`, two lines below the first line that pushes a waiter after `if (this._value) return true;`.
    const eventWait = `Event.wait src/primitives/locks.ts:${lineOf("src/primitives/locks.ts", "if (this._value) return true;") + 4}`;
    const tick = `tick ps_target.ts:${t("yield* sleep(3600)")}`;
    const worker = `worker ps_target.ts:${t("yield* waitFor(timer)")}`;
    const waitFor = `waitFor ps_target.ts:${t("yield* timer;")}`;
    assert.deepEqual(short(r.stdout).split("\n"), [
      "└── (T) Task-1",
      `    └──  ${main}`,
      `        └──  ${group}`,
      `            └──  ${body}`,
      `                └──  ${eventWait}`,
      "                    ├── (T) timer",
      `                    │   └──  ${tick}`,
      "                    ├── (T) worker-1",
      `                    │   └──  ${worker}`,
      `                    │       └──  ${waitFor}`,
      "                    │           └── (T) timer",
      `                    │               └──  ${tick}`,
      "                    ├── (T) worker-2",
      `                    │   └──  ${worker}`,
      `                    │       └──  ${waitFor}`,
      "                    │           └── (T) timer",
      `                    │               └──  ${tick}`,
      "                    └── (T) blocker",
      `                        └──  blocker ps_target.ts:${t("yield* block.wait()")}`,
      `                            └──  ${eventWait}`,
      "",
    ]);
  } finally {
    await stopTarget(target);
  }
});

test("snapshots one right after another, as ps then pstree: none meets the inspector the one before it is closing", async () => {
  const target = await startTarget();
  try {
    // The first opens the inspector and has it closed 100 ms after; the others, 0 to 105 ms apart,
    // find it open, some of them as it closes.
    for (let i = 0; i < 8; i++) {
      const snapshot = await remoteSnapshot(target.child.pid!);
      assert.ok(snapshot.includes("worker-1"), snapshot);
      await new Promise((resolve) => setTimeout(resolve, i * 15));
    }
  } finally {
    await stopTarget(target);
  }
  assert.match(target.stderr, /Debugger ending on ws:\/\/127\.0\.0\.1:\d+\//);
});

test("ps PID works while the child's loop is blocked (opening its inspector then too), and shows where it is stuck", async () => {
  const target = await startTarget("--spin=15000");
  try {
    target.child.stdin!.write("block\n"); // the blocker spins for 15 s
    await new Promise((resolve) => setTimeout(resolve, 300));
    const r = await cli("ps", String(target.child.pid));
    assert.equal(r.code, 0, r.stderr);
    // Only a snapshot taken inside the blocking step shows the blocker running, in spinFor.
    const blocker = r.stdout.split("\n").find((l) => l.includes(" blocker "));
    assert.equal(
      blocker,
      "0          0x5                  blocker              spinFor -> blocker                                 main                                               Task-1          0x1            ",
    );
    assert.equal(r.stderr, "(the loop is blocked: task 'blocker' is running)\n");
    assert.deepEqual(target.stdout, ["ready"], "the loop is still blocked");
  } finally {
    target.child.kill();
    await once(target.child, "exit");
  }
});

test("pstree PID of tasks awaiting each other in a circle: the cycle, exit code 1 (ps still lists them)", async () => {
  const target = await startTarget("cycle");
  try {
    const tree = await cli("pstree", String(target.child.pid));
    assert.deepEqual([tree.code, tree.stdout, tree.stderr], [1, "", "ERROR: await-graph contains cycles - cannot print a tree!\n\ncycle: b → a → b\n"]);
    const table = await cli("ps", String(target.child.pid));
    assert.equal(table.code, 0, table.stderr);
    const rows = table.stdout.split("\n").filter((l) => /^0 +0x\w+ +[ab] /.test(l));
    assert.deepEqual(rows, [
      "0          0x2                  a                    awaitLater                                         awaitLater                                         b               0x3            ",
      "0          0x3                  b                    awaitLater                                         awaitLater                                         a               0x2            ",
    ]);
  } finally {
    target.child.kill(); // its two tasks can never end
    await once(target.child, "exit");
  }
});

test("ps PID of a process blocked in native code (execSync) fails within seconds, saying why", async () => {
  const code = 'require("node:child_process").execSync("sleep 10"); console.log("returned")';
  const blocked = spawn(process.execPath, ["--inspect-port=0", "-e", `console.log("ready"); ${code}`], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    await once(blocked.stdout!, "data");
    const started = performance.now();
    const r = await cli("ps", String(blocked.pid));
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^Error retrieving tasks: process ${blocked.pid} opened no inspector after SIGUSR1: is it a Node process, its main thread not blocked in native code`));
    assert.ok(performance.now() - started < 9000, "it gave up before the block ended");
  } finally {
    blocked.kill();
  }
});

test("pstree PID of a process that does not use asyncio-ts, or of no process: an error, exit code 1", async () => {
  const plain = spawn(process.execPath, ["--inspect-port=0", "-e", "setInterval(() => {}, 1000); console.log('ready')"], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    await once(plain.stdout!, "data");
    const r = await cli("pstree", String(plain.pid));
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, "", `Error retrieving tasks: process ${plain.pid} does not use asyncio-ts (no asyncio-ts loaded in its main thread)\n`]);
  } finally {
    plain.kill();
  }
  const none = await cli("ps", "2147483647");
  assert.deepEqual([none.code, none.stderr], [1, "Error retrieving tasks: no process with pid 2147483647\n"]);
});

test("the command line refuses what it does not know, with its usage, exit code 2", async () => {
  for (const args of [[], ["top", "1"], ["ps"], ["ps", "x"], ["ps", "1", "--verbose"]]) {
    const r = await cli(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /usage: asyncio-ts \{ps,pstree\} PID|PID must be a process id/);
  }
  const help = await cli("--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: asyncio-ts \{ps,pstree\} PID \[--port PORT\] \[--host HOST\]\n/);
});
