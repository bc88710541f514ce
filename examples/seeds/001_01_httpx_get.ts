/**
 * Tutorial 001_8035d624070b9cd9.txt ("AsyncIO 基础"), the first httpx client: one request to the
 * tutorial's FastAPI server, `GET /timeit/2`, inside an `httpx.AsyncClient` block, then how long the
 * whole thing took. Here the client is `asyncio-ts/http`'s `ClientSession` (httpx's `AsyncClient`,
 * aiohttp's name) and the server is the tutorial's, started on 127.0.0.1 by the program itself
 * (_fastapi_server.ts), since tests have no network.
 *
 * CPython 3.13 runs it as it is (with httpx installed and the server running on port 8000).
 */
import { run, type Coroutine } from "asyncio-ts";
import { ClientSession } from "asyncio-ts/http";
import { startTutorialServer } from "./_fastapi_server.ts";

function* getTime(baseUrl: string): Coroutine {
  const startTime = Date.now() / 1000;
  yield* new ClientSession().with(function* (client) {
    yield* client.get(`${baseUrl}/timeit/2`);
  });
  const endTime = Date.now() / 1000;
  console.log(`whole time is:  ${endTime - startTime}`);
}

await run(function* () {
  const server = yield* startTutorialServer();
  try {
    yield* getTime(server.baseUrl);
  } finally {
    yield* server.stop();
  }
});
