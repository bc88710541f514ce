/**
 * Compares an example's output with the transcript of the Python original (what _transcript.ts
 * reads from `expected/NAME.txt` beside the example). No Node module: test/browser/ runs it in a
 * page. In a transcript line:
 * - `~1.0` matches a number within 15% of it (at least 0.15), so timings such as
 *   "finished in ~2.0 s" match under load but 0.3 s never passes for 0.6 s;
 * - `{*}` matches any text (a port number, a date, a random value);
 * a line that is just `{...}` matches any number of lines (a ticker's output);
 * and the lines between `{any order}` and `{end}` match in any order, each line on its own or,
 * where `{and}` lines split the block, each group of lines as a whole (what a Python program
 * prints in the order of a set, or of threads finishing together).
 * Everything else must be equal.
 */
const ANY_LINES = "{...}";
const ANY_ORDER = "{any order}";
const AND = "{and}";
const END = "{end}";

/** One piece of a transcript: a line pattern, `{...}`, or a block of groups in any order. */
type Piece = string | { readonly groups: readonly (readonly string[])[] };

/** Null when `actual` matches `expected`, else a description of the first difference. */
export function compareTranscript(expected: string, actual: string): string | null {
  const want = parse(expected.trimEnd().split("\n"));
  const got = actual.trimEnd().split("\n");
  // The furthest point reached, and what was expected there, to describe a mismatch.
  let furthest = { w: -1, g: -1, wanted: "" };
  const reach = (w: number, g: number, wanted: () => string): void => {
    if (w > furthest.w || (w === furthest.w && g > furthest.g)) furthest = { w, g, wanted: wanted() };
  };
  // Backtracking over `{...}` lines and `{any order}` blocks; transcripts are a few dozen lines
  // and blocks a few groups, so this stays small.
  const match = (w: number, g: number): boolean => {
    const piece = want[w];
    if (typeof piece !== "object") reach(w, g, () => JSON.stringify(piece ?? "<end>"));
    if (piece === undefined) return g === got.length;
    if (piece === ANY_LINES) {
      for (let skip = g; skip <= got.length; skip++) if (match(w + 1, skip)) return true;
      return false;
    }
    if (typeof piece === "string") return g < got.length && lineMatches(piece, got[g]!) && match(w + 1, g + 1);
    const matchGroups = (left: readonly (readonly string[])[], at: number): boolean => {
      if (left.length === 0) return match(w + 1, at);
      reach(w, at, () => (left.length === 1 ? "" : "one of ") + left.map((group) => JSON.stringify(group[0])).join(", "));
      const groupMatches = (group: readonly string[]): boolean =>
        group.every((line, k) => {
          reach(w, at + k, () => JSON.stringify(line));
          return at + k < got.length && lineMatches(line, got[at + k]!);
        });
      return left.some((group, i) => groupMatches(group) && matchGroups([...left.slice(0, i), ...left.slice(i + 1)], at + group.length));
    };
    return matchGroups(piece.groups, g);
  };
  if (match(0, 0)) return null;
  return `line ${furthest.g + 1}: expected ${furthest.wanted}, got ${JSON.stringify(got[furthest.g] ?? "<end>")}`;
}

function parse(lines: string[]): Piece[] {
  const pieces: Piece[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== ANY_ORDER) {
      pieces.push(lines[i]!);
      continue;
    }
    const end = lines.indexOf(END, i + 1);
    if (end < 0) throw new SyntaxError(`transcript line ${i + 1}: ${ANY_ORDER} without ${END}`);
    const body = lines.slice(i + 1, end);
    if (body.some((l) => l === ANY_LINES || l === ANY_ORDER)) throw new SyntaxError(`transcript line ${i + 1}: ${ANY_ORDER} holds only lines and ${AND}`);
    const groups: string[][] = [[]];
    for (const line of body) {
      if (line === AND) groups.push([]);
      else groups.at(-1)!.push(line);
    }
    pieces.push({ groups: body.includes(AND) ? groups : body.map((l) => [l]) });
    i = end;
  }
  return pieces;
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
