/**
 * Every example with a transcript of its Python original (examples/expected/NAME.txt) runs as a
 * child process, and its output must match the transcript (timings within a tolerance).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compareTranscript, expectedTranscript } from "../examples/_transcript.ts";

const examples = fileURLToPath(new URL("../examples/", import.meta.url));
const names = readdirSync(`${examples}expected`)
  .filter((f) => f.endsWith(".txt"))
  .map((f) => f.slice(0, -4))
  .sort();

function runExample(name: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", `${examples}${name}.ts`], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

// Three at a time: ten Node processes starting at once on a small machine delayed an example's
// first request past its timing tolerance (0.15 s) once.
describe("examples print what their Python originals print", { concurrency: 3 }, () => {
  for (const name of names) {
    test(name, async () => {
      const r = await runExample(name);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "", "an example writes nothing to stderr");
      assert.equal(compareTranscript(expectedTranscript(`${examples}${name}.ts`)!, r.stdout), null);
    });
  }
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
