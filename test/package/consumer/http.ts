/** An HTTP server and client of `asyncio-ts/http` on 127.0.0.1, port 0, as a user writes them, run with plain node. */
import assert from "node:assert/strict";
import { gather, run, sleep, type Coroutine } from "asyncio-ts";
import { AppRunner, Application, ClientSession, RouteTableDef, TCPConnector, TCPSite, jsonResponse } from "asyncio-ts/http";

const routes = new RouteTableDef();
routes.get("/", function* () {
  return jsonResponse({ Hello: "World" });
});
routes.get("/timeit/{seconds}", function* (request) {
  const seconds = Number(request.matchInfo.seconds);
  yield* sleep(seconds);
  return jsonResponse(`sleep seconds: ${seconds}`);
});

function* main(): Coroutine {
  const app = new Application();
  app.addRoutes(routes);
  const runner = new AppRunner(app);
  yield* runner.setup();
  try {
    const site = new TCPSite(runner, "127.0.0.1", 0);
    yield* site.start();
    const connector = new TCPConnector({ limitPerHost: 2 });
    yield* new ClientSession({ baseUrl: site.name, connector }).with(function* (session) {
      const root = yield* session.get("/");
      assert.deepEqual(yield* root.json(), { Hello: "World" });
      const started = performance.now();
      const [a, b] = yield* gather(session.get("/timeit/0.2"), session.get("/timeit/0.1"));
      assert.deepEqual([a.status, yield* a.json(), b.status, yield* b.json()], [200, "sleep seconds: 0.2", 200, "sleep seconds: 0.1"]);
      assert.ok(performance.now() - started < 400, "the two requests ran at once");
    });
  } finally {
    yield* runner.cleanup();
  }
}

await run(main);
console.log("ok: http server and client");
