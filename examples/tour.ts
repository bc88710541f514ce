/**
 * The tour: runs every example in examples/ (or the ones named: `npm start -- hello crawler_concurrent`;
 * `npm start -- --list` lists them),
 * shows its output and timing, and says whether it matched the transcript of the Python original.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareTranscript, expectedTranscript } from "./_transcript.ts";

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "tour.ts" && !f.startsWith("_"))
  .map((f) => f.slice(0, -3))
  .sort();
if (process.argv[2] === "--list") {
  console.log(all.join("\n"));
  process.exit(0);
}
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`no example named ${unknown.join(", ")}; the examples are: ${all.join(", ")}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n=== ${name} ===`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", join(here, `${name}.ts`)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const secs = ((performance.now() - t0) / 1000).toFixed(2);
  process.stdout.write(r.stdout);
  const expected = expectedTranscript(join(here, `${name}.ts`));
  const diff = expected === null ? null : compareTranscript(expected, r.stdout);
  const verdict =
    r.status !== 0 ? `failed (exit ${r.status})` : expected === null ? "ran" : diff === null ? "matched the Python original" : `did NOT match the Python original (${diff})`;
  console.log(`--- ${name}: ${verdict}, ${secs} s`);
  if (r.status !== 0 || diff !== null) failed++;
}
process.exit(failed === 0 ? 0 : 1);
