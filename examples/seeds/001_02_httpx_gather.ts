/**
 * Tutorial 001_8035d624070b9cd9.txt ("AsyncIO 基础"), the second httpx client: two requests made
 * first as plain awaitables (`/timeit/1` and `/timeit/2`), then awaited together with `gather`, so
 * the total is the longer request, not the sum. The client is `asyncio-ts/http`'s `ClientSession`;
 * the server is the tutorial's, started on 127.0.0.1 by the program itself (_fastapi_server.ts).
 *
 * CPython 3.13 runs it as it is (with httpx installed and the server running on port 8000).
 */
import { gather, run, type Coroutine } from "asyncio-ts";
import { ClientSession } from "asyncio-ts/http";
import { startTutorialServer } from "./_fastapi_server.ts";

function* getTimeit(baseUrl: string): Coroutine {
  const startTime = Date.now() / 1000;
  yield* new ClientSession().with(function* (client) {
    const response = client.get(`${baseUrl}/timeit/1`);
    const response2 = client.get(`${baseUrl}/timeit/2`);
    yield* gather(response, response2);
  });
  const endTime = Date.now() / 1000;
  console.log(`total time is:  ${endTime - startTime}`);
}

await run(function* () {
  const server = yield* startTutorialServer();
  try {
    yield* getTimeit(server.baseUrl);
  } finally {
    yield* server.stop();
  }
});
