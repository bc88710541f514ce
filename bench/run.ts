/**
 * `npm run bench`: every asyncio-ts figure next to its anchors, measured in the same run.
 *
 * Each measurement runs in a fresh child process (bench/workloads/NAME.ts for Node contenders,
 * bench/python/bench.py for CPython), so no workload's heap or JIT state skews another's, and each
 * reports the best of up to 5 repetitions (fewer when they take over 3 s; the same rule in both
 * languages). The echo workload starts a server process, warms it up with a short client,
 * then measures it with a separate client process; the http workload likewise starts each HTTP
 * server (bench/workloads/http-server.ts, bench/python/http_bench.py) and measures it with a client
 * process (bench/workloads/http-client.ts: autocannon, or the clients under test).
 * The table goes to stdout and, as markdown with the machine it ran on, to bench/RESULTS.md.
 *
 * Usage: npm run bench [-- [--quick] WORKLOAD...]   (switch spawn taskgroup waitfor timers memory queue echo executor cancel http bullmq debug)
 *        npm run bench -- runtimes [--rounds N]   (bench/runtimes.ts: Node, Bun and Deno, each against its native async/await)
 * Running a subset, or `--quick` (every size divided by 10), prints the table but leaves RESULTS.md
 * alone; BENCH_RESULTS=FILE writes the markdown to FILE in any case. BENCH_BASELINE=REV (a git
 * revision) adds to the debug workload the same figures from the source at REV, extracted from git.
 */

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
const PYTHON_SCRIPT = path.join(BENCH_DIR, "python", "bench.py");
/** The Python that runs the CPython anchors: `PYTHON=/usr/bin/python3 npm run bench` picks another (one with uvloop, say). */
const PYTHON = process.env.PYTHON ?? "python3";
/** A child that runs longer than this is killed and its figure reported as timed out. */
const CHILD_TIMEOUT_S = 120;
/** `--quick`: every workload at a tenth of its size, to check the harness (RESULTS.md untouched). */
const QUICK = process.argv.includes("--quick");
const size = (n: number): number => (QUICK ? Math.ceil(n / 10) : n);
const SWITCH_TASKS = size(10_000);
const SWITCH_ROUNDS = 100;
const SPAWN = size(100_000);
const TASKGROUP_ROUNDS = size(3_000);
const TASKGROUP_WIDTH = 100;
const WAITFOR = size(100_000);
const TIMERS = size(200_000);
const MEMORY = size(10_000);
const QUEUE = size(1_000_000);
const LOCK = size(100_000);
const THREAD_JOBS = size(100_000);
const PROCESS_JOBS = size(20_000);
/** Cancellations measured per contender of the cancel workload (forced ones restart a worker each). */
const CANCEL_REPS = QUICK ? 3 : 15;
/** How long the echo client counts round trips, after a half-second warm-up. */
const ECHO_SECONDS = QUICK ? 0.5 : 2;
const ECHO_CONNECTIONS = 10;
/** How long the throwaway client that warms each echo server up runs (see runEcho). */
const ECHO_WARM_UP_SECONDS = 0.5;
/** The Python of the HTTP anchors: Debian's, with python3-fastapi, -uvicorn, -aiohttp and -httpx. */
const HTTP_PYTHON = process.env.HTTP_PYTHON ?? "/usr/bin/python3";
const HTTP_SCRIPT = path.join(BENCH_DIR, "python", "http_bench.py");
/** The seed's workload: this many simultaneous `GET /timeit/1`. */
const HTTP_TIMEIT = size(1000);
const HTTP_CONNECTIONS = 100;
/** How long each of autocannon's 3 runs lasts, after a 1 s warm-up. */
const HTTP_SECONDS = QUICK ? 1 : 3;
const FANOUT = size(10_000);
const FANOUT_LIMIT = 10;
/** The bullmq workload: this many tiny jobs through 2 worker processes of this concurrency each. */
const BULLMQ_JOBS = size(10_000);
const BULLMQ_CONCURRENCY = 8;

/** The debug workload's queue: fewer items, since debug mode on takes tens of microseconds per item. */
const DEBUG_QUEUE = size(100_000);
/** `BENCH_BASELINE=REV`: the debug workload compares debug mode off with the source at git revision REV. */
const BASELINE = process.env.BENCH_BASELINE ?? null;
let baselineIndex: string | null = null;

/** The `src/index.ts` of the revision BENCH_BASELINE names, extracted (once) into a temporary folder; null without it. */
function baselineSource(): string | null {
  if (BASELINE === null) return null;
  if (baselineIndex === null) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "asyncio-ts-baseline-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    const r = spawnSync("sh", ["-c", 'git archive "$0" src | tar -x -C "$1"', BASELINE, dir], { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`BENCH_BASELINE=${BASELINE}: git archive failed: ${r.stderr}`);
    // Compiled by tsx as this checkout is: as ES modules (as CommonJS, every imported function would
    // be a getter call away, three times slower), with the same compiler options.
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(path.join(dir, "tsconfig.json"), readFileSync(path.join(ROOT, "tsconfig.json")));
    baselineIndex = path.join(dir, "src", "index.ts");
  }
  return baselineIndex;
}

/** The kernel's clock ticks per second, the unit of CPU times in /proc/PID/stat. */
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;
const fmt = (n: number): string => n.toLocaleString("en-US");

// -- what to measure ---------------------------------------------------------------------

