/**
 * Every example with a transcript of its Python original runs as a child process, and its output
 * must match the transcript (timings within a tolerance): the port of each tutorial program
 * (examples/seeds/, listed in examples/seeds/_tutorials.ts), then the other examples (examples/).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareTranscript, expectedTranscript } from "../examples/_transcript.ts";
import { tutorials, withDifferences, type Program } from "../examples/seeds/_tutorials.ts";
import { runTs } from "./helpers.ts";

const examples = fileURLToPath(new URL("../examples/", import.meta.url));
const seeds = join(examples, "seeds");
const programs = tutorials.flatMap((t) => t.programs);
const ported = programs.filter((p) => p.needs === undefined);
const others = readdirSync(join(examples, "expected"))
  .filter((f) => f.endsWith(".txt"))
  .map((f) => f.slice(0, -4))
  .sort();

/** The names of the files in `dir` that end with `ext` and do not start with `_`, without `ext`. */
function namesIn(dir: string, ext: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext) && !f.startsWith("_"))
    .map((f) => f.slice(0, -ext.length))
    .sort();
}

// The examples mostly sleep, so they run side by side. But a Node start compiles TypeScript for
// about 0.4 s of CPU: several starting at once on a small machine delay the timers of those already
// running past their tolerance (0.15 s). So they start one at a time, each once the one before has
// printed its first line (or STARTUP_WAIT_MS after it started).
//
// Two depend on how fast worker threads start (about 50 ms of CPU each, which a busy machine
// stretched to 0.6-1.6 s): 000_02's "Complete in ~4.0 seconds" includes starting two, and in 001_06
// a job whose thread started late printed after one queued behind it on another thread. They run
// last, after the other test files that start with this one (docs.test.ts's TypeScript compiler),
// and alone among starts: the next example starts when one of them exits.
const STARTUP_WAIT_MS = 1000;
const THREADED = ["001_06_thread_pool_submit", "000_02_run_in_executor"];
let started: Promise<void> = Promise.resolve();

function runExample(file: string, alone: boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const before = started;
  let up!: () => void;
  started = new Promise<void>((resolve) => (up = resolve));
  return before.then(
    () =>
      new Promise((resolve, reject) => {
        const timer = alone ? undefined : setTimeout(up, STARTUP_WAIT_MS);
        const child = spawn(...runTs(file), { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => {
          stdout += d;
          if (!alone) up();
        });
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => {
          clearTimeout(timer);
          up();
          resolve({ code, stdout, stderr });
        });
      }),
  );
}

async function checkExample(file: string, program?: Program): Promise<void> {
  const r = await runExample(file, program !== undefined && THREADED.includes(program.name));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "", "an example writes nothing to stderr");
  const expected = expectedTranscript(file)!;
  assert.equal(compareTranscript(program === undefined ? expected : withDifferences(expected, program), r.stdout), null);
  if (program?.differences !== undefined) {
    assert.notEqual(compareTranscript(expected, r.stdout), null, `${program.name} now prints what Python prints: drop its differences from examples/seeds/_tutorials.ts`);
  }
}

test("the seeds' 27 programs each have a port and a transcript of the Python original, or name the entry point they need", () => {
  assert.equal(programs.length, 27);
  assert.deepEqual(tutorials.map((t) => t.file.slice(0, 3)), ["000", "001", "002", "003", "004"]);
  for (const t of tutorials) {
    t.programs.forEach((p, i) => assert.match(p.name, new RegExp(`^${t.file.slice(0, 3)}_${String(i + 1).padStart(2, "0")}_[a-z0-9_]+$`), `${p.name} is program ${i + 1} of ${t.file}`));
  }
  const names = ported.map((p) => p.name).sort();
  assert.deepEqual(namesIn(seeds, ".ts"), names, "examples/seeds/ holds exactly the ported programs");
  assert.deepEqual(namesIn(join(seeds, "expected"), ".txt"), names, "examples/seeds/expected/ holds a transcript for each ported program, and no other");
  for (const p of programs.filter((q) => q.needs !== undefined)) {
    assert.match(p.needs!, /^asyncio-ts\/[a-z]+$/, `${p.name} needs an entry point of the package`);
    assert.equal(existsSync(join(seeds, `${p.name}.ts`)), false);
  }
  for (const p of ported) {
    const transcript = readFileSync(join(seeds, "expected", `${p.name}.txt`), "utf8").split("\n");
    for (const d of p.differences ?? []) assert.ok(transcript.includes(d.python), `${p.name}'s transcript has the line ${JSON.stringify(d.python)}`);
  }
});

