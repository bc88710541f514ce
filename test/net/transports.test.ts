import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BaseProtocol,
  BufferedProtocol,
  ConnectionRefusedError,
  ConnectionResetError,
  OSError,
  Protocol,
  ReadTransport,
  RuntimeError,
  Transport,
  ValueError,
  WriteTransport,
  createTask,
  fromPromise,
  getRunningLoop,
  run,
  sleep,
  type Coroutine,
  type EventLoop,
  type Future,
  type Server,
} from "asyncio-ts";

const fixtures = new URL("../fixtures/net/", import.meta.url);
const KEY = readFileSync(new URL("TEST-ONLY-localhost.key", fixtures));
const CERT = readFileSync(new URL("TEST-ONLY-localhost.crt", fixtures));

/** A protocol that records every callback as a string and settles `lost` on connectionLost. */
class Recorder extends Protocol {
  events: string[] = [];
  transport: Transport | null = null;
  readonly lost: Future<Error | null>;
  data = "";
  keepOpenOnEof = false;
  constructor(loop: EventLoop) {
    super();
    this.lost = loop.createFuture();
  }
  override connectionMade(t: Transport): void {
    this.transport = t;
    this.events.push("made");
  }
  override dataReceived(data: Buffer): void {
    if (this.events.at(-1) !== "data") this.events.push("data");
    this.data += data.toString("latin1");
  }
  override eofReceived(): boolean {
    this.events.push("eof");
    return this.keepOpenOnEof;
  }
  override connectionLost(exc: Error | null): void {
    this.events.push(exc === null ? "lost" : `lost:${exc.name}`);
    this.lost.setResult(exc);
  }
  override pauseWriting(): void {
    this.events.push("pauseWriting");
  }
  override resumeWriting(): void {
    this.events.push("resumeWriting");
  }
}

function portOf(server: Server): number {
  return (server.sockets[0]!.getsockname() as [string, number])[1];
}

/** A raw Node server on 127.0.0.1:0 whose connections `onConn` handles; closed with `close()`. */
function* nodeServer(onConn: (s: net.Socket) => void): Coroutine<{ port: number; close: () => Coroutine<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    onConn(s);
  });
  yield* fromPromise(new Promise<void>((r) => srv.listen(0, "127.0.0.1", r)));
  return {
    port: (srv.address() as net.AddressInfo).port,
    *close() {
      for (const s of sockets) s.destroy();
      yield* fromPromise(new Promise<void>((r) => srv.close(() => r())));
    },
  };
}

test("client and server protocols see connectionMade, dataReceived, eofReceived, connectionLost(null) in order", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    let serverSide: Recorder | null = null;
    const server = yield* loop.createServer(() => (serverSide = new Recorder(loop)), "127.0.0.1", 0);
    const [transport, client] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server));
    assert.ok(transport instanceof Transport);
    assert.ok(transport instanceof ReadTransport && transport instanceof WriteTransport);
    assert.equal(client.transport, transport);
    transport.write("hello ");
    transport.writelines([Buffer.from("wor"), "ld"]);
    transport.writeEof();
    const exc = yield* client.lost;
    assert.equal(exc, null);
    yield* serverSide!.lost;
    assert.deepEqual(serverSide!.events, ["made", "data", "eof", "lost"]);
    assert.equal(serverSide!.data, "hello world");
    // The server's transport closed itself on EOF (eofReceived returned false), so the client got EOF too.
    assert.deepEqual(client.events, ["made", "eof", "lost"]);
    server.close();
    yield* server.waitClosed();
  });
});

test("eofReceived returning true keeps the transport open for writing (half-close)", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    class Answer extends Recorder {
      override eofReceived(): boolean {
        super.eofReceived();
        this.transport!.write(`got ${this.data.length} bytes`);
        this.transport!.close();
        return true;
      }
    }
    const server = yield* loop.createServer(() => new Answer(loop), "127.0.0.1", 0);
    const [transport, client] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server));
    assert.equal(transport.canWriteEof(), true);
    transport.write("12345");
    transport.writeEof();
    assert.throws(() => transport.write("x"), { name: "RuntimeError", message: "Cannot call write() after writeEof()" });
    yield* client.lost;
    assert.equal(client.data, "got 5 bytes");
    assert.deepEqual(client.events, ["made", "data", "eof", "lost"]);
    server.close();
    yield* server.waitClosed();
  });
});