/** One child process: a Node workload contender, a Python anchor, or an echo server + client. */
interface Job {
  /**
   * "node": bench/workloads/FILE.ts CONTENDER ARGS; "python": bench.py ARGS; "echo": a server's
   * command; "http": a server's command, measured by `client`; "fixed": a figure given, `[value, unit]`.
   */
  kind: "node" | "python" | "echo" | "http" | "fixed";
  argv: string[];
  /** For "http": the client's command, `{port}` standing for the server's port. */
  client?: string[];
}

interface Anchor {
  label: string;
  job: Job;
  /** Compare this one of the job's `extra` figures (a job that measures several variants at once). @default the comparison's */
  metric?: string;
  /** The ratio asyncio-ts / anchor must reach (at least, or at most when lower is better). */
  target?: number;
}

/** One asyncio-ts figure and the anchors it is compared with. */
interface Comparison {
  workload: string;
  what: string;
  ours: { label: string; job: Job; metric?: string };
  anchors: Anchor[];
  /** Memory, CPU time: less is better, so the target is a ceiling on the ratio. */
  lowerIsBetter?: boolean;
  /** Compare this one of the results' `extra` figures instead of their main figure. */
  metric?: string;
}

const nodeJob = (file: string, contender: string, ...args: (string | number)[]): Job => ({
  kind: "node",
  argv: [path.join(BENCH_DIR, "workloads", `${file}.ts`), contender, ...args.map(String)],
});
const pythonJob = (uvloop: boolean, ...args: (string | number)[]): Job => ({
  kind: "python",
  argv: [PYTHON_SCRIPT, ...args.map(String), ...(uvloop ? ["--uvloop"] : [])],
});
const echoNode = (server: string): Job => ({
  kind: "echo",
  argv: [process.execPath, "--import", "tsx", path.join(BENCH_DIR, "workloads", "echo-server.ts"), server],
});
const echoPython = (uvloop: boolean): Job => ({
  kind: "echo",
  argv: [PYTHON, PYTHON_SCRIPT, "echo-server", ...(uvloop ? ["--uvloop"] : [])],
});

const httpNode = (server: string): string[] => [process.execPath, "--import", "tsx", path.join(BENCH_DIR, "workloads", "http-server.ts"), server];
const httpPython = (server: string): string[] => [HTTP_PYTHON, HTTP_SCRIPT, server];
const httpClient = (...args: (string | number)[]): string[] => [process.execPath, "--import", "tsx", path.join(BENCH_DIR, "workloads", "http-client.ts"), ...args.map(String)];
const httpJob = (server: string[], client: string[]): Job => ({ kind: "http", argv: server, client });
const fixed = (value: number, unit: string): Job => ({ kind: "fixed", argv: [String(value), unit] });

/** The comparisons of workload http: the seed's 1,000 sleepers, keep-alive throughput, the client's fan-out. */
function httpComparisons(python: PythonInfo): Comparison[] {
  const py = python.http;
  const timeit = (server: string[], seconds = 1): Job => httpJob(server, httpClient("timeit", "{port}", HTTP_TIMEIT, seconds));
  const cannon = (server: string[]): Job => httpJob(server, httpClient("autocannon", "{port}", HTTP_CONNECTIONS, HTTP_SECONDS));
  const fanout = (client: string[]): Job => httpJob(httpNode("raw-node"), client);
  const oursTimeit = timeit(httpNode("asyncio-ts"));
  const timeitAnchors = (withIdeal: boolean): Anchor[] => [
    ...(withIdeal ? [{ label: "the ideal: 1 s (every request's sleep at once)", job: fixed(1, "s wall"), target: 1.1 }] : []),
    { label: "raw `node:http` + `setTimeout`", job: timeit(httpNode("raw-node")) },
    ...(py ? [{ label: "FastAPI on uvicorn (`async def`)", job: timeit(httpPython("server-fastapi")) }] : []),
    ...(py ? [{ label: `aiohttp ${python.aiohttp} web`, job: timeit(httpPython("server-aiohttp")) }] : []),
  ];
  const oursFanout = fanout(httpClient("fanout-asyncio-ts", "{port}", FANOUT, FANOUT_LIMIT));
  const fanoutAnchors = (target: number | undefined): Anchor[] =>
    py
      ? [
          { label: `httpx ${python.httpx} \`AsyncClient\`, \`Limits(max_connections=${FANOUT_LIMIT})\``, job: fanout(httpPython("fanout-httpx").concat("{port}", String(FANOUT), String(FANOUT_LIMIT))), target },
          { label: `aiohttp ${python.aiohttp} \`ClientSession\`, \`limit_per_host=${FANOUT_LIMIT}\``, job: fanout(httpPython("fanout-aiohttp").concat("{port}", String(FANOUT), String(FANOUT_LIMIT))), target },
        ]
      : [];
  return [
    {
      workload: "http",
      what: `the seed's workload: ${fmt(HTTP_TIMEIT)} simultaneous \`GET /timeit/1\`, a connection each: wall time until the last answer`,
      ours: { label: "asyncio-ts/http `Application`", job: oursTimeit },
      lowerIsBetter: true,
      anchors: timeitAnchors(true),
    },
    {
      workload: "http",
      what: `the same with \`GET /timeit/0\`: what ${fmt(HTTP_TIMEIT)} connections opened, served and closed at once cost by themselves`,
      ours: { label: "asyncio-ts/http `Application`", job: timeit(httpNode("asyncio-ts"), 0) },
      lowerIsBetter: true,
      anchors: [
        { label: "raw `node:http` + `setTimeout`", job: timeit(httpNode("raw-node"), 0) },
        ...(py ? [{ label: "FastAPI on uvicorn (`async def`)", job: timeit(httpPython("server-fastapi"), 0) }] : []),
        ...(py ? [{ label: `aiohttp ${python.aiohttp} web`, job: timeit(httpPython("server-aiohttp"), 0) }] : []),
      ],
    },
    {
      workload: "http",
      what: "the servers above: resident memory of the server process after serving them",
      ours: { label: "asyncio-ts/http `Application`", job: oursTimeit },
      lowerIsBetter: true,
      metric: "serverRss",
      anchors: timeitAnchors(false),
    },
    {
      workload: "http",
      what: `keep-alive throughput: autocannon, ${HTTP_CONNECTIONS} connections, \`GET /\` answering \`{"Hello":"World"}\``,
      ours: { label: "asyncio-ts/http `Application`", job: cannon(httpNode("asyncio-ts")) },
      anchors: [
        { label: "raw `node:http`", job: cannon(httpNode("raw-node")), target: 0.85 },
        ...(py ? [{ label: `aiohttp ${python.aiohttp} web`, job: cannon(httpPython("server-aiohttp")), target: 2 }] : []),
        ...(py ? [{ label: "FastAPI on uvicorn", job: cannon(httpPython("server-fastapi")), target: 2 }] : []),
      ],
    },
    {
      workload: "http",
      what: `client fan-out: ${fmt(FANOUT)} \`GET /\` through \`gather\`, ${FANOUT_LIMIT} connections per host, against one raw \`node:http\` server`,
      ours: { label: "asyncio-ts/http `ClientSession`", job: oursFanout },
      anchors: fanoutAnchors(2),
    },
    {
      workload: "http",
      what: "the fan-outs above: the most sockets the server had open at once",
      ours: { label: "asyncio-ts/http `ClientSession`", job: oursFanout },
      metric: "maxSockets",
      lowerIsBetter: true,
      anchors: [{ label: `the limit: ${FANOUT_LIMIT}`, job: fixed(FANOUT_LIMIT, "sockets"), target: 1 }, ...fanoutAnchors(undefined)],
    },
    {
      workload: "http",
      what: `after the fan-out, ${fmt(FANOUT)} more requests with half cancelled in flight, then 1,000 more`,
      ours: { label: "asyncio-ts/http `ClientSession`", job: oursFanout },
      metric: "cancelCheck",
      anchors: [{ label: "all of them", job: fixed(1000, "succeeded"), target: 1 }],
    },
  ];
}

