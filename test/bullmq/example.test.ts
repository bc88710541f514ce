/**
 * examples/distributed_pool.ts, the seeds' thread-pool demo over Redis, run as a user runs it:
 * against a real redis-server it prints what the seed's Python original prints (its transcript,
 * examples/seeds/expected/000_02_run_in_executor.txt, timings within the tour's tolerance);
 * without REDIS_URL it says how to start Redis and exits 0.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { compareTranscript, expectedTranscript } from "../../examples/_transcript.ts";
import { RedisServer } from "./helpers.ts";

const example = fileURLToPath(new URL("../../examples/distributed_pool.ts", import.meta.url));
const seed = fileURLToPath(new URL("../../examples/seeds/000_02_run_in_executor.ts", import.meta.url));

function runExample(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", example], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(() => redis.close());

test("distributed_pool: the seed's program over Redis and two worker processes prints what the seed prints, in about 4 s", async () => {
  const r = await runExample({ ...process.env, REDIS_URL: redis.url });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(compareTranscript(expectedTranscript(seed)!, r.stdout), null, r.stdout);
  assert.equal(r.stderr, "");
});

test("distributed_pool without REDIS_URL says how to start Redis and exits 0", async () => {
  const env = { ...process.env };
  delete env.REDIS_URL;
  const r = await runExample(env);
  assert.deepEqual([r.code, r.stderr], [0, ""]);
  assert.equal(
    r.stdout,
    "This example needs Redis: start one (apt-get install redis-server, or redis-server --port 6379)\n" +
      "and run it as REDIS_URL=redis://127.0.0.1:6379 node --import tsx examples/distributed_pool.ts\n",
  );
});
