/**
 * The transcript of the Python original of an example (`expected/NAME.txt` beside it), and the
 * comparison of an example's output with it (_compare.ts, which says what a transcript may hold).
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export { compareTranscript } from "./_compare.ts";

/** The expected transcript of the example in `file` (`expected/NAME.txt` beside it), or null when it has none. */
export function expectedTranscript(file: string): string | null {
  const transcript = join(dirname(file), "expected", `${basename(file, ".ts")}.txt`);
  return existsSync(transcript) ? readFileSync(transcript, "utf8") : null;
}