function comparisons(python: PythonInfo): Comparison[] {
  /** CPython's asyncio (and uvloop, when installed) as anchors of one workload. */
  const cpython = (target: number | undefined, ...args: (string | number)[]): Anchor[] => {
    if (!python.version) return [];
    const anchors: Anchor[] = [{ label: "CPython asyncio", job: pythonJob(false, ...args), target }];
    if (python.uvloop) anchors.push({ label: "CPython + uvloop", job: pythonJob(true, ...args) });
    return anchors;
  };
  return [
    {
      workload: "switch",
      what: `${fmt(SWITCH_TASKS)} tasks x ${SWITCH_ROUNDS} \`sleep(0)\` (${fmt(SWITCH_TASKS * SWITCH_ROUNDS)} switches)`,
      ours: { label: "asyncio-ts `sleep(0)`", job: nodeJob("switch", "asyncio-ts", SWITCH_TASKS, SWITCH_ROUNDS) },
      anchors: [
        ...cpython(10, "switch", SWITCH_TASKS, SWITCH_ROUNDS),
        { label: "native `await new Promise(setImmediate)` (event-loop yield)", job: nodeJob("switch", "native-immediate", SWITCH_TASKS, SWITCH_ROUNDS) },
        { label: "native `await null` (microtask, no I/O can interleave)", job: nodeJob("switch", "native-microtask", SWITCH_TASKS, SWITCH_ROUNDS) },
        { label: "Effection 4 `sleep(0)`", job: nodeJob("switch", "effection-sleep0", SWITCH_TASKS, SWITCH_ROUNDS) },
      ],
    },
    {
      workload: "spawn",
      what: `create ${fmt(SPAWN)} trivial tasks, then await each`,
      ours: { label: "asyncio-ts `createTask`", job: nodeJob("spawn", "asyncio-ts", SPAWN) },
      anchors: [
        ...cpython(10, "spawn", SPAWN),
        { label: "native async function calls", job: nodeJob("spawn", "native", SPAWN) },
        { label: "floor: only allocate a generator and a 9-field object per task, and keep them", job: nodeJob("spawn", "floor", SPAWN) },
        { label: "ideal runtime: the floor's objects, each generator stepped once from a plain array, no loop (the most of the floor any runtime reaches)", job: nodeJob("spawn", "ideal-runtime", SPAWN) },
      ],
    },
    {
      workload: "taskgroup",
      what: `one task group, ${fmt(TASKGROUP_ROUNDS)} rounds of ${TASKGROUP_WIDTH} short tasks (one \`sleep(0)\` each)`,
      ours: { label: "asyncio-ts `taskGroup`", job: nodeJob("taskgroup", "asyncio-ts", TASKGROUP_ROUNDS, TASKGROUP_WIDTH) },
      anchors: cpython(undefined, "taskgroup", TASKGROUP_ROUNDS, TASKGROUP_WIDTH),
    },
    {
      workload: "waitfor",
      what: `${fmt(WAITFOR)} \`waitFor(coro, 5)\` in turn, each coroutine one \`sleep(0)\``,
      ours: { label: "asyncio-ts `waitFor`", job: nodeJob("waitfor", "asyncio-ts", WAITFOR) },
      anchors: cpython(undefined, "waitfor", WAITFOR),
    },
    {
      workload: "timers",
      what: `${fmt(TIMERS)} \`callLater\` timers, delays in [0, 0.01] s, until all fired`,
      ours: { label: "asyncio-ts `callLater`", job: nodeJob("timers", "asyncio-ts", TIMERS) },
      anchors: [
        ...cpython(3, "timers", TIMERS),
        { label: "native `setTimeout`", job: nodeJob("timers", "native", TIMERS) },
      ],
    },
    ...(["sleep", "future"] as const).map(
      (mode): Comparison => ({
        workload: "memory",
        what: mode === "sleep" ? `heap per pending task, ${fmt(MEMORY)} tasks in \`sleep(10)\`` : `heap per pending task, ${fmt(MEMORY)} tasks awaiting one future`,
        ours: { label: `asyncio-ts task in ${mode === "sleep" ? "`sleep(10)`" : "`yield* future`"}`, job: nodeJob("memory", "asyncio-ts", MEMORY, mode) },
        lowerIsBetter: true,
        anchors: [
          ...cpython(0.5, "memory", MEMORY, mode).map((a) => ({ ...a, label: `${a.label} (tracemalloc)` })),
          {
            label: mode === "sleep" ? "native async function in a `setTimeout` promise" : "native async function awaiting a promise",
            job: nodeJob("memory", "native", MEMORY, mode),
          },
          { label: `Effection 4 ${mode === "sleep" ? "`sleep(10000)`" : "`suspend()`"}`, job: nodeJob("memory", "effection", MEMORY, mode) },
        ],
      }),
    ),
    {
      workload: "queue",
      what: `1 producer, 1 consumer, \`Queue(100)\`, ${fmt(QUEUE)} items`,
      ours: { label: "asyncio-ts `Queue`", job: nodeJob("queue", "asyncio-ts", QUEUE) },
      anchors: [
        ...cpython(5, "queue", QUEUE),
        { label: "p-queue (concurrency 1, producer waits below 100 queued)", job: nodeJob("queue", "p-queue", QUEUE) },
      ],
    },
    {
      workload: "queue",
      what: `${fmt(LOCK)} tasks contend for one \`Lock\` (each holds it across a \`sleep(0)\`)`,
      ours: { label: "asyncio-ts `Lock`", job: nodeJob("queue", "asyncio-ts-lock", LOCK) },
      anchors: cpython(undefined, "lock", LOCK),
    },
    {
      workload: "echo",
      what: `echo server, ${ECHO_CONNECTIONS} connections ping-ponging 1 KiB from one client process, ${ECHO_SECONDS} s`,
      ours: { label: "asyncio-ts streams (read 100 KiB, write, drain)", job: echoNode("asyncio-ts-streams") },
      anchors: [
        { label: "raw Node `net`", job: echoNode("raw-net"), target: 0.9 },
        ...(python.version ? [{ label: "CPython asyncio streams", job: echoPython(false), target: 2 }] : []),
        ...(python.uvloop ? [{ label: "CPython + uvloop streams", job: echoPython(true) }] : []),
      ],
    },
    {
      workload: "echo",
      what: `echo server, ${ECHO_CONNECTIONS} connections ping-ponging 1 KiB from one client process, ${ECHO_SECONDS} s`,
      ours: { label: "asyncio-ts Protocol (`dataReceived` writes back)", job: echoNode("asyncio-ts-protocol") },
      anchors: [{ label: "raw Node `net`", job: echoNode("raw-net"), target: 0.95 }],
    },
    ...[echoNode("asyncio-ts-streams"), echoNode("asyncio-ts-protocol")].map(
      (job, i): Comparison => ({
        workload: "echo",
        what: "the echo servers above: the server process's user-space CPU time per request (the kernel's share in parentheses)",
        ours: { label: i === 0 ? "asyncio-ts streams" : "asyncio-ts Protocol", job },
        metric: "serverCpu",
        lowerIsBetter: true,
        anchors: [
          { label: "raw Node `net`", job: echoNode("raw-net") },
          ...(python.version && i === 0 ? [{ label: "CPython asyncio streams", job: echoPython(false) }] : []),
          ...(python.uvloop && i === 0 ? [{ label: "CPython + uvloop streams", job: echoPython(true) }] : []),
        ],
      }),
    ),
    {
      workload: "executor",
      what: `${fmt(THREAD_JOBS)} jobs \`x => x + 1\` through a 2-thread pool`,
      ours: { label: "asyncio-ts `ThreadPoolExecutor`", job: nodeJob("executor", "asyncio-ts-threads", THREAD_JOBS) },
      anchors: [{ label: "piscina, 2 threads", job: nodeJob("executor", "piscina", THREAD_JOBS) }],
    },
    {
      workload: "executor",
      what: `${fmt(PROCESS_JOBS)} jobs \`x => x + 1\` through a 2-process pool`,
      ours: { label: "asyncio-ts `ProcessPoolExecutor`", job: nodeJob("executor", "asyncio-ts-processes", PROCESS_JOBS) },
      anchors: python.version ? [{ label: "CPython `ProcessPoolExecutor(2)`", job: pythonJob(false, "process-pool", PROCESS_JOBS) }] : [],
    },
    ...([
      ["threads-cooperative", "`ThreadPoolExecutor`, the job reads `this.signal.aborted`"],
      ["threads-forced", "`ThreadPoolExecutor`, the job ignores its signal (cancelGrace 0.1 s, then a new thread)"],
      ["processes-cooperative", "`ProcessPoolExecutor`, the job reads `this.signal.aborted`"],
      ["processes-forced", "`ProcessPoolExecutor`, the job ignores its signal (cancelGrace 0.1 s, then a new process)"],
    ] as const).map(
      ([contender, label]): Comparison => ({
        workload: "cancel",
        what: "time from `task.cancel()` of a running CPU-bound job to its worker running the next job (1 worker; median, with the fastest and slowest)",
        ours: { label: `asyncio-ts ${label}`, job: nodeJob("cancel", `asyncio-ts-${contender}`, CANCEL_REPS) },
        lowerIsBetter: true,
        anchors: [{ label: "piscina `run(task, { signal })`, `abort()` (it terminates the thread)", job: nodeJob("cancel", "piscina", CANCEL_REPS) }],
      }),
    ),
    ...httpComparisons(python),
    ...bullmqComparisons(),
  ];
}

