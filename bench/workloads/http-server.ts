/**
 * The HTTP servers of workload http: each serves `GET /` (the small JSON `{"Hello":"World"}`) and
 * `GET /timeit/{seconds}` (answers after sleeping that long) on 127.0.0.1 (an ephemeral port,
 * backlog 2048 for every server, uvicorn's default, so 1,000 simultaneous connects measure the
 * loop and not a listen queue), prints `{"port": N}` once it listens, and serves until bench/run.ts
 * ends the process.
 * - asyncio-ts: asyncio-ts/http, an Application with the two routes (a task per request)
 * - raw-node: node:http, the answer written in the request callback, `setTimeout` for /timeit;
 *   it also counts its open sockets, and `GET /__max` answers the most it had at once (the client
 *   fan-out's check that the pool never opened more than its limit)
 *
 * Usage: node --import tsx bench/workloads/http-server.ts asyncio-ts|raw-node
 */

import http from "node:http";
import type net from "node:net";

const BACKLOG = 2048;
const HELLO = JSON.stringify({ Hello: "World" });

function listening(port: number): void {
  console.log(JSON.stringify({ port }));
}

const servers: Record<string, () => Promise<void>> = {
  async "raw-node"() {
    let open = 0;
    let maxOpen = 0;
    const server = http.createServer({ keepAliveTimeout: 75_000, noDelay: true }, (req, res) => {
      const url = req.url ?? "/";
      if (url === "/") {
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": String(HELLO.length) });
        res.end(HELLO);
      } else if (url === "/__max") {
        const body = JSON.stringify({ maxOpen });
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": String(body.length) });
        res.end(body);
      } else if (url.startsWith("/timeit/")) {
        const seconds = Number(url.slice("/timeit/".length));
        setTimeout(() => {
          const body = JSON.stringify(`sleep seconds: ${seconds}`);
          res.writeHead(200, { "Content-Type": "application/json", "Content-Length": String(body.length) });
          res.end(body);
        }, seconds * 1000);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    server.on("connection", (socket: net.Socket) => {
      maxOpen = Math.max(maxOpen, ++open);
      socket.once("close", () => open--);
    });
    await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1", backlog: BACKLOG }, resolve));
    listening((server.address() as net.AddressInfo).port);
  },

  async "asyncio-ts"() {
    const { run, sleep } = await import("../../src/index.ts");
    const { AppRunner, Application, TCPSite, jsonResponse } = await import("../../src/http/index.ts");
    const app = new Application();
    app.router.addGet("/", function* () {
      return jsonResponse({ Hello: "World" });
    });
    app.router.addGet("/timeit/{seconds}", function* (request) {
      const seconds = Number(request.matchInfo.seconds);
      yield* sleep(seconds);
      return jsonResponse(`sleep seconds: ${seconds}`);
    });
    await run(function* () {
      const runner = new AppRunner(app);
      yield* runner.setup();
      const site = new TCPSite(runner, "127.0.0.1", 0, { backlog: BACKLOG });
      yield* site.start();
      listening(site.port!);
      yield* sleep(Infinity);
    });
  },
};

const name = process.argv[2];
const start = name === undefined ? undefined : servers[name];
if (start === undefined) {
  console.error(`usage: http-server.ts ${Object.keys(servers).join("|")}`);
  process.exit(2);
}
await start();
