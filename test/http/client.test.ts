import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Barrier,
  ConnectionRefusedError,
  ConnectionResetError,
  GaiError,
  RuntimeError,
  TimeoutError,
  createTask,
  gather,
  sleep,
  type Coroutine,
} from "asyncio-ts";
import { asyncioTest } from "asyncio-ts/testing";
import {
  Application,
  ClientResponseError,
  ClientSession,
  ClientTimeout,
  ConnectionTimeoutError,
  ContentTypeError,
  InvalidURL,
  Response,
  SocketTimeoutError,
  StreamResponse,
  TCPConnector,
  jsonResponse,
} from "asyncio-ts/http";
import { RawServer, serving, until } from "./helpers.ts";

/** An application that records what it receives and counts the connections it sees at once. */
function echoApp(): Application {
  const app = new Application();
  app.router.addRoute("*", "/echo", function* (request) {
    return jsonResponse({
      method: request.method,
      path: request.path,
      query: Object.fromEntries(request.query),
      headers: { agent: request.headers["x-agent"] ?? null, type: request.headers["content-type"] ?? null },
      body: yield* request.text(),
    });
  });
  app.router.addGet("/sleep/{s}", function* (request) {
    yield* sleep(Number(request.matchInfo.s));
    return new Response({ text: "slept" });
  });
  app.router.addGet("/hold", function* (request) {
    // The head now, the body never: the response holds its connection until released.
    const resp = new StreamResponse();
    yield* resp.prepare(request);
    yield* sleep(60);
    return resp;
  });
  app.router.addGet("/status/{code:\\d+}", function* (request) {
    return new Response({ status: Number(request.matchInfo.code), text: "status" });
  });
  return app;
}

test("ClientSession: baseUrl, default headers, params, JSON and text bodies, json()/text()/bytes(), the response's head", asyncioTest(function* () {
  yield* serving(echoApp(), function* (base) {
    yield* new ClientSession({ baseUrl: `${base}/`, headers: { "X-Agent": "asyncio-ts" } }).with(function* (s) {
      const r = yield* s.post("/echo", { json: { a: 1 }, params: { q: "x y", n: 2 } });
      assert.equal(r.status, 200);
      assert.equal(r.reason, "OK");
      assert.equal(r.ok, true);
      assert.equal(r.contentType, "application/json");
      assert.equal(r.url.href, `${base}/echo?q=x+y&n=2`);
      assert.deepEqual(yield* r.json(), {
        method: "POST",
        path: "/echo",
        query: { q: "x y", n: "2" },
        headers: { agent: "asyncio-ts", type: "application/json" },
        body: '{"a":1}',
      });
      const t = yield* s.put(`${base}/echo`, { data: "plain", headers: { "X-Agent": "mine" } });
      const echoed = (yield* t.json()) as { headers: { agent: string }; body: string; method: string };
      assert.deepEqual([echoed.method, echoed.headers.agent, echoed.body], ["PUT", "mine", "plain"]);
      const b = yield* s.delete("/echo");
      assert.equal((yield* b.bytes()).toString(), (yield* b.text()));
    });
  });
}, { debug: false }));

test("raiseForStatus only when asked: per session or per request; ContentTypeError for json() of text", asyncioTest(function* () {
  yield* serving(echoApp(), function* (base) {
    yield* new ClientSession({ baseUrl: base }).with(function* (s) {
      const r = yield* s.get("/status/404");
      assert.deepEqual([r.status, r.ok, yield* r.text()], [404, false, "status"]);
      try {
        yield* s.get("/status/503", { raiseForStatus: true });
        assert.fail("no error");
      } catch (e) {
        assert.ok(e instanceof ClientResponseError);
        assert.equal(e.message, `503, message='Service Unavailable', url='${base}/status/503'`);
        assert.equal(e.status, 503);
      }
      const text = yield* s.get("/status/200");
      try {
        yield* text.json();
        assert.fail("no error");
      } catch (e) {
        assert.ok(e instanceof ContentTypeError);
        assert.equal(e.message, `200, message='Attempt to decode JSON with unexpected mimetype: text/plain', url='${base}/status/200'`);
      }
    });
    yield* new ClientSession({ baseUrl: base, raiseForStatus: true }).with(function* (s) {
      const e = yield* (function* () {
        try {
          yield* s.get("/status/418");
        } catch (err) {
          return err as ClientResponseError;
        }
        return null;
      })();
      assert.equal(e?.status, 418);
    });
  });
}, { debug: false }));

