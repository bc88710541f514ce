/**
 * The test suite on Bun and Deno (`npm run test:runtimes`; CI runs it after Node's): each test
 * file of `npm test` runs under `bun test` and under `deno test`, from the binaries the lock file
 * installs (binaries.ts), three files at a time (the examples last, two at a time), each with a
 * time limit. Then every result is held against test/runtimes/expected.ts, which lists each test
 * known to fail on a runtime and why: the run fails on a test that fails and is not listed, and on
 * a listed test that passes (unless it is marked as flaky), so the list, and the README's table
 * made from it (table.ts), stay true.
 *
 *   npm run test:runtimes                      both runtimes, every file
 *   npm run test:runtimes -- bun               one runtime
 *   npm run test:runtimes -- deno test/net/streams.test.ts
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { binaryOf, versionOf, type OtherRuntime } from "./binaries.ts";
import { parseJunit, type CaseResult } from "./junit.ts";
import { KNOWN_FAILURES, NOT_RUN, type KnownFailure } from "./expected.ts";
import { NODE_ONLY_FILES } from "./table.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
/** A test file that has not finished by then is stopped, and counts as failed. */
const FILE_TIMEOUT_MS = 180_000;
/** Files run at once: most of the slow ones sleep (the children a test starts, servers). */
const CONCURRENCY = 3;
/**
 * Files whose tests check timings (each example's output against its transcript, within 15%):
 * they run last, at most two at a time, as under npm test, so the others' load does not skew them.
 */
const TIMED = ["test/examples.test.ts"];

/** The files `npm test` runs (test/*.test.ts and test/*\/*.test.ts) but those that drive a browser from Node. */
function testFiles(): string[] {
  const top = readdirSync(join(root, "test")).filter((f) => f.endsWith(".test.ts")).map((f) => `test/${f}`);
  const nested = readdirSync(join(root, "test"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(root, "test", d.name)).filter((f) => f.endsWith(".test.ts")).map((f) => `test/${d.name}/${f}`));
  return [...top, ...nested].filter((f) => !NODE_ONLY_FILES.includes(f)).sort();
}

function commandFor(runtime: OtherRuntime, file: string, report: string): [string, string[]] {
  if (runtime === "bun") return [binaryOf("bun"), ["test", "--timeout", "60000", "--reporter=junit", `--reporter-outfile=${report}`, `./${file}`]];
  return [binaryOf("deno"), ["test", "-A", "--no-check", `--junit-path=${report}`, file]];
}

interface FileRun {
  readonly runtime: OtherRuntime;
  readonly file: string;
  readonly cases: CaseResult[];
  /** Why the file produced no report, if it did not (a crash, the time limit). */
  readonly broken: string | null;
  readonly seconds: number;
}

function runFile(runtime: OtherRuntime, file: string, work: string): Promise<FileRun> {
  const report = join(work, `${runtime}-${file.replace(/\W/g, "_")}.xml`);
  const [cmd, args] = commandFor(runtime, file, report);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, FILE_TIMEOUT_MS);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      const cases = existsSync(report) ? parseJunit(readFileSync(report, "utf8"), file) : [];
      let broken: string | null = null;
      if (timedOut) broken = `stopped after ${FILE_TIMEOUT_MS / 1000} s`;
      else if (cases.length === 0) broken = `no test ran (exit ${code ?? signal})`;
      if (broken !== null) broken += `; last output:\n${output.trim().split("\n").slice(-15).join("\n")}`;
      resolve({ runtime, file, cases, broken, seconds });
    });
  });
}

/** Runs `jobs` at most `concurrency` at a time, in order. */
async function pool<T>(jobs: (() => Promise<T>)[], onDone: (r: T) => void, concurrency: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const r = await jobs[next++]!();
      onDone(r);
      results.push(r);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

function knownFor(runtime: OtherRuntime, c: { file: string; name: string }): KnownFailure | undefined {
  return KNOWN_FAILURES.find((k) => k.runtimes.includes(runtime) && k.file === c.file && (typeof k.test === "string" ? c.name === k.test || c.name.startsWith(`${k.test} > `) : k.test.test(c.name)));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runtimes = (["bun", "deno"] as const).filter((r) => args.includes(r));
  const chosen = runtimes.length > 0 ? runtimes : (["bun", "deno"] as const);
  const files = args.filter((a) => a.endsWith(".test.ts"));
  const all = files.length === 0;
  const work = mkdtempSync(join(tmpdir(), "asyncio-ts-runtimes-"));
  for (const r of chosen) console.log(`${r}: ${versionOf(r)} (${relative(root, binaryOf(r))})`);
  const chosenFiles = all ? testFiles() : files;
  const report = (run: FileRun): void => {
    const failed = run.cases.filter((c) => c.outcome === "failed").length;
    const passed = run.cases.filter((c) => c.outcome === "passed").length;
    console.log(`${run.runtime.padEnd(4)} ${run.file}: ${passed} passed, ${failed} failed${run.broken === null ? "" : " (BROKEN)"} (${run.seconds.toFixed(1)} s)`);
  };
  const runsOn = (r: OtherRuntime, f: string): boolean => !NOT_RUN.some((n) => n.file === f && n.runtimes.includes(r));
  for (const n of NOT_RUN) console.log(`not run on ${n.runtimes.join(" and ")}: ${n.file}: ${n.why}`);
  const jobs = chosen.flatMap((r) => chosenFiles.filter((f) => !TIMED.includes(f) && runsOn(r, f)).map((f) => () => runFile(r, f, work)));
  const runs = await pool(jobs, report, CONCURRENCY);
  // Then the files whose checks are timings, with no other file beside them but their twin on
  // the other runtime: as npm test runs them, two files at a time.
  const timed = chosen.flatMap((r) => chosenFiles.filter((f) => TIMED.includes(f)).map((f) => () => runFile(r, f, work)));
  runs.push(...(await pool(timed, report, 2)));
  rmSync(work, { recursive: true, force: true });

  const problems: string[] = [];
  let passed = 0;
  let known = 0;
  for (const run of runs) {
    if (run.broken !== null) problems.push(`${run.runtime} ${run.file}: ${run.broken}`);
    for (const c of run.cases) {
      const k = knownFor(run.runtime, c);
      if (c.outcome === "passed") {
        passed++;
        // A listed test that passes is news, unless it is flaky or one step of a listed group.
        if (k !== undefined && !k.flaky && (typeof k.test !== "string" || c.name === k.test)) problems.push(`${run.runtime} ${c.file}: "${c.name}" passes, but test/runtimes/expected.ts says it fails (${k.why}): remove it from the list`);
      } else if (c.outcome === "failed") {
        if (k !== undefined) known++;
        else problems.push(`${run.runtime} ${c.file}: "${c.name}" FAILED:\n    ${c.message.replaceAll("\n", "\n    ")}`);
      }
    }
  }
  // A listed test that did not run at all (renamed, removed) is stale too.
  if (all) {
    for (const k of KNOWN_FAILURES) {
      for (const r of k.runtimes.filter((x) => (chosen as readonly string[]).includes(x))) {
        const seen = runs.some((run) => run.runtime === r && run.cases.some((c) => knownFor(r, c) === k));
        if (!seen) problems.push(`${r} ${k.file}: no test matches the known failure ${String(k.test)}: update test/runtimes/expected.ts`);
      }
    }
  }
  console.log(`\n${known} tests failed as test/runtimes/expected.ts says they do, and why (docs/differences.md: what it means for users)`);
  for (const p of problems) console.log(`PROBLEM ${p}`);
  console.log(`runtimes: ${passed} passed, ${problems.length} failed`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}

await main();