test("getExtraInfo gives peername and sockname as Python tuples, the socket, and a default", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const server = yield* loop.createServer(() => new Recorder(loop), "127.0.0.1", 0);
    const port = portOf(server);
    const [transport] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", port);
    assert.deepEqual(transport.getExtraInfo("peername"), ["127.0.0.1", port]);
    const sockname = transport.getExtraInfo("sockname") as [string, number];
    assert.equal(sockname[0], "127.0.0.1");
    assert.ok(transport.getExtraInfo("socket") instanceof net.Socket);
    assert.equal(transport.getExtraInfo("peercert"), null);
    assert.equal(transport.getExtraInfo("nope", 42), 42);
    assert.throws(() => transport.write(42 as unknown as string), {
      name: "TypeError",
      message: "data argument must be a bytes-like object (Uint8Array) or a string, not number",
    });
    assert.match(String(transport), /^<SocketTransport open peer=127\.0\.0\.1:\d+ write=<idle, bufsize=0>>$/);
    transport.close();
    assert.equal(transport.isClosing(), true);
    server.close();
    server.closeClients();
    yield* server.waitClosed();
  });
});

test("connecting to a closed port is ConnectionRefusedError with CPython's message", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const s = yield* nodeServer(() => {});
    const port = s.port;
    yield* s.close();
    try {
      yield* loop.createConnection(() => new Protocol(), "127.0.0.1", port);
      assert.fail("connected");
    } catch (e) {
      assert.ok(e instanceof ConnectionRefusedError);
      assert.ok(e instanceof OSError);
      assert.equal((e as ConnectionRefusedError).message, `[Errno 111] Connect call failed ('127.0.0.1', ${port})`);
      assert.equal((e as ConnectionRefusedError).errno, 111);
      assert.equal((e as ConnectionRefusedError).code, "ECONNREFUSED");
    }
  });
});

test("listening on a port in use is an OSError with CPython's message; bad options are ValueErrors", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const first = yield* loop.createServer(() => new Protocol(), "127.0.0.1", 0);
    const port = portOf(first);
    try {
      yield* loop.createServer(() => new Protocol(), "127.0.0.1", port);
      assert.fail("listened twice");
    } catch (e) {
      assert.ok(e instanceof OSError);
      assert.equal((e as OSError).message, `[Errno 98] error while attempting to bind on address ('127.0.0.1', ${port}): address already in use`);
    }
    try {
      yield* loop.createConnection(() => new Protocol(), "127.0.0.1", port, { serverHostname: "x" });
      assert.fail("accepted serverHostname without ssl");
    } catch (e) {
      assert.ok(e instanceof ValueError);
      assert.equal((e as Error).message, "server_hostname is only meaningful with ssl");
    }
    first.close();
    yield* first.waitClosed();
  });
});

test("pauseReading stops dataReceived until resumeReading; isReading tells which", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    let serverSide: Recorder | null = null;
    const server = yield* loop.createServer(() => (serverSide = new Recorder(loop)), "127.0.0.1", 0);
    const [transport, client] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server));
    yield* sleep(0.01);
    transport.pauseReading();
    assert.equal(transport.isReading(), false);
    serverSide!.transport!.write("while paused");
    yield* sleep(0.05);
    assert.equal(client.data, "");
    transport.resumeReading();
    assert.equal(transport.isReading(), true);
    while (client.data.length < 12) yield* sleep(0.005);
    assert.equal(client.data, "while paused");
    transport.close();
    assert.equal(transport.isReading(), false);
    yield* client.lost;
    server.close();
    yield* server.waitClosed();
  });
});

