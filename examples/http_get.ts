/**
 * A raw HTTP GET over a stream: open a connection, write the request by hand, read the status
 * line and the headers line by line, then the body until EOF. The server is Node's own `node:http`,
 * started by this program on 127.0.0.1 and a free port; it runs on Node's loop, beside ours.
 *
 *     async def http_get(host, port, path):
 *         reader, writer = await asyncio.open_connection(host, port)
 *         writer.write(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode("latin-1"))
 *         print((await reader.readline()).decode("latin-1").rstrip())
 *         while (line := (await reader.readline()).decode("latin-1").rstrip()):
 *             print(f"HTTP header> {line}")
 *         body = await reader.read()
 *         writer.close()
 *         await writer.wait_closed()
 *         return body
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fromPromise, openConnection, run, type Coroutine } from "asyncio-ts";

function* httpGet(host: string, port: number, path: string): Coroutine<Buffer> {
  const [reader, writer] = yield* openConnection(host, port);
  writer.write(`GET ${path} HTTP/1.0\r\nHost: ${host}:${port}\r\n\r\n`);
  yield* writer.drain();
  console.log(`status> ${(yield* reader.readline()).toString("latin1").trimEnd()}`);
  for (;;) {
    const line = (yield* reader.readline()).toString("latin1").trimEnd();
    if (line === "") break;
    console.log(`HTTP header> ${line}`);
  }
  const body = yield* reader.read();
  writer.close();
  yield* writer.waitClosed();
  return body;
}

/** A tiny node:http server with fixed headers (Node adds Date, Connection and Content-Length). */
function* startHttpServer(): Coroutine<Server> {
  const server = createServer((req, res) => {
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.setHeader("X-Served-By", "node:http");
    res.end(`Hello from node:http, you asked for ${req.url}\n`);
  });
  yield* fromPromise(new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
  return server;
}

function* main(): Coroutine<void> {
  const server = yield* startHttpServer();
  const { port } = server.address() as AddressInfo;
  try {
    console.log(`GET http://127.0.0.1:${port}/hello`);
    const body = yield* httpGet("127.0.0.1", port, "/hello");
    console.log(`body> ${body.toString("utf8").trimEnd()}`);
  } finally {
    yield* fromPromise(new Promise<void>((resolve) => server.close(() => resolve())));
  }
}

await run(main());
