/**
 * A slow web endpoint and a concurrent client, both on one loop. The server (`startServer`)
 * answers `GET /timeit/{seconds}` after sleeping that long; the client fires three requests at
 * once with `gather`. Each handler only waits, so the waits overlap: the requests finish in the
 * order of their delays, and the total is the longest one (0.3 s), not the sum (0.6 s).
 *
 *     async def timeit(request):
 *         seconds = float(request.match_info["seconds"])
 *         await asyncio.sleep(seconds)
 *         return web.Response(text=f"slept {seconds} s")
 *
 *     async def main():
 *         start = time.perf_counter()
 *         await asyncio.gather(*(fetch(f"/timeit/{s}") for s in (0.3, 0.2, 0.1)))
 *         print(f"total: {time.perf_counter() - start:.2f} s")
 */
import { gather, openConnection, run, sleep, startServer, type Coroutine, type StreamReader, type StreamWriter } from "asyncio-ts";

const STATUS: Record<number, string> = { 200: "OK", 400: "Bad Request", 404: "Not Found" };

/** One HTTP/1.0-style exchange per connection: read the request head, answer, close. */
function* handle(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
  try {
    const requestLine = (yield* reader.readline()).toString("latin1").trimEnd();
    // Skip the headers: the demo needs only the path.
    while ((yield* reader.readline()).toString("latin1").trimEnd() !== "");
    const [method, path = ""] = requestLine.split(" ");
    const match = /^\/timeit\/([0-9.]+)$/.exec(path);
    let status = 200;
    let text: string;
    if (method !== "GET" || match === null) {
      status = 404;
      text = `no route for ${method} ${path}`;
    } else {
      const seconds = Number(match[1]);
      if (!Number.isFinite(seconds) || seconds > 10) {
        status = 400;
        text = `bad number of seconds: ${match[1]}`;
      } else {
        yield* sleep(seconds);
        text = `slept ${seconds} s`;
      }
    }
    const body = Buffer.from(`${text}\n`);
    writer.write(`HTTP/1.1 ${status} ${STATUS[status]}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    writer.write(body);
    yield* writer.drain();
  } finally {
    writer.close();
  }
}

/** GETs `path` and returns the status line and the body. */
function* fetch(port: number, path: string): Coroutine<[string, string]> {
  const [reader, writer] = yield* openConnection("127.0.0.1", port);
  writer.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  const status = (yield* reader.readline()).toString("latin1").trimEnd();
  while ((yield* reader.readline()).toString("latin1").trimEnd() !== "");
  const body = (yield* reader.read()).toString("utf8").trimEnd();
  writer.close();
  yield* writer.waitClosed();
  return [status, body];
}

function* timed(port: number, path: string, t0: number): Coroutine<string> {
  const [status, body] = yield* fetch(port, path);
  const line = `GET ${path} -> ${status.replace(/^HTTP\/1\.1 /, "")}: ${body} (at ${((performance.now() - t0) / 1000).toFixed(1)} s)`;
  console.log(line);
  return line;
}

function* main(): Coroutine<void> {
  const server = yield* startServer(handle, "127.0.0.1", 0);
  const [host, port] = server.sockets[0]!.getsockname() as [string, number];
  console.log(`serving /timeit/{seconds} on ${host}:${port}`);
  try {
    const t0 = performance.now();
    yield* gather(timed(port, "/timeit/0.3", t0), timed(port, "/timeit/0.2", t0), timed(port, "/timeit/0.1", t0), timed(port, "/nothing-here", t0));
    const total = (performance.now() - t0) / 1000;
    console.log(`total: ${total.toFixed(1)} s for 0.3 + 0.2 + 0.1 = 0.6 s of sleeping: the longest request, not the sum`);
  } finally {
    server.close();
    yield* server.waitClosed();
  }
}

await run(main());
