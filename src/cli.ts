#!/usr/bin/env node
/**
 * `npx asyncio-ts ps PID` and `npx asyncio-ts pstree PID` (CPython 3.14: `python -m asyncio ps
 * PID`, `pstree PID`): the tasks of a running Node process that uses asyncio-ts, as a table or as
 * a tree of who awaits whom, read through the process's inspector (debug/remote.ts), which
 * SIGUSR1 opens on a running process.
 */

import { RemoteError, remoteSnapshot } from "./debug/remote.ts";
import { CycleFoundError, buildAsyncTree, formatTaskTable, type Snapshot } from "./debug/tools.ts";

const USAGE = `usage: asyncio-ts {ps,pstree} PID [--port PORT] [--host HOST]

Show the tasks of a running Node.js process that uses asyncio-ts (as Python 3.14's
\`python -m asyncio ps|pstree PID\` does):
  ps PID       a table of every pending task: its coroutine stack, and which task awaits it
  pstree PID   a tree of the tasks, from those nobody awaits down to those they await

The process's inspector is opened with SIGUSR1 if it is not open yet (Node then prints
"Debugger listening on ..." on its stderr), and closed again afterwards.
  --port PORT  where its inspector listens: for a process started with --inspect-port=PORT
               (on Linux it is found by itself; elsewhere the default is 9229)
  --host HOST  the inspector's host (default 127.0.0.1)

A suspended task's stack is every coroutine it awaits through when the process runs in debug
mode (ASYNCIO_DEBUG=1, or run(main, { debug: true })); otherwise only its own coroutine, at the
line where it waits. A loop blocked in JavaScript still answers, and the task blocking it shows
the frames where it runs.`;

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes("-h") || argv.includes("--help")) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const positional: string[] = [];
  const options: { port?: number; host?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (flag === "--port" || flag === "--host") {
      const value = inline ?? argv[++i];
      if (value === undefined) fail(`asyncio-ts: ${flag} needs a value\n${USAGE}`, 2);
      if (flag === "--port") {
        const port = Number(value);
        if (!Number.isInteger(port) || port <= 0 || port > 65535) fail(`asyncio-ts: --port must be a TCP port, got ${value}`, 2);
        options.port = port;
      } else options.host = value;
    } else if (flag.startsWith("-")) fail(`asyncio-ts: unknown option ${flag}\n${USAGE}`, 2);
    else positional.push(arg);
  }
  const [command, pidText, ...rest] = positional;
  if (command === undefined || (command !== "ps" && command !== "pstree") || pidText === undefined || rest.length > 0) fail(USAGE, 2);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) fail(`asyncio-ts: PID must be a process id, got ${pidText}`, 2);

  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(await remoteSnapshot(pid, options)) as Snapshot;
  } catch (e) {
    fail(`Error retrieving tasks: ${e instanceof RemoteError ? e.message : String(e)}`);
  }
  if (command === "ps") {
    process.stdout.write(`${formatTaskTable(snapshot)}\n`);
  } else {
    let trees: string[][];
    try {
      trees = buildAsyncTree(snapshot);
    } catch (e) {
      if (e instanceof CycleFoundError) fail(e.describe());
      throw e;
    }
    for (const tree of trees) process.stdout.write(`${tree.join("\n")}\n`);
  }
  const running = snapshot.tasks.find((t) => t.running);
  if (running !== undefined) process.stderr.write(`(the loop is blocked: task '${running.name}' is running)\n`);
}

main(process.argv.slice(2)).catch((e: unknown) => fail(`asyncio-ts: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