test("a write buffer over the high-water mark calls pauseWriting, and resumeWriting once it drains", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    let serverSide: Recorder | null = null;
    const server = yield* loop.createServer(() => (serverSide = new Recorder(loop)), "127.0.0.1", 0);
    const [transport, client] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server));
    assert.deepEqual(transport.getWriteBufferLimits(), [16384, 65536]);
    assert.throws(() => transport.setWriteBufferLimits(1, 2), { name: "ValueError", message: "high (1) must be >= low (2) must be >= 0" });
    transport.setWriteBufferLimits(null, 1000);
    assert.deepEqual(transport.getWriteBufferLimits(), [1000, 4000]);
    transport.setWriteBufferLimits(8192);
    assert.deepEqual(transport.getWriteBufferLimits(), [2048, 8192]);
    yield* sleep(0.01);
    serverSide!.transport!.pauseReading();
    // Fill the kernel's buffers and ours until the protocol is told to pause.
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let written = 0;
    while (!client.events.includes("pauseWriting")) {
      transport.write(chunk);
      written += chunk.length;
      if (transport.getWriteBufferSize() === 0) yield* sleep(0.001);
    }
    assert.ok(transport.getWriteBufferSize() > 8192);
    serverSide!.transport!.resumeReading();
    while (!client.events.includes("resumeWriting")) yield* sleep(0.002);
    assert.ok(transport.getWriteBufferSize() <= 2048);
    assert.deepEqual(client.events, ["made", "pauseWriting", "resumeWriting"]);
    while (serverSide!.data.length < written) yield* sleep(0.002);
    assert.equal(serverSide!.data.length, written);
    transport.close();
    yield* client.lost;
    server.close();
    yield* server.waitClosed();
  });
});

test("abort() drops the buffer and calls connectionLost(null); writes after close are dropped", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const server = yield* loop.createServer(() => new Recorder(loop), "127.0.0.1", 0);
    const [transport, client] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server));
    transport.abort();
    assert.equal(transport.isClosing(), true);
    transport.write("dropped");
    assert.equal(yield* client.lost, null);
    assert.deepEqual(client.events, ["made", "lost"]);
    server.close();
    server.abortClients();
    yield* server.waitClosed();
  });
});

test("a peer that resets the connection ends it with connectionLost(ConnectionResetError)", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const peer = yield* nodeServer((s) => s.once("data", () => s.resetAndDestroy()));
    const [transport, client] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", peer.port);
    transport.write("trigger");
    const exc = yield* client.lost;
    assert.ok(exc instanceof ConnectionResetError);
    assert.equal(exc.message, "[Errno 104] Connection reset by peer");
    assert.deepEqual(client.events, ["made", "lost:ConnectionResetError"]);
    transport.write("after the reset: dropped, no error");
    yield* peer.close();
  });
});

test("an error in dataReceived is reported and ends the connection with that error", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const reports: string[] = [];
    loop.setExceptionHandler((_l, ctx) => reports.push(`${ctx.message} ${(ctx.exception as Error).message}`));
    class Broken extends Recorder {
      override dataReceived(): void {
        throw new ValueError("bad data");
      }
    }
    let serverSide: Broken | null = null;
    const server = yield* loop.createServer(() => (serverSide = new Broken(loop)), "127.0.0.1", 0);
    const [transport, client] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server));
    transport.write("x");
    assert.equal(yield* client.lost, null);
    assert.equal(((yield* serverSide!.lost) as Error).message, "bad data");
    assert.deepEqual(reports, ["Fatal error: protocol.dataReceived() call failed. bad data"]);
    server.close();
    yield* server.waitClosed();
  });
});

test("a protocol factory that throws is reported and the server goes on serving", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const reports: string[] = [];
    loop.setExceptionHandler((_l, ctx) => reports.push(`${ctx.message}: ${(ctx.exception as Error).message}`));
    let n = 0;
    const server = yield* loop.createServer(() => {
      if (n++ === 0) throw new RuntimeError("no protocol today");
      return new Recorder(loop);
    }, "127.0.0.1", 0);
    const [, first] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server));
    yield* first.lost;
    const [t2, second] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server));
    yield* sleep(0.01);
    assert.equal(second.lost.done(), false);
    t2.close();
    yield* second.lost;
    assert.deepEqual(reports, ["Error on transport creation for incoming connection: no protocol today"]);
    server.close();
    yield* server.waitClosed();
  });
});

