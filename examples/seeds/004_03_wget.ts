/**
 * Tutorial 004_863ddc36705fe188.txt ("Python中 asyncio 模块 详解"), section "2. 用asyncio实现Hello
 * world", third program: an old-style coroutine `wget(host)` opens a connection, writes an HTTP/1.0
 * request, reads the response's header lines until the blank line and prints them, then closes the
 * connection; three of them, for three sites, run at once under `wait`.
 *
 * Tests have no internet, so this program first starts one local server, on 127.0.0.1 and a port
 * the system picks, which answers for the three sites by their Host header (the headers are like
 * those the tutorial shows); wget connects there instead of to port 80 of the site.
 * In the tutorial's Python, `asyncio.wait` took the coroutines from a set, so the sites start, and
 * their headers come, in an order of their own (the transcript accepts any). CPython 3.13 stops at
 * the decorator: `@asyncio.coroutine` was removed in 3.11; past that, `asyncio.wait` refuses bare
 * coroutines since 3.11 (TypeError "Passing coroutines is forbidden, use tasks explicitly.").
 */
import { getEventLoop, openConnection, startServer, wait, type Coroutine, type StreamReader, type StreamWriter } from "asyncio-ts";

const LOCAL = "127.0.0.1";

/** The response head each site sends here (Content-Length is added). */
const SITES: Record<string, string[]> = {
  "www.sina.com.cn": ["HTTP/1.1 200 OK", "Server: nginx", "Date: Wed, 20 May 2015 04:56:33 GMT", "Content-Type: text/html", "Connection: close"],
  "www.sohu.com": ["HTTP/1.1 200 OK", "Content-Type: text/html", "Connection: close", "Server: SWS"],
  "www.163.com": ["HTTP/1.0 302 Moved Temporarily", "Server: Cdn Cache Server V2.0", "Location: http://www.163.com/", "Connection: close"],
};

/** The local stand-in for the three sites: reads a request's head, answers for its Host, closes. */
function* serveSite(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
  let host = "";
  for (;;) {
    const line = yield* reader.readline();
    if (line.equals(Buffer.from("\r\n")) || line.length === 0) break;
    const header = line.toString("latin1");
    if (header.toLowerCase().startsWith("host:")) host = header.slice(5).trim();
  }
  const body = Buffer.from(`<html>${host}</html>\n`);
  writer.write(`${[...SITES[host]!, `Content-Length: ${body.length}`].join("\r\n")}\r\n\r\n`);
  writer.write(body);
  yield* writer.drain();
  writer.close();
}

/** The local server's port, once it listens. */
let port = 0;

function* wget(host: string): Coroutine<void> {
  console.log(`wget ${host}...`);
  const connect = openConnection(LOCAL, port); // the site itself would be openConnection(host, 80)
  const [reader, writer] = yield* connect;
  const header = `GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`;
  writer.write(Buffer.from(header, "utf8"));
  yield* writer.drain();
  for (;;) {
    const line = yield* reader.readline();
    if (line.equals(Buffer.from("\r\n"))) {
      break;
    }
    console.log(`${host} header > ${line.toString("utf8").trimEnd()}`);
  }
  writer.close();
}

const loop = getEventLoop();
const server = await loop.runUntilComplete(startServer(serveSite, LOCAL, 0));
port = (server.sockets[0]!.getsockname() as [string, number])[1];

const tasks = ["www.sina.com.cn", "www.sohu.com", "www.163.com"].map((host) => wget(host));
await loop.runUntilComplete(wait(tasks));
server.close();
await loop.runUntilComplete(server.waitClosed());
loop.close();