/**
 * The comparisons of workload bullmq: both contenders run in one child, alternately, against one
 * redis-server (bench/workloads/bullmq.ts), so each row picks its two figures from that result.
 */
function bullmqComparisons(): Comparison[] {
  const job = nodeJob("bullmq", "both", BULLMQ_JOBS, BULLMQ_CONCURRENCY);
  const raw = `raw BullMQ (\`Queue.add\` + \`Worker\`, 2 processes, concurrency ${BULLMQ_CONCURRENCY})`;
  return [
    {
      workload: "bullmq",
      what: `${fmt(BULLMQ_JOBS)} tiny jobs \`x => x + 1\` through 2 worker processes (concurrency ${BULLMQ_CONCURRENCY} each), one Redis: submit all, until every result is back (best of the runs; their range in parentheses)`,
      ours: { label: "asyncio-ts/bullmq `BullMQExecutor` + 2 `asyncio-ts-worker`", job, metric: "throughput" },
      anchors: [{ label: raw, job, metric: "rawThroughput", target: 0.8 }],
    },
    {
      workload: "bullmq",
      what: "one job alone, from submit to its result at the submitter (the median of the samples; their range in parentheses)",
      ours: { label: "asyncio-ts/bullmq `BullMQExecutor` + 2 `asyncio-ts-worker`", job, metric: "latency" },
      lowerIsBetter: true,
      anchors: [{ label: raw, job, metric: "rawLatency" }],
    },
    ...debugComparisons(),
  ];
}

