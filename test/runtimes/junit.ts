/**
 * Reads the JUnit XML that `bun test --reporter=junit` and `deno test --junit-path` write: one
 * record per test case, with whether it failed or was skipped. Only what those two reporters
 * write is understood (attributes in double quotes, XML's five entities).
 */

export interface CaseResult {
  /** The test file, as given on the command line (`test/loop/tasks.test.ts`). */
  readonly file: string;
  /** The test's name as the runtime reports it (Deno names a subtest `parent > step`). */
  readonly name: string;
  readonly outcome: "passed" | "failed" | "skipped";
  /**
   * The failure's message, if it failed: its first lines, enough to see the error (Bun puts the
   * source lines around a throw before the error's own line).
   */
  readonly message: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) =>
    e.startsWith("#x") || e.startsWith("#X") ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith("#") ? String.fromCodePoint(Number(e.slice(1))) : ENTITIES[e]!,
  );
}

function attribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m === null ? undefined : decode(m[1]!);
}

/** The test cases of one report, all attributed to `file`. */
export function parseJunit(xml: string, file: string): CaseResult[] {
  const cases: CaseResult[] = [];
  const re = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (let m = re.exec(xml); m !== null; m = re.exec(xml)) {
    const tag = m[1]!;
    const body = m[3] ?? "";
    const failure = /<(failure|error)\b([^>]*)>?/.exec(body);
    const outcome = failure !== null ? "failed" : /<skipped\b/.test(body) ? "skipped" : "passed";
    const message = failure === null ? "" : (attribute(failure[2]!, "message") ?? decode(body.replace(/<[^>]+>/g, "")).trim());
    const lines = message.split("\n").filter((l) => l.trim() !== "");
    cases.push({ file, name: attribute(tag, "name") ?? "", outcome, message: lines.slice(0, 16).join("\n").slice(0, 2000) });
  }
  return cases;
}
