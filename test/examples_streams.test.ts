/**
 * The networking examples (examples/http_get.ts, examples/web_demo.ts) run as child processes;
 * their output has ports and dates in it, so it is matched line by line with patterns.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const examples = fileURLToPath(new URL("../examples/", import.meta.url));

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

function assertLines(stdout: string, patterns: RegExp[]): void {
  const lines = stdout.trimEnd().split("\n");
  assert.equal(lines.length, patterns.length, stdout);
  patterns.forEach((p, i) => assert.match(lines[i]!, p, `line ${i + 1}`));
}

test("http_get: a raw GET over openConnection prints the status line, the headers and the body", async () => {
  const r = await runExample("http_get");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assertLines(r.stdout, [
    /^GET http:\/\/127\.0\.0\.1:\d+\/hello$/,
    /^status> HTTP\/1\.1 200 OK$/,
    /^HTTP header> Content-Type: text\/plain; charset=utf-8$/,
    /^HTTP header> X-Served-By: node:http$/,
    /^HTTP header> Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/,
    /^HTTP header> Connection: close$/,
    /^body> Hello from node:http, you asked for \/hello$/,
  ]);
});

test("web_demo: concurrent requests finish in the order of their delays, 404 first", async () => {
  const r = await runExample("web_demo");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assertLines(r.stdout, [
    /^serving \/timeit\/\{seconds\} on 127\.0\.0\.1:\d+$/,
    /^GET \/nothing-here -> 404 Not Found: no route for GET \/nothing-here \(at \d+\.\d s\)$/,
    /^GET \/timeit\/0\.1 -> 200 OK: slept 0\.1 s \(at \d+\.\d s\)$/,
    /^GET \/timeit\/0\.2 -> 200 OK: slept 0\.2 s \(at \d+\.\d s\)$/,
    /^GET \/timeit\/0\.3 -> 200 OK: slept 0\.3 s \(at \d+\.\d s\)$/,
    /^total: \d+\.\d s for 0\.3 \+ 0\.2 \+ 0\.1 = 0\.6 s of sleeping: the longest request, not the sum$/,
  ]);
});
