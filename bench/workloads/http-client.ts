/**
 * The HTTP clients of workload http, run against a server of http-server.ts (or of
 * bench/python/http_bench.py) on 127.0.0.1:PORT; each prints one JSON line for bench/run.ts.
 * - timeit N SECONDS: N simultaneous `GET /timeit/SECONDS`, each on a connection of its own
 *   (node:http, no pooling: the seed's 1,000 users at once); the figure is the wall time from the
 *   first request to the last answer, the best (least) of 3 repetitions. With SECONDS 0 it is
 *   what opening, serving and closing N connections at once costs by itself.
 * - autocannon CONNECTIONS SECONDS: keep-alive load on `GET /` from autocannon (one connection
 *   per virtual user, no pipelining), after a 1 s warm-up; the best of 3 runs' requests/s.
 * - fanout-asyncio-ts N LIMIT: N `GET /` through `gather` on one asyncio-ts ClientSession whose
 *   TCPConnector has limitPerHost LIMIT, each reading its body; the best of up to 3 repetitions'
 *   requests/s. Then the cancellation check: N more requests, half of them cancelled once the
 *   first answers are in, then 1,000 more that must all succeed (reported as `cancelCheck`).
 *
 * Usage: node --import tsx bench/workloads/http-client.ts timeit|autocannon|fanout-asyncio-ts PORT ARGS...
 */

import http from "node:http";
import autocannon from "autocannon";
import { bestRate, main, now, type Contender } from "./common.ts";

const REPS = 3;

function timeitOnce(port: number, n: number, seconds: string): Promise<number> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  return new Promise((resolve, reject) => {
    const t0 = now();
    let left = n;
    for (let i = 0; i < n; i++) {
      http
        .get({ host: "127.0.0.1", port, path: `/timeit/${seconds}`, agent }, (res) => {
          if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
          res.resume();
          res.on("end", () => {
            if (--left === 0) {
              agent.destroy();
              resolve(now() - t0);
            }
          });
        })
        .on("error", reject);
    }
  });
}

function cannon(port: number, connections: number, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    autocannon({ url: `http://127.0.0.1:${port}/`, connections, duration: seconds, pipelining: 1 }, (err, result) => {
      if (err) return reject(err);
      if (result.non2xx > 0 || result.errors > 0) return reject(new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`));
      resolve(result.requests.total / seconds);
    });
  });
}

const contenders: Record<string, Contender> = {
  async timeit([port, n, seconds = "1"]) {
    let best = Infinity;
    for (let i = 0; i < REPS; i++) best = Math.min(best, await timeitOnce(Number(port), Number(n), seconds));
    return { value: best, unit: "s wall", reps: REPS };
  },

  async autocannon([port, connections, seconds]) {
    await cannon(Number(port), Number(connections), 1);
    let best = 0;
    for (let i = 0; i < REPS; i++) best = Math.max(best, await cannon(Number(port), Number(connections), Number(seconds)));
    return { value: best, unit: "requests/s", reps: REPS };
  },

  async "fanout-asyncio-ts"([port, n, limit]) {
    const { createTask, gather, run, sleep } = await import("../../src/index.ts");
    const { ClientSession, TCPConnector } = await import("../../src/http/index.ts");
    const total = Number(n);
    let cancelCheck = 0;
    let cancelled = 0;
    const outcome = await run(function* () {
      const connector = new TCPConnector({ limitPerHost: Number(limit) });
      const session = new ClientSession({ baseUrl: `http://127.0.0.1:${port}`, connector });
      function* get(): Generator<unknown, number, unknown> {
        const resp = yield* session.get("/");
        return (yield* resp.read()).length;
      }
      try {
        const rate = yield* (function* () {
          let best = 0;
          let reps = 0;
          const started = now();
          while (reps < REPS) {
            const t0 = now();
            yield* gather(...Array.from({ length: total }, get));
            best = Math.max(best, total / (now() - t0));
            reps++;
            if (now() - started > 3) break;
          }
          return { value: best, unit: "requests/s", reps };
        })();
        // Cancel half of N requests in flight, then 1,000 more must all succeed.
        const tasks = Array.from({ length: total }, () => createTask(get()));
        while (!tasks.some((t) => t.done())) yield* sleep(0.001);
        tasks.forEach((t, i) => {
          if (i % 2 === 1 && !t.done() && t.cancel()) cancelled++;
        });
        yield* gather(...tasks, { returnExceptions: true });
        const after = yield* gather(...Array.from({ length: 1000 }, get), { returnExceptions: true });
        cancelCheck = after.filter((x) => typeof x === "number").length;
        return rate;
      } finally {
        yield* session.close();
      }
    });
    return {
      ...outcome,
      extra: { cancelCheck: { value: cancelCheck, unit: `of 1,000 succeeded after cancelling ${cancelled.toLocaleString("en-US")} in flight` } },
    };
  },
};

main(contenders);
