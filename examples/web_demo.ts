/**
 * The seed's web demo, for real: its FastAPI server (`GET /` answers `{"Hello": "World"}`,
 * `GET /timeit/{seconds}` sleeps, then answers) and its httpx client, which sends two requests at
 * once with `gather`, both on one loop through `asyncio-ts/http`. Each handler only waits, so the
 * waits overlap: the total is the longest request, not the sum. (The seed sleeps 1 and 2 s;
 * this demo 0.3 and 0.6 s, so the test suite stays fast: examples/web_server.ts and
 * examples/web_client.ts are the seed's programs at full length.)
 *
 *     app = FastAPI()
 *
 *     @app.get("/")
 *     def read_root():
 *         return {"Hello": "World"}
 *
 *     @app.get("/timeit/{seconds}")
 *     def timeit(seconds):
 *         seconds = int(seconds)
 *         time.sleep(seconds)
 *         return f"sleep seconds: {seconds}"
 *
 *     async def get_timeit():
 *         start_time = time.time()
 *         async with httpx.AsyncClient() as client:
 *             response = client.get("http://127.0.0.1:8000/timeit/1")
 *             response2 = client.get("http://127.0.0.1:8000/timeit/2")
 *             await asyncio.gather(response, response2)
 *         end_time = time.time()
 *         print("total time is: ", end_time - start_time)
 */
import { gather, run, sleep, type Coroutine } from "asyncio-ts";
import { AppRunner, Application, ClientSession, HTTPBadRequest, RouteTableDef, TCPSite, jsonResponse } from "asyncio-ts/http";

const routes = new RouteTableDef();

routes.get("/", function* () {
  return jsonResponse({ Hello: "World" });
});

routes.get("/timeit/{seconds}", function* (request) {
  const seconds = Number(request.matchInfo.seconds);
  if (!Number.isFinite(seconds) || seconds < 0) throw new HTTPBadRequest({ text: `seconds must be a number, got ${request.matchInfo.seconds}` });
  // asyncio's sleep, not time.sleep: the loop serves other requests meanwhile.
  yield* sleep(seconds);
  return jsonResponse(`sleep seconds: ${seconds}`);
});

function* timed(session: ClientSession, path: string, t0: number): Coroutine<void> {
  const resp = yield* session.get(path);
  const body = yield* resp.text();
  console.log(`GET ${path} -> ${resp.status} ${resp.reason}: ${body} (at ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

function* main(): Coroutine<void> {
  const app = new Application();
  app.addRoutes(routes);
  const runner = new AppRunner(app);
  yield* runner.setup();
  try {
    const site = new TCPSite(runner, "127.0.0.1", 0);
    yield* site.start();
    console.log(`serving / and /timeit/{seconds} on ${site.host}:${site.port}`);
    yield* new ClientSession({ baseUrl: site.name }).with(function* (client) {
      const root = yield* client.get("/");
      console.log(`GET / -> ${root.status} ${root.reason}: ${yield* root.text()}`);
      const t0 = performance.now();
      yield* gather(timed(client, "/timeit/0.6", t0), timed(client, "/timeit/0.3", t0));
      const total = (performance.now() - t0) / 1000;
      console.log(`total time is: ${total.toFixed(1)} s for 0.6 + 0.3 = 0.9 s of sleeping: the longest request, not the sum`);
    });
  } finally {
    yield* runner.cleanup();
  }
}

await run(main());
