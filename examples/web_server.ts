/**
 * The seed's FastAPI server on `asyncio-ts/http`: `GET /` answers `{"Hello":"World"}`, and
 * `GET /timeit/{seconds}` sleeps that many seconds, then answers the JSON string
 * `"sleep seconds: N"`. It listens on 127.0.0.1:PORT (8000, uvicorn's default, unless given;
 * 0 picks a free port), prints `listening on PORT` once it accepts connections, and serves
 * until Ctrl-C, then shuts down gracefully.
 *
 *     node --import tsx examples/web_server.ts [PORT]
 *
 * The seed's httpx client (or examples/web_client.ts) works against it, as ours does against
 * the seed's uvicorn server: test/http/interop.test.ts runs both ways.
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
 *     if __name__ == "__main__":
 *         uvicorn.run(app)
 */
import { KeyboardInterrupt, run, sleep } from "asyncio-ts";
import { Application, HTTPBadRequest, jsonResponse, runApp } from "asyncio-ts/http";

const port = Number(process.argv[2] ?? 8000);
const app = new Application();

app.get("/", function* () {
  return jsonResponse({ Hello: "World" });
});

app.get("/timeit/{seconds}", function* (request) {
  const seconds = Number(request.matchInfo.seconds);
  // FastAPI's int() of a word is a 500; saying what is wrong is kinder.
  if (!Number.isFinite(seconds) || seconds < 0) throw new HTTPBadRequest({ text: `seconds must be a number, got ${request.matchInfo.seconds}` });
  yield* sleep(seconds); // the loop's sleep: other requests go on meanwhile
  return jsonResponse(`sleep seconds: ${seconds}`);
});

try {
  await run(runApp(app, { host: "127.0.0.1", port, onListening: (site) => console.log(`listening on ${site.port}`), shutdownTimeout: 5 }));
} catch (e) {
  // Ctrl-C cancelled the server, which shut down gracefully: nothing more to say.
  if (!(e instanceof KeyboardInterrupt)) throw e;
}
