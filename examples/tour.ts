/**
 * The tour: runs every example in examples/ one after the other, or one by name
 * (`npm start -- hello`).
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "tour.ts")
  .map((f) => f.slice(0, -3))
  .sort();
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
  const r = spawnSync(process.execPath, ["--import", "tsx", join(here, `${name}.ts`)], { stdio: "inherit" });
  const secs = ((performance.now() - t0) / 1000).toFixed(2);
  console.log(`--- ${name}: ${r.status === 0 ? "ok" : `failed (exit ${r.status})`} in ${secs} s`);
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