test("BufferedProtocol receives into the buffers it gives", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    class Small extends BufferedProtocol {
      buf = Buffer.alloc(4);
      got: string[] = [];
      readonly lost = loop.createFuture<void>();
      override getBuffer(): Uint8Array {
        return this.buf;
      }
      override bufferUpdated(n: number): void {
        this.got.push(this.buf.subarray(0, n).toString());
      }
      override connectionLost(): void {
        this.lost.setResult(undefined);
      }
    }
    let serverSide: Small | null = null;
    const server = yield* loop.createServer(() => (serverSide = new Small()), "127.0.0.1", 0);
    const [transport] = yield* loop.createConnection(() => new Protocol(), "127.0.0.1", portOf(server));
    transport.write("abcdefghij");
    transport.close();
    yield* serverSide!.lost;
    assert.equal(serverSide!.got.join(""), "abcdefghij");
    assert.ok(serverSide!.got.every((s) => s.length <= 4));
    server.close();
    yield* server.waitClosed();
  });
});

test("Server: sockets, isServing, startServing: false holds connections until serving starts", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const order: string[] = [];
    const server = yield* loop.createServer(
      () => {
        order.push("accepted");
        return new Recorder(loop);
      },
      "127.0.0.1",
      0,
      { startServing: false },
    );
    assert.equal(server.isServing(), false);
    assert.equal(server.sockets.length, 1);
    assert.equal(server.sockets[0]!.family, "AF_INET");
    const [t] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server));
    yield* sleep(0.02);
    order.push("start");
    yield* server.startServing();
    yield* sleep(0.01);
    assert.equal(server.isServing(), true);
    assert.deepEqual(order, ["start", "accepted"]);
    t.close();
    server.close();
    assert.deepEqual(server.sockets, []);
    yield* server.waitClosed();
  });
});

test("Server.waitClosed waits for the connections; closeClients ends them", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const server = yield* loop.createServer(() => new Recorder(loop), "127.0.0.1", 0);
    const [, client] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server));
    yield* sleep(0.01);
    server.close();
    const waiting = createTask(server.waitClosed());
    yield* sleep(0.02);
    assert.equal(waiting.done(), false, "waitClosed returned while a client was connected");
    server.closeClients();
    yield* waiting;
    assert.equal(yield* client.lost, null);
  });
});

test("serveForever runs until cancelled, then closes the server", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const server = yield* loop.createServer(() => new Recorder(loop), "127.0.0.1", 0);
    const forever = createTask(server.serveForever());
    yield* sleep(0.01);
    try {
      yield* server.serveForever();
      assert.fail("second serveForever");
    } catch (e) {
      assert.ok(e instanceof RuntimeError);
      assert.match((e as Error).message, /^server <Server .*> is already being awaited on serveForever\(\)$/);
    }
    forever.cancel();
    yield* sleep(0.02);
    assert.equal(forever.cancelled(), true);
    assert.equal(server.isServing(), false);
    assert.deepEqual(server.sockets, []);
  });
});

