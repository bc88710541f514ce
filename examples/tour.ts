/**
 * The tour: runs the port of every tutorial program (examples/seeds/, tutorial by tutorial), then
 * the other examples (examples/), shows each one's output and timing, and says whether it matched
 * the transcript of the Python original. `npm start -- NAME ...` runs only the examples named
 * (`npm start -- 003_05_producer_consumer web_demo`); a tutorial's number (`npm start -- 003`)
 * runs its programs; `npm start -- --list` lists the examples.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareTranscript, expectedTranscript } from "./_transcript.ts";
import { tutorials, withDifferences, type Program } from "./seeds/_tutorials.ts";

const here = dirname(fileURLToPath(import.meta.url));
const seeds = join(here, "seeds");
// The other examples the tour runs are those with a transcript to check (examples/expected/);
// web_server.ts and web_client.ts are tools that take arguments, run with node directly.
const others = readdirSync(join(here, "expected"))
  .filter((f) => f.endsWith(".txt"))
  .map((f) => f.slice(0, -4))
  .sort();
const programs = tutorials.flatMap((t) => t.programs);
const totalPrograms = programs.length;
if (process.argv[2] === "--list") {
  for (const t of tutorials) for (const p of t.programs) console.log(p.needs === undefined ? p.name : `${p.name} (needs ${p.needs})`);
  for (const name of others) console.log(name);
  process.exit(0);
}

const wanted = process.argv.slice(2);
const known = (w: string): boolean => programs.some((p) => p.name === w) || others.includes(w) || tutorials.some((t) => t.file.startsWith(`${w}_`));
const unknown = wanted.filter((w) => !known(w));
if (unknown.length > 0) {
  console.error(`no example named ${unknown.join(", ")}; the examples are: ${[...programs.map((p) => p.name), ...others].join(", ")} (or a tutorial's number: 000 to 004)`);
  process.exit(2);
}
const chosen = (name: string): boolean => wanted.length === 0 || wanted.includes(name) || wanted.some((w) => name.startsWith(`${w}_`));

/** What became of one example. */
type Verdict = "matched" | "differs" | "needs" | "failed";

/** Runs the example in `file`, prints its output and verdict. */
function runExample(name: string, file: string, program?: Program): Verdict {
  console.log(`\n=== ${name} ===`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const secs = ((performance.now() - t0) / 1000).toFixed(2);
  process.stdout.write(r.stdout);
  const expected = expectedTranscript(file);
  let verdict: Verdict = "failed";
  let says: string;
  if (r.status !== 0) says = `failed (exit ${r.status})`;
  else if (expected === null) {
    verdict = "matched";
    says = "ran (it has no transcript)";
  } else {
    const diff = compareTranscript(program === undefined ? expected : withDifferences(expected, program), r.stdout);
    const differences = program?.differences ?? [];
    if (diff !== null) says = `did NOT match the Python original (${diff})`;
    else if (differences.length === 0) {
      verdict = "matched";
      says = "matched the Python original";
    } else {
      verdict = "differs";
      says = `did not match the Python original, but only where asyncio-ts is known to print otherwise: ${[...new Set(differences.map((d) => d.why))].join("; ")}`;
    }
  }
  console.log(`--- ${name}: ${says}, ${secs} s`);
  return verdict;
}

const verdicts = new Map<string, Verdict>();
for (const tutorial of tutorials) {
  const run = tutorial.programs.filter((p) => chosen(p.name));
  if (run.length === 0) continue;
  console.log(`\n##### tutorial ${tutorial.file}: ${tutorial.subject}`);
  for (const program of run) {
    const file = join(seeds, `${program.name}.ts`);
    if (program.needs !== undefined && !existsSync(file)) {
      console.log(`\n=== ${program.name}: needs ${program.needs}, which asyncio-ts does not have yet ===`);
      verdicts.set(program.name, "needs");
    } else {
      verdicts.set(program.name, runExample(program.name, file, program));
    }
  }
}
const otherRun = others.filter(chosen);
if (otherRun.length > 0) {
  console.log("\n##### other examples");
  for (const name of otherRun) verdicts.set(name, runExample(name, join(here, `${name}.ts`)));
}

const failed = [...verdicts].filter(([, v]) => v === "failed").map(([n]) => n);
const tutorialVerdicts = programs.filter((p) => verdicts.has(p.name)).map((p) => [p.name, verdicts.get(p.name)!] as const);
if (tutorialVerdicts.length > 0) {
  const named = (v: Verdict): string[] => tutorialVerdicts.filter(([, x]) => x === v).map(([n]) => n);
  const notes = [
    named("differs").length > 0 ? `differ only where asyncio-ts is known to print otherwise: ${named("differs").join(", ")}` : "",
    named("needs").length > 0 ? `not ported until the entry points they need exist: ${named("needs").join(", ")}` : "",
    failed.length > 0 ? `FAILED: ${failed.join(", ")}` : "",
  ].filter((s) => s !== "");
  if (notes.length > 0) console.log(`\n${notes.join("\n")}`);
  const of = wanted.length === 0 ? totalPrograms : tutorialVerdicts.length;
  console.log(`${named("matched").length} of ${of} matched`);
} else if (failed.length > 0) {
  console.log(`\nFAILED: ${failed.join(", ")}`);
}
process.exit(failed.length === 0 ? 0 : 1);