test("the pool: keep-alive connections are reused; limitPerHost and limit bound the sockets the server sees; idle ones expire", asyncioTest(function* () {
  let open = 0;
  let maxOpen = 0;
  let accepted = 0;
  const app = echoApp();
  yield* serving(app, function* (base, runner) {
    const connector = new TCPConnector({ limit: 5, limitPerHost: 3, keepaliveTimeout: 0.2 });
    yield* new ClientSession({ baseUrl: base, connector }).with(function* (s) {
      for (let i = 0; i < 5; i++) yield* (yield* s.get("/echo")).text();
      assert.deepEqual(connector.statistics(), { open: 1, idle: 1, inUse: 0, waiting: 0 });
      assert.equal(runner.statistics().connections, 1);
      const watch = createTask(
        (function* () {
          for (;;) {
            const c = runner.statistics().connections;
            accepted = Math.max(accepted, runner.statistics().inFlight);
            open = c;
            maxOpen = Math.max(maxOpen, c);
            yield* sleep(0.002);
          }
        })(),
      );
      const results = yield* gather(...Array.from({ length: 30 }, () => (function* () {
        return yield* (yield* s.get("/sleep/0.02")).text();
      })()));
      watch.cancel();
      assert.deepEqual(new Set(results), new Set(["slept"]));
      assert.equal(maxOpen, 3);
      assert.equal(accepted, 3);
      assert.equal(connector.statistics().open, 3);
      yield* until(() => connector.statistics().open === 0, 2);
      yield* until(() => runner.statistics().connections === 0, 2);
      assert.equal(open <= 3, true);
    });
  });
}, { debug: false }));

test("a stale keep-alive connection is retried once for an idempotent request; a POST gets ConnectionResetError with its URL", asyncioTest(function* () {
  // Answers the first request of each connection, keeps it alive, and drops it at the second.
  const raw = new RawServer((socket) => {
    let requests = 0;
    socket.on("data", () => {
      if (++requests === 1) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=60\r\n\r\nok");
      else socket.destroy();
    });
  });
  const base = yield* raw.listen();
  yield* new ClientSession({ baseUrl: base }).with(function* (s) {
    assert.equal(yield* (yield* s.get("/")).text(), "ok");
    assert.equal(yield* (yield* s.get("/")).text(), "ok");
    assert.equal(raw.connections, 2);
    try {
      yield* s.post("/", { data: "x" });
      assert.fail("no error");
    } catch (e) {
      assert.ok(e instanceof ConnectionResetError, String(e));
      assert.equal(e.message, `[Errno 104] Server disconnected before answering (POST ${base}/)`);
    }
    assert.equal(raw.connections, 2);
  });
  yield* raw.close();
}, { debug: false }));

