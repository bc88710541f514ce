import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  AF_INET,
  ConnectionRefusedError,
  DatagramProtocol,
  OSError,
  ValueError,
  getRunningLoop,
  run,
  sleep,
  type Coroutine,
  type DatagramTransport,
  type Future,
  type UDPTransport,
} from "asyncio-ts";

type Addr = [string, number];

/** A protocol that records what happens to it, as lines. */
class Recorder extends DatagramProtocol {
  transport: UDPTransport | null = null;
  readonly lost: Future<Error | null>;
  received: Future<[Buffer, Addr]> | null = null;
  errors: Error[] = [];
  constructor(
    readonly name: string,
    readonly log: string[],
    readonly echo = false,
  ) {
    super();
    this.lost = getRunningLoop().createFuture();
  }
  override connectionMade(t: DatagramTransport): void {
    this.transport = t as UDPTransport;
    this.log.push(`${this.name} made`);
  }
  override datagramReceived(data: Buffer, addr: Addr): void {
    this.log.push(`${this.name} got ${JSON.stringify(data.toString())}`);
    if (this.echo) this.transport!.sendto(Buffer.concat([data, Buffer.from("-echo")]), addr);
    const r = this.received;
    this.received = null;
    r?.setResult([data, addr]);
  }
  override errorReceived(exc: Error): void {
    this.errors.push(exc);
    this.log.push(`${this.name} error ${exc.name}`);
  }
  override connectionLost(exc: Error | null): void {
    this.log.push(`${this.name} lost ${exc}`);
    this.lost.setResult(exc);
  }
  /** The next datagram (the future is made now, so one arriving before it is awaited is kept). */
  next(): Future<[Buffer, Addr]> {
    this.received = getRunningLoop().createFuture();
    return this.received;
  }
}

test("an echo over loopback: callbacks in order, addresses as [host, port], extra info", async () => {
  const log: string[] = [];
  await run(function* () {
    const loop = getRunningLoop();
    const [server, sproto] = yield* loop.createDatagramEndpoint(() => new Recorder("server", log, true), { localAddr: ["127.0.0.1", 0] });
    log.push("server returned");
    const serverAddr = server.getExtraInfo("sockname") as Addr;
    assert.equal(serverAddr[0], "127.0.0.1");
    assert.ok(serverAddr[1] > 0);
    assert.equal(server.getExtraInfo("peername"), null);

    const [client, cproto] = yield* loop.createDatagramEndpoint(() => new Recorder("client", log), { remoteAddr: serverAddr });
    assert.deepEqual(client.getExtraInfo("peername"), serverAddr);
    const clientAddr = client.getExtraInfo("sockname") as Addr;

    const serverGot = sproto.next();
    const reply = cproto.next();
    client.sendto(Buffer.from("ping"));
    const [data, from] = yield* serverGot;
    assert.equal(data.toString(), "ping");
    assert.deepEqual(from, ["127.0.0.1", clientAddr[1]]);
    const [echo, echoFrom] = yield* reply;
    assert.equal(echo.toString(), "ping-echo");
    assert.deepEqual(echoFrom, serverAddr);

    client.close();
    assert.equal(client.isClosing(), true);
    assert.equal(yield* cproto.lost, null);
    server.close();
    yield* sproto.lost;
  });
  assert.deepEqual(log, [
    "server made",
    "server returned",
    "client made",
    'server got "ping"',
    'client got "ping-echo"',
    "client lost null",
    "server lost null",
  ]);
});

test("sendto checks its data and address, as CPython", async () => {
  const log: string[] = [];
  await run(function* () {
    const loop = getRunningLoop();
    const [server, sproto] = yield* loop.createDatagramEndpoint(() => new Recorder("server", log), { localAddr: ["127.0.0.1", 0] });
    const addr = server.getExtraInfo("sockname") as Addr;
    const [client, cproto] = yield* loop.createDatagramEndpoint(() => new Recorder("client", log), { remoteAddr: ["127.0.0.1", addr[1]] });
    assert.throws(() => client.sendto(Buffer.from("x"), ["127.0.0.1", addr[1] + 1]), {
      name: "ValueError",
      message: `Invalid address: must be None or ['127.0.0.1', ${addr[1]}]`,
    });
    assert.throws(() => client.sendto(42 as unknown as Uint8Array), { name: "TypeError", message: "data argument must be a bytes-like object or a string, not 42" });
    assert.throws(() => server.sendto("x"), ValueError);

    // A string is UTF-8; an empty datagram is sent too (CPython 3.13); the peer's own address is accepted.
    let got = sproto.next();
    client.sendto("héllo", ["127.0.0.1", addr[1]]);
    assert.equal((yield* got)[0].toString(), "héllo");
    got = sproto.next();
    client.sendto(new Uint8Array(0));
    assert.equal((yield* got)[0].length, 0);

    client.abort();
    yield* cproto.lost;
    client.sendto("after close"); // silently dropped, as CPython does after the connection is lost
    server.close();
    yield* sproto.lost;
  });
  assert.deepEqual(log, ["server made", "client made", 'server got "héllo"', 'server got ""', "client lost null", "server lost null"]);
});