/**
 * The debug workload: switch, spawn and queue with debug mode off, against the code before debug
 * mode's hooks (with BENCH_BASELINE) and against debug mode on, all three measured in one process,
 * alternating (bench/workloads/debug.ts): off must not move.
 */
function debugComparisons(): Comparison[] {
  const base = baselineSource();
  const workloads = [
    ["switch", `${fmt(SWITCH_TASKS)} tasks x ${SWITCH_ROUNDS} \`sleep(0)\``, [SWITCH_TASKS, SWITCH_ROUNDS]],
    ["spawn", `create ${fmt(SPAWN)} trivial tasks, then await each`, [SPAWN]],
    ["queue", `1 producer, 1 consumer, \`Queue(100)\`, ${fmt(DEBUG_QUEUE)} items`, [DEBUG_QUEUE]],
  ] as const;
  return workloads.map(([name, what, sizes]): Comparison => {
    const job = nodeJob("debug", "ab", name, base ?? "-", ...sizes);
    return {
      workload: "debug",
      what: `${name}: ${what}, per CPU second, debug mode off (the three variants alternate in one process)`,
      ours: { label: "asyncio-ts, debug mode off", job },
      anchors: [
        ...(base === null ? [] : [{ label: `the same code before debug mode's hooks (${BASELINE})`, job, metric: "before", target: 0.95 }]),
        { label: "asyncio-ts, debug mode on (what it costs when on)", job, metric: "on" },
      ],
    };
  });
}

// -- running a job -----------------------------------------------------------------------

/** A figure: so many units. */
interface Figure {
  value: number;
  unit: string;
  reps?: number;
  /** Shown after the figure, not compared. */
  detail?: string;
}
/** What a child reported: a figure (and maybe others, by name), or why there is none. */
type Result = (Figure & { extra?: Record<string, Figure> }) | { skip: string } | { error: string };

interface ChildOutput {
  stdout: string;
  stderr: string;
  code: number | null;
  timedOut: boolean;
}

function runChild(command: string, args: string[]): Promise<ChildOutput> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, CHILD_TIMEOUT_S * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, timedOut });
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ stdout, stderr: String(e), code: null, timedOut });
    });
  });
}

/** The last JSON line a child printed, or an error naming the first line of its stderr. */
function parseOutput(out: ChildOutput): Result {
  if (out.timedOut) return { error: `timed out after ${CHILD_TIMEOUT_S} s` };
  const lines = out.stdout.trim().split("\n").filter((l) => l.startsWith("{"));
  if (out.code === 0 && lines.length > 0) {
    try {
      return JSON.parse(lines[lines.length - 1]) as Result;
    } catch {
      // fall through to the error below
    }
  }
  return { error: firstErrorLine(out.stderr) || `exit code ${out.code}` };
}

/** The line of a stack trace that says what went wrong (not the source excerpt above it). */
function firstErrorLine(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^[A-Za-z]*(Error|Exception)\b/.test(l)) ?? lines[0] ?? "";
}

