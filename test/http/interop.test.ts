/**
 * The seed's own Python programs against ours, both ways, with Debian's CPython (/usr/bin/python3)
 * and its python3-fastapi, python3-uvicorn and python3-httpx (.ci/run installs them when missing):
 * the seed's httpx client against examples/web_server.ts, and examples/web_client.ts against the
 * seed's FastAPI server on uvicorn. Each side sleeps 1 s and 2 s at once: the total is about 2 s.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runTs } from "../helpers.ts";

const PYTHON = "/usr/bin/python3";
const root = fileURLToPath(new URL("../../", import.meta.url));
const fixtures = fileURLToPath(new URL("../fixtures/http/", import.meta.url));

test("Debian's python3 has fastapi, uvicorn and httpx (.ci/run installs python3-fastapi python3-uvicorn python3-httpx)", () => {
  const r = spawnSync(PYTHON, ["-c", "import fastapi, uvicorn, httpx"], { encoding: "utf8" });
  assert.equal(r.status, 0, `run: apt-get install -y --no-install-recommends python3-fastapi python3-uvicorn python3-httpx\n${r.stderr}`);
});

/** Starts a server program; resolves with the process and its port once it printed "listening on PORT". */
function startServer(file: string, args: string[]): Promise<[ChildProcess, number]> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /^listening on (\d+)$/m.exec(out);
      if (m !== null) resolve([child, Number(m[1])]);
    });
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`${args.join(" ")} exited ${code} before listening:\n${out}${err}`)));
  });
}

function runClient(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.removeAllListeners("exit");
    child.once("exit", (code) => resolve(code));
    child.kill("SIGINT");
  });
}

test("the seed's httpx client against examples/web_server.ts: both answers, {\"Hello\":\"World\"}, about 2 s in all", async () => {
  const [server, port] = await startServer(...runTs("examples/web_server.ts", "0"));
  try {
    const r = await runClient(PYTHON, [`${fixtures}seed_client.py`, `http://127.0.0.1:${port}`]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.deepEqual(lines.slice(0, 3), ['200 "sleep seconds: 1"', '200 "sleep seconds: 2"', "200 application/json {'Hello': 'World'}"]);
    const total = Number(/^total time is:  ([\d.]+)$/.exec(lines[3]!)?.[1]);
    assert.ok(total >= 1.95 && total < 2.6, `total ${total} s`);
  } finally {
    assert.equal(await stop(server), 0, "web_server.ts exits 0 after Ctrl-C");
  }
});

test("examples/web_client.ts against the seed's FastAPI server on uvicorn: both answers, about 2 s in all", async () => {
  const [server, port] = await startServer(PYTHON, [`${fixtures}seed_server.py`, "0"]);
  try {
    const r = await runClient(...runTs("examples/web_client.ts", `http://127.0.0.1:${port}`));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const lines = r.stdout.trimEnd().split("\n");
    assert.deepEqual(lines.slice(0, 2), ['200 "sleep seconds: 1"', '200 "sleep seconds: 2"']);
    const total = Number(/^total time is: ([\d.]+)$/.exec(lines[2]!)?.[1]);
    assert.ok(total >= 1.95 && total < 2.6, `total ${total} s`);
  } finally {
    await stop(server);
  }
});
