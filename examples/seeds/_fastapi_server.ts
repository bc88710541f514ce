/**
 * The tutorial's FastAPI server (tutorial 001, before its httpx clients), on `asyncio-ts/http`, for
 * the clients 001_01 and 001_02 to run against on this machine: `GET /` answers
 * `{"Hello":"World"}` and `GET /timeit/{seconds}` answers `"sleep seconds: N"` after N seconds.
 * The tutorial's handler is a plain `def` that calls `time.sleep`, which FastAPI runs in its thread
 * pool so that requests overlap; here the handler sleeps on the loop, which overlaps them too.
 * It listens on 127.0.0.1 and a free port: `startTutorialServer()` gives the base URL and a
 * coroutine that stops it.
 */
import { sleep, type Coroutine } from "asyncio-ts";
import { AppRunner, Application, TCPSite, jsonResponse } from "asyncio-ts/http";

export function* startTutorialServer(): Coroutine<{ baseUrl: string; stop: () => Coroutine }> {
  const app = new Application();
  app.get("/", function* () {
    return jsonResponse({ Hello: "World" });
  });
  app.get("/timeit/{seconds}", function* (request) {
    const seconds = Number.parseInt(request.matchInfo.seconds, 10);
    yield* sleep(seconds);
    return jsonResponse(`sleep seconds: ${seconds}`);
  });
  const runner = new AppRunner(app);
  yield* runner.setup();
  const site = new TCPSite(runner, "127.0.0.1", 0);
  yield* site.start();
  return { baseUrl: `http://127.0.0.1:${site.port}`, stop: () => runner.cleanup() };
}
