/**
 * `npm run bench -- runtimes`: the core workloads (switch, spawn, timers, queue) on Node, Bun and
 * Deno in one run, each beside the same work in that runtime's own native async/await, as ratios.
 *
 * Each measurement is a fresh child process running bench/workloads/NAME.ts with the contender
 * `asyncio-ts` or `native` (the best of up to 5 repetitions, as in bench/run.ts), under
 * `node --import tsx`, `bun` or `deno run`, the binaries the lock file installs. The rounds
 * interleave the runtimes, so a change in the machine's load falls on all of them alike, and each
 * ratio is taken within one round; the table gives each figure's median and its range over the
 * rounds.
 *
 * Usage: npm run bench -- runtimes [--rounds N] [--quick]   (--quick: every size divided by 10)
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";
import { binaryOf, versionOf } from "../test/runtimes/binaries.ts";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
const QUICK = process.argv.includes("--quick");
const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;
const size = (n: number): number => (QUICK ? Math.ceil(n / 10) : n);
const TIMEOUT_MS = 120_000;

type Runtime = "node" | "bun" | "deno";
const RUNTIMES: Runtime[] = ["node", "bun", "deno"];

interface Workload {
  readonly name: string;
  readonly what: string;
  readonly file: string;
  readonly args: number[];
  /** What the native contender does. */
  readonly native: string;
  /** Its name in the workload file. @default "native" */
  readonly nativeContender?: string;
}

const WORKLOADS: Workload[] = [
  { name: "switch", what: `${size(10_000).toLocaleString("en-US")} tasks x 100 \`sleep(0)\``, file: "switch", args: [size(10_000), 100], native: "`await new Promise(setImmediate)`", nativeContender: "native-immediate" },
  { name: "spawn", what: `${size(100_000).toLocaleString("en-US")} trivial tasks, created then awaited`, file: "spawn", args: [size(100_000)], native: "async function calls" },
  { name: "timers", what: `${size(200_000).toLocaleString("en-US")} \`callLater\` timers in [0, 0.01] s`, file: "timers", args: [size(200_000)], native: "`setTimeout`" },
  { name: "queue", what: `${size(1_000_000).toLocaleString("en-US")} items through a \`Queue(100)\``, file: "queue", args: [size(1_000_000)], native: "a bounded queue of promises" },
];

/** The command that runs a workload file with `args` on `runtime`. */
function command(runtime: Runtime, file: string, args: string[]): [string, string[]] {
  const script = path.join(BENCH_DIR, "workloads", `${file}.ts`);
  if (runtime === "node") return [process.execPath, ["--import", "tsx", "--expose-gc", script, ...args]];
  if (runtime === "bun") return [binaryOf("bun"), [script, ...args]];
  return [binaryOf("deno"), ["run", "-A", "--no-check", "--v8-flags=--expose-gc", script, ...args]];
}

function measure(runtime: Runtime, w: Workload, contender: "asyncio-ts" | "native"): Promise<number> {
  const name = contender === "native" ? (w.nativeContender ?? "native") : contender;
  const [cmd, args] = command(runtime, w.file, [name, ...w.args.map(String)]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      const line = out.trim().split("\n").filter((l) => l.startsWith("{")).pop();
      const parsed = line === undefined ? undefined : (JSON.parse(line) as { value?: number });
      if (code === 0 && typeof parsed?.value === "number") resolve(parsed.value);
      else reject(new Error(`${runtime} ${w.file} ${contender}: exit ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`));
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M/s`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} k/s`;
  return `${n.toFixed(0)}/s`;
}

/** `median (min to max)` of rates. */
function spread(xs: number[], show: (n: number) => string): string {
  return xs.length === 1 ? show(xs[0]!) : `${show(median(xs))} (${show(Math.min(...xs))} to ${show(Math.max(...xs))})`;
}

const ratio = (n: number): string => `${n.toFixed(2)}x`;

async function main(): Promise<void> {
  const versions: Record<Runtime, string> = { node: `Node.js ${process.version.slice(1)}`, bun: `Bun ${versionOf("bun")}`, deno: `Deno ${versionOf("deno").split(" ")[1]}` };
  console.log(`${Object.values(versions).join(", ")}; ${ROUNDS} rounds; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), load ${os.loadavg()[0]!.toFixed(1)}`);
  const figures = new Map<string, { ours: number[]; native: number[]; ratios: number[] }>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const w of WORKLOADS) {
      for (const r of RUNTIMES) {
        const key = `${w.name} ${r}`;
        const f = figures.get(key) ?? { ours: [], native: [], ratios: [] };
        figures.set(key, f);
        const ours = await measure(r, w, "asyncio-ts");
        const native = await measure(r, w, "native");
        f.ours.push(ours);
        f.native.push(native);
        f.ratios.push(ours / native);
        console.log(`round ${round}: ${key}: asyncio-ts ${rate(ours)}, native ${rate(native)}, ${ratio(ours / native)}`);
      }
    }
  }
  const lines = [
    "",
    `| workload | runtime | asyncio-ts | native async/await | asyncio-ts / native |`,
    "|---|---|---|---|---|",
  ];
  for (const w of WORKLOADS) {
    for (const r of RUNTIMES) {
      const f = figures.get(`${w.name} ${r}`)!;
      const label = r === "node" ? `**${w.name}**: ${w.what}; native: ${w.native}` : "";
      lines.push(`| ${label} | ${versions[r]} | ${spread(f.ours, rate)} | ${spread(f.native, rate)} | ${spread(f.ratios, ratio)} |`);
    }
  }
  lines.push("", `Each figure: the median over ${ROUNDS} rounds (range in parentheses); the ratio is taken within each round.`);
  console.log(lines.join("\n"));
  console.log(`load after: ${os.loadavg()[0]!.toFixed(1)}`);
}

await main();
