/**
 * The seed's httpx client on `asyncio-ts/http`: fetches `/timeit/1` and `/timeit/2` of BASE_URL
 * at once with `gather`, prints each status and body, then `total time is: T` (about 2 s, the
 * longest request, not the sum). Run it against examples/web_server.ts or the seed's own
 * FastAPI server on uvicorn:
 *
 *     node --import tsx examples/web_client.ts http://127.0.0.1:8000
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
import { gather, run } from "asyncio-ts";
import { ClientSession } from "asyncio-ts/http";

const baseUrl = process.argv[2];
if (baseUrl === undefined) {
  console.error("usage: node --import tsx examples/web_client.ts BASE_URL   (e.g. http://127.0.0.1:8000)");
  process.exit(2);
}

await run(function* () {
  const start = performance.now();
  yield* new ClientSession({ baseUrl }).with(function* (client) {
    const [response, response2] = yield* gather(client.get("/timeit/1"), client.get("/timeit/2"));
    for (const r of [response, response2]) console.log(`${r.status} ${yield* r.text()}`);
  });
  console.log(`total time is: ${((performance.now() - start) / 1000).toFixed(3)}`);
});