test("a datagram to a closed port comes back as errorReceived(ConnectionRefusedError); the endpoint stays open", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const log: string[] = [];
    const [probe, pproto] = yield* loop.createDatagramEndpoint(() => new Recorder("probe", log), { localAddr: ["127.0.0.1", 0] });
    const deadPort = (probe.getExtraInfo("sockname") as Addr)[1];
    probe.close();
    yield* pproto.lost;

    const [client, cproto] = yield* loop.createDatagramEndpoint(() => new Recorder("client", log), { remoteAddr: ["127.0.0.1", deadPort] });
    for (let i = 0; i < 100 && cproto.errors.length === 0; i++) {
      client.sendto("anyone?");
      yield* sleep(0.01);
    }
    const err = cproto.errors[0];
    assert.ok(err instanceof ConnectionRefusedError && err instanceof OSError);
    assert.equal(err.message, "[Errno 111] Connection refused");
    assert.equal(err.code, "ECONNREFUSED");
    assert.equal(client.isClosing(), false);
    client.close();
    assert.equal(yield* cproto.lost, null);
  });
});

test("close() waits for datagrams still being sent; connectionLost runs once", async () => {
  const log: string[] = [];
  await run(function* () {
    const loop = getRunningLoop();
    const [server, sproto] = yield* loop.createDatagramEndpoint(() => new Recorder("server", log), { localAddr: ["127.0.0.1", 0] });
    const addr = server.getExtraInfo("sockname") as Addr;
    const [client, cproto] = yield* loop.createDatagramEndpoint(() => new Recorder("client", log), { family: AF_INET });
    const got = sproto.next();
    client.sendto("last words", addr);
    assert.equal(client.getWriteBufferSize(), 10);
    client.close();
    client.close();
    assert.equal(yield* cproto.lost, null);
    assert.equal(client.getWriteBufferSize(), 0);
    assert.equal((yield* got)[0].toString(), "last words");
    client.abort();
    server.sendto("x", addr);
    server.abort();
    assert.equal(server.getWriteBufferSize(), 0);
    yield* sproto.lost;
    yield* sleep(0.01);
  });
  assert.deepEqual(log.filter((l) => l.startsWith("client")), ["client made", "client lost null"]);
  assert.deepEqual(log.filter((l) => l.startsWith("server")), ["server made", 'server got "last words"', "server lost null"]);
});

test("misuse and bind failures throw clear errors", async () => {
  await run(function* () {
    const loop = getRunningLoop();
    const log: string[] = [];
    yield* assertThrows(loop.createDatagramEndpoint(() => new Recorder("x", log)), {
      name: "ValueError",
      message: "unexpected address family (pass localAddr, remoteAddr or family)",
    });
    yield* assertThrows(loop.createDatagramEndpoint(() => new Recorder("x", log), { localAddr: "127.0.0.1:0" as unknown as Addr }), {
      name: "TypeError",
      message: "localAddr must be a [host, port] pair, got '127.0.0.1:0'",
    });
    const [first, fproto] = yield* loop.createDatagramEndpoint(() => new Recorder("first", log), { localAddr: ["127.0.0.1", 0] });
    const port = (first.getExtraInfo("sockname") as Addr)[1];
    yield* assertThrows(loop.createDatagramEndpoint(() => new Recorder("second", log), { localAddr: ["127.0.0.1", port] }), {
      name: "OSError",
      message: "[Errno 98] Address already in use",
      errno: 98,
      code: "EADDRINUSE",
    });
    // With reuseAddress both may bind the port.
    first.close();
    yield* fproto.lost;
    const [a, aproto] = yield* loop.createDatagramEndpoint(() => new Recorder("a", log), { localAddr: ["127.0.0.1", port], reuseAddress: true });
    const [b, bproto] = yield* loop.createDatagramEndpoint(() => new Recorder("b", log), { localAddr: ["127.0.0.1", port], reuseAddress: true });
    a.close();
    b.close();
    yield* aproto.lost;
    yield* bproto.lost;
    assert.deepEqual(log, ["first made", "first lost null", "a made", "b made", "a lost null", "b lost null"]);
  });
});

test("allowBroadcast: remoteAddr is the default destination, the socket is not connected", async () => {
  const log: string[] = [];
  await run(function* () {
    const loop = getRunningLoop();
    const [server, sproto] = yield* loop.createDatagramEndpoint(() => new Recorder("server", log), { localAddr: ["127.0.0.1", 0] });
    const addr = server.getExtraInfo("sockname") as Addr;
    const [client, cproto] = yield* loop.createDatagramEndpoint(() => new Recorder("client", log), { remoteAddr: addr, allowBroadcast: true });
    assert.equal(client.getExtraInfo("peername"), null);
    const got = sproto.next();
    client.sendto("hi");
    assert.equal((yield* got)[0].toString(), "hi");
    assert.match(inspect(client), /^<UDPTransport sockname=0\.0\.0\.0:\d+ peername=127\.0\.0\.1:\d+ bufsize=0>$/);
    client.close();
    assert.match(inspect(client), /^<UDPTransport closing /);
    server.close();
    yield* cproto.lost;
    yield* sproto.lost;
  });
});

function* assertThrows(coro: Coroutine<unknown>, expected: Record<string, unknown>): Coroutine<void> {
  try {
    yield* coro;
  } catch (e) {
    for (const [k, v] of Object.entries(expected)) assert.deepEqual((e as Record<string, unknown>)[k], v, `${k} of ${String(e)}`);
    return;
  }
  assert.fail("expected an error");
}
