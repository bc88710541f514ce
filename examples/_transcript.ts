/**
 * Compares an example's output with the transcript of the Python original
 * (examples/expected/NAME.txt). In a transcript line:
 * - `~1.0` matches a number within 15% of it (at least 0.15), so timings such as
 *   "finished in ~2.0 s" match under load but 0.3 s never passes for 0.6 s;
 * - `{*}` matches any text (a port number, a date);
 * and a line that is just `{...}` matches any number of lines (a ticker's output).
 * Everything else must be equal.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const ANY_LINES = "{...}";

/** The expected transcript of example `name`, or null when it has none. */
export function expectedTranscript(name: string): string | null {
  const file = join(here, "expected", `${name}.txt`);
  return existsSync(file) ? readFileSync(file, "utf8") : null;
}

/** Null when `actual` matches `expected`, else a description of the first difference. */
export function compareTranscript(expected: string, actual: string): string | null {
  const want = expected.trimEnd().split("\n");
  const got = actual.trimEnd().split("\n");
  let furthest = { w: 0, g: 0 };
  // Backtracking over `{...}` lines; transcripts are a few dozen lines, so this stays small.
  const match = (w: number, g: number): boolean => {
    if (w > furthest.w || (w === furthest.w && g > furthest.g)) furthest = { w, g };
    if (w === want.length) return g === got.length;
    if (want[w] === ANY_LINES) {
      for (let skip = g; skip <= got.length; skip++) if (match(w + 1, skip)) return true;
      return false;
    }
    return g < got.length && lineMatches(want[w]!, got[g]!) && match(w + 1, g + 1);
  };
  if (match(0, 0)) return null;
  const { w, g } = furthest;
  return `line ${g + 1}: expected ${JSON.stringify(want[w] ?? "<end>")}, got ${JSON.stringify(got[g] ?? "<end>")}`;
}

function lineMatches(want: string, got: string): boolean {
  const parts = want.split(/(~\d+(?:\.\d+)?|\{\*\})/);
  if (parts.length === 1) return want === got;
  let pattern = "";
  const numbers: (number | null)[] = [];
  parts.forEach((p, i) => {
    if (i % 2 === 0) pattern += p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    else if (p === "{*}") {
      pattern += "(.*?)";
      numbers.push(null);
    } else {
      pattern += "(\\d+(?:\\.\\d+)?)";
      numbers.push(Number(p.slice(1)));
    }
  });
  const m = new RegExp(`^${pattern}$`).exec(got);
  return m !== null && numbers.every((n, i) => n === null || Math.abs(Number(m[i + 1]) - n) <= Math.max(0.15, 0.15 * n));
}
