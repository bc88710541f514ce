/** A TCP echo server and client on 127.0.0.1, port 0, as a user writes them, run with plain node. */
import assert from "node:assert/strict";
import { openConnection, run, startServer, type Coroutine, type StreamReader, type StreamWriter } from "asyncio-ts";

function* handle(reader: StreamReader, writer: StreamWriter): Coroutine {
  for (;;) {
    const line = yield* reader.readline();
    if (line.length === 0) break;
    writer.write(line.toString("utf8").toUpperCase());
    yield* writer.drain();
  }
  writer.close();
  yield* writer.waitClosed();
}

function* main(): Coroutine {
  const server = yield* startServer(handle, "127.0.0.1", 0);
  // As in Python, an IPv4 socket's name is a (host, port) pair.
  const [host, port] = server.sockets[0]!.getsockname() as [string, number];
  assert.equal(host, "127.0.0.1");
  const [reader, writer] = yield* openConnection(host, port);
  const answers: string[] = [];
  for (const word of ["hello", "asyncio"]) {
    writer.write(`${word}\n`);
    yield* writer.drain();
    answers.push((yield* reader.readline()).toString("utf8"));
  }
  writer.writeEof();
  assert.equal((yield* reader.read()).length, 0);
  writer.close();
  yield* writer.waitClosed();
  server.close();
  yield* server.waitClosed();
  assert.deepEqual(answers, ["HELLO\n", "ASYNCIO\n"]);
}

await run(main);
console.log("ok: tcp echo");