describe("examples print what their Python originals print", { concurrency: true }, () => {
  for (const program of ported.filter((p) => !THREADED.includes(p.name))) test(program.name, () => checkExample(join(seeds, `${program.name}.ts`), program));
  for (const name of others) test(name, () => checkExample(join(examples, `${name}.ts`)));
  for (const name of THREADED) test(name, () => checkExample(join(seeds, `${name}.ts`), ported.find((p) => p.name === name)));
});

test("the transcript comparison allows timing tolerance, wildcards, lines in any order, and nothing else", () => {
  assert.equal(compareTranscript("took ~2.0 s\n", "took 2.2 s\n"), null);
  assert.match(compareTranscript("took ~2.0 s", "took 2.5 s")!, /line 1/);
  assert.match(compareTranscript("total ~0.3 s", "total 0.6 s")!, /line 1/, "0.6 s must not pass for 0.3 s");
  assert.match(compareTranscript("a\nb", "a")!, /line 2: expected "b", got "<end>"/);
  assert.match(compareTranscript("hello", "Hello")!, /line 1/);
  assert.equal(compareTranscript("port {*} open", "port 8080 open"), null);
  assert.match(compareTranscript("port {*} open", "port 8080 closed")!, /line 1/);
  assert.equal(compareTranscript("start\n{...}\nend", "start\nend"), null);
  assert.equal(compareTranscript("start\ntick\n{...}\nend", "start\ntick\ntick\ntick\nend"), null);
  assert.match(compareTranscript("start\ntick\n{...}\nend", "start\nend")!, /line 2: expected "tick", got "end"/);

  const anyOrder = "first\n{any order}\nnum 0\nnum 1\nnum {*}\n{end}\nlast";
  assert.equal(compareTranscript(anyOrder, "first\nnum 0\nnum 1\nnum 2\nlast"), null);
  assert.equal(compareTranscript(anyOrder, "first\nnum 2\nnum 1\nnum 0\nlast"), null);
  assert.match(compareTranscript(anyOrder, "first\nnum 1\nnum 1\nnum 2\nlast")!, /line 4: expected "num 0", got "num 2"/, "each line matches once");
  assert.match(compareTranscript(anyOrder, "first\nnum 0\nnum 1\nlast")!, /line 4: expected "num {\*}", got "last"/, "every line must come");
  const groups = "{any order}\na 1\na 2\n{and}\nb 1\nb 2\n{end}\nend";
  assert.equal(compareTranscript(groups, "a 1\na 2\nb 1\nb 2\nend"), null);
  assert.equal(compareTranscript(groups, "b 1\nb 2\na 1\na 2\nend"), null);
  assert.match(compareTranscript(groups, "a 1\nb 1\na 2\nb 2\nend")!, /line 2: expected "a 2", got "b 1"/, "a group's lines stay together");
  assert.match(compareTranscript(groups, "a 2\na 1\nb 1\nb 2\nend")!, /line 1: expected one of "a 1", "b 1", got "a 2"/, "and in order");
  assert.throws(() => compareTranscript("{any order}\na", "a"), { name: "SyntaxError", message: "transcript line 1: {any order} without {end}" });
});

test("withDifferences() puts what asyncio-ts prints in place of each differing line of Python's transcript", () => {
  const program: Program = { name: "000_01_x", differences: [{ python: "<Future at 0x{*}>", asyncioTs: "<ConcurrentFuture>", why: "its repr" }] };
  assert.equal(withDifferences("a\n<Future at 0x{*}>\nb\n<Future at 0x{*}>\n", program), "a\n<ConcurrentFuture>\nb\n<ConcurrentFuture>\n");
  assert.equal(withDifferences("a\n", { name: "000_02_y" }), "a\n");
});