test("errors: connection refused and DNS failure are the project's OSErrors with the URL; https and relative URLs are InvalidURL; a closed session is a RuntimeError", asyncioTest(function* () {
  const raw = new RawServer(() => {});
  const base = yield* raw.listen();
  yield* raw.close();
  const port = new URL(base).port;
  yield* new ClientSession().with(function* (s) {
    try {
      yield* s.get(`${base}/x`);
      assert.fail("connected");
    } catch (e) {
      assert.ok(e instanceof ConnectionRefusedError);
      assert.equal(e.message, `[Errno 111] Connect call failed ('127.0.0.1', ${port}) (GET ${base}/x)`);
    }
    try {
      yield* s.get("http://no-such-host.invalid/");
      assert.fail("resolved");
    } catch (e) {
      assert.ok(e instanceof GaiError, String(e));
      assert.match(e.message, /^\[Errno -[23]\] (Name or service not known|Temporary failure in name resolution) \(GET http:\/\/no-such-host\.invalid\/\)$/);
    }
    try {
      yield* s.get("/relative");
      assert.fail("no error");
    } catch (e) {
      assert.ok(e instanceof InvalidURL);
      assert.equal(e.message, "/relative is not an absolute URL, and the session has no baseUrl");
    }
    try {
      yield* s.get("https://example.com/");
      assert.fail("no error");
    } catch (e) {
      assert.ok(e instanceof InvalidURL);
      assert.equal(e.message, "https://example.com/: only http: URLs are supported (https is not yet)");
    }
  });
  const closed = new ClientSession();
  yield* closed.close();
  try {
    yield* closed.get("http://127.0.0.1/");
    assert.fail("no error");
  } catch (e) {
    assert.ok(e instanceof RuntimeError);
    assert.equal(e.message, "Session is closed");
  }
  assert.throws(() => new ClientSession({ timeOut: 1 } as never), {
    name: "TypeError",
    message: "ClientSession got an unknown option `timeOut`; the options are `baseUrl`, `headers`, `timeout`, `connector`, `connectorOwner`, `raiseForStatus`, `jsonSerialize`",
  });
  assert.throws(() => new TCPConnector({ limitPerhost: 1 } as never), { name: "TypeError", message: "TCPConnector got an unknown option `limitPerhost`; the options are `limit`, `limitPerHost`, `keepaliveTimeout`, `forceClose`" });
  assert.throws(() => new ClientTimeout({ total: -1 }), { name: "ValueError", message: "`total` must be a non-negative number of seconds or null, got -1" });
}, { debug: false }));

test("timeouts per phase: pool (ConnectionTimeoutError), sockRead for the head and between chunks (SocketTimeoutError), total (TimeoutError itself)", asyncioTest(function* () {
  const app = echoApp();
  app.router.addGet("/drip", function* (request) {
    const resp = new StreamResponse();
    yield* resp.prepare(request);
    yield* resp.write("first");
    yield* sleep(0.3);
    yield* resp.write("second");
    yield* resp.writeEof();
    return resp;
  });
  yield* serving(app, function* (base) {
    const connector = new TCPConnector({ limit: 1 });
    yield* new ClientSession({ baseUrl: base, connector }).with(function* (s) {
      const slow = createTask(s.get("/sleep/0.3"));
      yield* sleep(0.05);
      const t0 = performance.now();
      try {
        yield* s.get("/echo", { timeout: new ClientTimeout({ pool: 0.1 }) });
        assert.fail("no timeout");
      } catch (e) {
        assert.ok(e instanceof ConnectionTimeoutError && e instanceof TimeoutError);
        assert.equal(e.message, `Connection timeout: no free connection in the pool within the deadline (GET ${base}/echo)`);
      }
      assert.ok(performance.now() - t0 < 250);
      yield* (yield* slow).text();
      assert.deepEqual(connector.statistics(), { open: 1, idle: 1, inUse: 0, waiting: 0 });

      try {
        yield* s.get("/sleep/0.3", { timeout: new ClientTimeout({ sockRead: 0.1 }) });
        assert.fail("no timeout");
      } catch (e) {
        assert.ok(e instanceof SocketTimeoutError);
        assert.equal(e.message, `Timeout on reading data from socket: no response head within 0.1 s (GET ${base}/sleep/0.3)`);
      }
      const drip = yield* s.get("/drip", { timeout: new ClientTimeout({ sockRead: 0.1 }) });
      assert.equal((yield* drip.content.read(100)).toString(), "first");
      try {
        yield* drip.text();
        assert.fail("no timeout");
      } catch (e) {
        assert.ok(e instanceof SocketTimeoutError);
        assert.equal(e.message, `Timeout on reading data from socket: nothing for 0.1 s (GET ${base}/drip)`);
      }
      try {
        const r = yield* s.get("/drip", { timeout: new ClientTimeout({ total: 0.15 }) });
        yield* r.text();
        assert.fail("no timeout");
      } catch (e) {
        assert.equal((e as Error).constructor, TimeoutError);
        assert.equal((e as Error).message, `the request's total timeout expired while its body was read (GET ${base}/drip)`);
      }
      try {
        yield* s.get("/sleep/0.3", { timeout: new ClientTimeout({ total: 0.1 }) });
        assert.fail("no timeout");
      } catch (e) {
        assert.equal((e as Error).constructor, TimeoutError);
        assert.equal((e as Error).message, `the request's total timeout of 0.1 s expired (GET ${base}/sleep/0.3)`);
      }
      yield* until(() => connector.statistics().inUse === 0);
      assert.equal(connector.statistics().waiting, 0);
    });
  });
}, { debug: false }));