async function runJob(job: Job): Promise<Result> {
  if (job.kind === "node") return parseOutput(await runChild(process.execPath, ["--import", "tsx", "--expose-gc", ...job.argv]));
  if (job.kind === "python") return parseOutput(await runChild(PYTHON, job.argv));
  if (job.kind === "fixed") return { value: Number(job.argv[0]), unit: job.argv[1]! };
  if (job.kind === "http") return runHttp(job.argv, job.client!);
  return runEcho(job.argv);
}

/**
 * Starts an HTTP server, waits for its port, runs the client process against it, then adds the
 * server's resident memory (`serverRss`) and, where the server counts them (raw-node's
 * `GET /__max`), the most sockets it had open at once (`maxSockets`); stops the server.
 */
function runHttp(serverArgv: string[], clientArgv: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const server = spawn(serverArgv[0]!, serverArgv.slice(1), { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let settled = false;
    const finish = (r: Result): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      server.kill("SIGKILL");
      resolve(r);
    };
    const timer = setTimeout(() => finish({ error: "the server did not listen within 30 s" }), 30_000);
    server.stderr.on("data", (d) => (stderr += d));
    server.on("close", (code) => finish({ error: firstErrorLine(stderr) || `the server exited with code ${code}` }));
    server.on("error", (e) => finish({ error: String(e) }));
    server.stdout.on("data", async (d) => {
      stdout += d;
      const nl = stdout.indexOf("\n");
      if (nl < 0 || settled) return;
      const { port } = JSON.parse(stdout.slice(0, nl)) as { port: number };
      stdout = "\0";
      clearTimeout(timer);
      const argv = clientArgv.map((a) => (a === "{port}" ? String(port) : a));
      const result = parseOutput(await runChild(argv[0]!, argv.slice(1)));
      if ("value" in result) {
        result.extra ??= {};
        const rss = rssBytes(server.pid);
        if (rss !== null) result.extra.serverRss = { value: rss / 1e6, unit: "MB RSS" };
        try {
          const max = (await (await fetch(`http://127.0.0.1:${port}/__max`)).json()) as { maxOpen?: number };
          if (typeof max.maxOpen === "number") result.extra.maxSockets = { value: max.maxOpen, unit: "sockets" };
        } catch {
          // only raw-node counts its sockets
        }
      }
      finish(result);
    });
  });
}

/** A process's resident memory in bytes (Linux /proc), or null where unknown. */
function rssBytes(pid: number | undefined): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m === null ? null : Number(m[1]) * 1024;
  } catch {
    return null;
  }
}

/** Starts the echo server, waits for its port, runs the client process against it, stops the server. */
function runEcho(serverArgv: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const server = spawn(serverArgv[0], serverArgv.slice(1), { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let settled = false;
    const finish = (r: Result): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      server.kill("SIGTERM");
      // a server that ignores SIGTERM would keep this process waiting on its pipes
      setTimeout(() => server.exitCode === null && server.signalCode === null && server.kill("SIGKILL"), 2000).unref();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ error: "the server did not listen within 30 s" }), 30_000);
    server.stderr.on("data", (d) => (stderr += d));
    server.on("close", (code) => finish({ error: firstErrorLine(stderr) || `the server exited with code ${code}` }));
    server.on("error", (e) => finish({ error: String(e) }));
    server.stdout.on("data", async (d) => {
      stdout += d;
      const nl = stdout.indexOf("\n");
      if (nl < 0 || settled) return;
      const first = JSON.parse(stdout.slice(0, nl)) as { port?: number; skip?: string };
      stdout = "\0"; // anything the server prints later is ignored
      if (first.skip !== undefined) return finish({ skip: first.skip });
      clearTimeout(timer);
      const client = (seconds: number) =>
        runChild(process.execPath, [
          "--import",
          "tsx",
          path.join(BENCH_DIR, "workloads", "echo-client.ts"),
          String(first.port),
          String(ECHO_CONNECTIONS),
          String(seconds),
        ]);
      // A fresh CPython server serves its first client's connections at a tenth of its speed for
      // as long as they last (seen at 2 to 4 k requests/s for 6 s, then 25 k for the next client);
      // so every server, ours too, first serves a short client whose figure is thrown away.
      await client(ECHO_WARM_UP_SECONDS);
      const cpuBefore = cpuSeconds(server.pid);
      const result = parseOutput(await client(ECHO_SECONDS));
      const cpuAfter = cpuSeconds(server.pid);
      const roundTrips = (result as { roundTrips?: number }).roundTrips;
      if ("value" in result && cpuBefore !== null && cpuAfter !== null && roundTrips) {
        const user = ((cpuAfter.user - cpuBefore.user) / roundTrips) * 1e6;
        const system = ((cpuAfter.system - cpuBefore.system) / roundTrips) * 1e6;
        result.extra = { serverCpu: { value: user, unit: "µs user CPU/request", detail: `+ ${system.toFixed(1)} system` } };
      }
      finish(result);
    });
  });
}

/** The user and system CPU seconds a process has used so far (Linux /proc), or null where unknown. */
function cpuSeconds(pid: number | undefined): { user: number; system: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // the fields after the command name, which is in parentheses and may hold spaces
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { user: Number(fields[11]) / CLOCK_TICKS, system: Number(fields[12]) / CLOCK_TICKS };
  } catch {
    return null;
  }
}

// -- the table ---------------------------------------------------------------------------

interface Row {
  workload: string;
  what: string;
  ours: string;
  oursFigure: string;
  anchor: string;
  anchorFigure: string;
  ratio: string;
  target: string;
  met: string;
}

const SI = [
  [1e9, "G"],
  [1e6, "M"],
  [1e3, "k"],
] as const;

