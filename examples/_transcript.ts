/**
 * Compares an example's output with the transcript of the Python original
 * (examples/expected/NAME.txt). A token `~1.0` in the transcript matches a number within 0.35 of
 * it, so timings such as "finished in ~2.0 s" match under load; everything else must be equal.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const TOLERANCE = 0.35;

/** The expected transcript of example `name`, or null when it has none. */
export function expectedTranscript(name: string): string | null {
  const file = join(here, "expected", `${name}.txt`);
  return existsSync(file) ? readFileSync(file, "utf8") : null;
}

/** Null when `actual` matches `expected`, else a description of the first difference. */
export function compareTranscript(expected: string, actual: string): string | null {
  const want = expected.trimEnd().split("\n");
  const got = actual.trimEnd().split("\n");
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    const w = want[i];
    const g = got[i];
    if (w === undefined || g === undefined || !lineMatches(w, g)) {
      return `line ${i + 1}: expected ${JSON.stringify(w ?? "<end>")}, got ${JSON.stringify(g ?? "<end>")}`;
    }
  }
  return null;
}

function lineMatches(want: string, got: string): boolean {
  const parts = want.split(/~(\d+(?:\.\d+)?)/);
  if (parts.length === 1) return want === got;
  let pattern = "";
  const numbers: number[] = [];
  parts.forEach((p, i) => {
    if (i % 2 === 0) pattern += p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    else {
      pattern += "(\\d+(?:\\.\\d+)?)";
      numbers.push(Number(p));
    }
  });
  const m = new RegExp(`^${pattern}$`).exec(got);
  return m !== null && numbers.every((n, i) => Math.abs(Number(m[i + 1]) - n) <= TOLERANCE);
}