test("cancelling 3,000 requests mid-flight (waiting for the pool, connecting, awaiting the head, reading the body) frees every slot: the pool then serves its full limit at once", asyncioTest(function* () {
  const limit = 10;
  const barrier = new Barrier(limit);
  const app = echoApp();
  app.router.addGet("/together", function* () {
    // Answers only once `limit` requests are in at the same time: the pool's full limit.
    yield* barrier.wait();
    return new Response({ text: "together" });
  });
  app.router.addGet("/big", function* (request) {
    const resp = new StreamResponse();
    yield* resp.prepare(request);
    yield* resp.write(Buffer.alloc(256 * 1024));
    yield* sleep(0.05);
    yield* resp.writeEof(Buffer.alloc(256 * 1024));
    return resp;
  });
  yield* serving(app, function* (base, runner) {
    const connector = new TCPConnector({ limitPerHost: limit });
    yield* new ClientSession({ baseUrl: base, connector }).with(function* (s) {
      const paths = ["/sleep/0.01", "/big", "/echo", "/sleep/0"];
      const tasks = Array.from({ length: 3000 }, (_, i) =>
        createTask(
          (function* (): Coroutine<number> {
            const r = yield* s.get(paths[i % paths.length]!);
            return (yield* r.read()).length;
          })(),
        ),
      );
      // Cancel in waves, so requests are caught in every phase.
      for (let wave = 0; wave < 6; wave++) {
        yield* sleep(0.003 * wave);
        for (let i = wave; i < tasks.length; i += 6) if (i % 2 === 0) tasks[i]!.cancel();
      }
      const outcomes = yield* gather(...tasks, { returnExceptions: true });
      const cancelled = outcomes.filter((o) => o instanceof Error && o.name === "CancelledError").length;
      const served = outcomes.filter((o) => typeof o === "number").length;
      assert.ok(cancelled >= 1000, `only ${cancelled} were cancelled`);
      assert.equal(cancelled + served, 3000, String(outcomes.find((o) => o instanceof Error && o.name !== "CancelledError")));
      yield* until(() => connector.statistics().inUse === 0);
      const stats = connector.statistics();
      assert.equal(stats.waiting, 0);
      assert.ok(stats.open <= limit, `${stats.open} open`);
      const together = yield* gather(...Array.from({ length: limit }, () => (function* () {
        return yield* (yield* s.get("/together")).text();
      })()));
      assert.deepEqual(together, Array(limit).fill("together"));
      const next = yield* gather(...Array.from({ length: 1000 }, () => (function* () {
        return (yield* s.get("/echo")).status;
      })()));
      assert.deepEqual(new Set(next), new Set([200]));
      assert.ok(runner.statistics().connections <= limit);
    });
    assert.equal(connector.statistics().waiting, 0);
  });
}, { debug: false }));

test("a waiter cancelled in the same iteration it was handed a slot gives the slot back (the race httpcore and aiohttp leaked in)", asyncioTest(function* () {
  yield* serving(echoApp(), function* (base) {
    const connector = new TCPConnector({ limit: 1 });
    yield* new ClientSession({ baseUrl: base, connector }).with(function* (s) {
      const holder = yield* s.get("/hold");
      const waiter = createTask(s.get("/echo"));
      yield* until(() => connector.statistics().waiting === 1);
      // Both at once: releasing hands the slot to the waiter, then the waiter is cancelled.
      holder.release();
      waiter.cancel();
      const outcome = yield* gather(waiter, { returnExceptions: true });
      assert.equal((outcome[0] as Error).name, "CancelledError");
      assert.deepEqual(connector.statistics(), { open: 0, idle: 0, inUse: 0, waiting: 0 });
      assert.equal((yield* s.get("/echo")).status, 200);
    });
  });
}, { debug: false }));