/** The figure of a result; a skip or a failure is numbered and explained in `notes` under the table. */
function formatFigure(r: Result, notes?: string[]): string {
  if ("skip" in r || "error" in r) {
    const text = "skip" in r ? r.skip : `failed: ${r.error}`;
    if (notes === undefined) return text;
    let i = notes.indexOf(text);
    if (i < 0) i = notes.push(text) - 1;
    return `${"skip" in r ? "skipped" : "failed"} [${i + 1}]`;
  }
  if (r.unit === "bytes/task") return `${Math.round(r.value)} B/task`;
  // Counts (sockets, requests that succeeded) are whole numbers: no prefix, no decimals.
  if (Number.isInteger(r.value) && r.value < 1e4) return `${fmt(r.value)} ${r.unit}`;
  if (r.unit.startsWith("µs")) return `${r.value.toFixed(1)} ${r.unit}${r.detail ? ` (${r.detail})` : ""}`;
  if (r.unit.startsWith("ms")) return `${r.value.toFixed(r.value >= 100 ? 0 : 1)} ${r.unit}${r.detail ? ` (${r.detail})` : ""}`;
  const [unitScale, prefix] = SI.find(([s]) => r.value >= s) ?? [1, ""];
  const scaled = r.value / unitScale;
  const digits = scaled >= 100 ? 0 : scaled >= 10 ? 1 : 2;
  return `${scaled.toFixed(digits)} ${prefix} ${r.unit}`.replace("  ", " ") + (r.detail ? ` (${r.detail})` : "");
}

/** The result's main figure, or its `metric` figure; a missing one is reported as a failure. */
function select(r: Result, metric: string | undefined): Result {
  if (metric === undefined || !("value" in r)) return r;
  return r.extra?.[metric] ?? { error: `no ${metric} figure (needs Linux /proc)` };
}

function figureOf(r: Result): number | null {
  return "value" in r && r.value > 0 ? r.value : null;
}

function rowsOf(comparison: Comparison, results: Map<string, Result>, notes: string[]): Row[] {
  const ours = select(results.get(keyOf(comparison.ours.job))!, comparison.ours.metric ?? comparison.metric);
  const base = {
    workload: comparison.workload,
    what: comparison.what,
    ours: comparison.ours.label,
    oursFigure: formatFigure(ours, notes),
  };
  if (comparison.anchors.length === 0) {
    return [{ ...base, anchor: "(no anchor on this machine)", anchorFigure: "", ratio: "", target: "", met: "" }];
  }
  return comparison.anchors.map((a) => {
    // A fixed figure (an ideal, a limit) is compared as it is, whatever the metric.
    const theirs = select(results.get(keyOf(a.job))!, a.job.kind === "fixed" ? undefined : (a.metric ?? comparison.metric));
    const x = figureOf(ours);
    const y = figureOf(theirs);
    const ratio = x !== null && y !== null ? x / y : null;
    const cmp = comparison.lowerIsBetter ? "<=" : ">=";
    let met = "";
    if (a.target !== undefined && ratio !== null) {
      met = (comparison.lowerIsBetter ? ratio <= a.target : ratio >= a.target) ? "yes" : "NO";
    }
    return {
      ...base,
      anchor: a.label,
      anchorFigure: formatFigure(theirs, notes),
      ratio: ratio === null ? "" : `${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}x`,
      target: a.target === undefined ? "" : `${cmp} ${a.target}x`,
      met,
    };
  });
}

const COLUMNS: [keyof Row, string][] = [
  ["workload", "workload"],
  ["ours", "asyncio-ts"],
  ["oursFigure", "figure"],
  ["anchor", "anchor"],
  ["anchorFigure", "anchor figure"],
  ["ratio", "asyncio-ts / anchor"],
  ["target", "target"],
  ["met", "met"],
];