test("Unix sockets: server and connection, path as sockname and peername, file removed on close", async () => {
  const dir = mkdtempSync(join(tmpdir(), "asyncio-ts-"));
  const path = join(dir, "s.sock");
  try {
    await run(function* () {
      const loop = getRunningLoop();
      let serverSide: Recorder | null = null;
      const server = yield* loop.createUnixServer(() => (serverSide = new Recorder(loop)), path);
      assert.equal(server.sockets[0]!.getsockname(), path);
      assert.equal(server.sockets[0]!.family, "AF_UNIX");
      const [transport, client] = yield* loop.createUnixConnection(() => new Recorder(loop), path);
      assert.equal(transport.getExtraInfo("peername"), path);
      transport.write("over unix");
      transport.writeEof();
      yield* client.lost;
      assert.equal(serverSide!.data, "over unix");
      server.close();
      yield* server.waitClosed();
      assert.equal(existsSync(path), false);
      try {
        yield* loop.createUnixConnection(() => new Protocol(), path);
        assert.fail("connected to nothing");
      } catch (e) {
        assert.ok(e instanceof OSError);
        assert.equal((e as OSError).code, "ENOENT");
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("TLS: createServer with a key and cert, createConnection with ssl; peercert; no writeEof", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    let serverSide = null as Recorder | null;
    const server = yield* loop.createServer(() => (serverSide = new Recorder(loop)), "127.0.0.1", 0, { ssl: { key: KEY, cert: CERT } });
    const [transport, client] = yield* loop.createConnection(() => new Recorder(loop), "127.0.0.1", portOf(server), {
      ssl: { ca: CERT },
      serverHostname: "localhost",
    });
    const cert = transport.getExtraInfo("peercert") as { subject: { CN: string } };
    assert.equal(cert.subject.CN, "localhost");
    assert.equal(transport.canWriteEof(), false);
    assert.throws(() => transport.writeEof(), RuntimeError);
    transport.write("secret");
    while (serverSide === null || serverSide.data.length < 6) yield* sleep(0.002);
    assert.equal(serverSide.data, "secret");
    transport.close();
    assert.equal(yield* client.lost, null);
    yield* serverSide.lost;
    assert.deepEqual(serverSide.events, ["made", "data", "eof", "lost"]);
    server.close();
    yield* server.waitClosed();
  });
});

test("TLS: a certificate the client does not trust fails the connection", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const server = yield* loop.createServer(() => new Protocol(), "127.0.0.1", 0, { ssl: { key: KEY, cert: CERT } });
    try {
      yield* loop.createConnection(() => new Protocol(), "127.0.0.1", portOf(server), { ssl: true, serverHostname: "localhost" });
      assert.fail("trusted a self-signed certificate");
    } catch (e) {
      assert.equal((e as { code?: string }).code, "DEPTH_ZERO_SELF_SIGNED_CERT");
    }
    server.close();
    yield* server.waitClosed();
  });
});

test("cancelling a connect in progress destroys its socket", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const peer: string[] = [];
    const s = yield* nodeServer((sock) => {
      peer.push("accepted");
      sock.on("close", () => peer.push("closed"));
    });
    const task = createTask(loop.createConnection(() => new BaseProtocol(), "127.0.0.1", s.port));
    // One step: the connect is under way, and Node has had no turn to complete it.
    yield* sleep(0);
    task.cancel();
    yield* sleep(0);
    assert.equal(task.cancelled(), true);
    // The kernel may have accepted the connection; if so the peer sees it closed.
    yield* sleep(0.05);
    assert.ok(peer.length === 0 || (peer[0] === "accepted" && peer[1] === "closed"), peer.join());
    yield* s.close();
  });
});

test("Server.with(body) closes the server and waits for it afterwards (async with server)", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const server = yield* loop.createServer(() => new Recorder(loop), "127.0.0.1", 0);
    const port = yield* server.with(function* (s) {
      assert.equal(s.isServing(), true);
      return portOf(s);
    });
    assert.ok(port > 0);
    assert.equal(server.isServing(), false);
    assert.deepEqual(server.sockets, []);
    assert.match(String(server), /^<Server sockets=\[\] clients=0>$/);
  });
});

test("a timer a protocol callback schedules fires on time, though nothing else was ready (Node's timer is set for it)", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const fired = loop.createFuture<number>();
    class Delayed extends Protocol {
      override dataReceived(): void {
        const at = loop.time();
        loop.callLater(0.05, () => fired.setResult(loop.time() - at));
      }
    }
    const server = yield* loop.createServer(() => new Delayed(), "127.0.0.1", 0);
    const [transport] = yield* loop.createConnection(() => new Protocol(), "127.0.0.1", portOf(server));
    // A later timer is already set in Node: the protocol's earlier one must not wait for it.
    const late = loop.callLater(5, () => undefined);
    transport.write("go");
    const waited = yield* fired;
    late.cancel();
    assert.ok(waited >= 0.049 && waited < 1, `the 0.05 s timer fired after ${waited} s`);
    transport.close();
    server.close();
    yield* server.waitClosed();
  });
});