/** A plain-text table; a comparison's own cells are printed on its first row only. */
function textTable(rows: Row[]): string {
  const shown = rows.map((r, i) => {
    const same = i > 0 && rows[i - 1].ours === r.ours && rows[i - 1].what === r.what;
    return same ? { ...r, workload: "", ours: "", oursFigure: "" } : r;
  });
  const widths = COLUMNS.map(([k, title]) => Math.max(title.length, ...shown.map((r) => r[k].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const out = [line(COLUMNS.map(([, t]) => t)), widths.map((w) => "-".repeat(w)).join("  ")];
  shown.forEach((r, i) => {
    if (r.workload !== "") out.push("", `${r.workload}: ${r.what.replace(/`/g, "")}`);
    out.push(line(COLUMNS.map(([k]) => r[k])));
  });
  return out.join("\n");
}

function markdownTable(rows: Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const out = [`| ${COLUMNS.map(([, t]) => t).join(" | ")} |`, `|${COLUMNS.map(() => "---").join("|")}|`];
  rows.forEach((r, i) => {
    const same = i > 0 && rows[i - 1].ours === r.ours && rows[i - 1].what === r.what;
    const cells = COLUMNS.map(([k]) => {
      if (same && (k === "workload" || k === "ours" || k === "oursFigure")) return "";
      return k === "workload" ? `**${r.workload}**: ${esc(r.what)}` : esc(r[k]);
    });
    out.push(`| ${cells.join(" | ")} |`);
  });
  return out.join("\n");
}

// -- the machine -------------------------------------------------------------------------

interface PythonInfo {
  version: string | null;
  uvloop: boolean;
  /** Whether HTTP_PYTHON has the HTTP anchors (fastapi, uvicorn, aiohttp, httpx), and their versions. */
  http: boolean;
  aiohttp: string;
  httpx: string;
}

function pythonInfo(): PythonInfo {
  const web = spawnSync(HTTP_PYTHON, ["-c", "import fastapi, uvicorn, aiohttp, httpx; print(aiohttp.__version__, httpx.__version__)"], { encoding: "utf8" });
  const [aiohttp = "", httpx = ""] = web.status === 0 ? web.stdout.trim().split(" ") : [];
  const http = { http: web.status === 0, aiohttp, httpx };
  const v = spawnSync(PYTHON, ["--version"], { encoding: "utf8" });
  if (v.status !== 0) return { version: null, uvloop: false, ...http };
  const uvloop = spawnSync(PYTHON, ["-c", "import uvloop"], { encoding: "utf8" }).status === 0;
  return { version: (v.stdout || v.stderr).trim().replace(/^Python /, ""), uvloop, ...http };
}

/** The commit measured, and whether src/ had uncommitted changes. */
function revision(): string {
  const git = (...args: string[]) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });
  const head = git("rev-parse", "--short", "HEAD");
  if (head.status !== 0) return "not a git checkout";
  const dirty = git("status", "--porcelain", "--", "src").stdout.trim() !== "";
  return `commit ${head.stdout.trim()}${dirty ? ", with uncommitted changes in src/" : ""}`;
}

function machineLines(python: PythonInfo, loadBefore: number[], loadAfter: number[], seconds: number): string[] {
  const cpus = os.cpus();
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");
  return [
    `- date: ${new Date().toISOString()}`,
    `- CPU: ${cpus[0]?.model.trim() ?? "unknown"}, ${cpus.length} cores`,
    `- Node.js ${process.version} (${os.platform()} ${os.arch()}); Python ${python.version ?? "not found"}${python.uvloop ? " with uvloop" : ", no uvloop"}`,
    `- load average (1 / 5 / 15 min): ${load(loadBefore)} before, ${load(loadAfter)} after; the run took ${seconds.toFixed(0)} s`,
    `- source: ${revision()}`,
  ];
}

// -- main --------------------------------------------------------------------------------

function keyOf(job: Job): string {
  return `${job.kind} ${job.argv.join(" ")}${job.client === undefined ? "" : ` <- ${job.client.join(" ")}`}`;
}

async function main(): Promise<void> {
  if (process.argv[2] === "runtimes") {
    // The core workloads on Node, Bun and Deno, each beside its own native async/await.
    await import("./runtimes.ts");
    return;
  }
  const wanted = process.argv.slice(2).filter((a) => a !== "--quick");
  const python = pythonInfo();
  let all = comparisons(python);
  const known = new Set(all.map((c) => c.workload));
  const unknown = wanted.filter((w) => !known.has(w));
  if (unknown.length > 0) {
    console.error(`unknown workload ${unknown.join(", ")}; choose from ${[...known].join(", ")}`);
    process.exit(2);
  }
  if (wanted.length > 0) all = all.filter((c) => wanted.includes(c.workload));

  const loadBefore = os.loadavg();
  const started = performance.now();
  const results = new Map<string, Result>();
  for (const c of all) {
    for (const { label, job } of [c.ours, ...c.anchors]) {
      const key = keyOf(job);
      if (results.has(key)) continue;
      const t0 = performance.now();
      const r = await runJob(job);
      results.set(key, r);
      const took = ((performance.now() - t0) / 1000).toFixed(1);
      const reps = "reps" in r && r.reps !== undefined ? `, best of ${r.reps}` : "";
      const extra = "extra" in r && r.extra ? Object.values(r.extra).map((f) => `, ${formatFigure(f)}`).join("") : "";
      console.error(`  ${c.workload.padEnd(8)} ${label}: ${formatFigure(r)}${reps}${extra} (${took} s)`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const notes: string[] = [];
  const rows = all.flatMap((c) => rowsOf(c, results, notes));
  const noteLines = notes.map((n, i) => `[${i + 1}] ${n}`);
  const machine = machineLines(python, loadBefore, os.loadavg(), seconds);

  console.log("");
  console.log(textTable(rows));
  if (noteLines.length > 0) console.log(["", ...noteLines].join("\n"));
  console.log("");
  console.log(machine.map((l) => l.slice(2)).join("\n"));

  const resultsPath = process.env.BENCH_RESULTS ?? (wanted.length === 0 && !QUICK ? path.join(BENCH_DIR, "RESULTS.md") : null);
  if (resultsPath !== null) {
    const md = [
      "# asyncio-ts benchmarks",
      "",
      "Written by `npm run bench` (bench/run.ts); every figure in this table comes from the same run.",
      "Each figure is the best of up to 5 repetitions in a fresh process (fewer when they take over 3 s,",
      "by the same rule in Node and in Python). Higher is better, except for memory",
      "(bytes per pending task) and the echo servers' CPU time per request: there less is better, and a",
      "target is a ceiling on the ratio.",
      "",
      ...machine,
      "",
      markdownTable(rows),
      "",
      ...noteLines.map((n) => `- ${n}`),
      ...(noteLines.length > 0 ? [""] : []),
      "Where a module of asyncio-ts was not there yet the row says so (skipped). Figures from a",
      "shared or busy machine move by tens of percent from run to run: compare ratios, not figures,",
      "and compare them only within one run.",
      "",
    ].join("\n");
    writeFileSync(resultsPath, md);
    console.log(`\nwritten to ${path.relative(ROOT, resultsPath)}`);
  }
}

await main();
