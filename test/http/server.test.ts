import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as net from "node:net";
import { fileURLToPath } from "node:url";
import {
  ConnectionResetError,
  Event,
  fromPromise,
  gather,
  getRunningLoop,
  shield,
  sleep,
  type Coroutine,
  type ExceptionContext,
} from "asyncio-ts";
import { asyncioTest } from "asyncio-ts/testing";
import {
  AppRunner,
  Application,
  ClientSession,
  HTTPForbidden,
  HTTPNotFound,
  Response,
  RouteTableDef,
  StreamResponse,
  TCPSite,
  jsonResponse,
  runApp,
  type Middleware,
  type PathParams,
  type Request,
} from "asyncio-ts/http";
import { rawExchange, serving, until } from "./helpers.ts";

/** The seed's FastAPI application: `GET /` and `GET /timeit/{seconds}`. */
function seedApp(options?: ConstructorParameters<typeof Application>[0]): Application {
  const routes = new RouteTableDef();
  routes.get("/", function* () {
    return jsonResponse({ Hello: "World" });
  });
  routes.get("/timeit/{seconds}", function* (request) {
    const seconds = Number(request.matchInfo.seconds);
    yield* sleep(seconds);
    return jsonResponse(`sleep seconds: ${seconds}`);
  });
  const app = new Application(options);
  app.addRoutes(routes);
  return app;
}

function* fetchText(session: ClientSession, path: string, options?: Parameters<ClientSession["get"]>[1]): Coroutine<[number, string]> {
  const resp = yield* session.get(path, options);
  return [resp.status, yield* resp.text()];
}

function* withSession<T>(base: string, body: (s: ClientSession) => Coroutine<T>): Coroutine<T> {
  return yield* new ClientSession({ baseUrl: base }).with(body);
}

test("the seed's routes: GET / is {\"Hello\":\"World\"} as JSON; /timeit/{seconds} sleeps, then answers; two at once take the longest, not the sum", asyncioTest(function* () {
  yield* serving(seedApp(), function* (base) {
    yield* withSession(base, function* (s) {
      const root = yield* s.get("/");
      assert.equal(root.status, 200);
      assert.equal(root.headers["content-type"], "application/json");
      assert.equal(yield* root.text(), '{"Hello":"World"}');
      const t0 = performance.now();
      const [a, b] = yield* gather(fetchText(s, "/timeit/0.2"), fetchText(s, "/timeit/0.1"));
      const took = (performance.now() - t0) / 1000;
      assert.deepEqual([a, b], [[200, '"sleep seconds: 0.2"'], [200, '"sleep seconds: 0.1"']]);
      assert.ok(took >= 0.19 && took < 0.29, `took ${took} s`);
    });
  });
}, { debug: false }));

test("routing: {name} is one segment, {name:regex} what the regex matches, both percent-decoded; 404; 405 with Allow; HEAD on a GET route", asyncioTest(function* () {
  const app = new Application();
  app.router.addGet("/users/{id}/posts/{n:\\d+}", function* (request) {
    const params: { id: string; n: string } = request.matchInfo;
    return jsonResponse(params);
  });
  app.router.addGet("/files/{path:.+}", function* (request) {
    return new Response({ text: request.matchInfo.path });
  });
  app.router.addPost("/users/{id}/posts/{n:\\d+}", function* () {
    return new Response({ status: 201 });
  });
  yield* serving(app, function* (base) {
    yield* withSession(base, function* (s) {
      assert.deepEqual(yield* fetchText(s, "/users/a%20b/posts/42"), [200, '{"id":"a b","n":"42"}']);
      assert.deepEqual(yield* fetchText(s, "/users/a/posts/x"), [404, "404: Not Found"]);
      assert.deepEqual(yield* fetchText(s, "/users/a/b/posts/1"), [404, "404: Not Found"]);
      assert.deepEqual(yield* fetchText(s, "/files/a/b/c.txt"), [200, "a/b/c.txt"]);
      const put = yield* s.put("/users/a/posts/1");
      assert.equal(put.status, 405);
      assert.equal(put.headers.allow, "GET,HEAD,POST");
      assert.equal(yield* put.text(), "405: Method Not Allowed");
      const head = yield* s.head("/users/a/posts/1");
      assert.equal(head.status, 200);
      assert.equal(head.headers["content-length"], "18");
      assert.equal((yield* head.read()).length, 0);
      assert.equal((yield* s.post("/users/a/posts/1")).status, 201);
    });
  });
}, { debug: false }));

test("PathParams types a route's parameters from its path", () => {
  const p: PathParams<"/a/{x}/b/{y:\\d+}"> = { x: "1", y: "2" };
  const none: PathParams<"/static"> = {};
  // @ts-expect-error: z is not a parameter of the path
  const wrong: PathParams<"/a/{x}"> = { z: "1" };
  assert.deepEqual([p, none, wrong], [{ x: "1", y: "2" }, {}, { z: "1" }]);
});

test("bodies: text(), json(), bytes(); past clientMaxSize 413, declared or chunked; a body that is not JSON is 400", asyncioTest(function* () {
  const app = new Application({ clientMaxSize: 1000 });
  app.router.addPost("/text", function* (request) {
    return new Response({ text: `${request.contentType} ${(yield* request.text()).toUpperCase()}` });
  });
  app.router.addPost("/json", function* (request) {
    const body = yield* request.json<{ n: number }>();
    return jsonResponse({ doubled: body.n * 2 });
  });
  app.router.addPost("/bytes", function* (request) {
    return new Response({ text: String((yield* request.bytes()).length) });
  });
  yield* serving(app, function* (base, _runner, port) {
    yield* withSession(base, function* (s) {
      const t = yield* s.post("/text", { data: "hello", headers: { "Content-Type": "text/plain; charset=utf-8" } });
      assert.deepEqual([t.status, yield* t.text()], [200, "text/plain HELLO"]);
      const j = yield* s.post("/json", { json: { n: 21 } });
      assert.deepEqual([j.status, yield* j.json()], [200, { doubled: 42 }]);
      const b = yield* s.post("/bytes", { data: new Uint8Array(1000) });
      assert.deepEqual([b.status, yield* b.text()], [200, "1000"]);
      const big = yield* s.post("/bytes", { data: new Uint8Array(1001) });
      assert.deepEqual([big.status, yield* big.text()], [413, "Maximum request body size 1000 exceeded, actual body size 1001"]);
      const bad = yield* s.post("/json", { data: "{nope", headers: { "Content-Type": "application/json" } });
      assert.equal(bad.status, 400);
      assert.match(yield* bad.text(), /^The request body is not valid JSON: /);
    });
    // Chunked, so no Content-Length to refuse it by: the limit applies as the bytes arrive.
    const chunk = "x".repeat(600);
    const raw = yield* rawExchange(
      port,
      `POST /bytes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`,
    );
    assert.match(raw, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
    assert.ok(raw.endsWith("Maximum request body size 1000 exceeded, actual body size more"), raw);
  });
}, { debug: false }));

test("request.content is a StreamReader whose buffer pauses the socket: a 16 MiB upload waits for the handler to read", asyncioTest(function* () {
  const total = 16 * 1024 * 1024;
  const seen: number[] = [];
  const app = new Application();
  app.router.addPost("/upload", function* (request) {
    yield* sleep(0.3); // not reading: the upload must stall meanwhile
    seen.push(request.socket.bytesRead);
    let received = 0;
    for (;;) {
      const chunk = yield* request.content.read(65536);
      if (chunk.length === 0) break;
      received += chunk.length;
    }
    return new Response({ text: String(received) });
  });
  yield* serving(app, function* (_base, _runner, port) {
    const answer = yield* fromPromise(
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\nConnection: close\r\n\r\n`);
        const block = Buffer.alloc(1024 * 1024, 97);
        let sent = 0;
        const pump = (): void => {
          while (sent < total) {
            sent += block.length;
            if (!socket.write(block)) return void socket.once("drain", pump);
          }
        };
        pump();
        let data = "";
        socket.on("data", (d) => (data += d));
        socket.on("error", reject);
        socket.on("close", () => resolve(data));
      }),
    );
    assert.ok(answer.endsWith(`\r\n\r\n${total}`), answer.slice(0, 200));
  });
  assert.ok(seen[0]! < 8 * 1024 * 1024, `the server read ${seen[0]} bytes while the handler slept`);
}, { debug: false }));

test("StreamResponse: prepare, then write() waits for the client to drain it; chunks arrive in order; writeEof ends it", asyncioTest(function* () {
  const events: string[] = [];
  const app = new Application();
  app.router.addGet("/stream", function* (request) {
    const resp = new StreamResponse({ headers: { "Content-Type": "application/octet-stream" } });
    yield* resp.prepare(request);
    const block = Buffer.alloc(1024 * 1024, 98);
    for (let i = 0; i < 16; i++) {
      yield* resp.write(block);
      events.push(`wrote ${i}`);
    }
    yield* resp.writeEof();
    events.push("eof");
    return resp;
  });
  app.router.addGet("/lines", function* (request) {
    const resp = new StreamResponse();
    yield* resp.prepare(request);
    for (const line of ["a\n", "b\n", "c\n"]) {
      yield* resp.write(line);
      yield* sleep(0.01);
    }
    return resp; // the server ends what the handler left open
  });
  yield* serving(app, function* (base) {
    yield* withSession(base, function* (s) {
      const resp = yield* s.get("/stream");
      yield* sleep(0.2);
      events.push("client starts reading");
      let n = 0;
      for (;;) {
        const chunk = yield* resp.content.read(1 << 20);
        if (chunk.length === 0) break;
        n += chunk.length;
      }
      assert.equal(n, 16 * 1024 * 1024);
      // Backpressure: the handler could not write everything while nobody read.
      const before = events.indexOf("client starts reading");
      assert.ok(before > 0 && before < 16, events.join(", "));
      assert.equal(events.at(-1), "eof");
      const lines = yield* s.get("/lines");
      const got: string[] = [];
      for (;;) {
        const line = (yield* lines.content.readline()).toString();
        if (line === "") break;
        got.push(line);
      }
      assert.deepEqual(got, ["a\n", "b\n", "c\n"]);
    });
  });
}, { debug: false }));

test("middlewares run as an onion, the first added outermost, around 404s too; an HTTPException they or handlers throw is its status", asyncioTest(function* () {
  const order: string[] = [];
  const tag =
    (name: string): Middleware =>
    function* (request, handler) {
      order.push(`${name} in ${request.path}`);
      try {
        const resp = yield* handler(request);
        resp.headers[`X-${name}`] = "seen";
        order.push(`${name} out ${resp.status}`);
        return resp;
      } catch (e) {
        order.push(`${name} caught ${(e as Error).name}`);
        throw e;
      }
    };
  const guard: Middleware = function* (request, handler) {
    if (request.headers.authorization !== "yes") throw new HTTPForbidden({ text: "no entry" });
    return yield* handler(request);
  };
  const app = new Application({ middlewares: [tag("outer"), tag("inner"), guard] });
  app.router.addGet("/", function* () {
    order.push("handler");
    return new Response({ text: "hi" });
  });
  app.router.addGet("/gone", function* () {
    throw new HTTPNotFound({ text: "it was here" });
  });
  yield* serving(app, function* (base) {
    yield* withSession(base, function* (s) {
      const ok = yield* s.get("/", { headers: { Authorization: "yes" } });
      assert.deepEqual([ok.status, ok.headers["x-outer"], ok.headers["x-inner"], yield* ok.text()], [200, "seen", "seen", "hi"]);
      assert.deepEqual(order.splice(0), ["outer in /", "inner in /", "handler", "inner out 200", "outer out 200"]);
      assert.deepEqual(yield* fetchText(s, "/"), [403, "no entry"]);
      assert.deepEqual(order.splice(0), ["outer in /", "inner in /", "inner caught HTTPForbidden", "outer caught HTTPForbidden"]);
      assert.deepEqual(yield* fetchText(s, "/nowhere", { headers: { Authorization: "yes" } }), [404, "404: Not Found"]);
      assert.deepEqual(order.splice(0), ["outer in /nowhere", "inner in /nowhere", "inner caught HTTPNotFound", "outer caught HTTPNotFound"]);
      assert.deepEqual(yield* fetchText(s, "/gone", { headers: { Authorization: "yes" } }), [404, "it was here"]);
    });
  });
}, { debug: false }));

test("startup hooks run in order before the site listens, cleanup hooks in order after the last request", asyncioTest(function* () {
  const order: string[] = [];
  const app = new Application();
  app.onStartup.push(function* (a) {
    yield* sleep(0.01);
    a.state.set("db", "connected");
    order.push("startup 1");
  });
  app.onStartup.push(function* () {
    order.push("startup 2");
  });
  app.onCleanup.push(function* (a) {
    order.push(`cleanup 1 (${String(a.state.get("db"))})`);
  });
  app.onCleanup.push(function* () {
    order.push("cleanup 2");
  });
  app.router.addGet("/", function* () {
    order.push("request");
    return new Response({ text: String(app.state.get("db")) });
  });
  yield* serving(app, function* (base) {
    order.push("listening");
    yield* withSession(base, function* (s) {
      assert.deepEqual(yield* fetchText(s, "/"), [200, "connected"]);
    });
  });
  assert.deepEqual(order, ["startup 1", "startup 2", "listening", "request", "cleanup 1 (connected)", "cleanup 2"]);
}, { debug: false }));

test("a client that disconnects cancels its handler at the await point; with handlerCancellation false the handler finishes; shield protects a part", asyncioTest(function* () {
  const events: string[] = [];
  const done = new Event();
  const app = new Application();
  app.router.addGet("/cancelled", function* () {
    events.push("/cancelled started");
    try {
      yield* sleep(5);
      events.push("cancelled: not reached");
    } finally {
      events.push("cancelled: finally");
    }
    return new Response();
  });
  app.router.addGet(
    "/kept",
    function* () {
      events.push("/kept started");
      yield* sleep(0.2);
      events.push("kept: finished");
      done.set();
      return new Response();
    },
    { handlerCancellation: false },
  );
  app.router.addGet("/shielded", function* () {
    events.push("/shielded started");
    try {
      yield* shield(
        (function* () {
          yield* sleep(0.2);
          events.push("shielded: the write is done");
        })(),
      );
    } catch (e) {
      events.push(`shielded: handler ${(e as Error).name}`);
      throw e;
    }
    return new Response();
  });
  yield* serving(app, function* (_base, runner, port) {
    for (const path of ["/cancelled", "/kept", "/shielded"]) {
      const socket = net.connect(port, "127.0.0.1");
      socket.on("error", () => {});
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      yield* until(() => events.includes(`${path} started`));
      socket.destroy();
    }
    yield* done.wait();
    yield* until(() => runner.statistics().inFlight === 0 && events.length === 7);
  });
  assert.deepEqual(events, [
    "/cancelled started",
    "cancelled: finally",
    "/kept started",
    "/shielded started",
    "shielded: handler CancelledError",
    "kept: finished",
    "shielded: the write is done",
  ]);
}, { debug: false }));

test("handlerTimeout: a handler past it is cancelled and answered 504; per route or per application", asyncioTest(function* () {
  const events: string[] = [];
  const app = new Application({ handlerTimeout: 0.1 });
  app.router.addGet("/slow", function* () {
    try {
      yield* sleep(1);
    } finally {
      events.push("slow cancelled");
    }
    return new Response();
  });
  app.router.addGet(
    "/allowed",
    function* () {
      yield* sleep(0.15);
      return new Response({ text: "made it" });
    },
    { handlerTimeout: 0.5 },
  );
  yield* serving(app, function* (base) {
    yield* withSession(base, function* (s) {
      const t0 = performance.now();
      assert.deepEqual(yield* fetchText(s, "/slow"), [504, "504: the handler took longer than its 0.1 s"]);
      assert.ok(performance.now() - t0 < 500);
      assert.deepEqual(events, ["slow cancelled"]);
      assert.deepEqual(yield* fetchText(s, "/allowed"), [200, "made it"]);
    });
  });
}, { debug: false }));

test("maxConcurrency: past it a request is answered 503 at once, and counted", asyncioTest(function* () {
  yield* serving(
    seedApp(),
    function* (base, runner) {
      yield* withSession(base, function* (s) {
        const results = yield* gather(fetchText(s, "/timeit/0.2"), fetchText(s, "/timeit/0.2"), (function* () {
          yield* sleep(0.05);
          return yield* fetchText(s, "/timeit/0.2");
        })());
        assert.deepEqual(results, [[200, '"sleep seconds: 0.2"'], [200, '"sleep seconds: 0.2"'], [503, "503: Service Unavailable"]]);
        assert.equal(runner.statistics().rejected, 1);
      });
    },
    { maxConcurrency: 2 },
  );
}, { debug: false }));

test("a malformed request gets 400 from the parser and its connection closes; the server goes on serving", asyncioTest(function* () {
  yield* serving(seedApp(), function* (base, _runner, port) {
    const raw = yield* rawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
    assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n/);
    const garbage = yield* rawExchange(port, "\x00\x01 what\r\n\r\n");
    assert.match(garbage, /^HTTP\/1\.1 400 Bad Request\r\n/);
    yield* withSession(base, function* (s) {
      assert.deepEqual(yield* fetchText(s, "/"), [200, '{"Hello":"World"}']);
    });
  });
}, { debug: false }));

test("an error in a handler is a 500 and reaches the loop's exception handler; a handler returning a non-response too; other requests are served", asyncioTest(function* () {
  const reported: ExceptionContext[] = [];
  const app = new Application();
  app.router.addGet("/boom", function* () {
    throw new Error("kaboom");
  });
  app.router.addGet("/wrong", function* () {
    return { Hello: "World" } as unknown as Response;
  });
  app.router.addGet("/fine", function* () {
    return new Response({ text: "fine" });
  });
  getRunningLoop().setExceptionHandler((_loop, ctx) => reported.push(ctx));
  yield* serving(app, function* (base) {
    yield* withSession(base, function* (s) {
      const results = yield* gather(fetchText(s, "/boom"), fetchText(s, "/fine"), fetchText(s, "/wrong"));
      assert.deepEqual(results, [[500, "500: Internal Server Error"], [200, "fine"], [500, "500: Internal Server Error"]]);
    });
  });
  assert.deepEqual(
    reported.map((c) => [c.message, String(c.exception)]),
    [
      ["Error handling request GET /boom", "Error: kaboom"],
      ["Error handling request GET /wrong", "TypeError: the handler of GET /wrong returned { Hello: 'World' }, not a response (return jsonResponse(...) or new Response(...))"],
    ],
  );
}, { debug: false }));

test("headersTimeout: a client that never finishes its head gets 408 and is closed; requestTimeout the same for its body; keepaliveTimeout closes an idle connection", asyncioTest(function* () {
  const reading: string[] = [];
  const app = seedApp();
  app.router.addPost("/upload", function* (request) {
    reading.push("reading");
    try {
      return new Response({ text: yield* request.text() });
    } catch (e) {
      reading.push((e as Error).name === "CancelledError" ? "cancelled" : String(e));
      throw e;
    }
  });
  yield* serving(
    app,
    function* (_base, runner, port) {
      const t0 = performance.now();
      const slow = yield* rawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\n");
      assert.match(slow, /^HTTP\/1\.1 408 Request Timeout\r\n/);
      assert.ok(performance.now() - t0 < 1500, `closed after ${performance.now() - t0} ms`);
      // The head in time, the body never: requestTimeout (1 s) answers 408 and cancels the handler.
      const t2 = performance.now();
      const dribble = yield* rawExchange(port, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
      assert.match(dribble, /^HTTP\/1\.1 408 Request Timeout\r\n/);
      assert.ok(performance.now() - t2 >= 950 && performance.now() - t2 < 2500, `closed after ${performance.now() - t2} ms`);
      assert.deepEqual(reading, ["reading", "cancelled"]);
      const t1 = performance.now();
      const idle = yield* rawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.match(idle, /^HTTP\/1\.1 200 OK\r\n[^]*\{"Hello":"World"\}$/);
      const idleFor = performance.now() - t1;
      assert.ok(idleFor >= 180 && idleFor < 1500, `closed after ${idleFor} ms`);
      assert.equal(runner.statistics().connections, 0);
    },
    { headersTimeout: 0.3, requestTimeout: 1, keepaliveTimeout: 0.2 },
  );
}, { debug: false }));

test("graceful shutdown: listening stops, idle keep-alive connections close, in-flight requests finish within shutdownTimeout, the rest are cancelled, then cleanup runs", asyncioTest(function* () {
  const order: string[] = [];
  const app = seedApp();
  app.router.addGet("/forever", function* () {
    try {
      yield* sleep(60);
    } finally {
      order.push("forever cancelled");
    }
    return new Response();
  });
  app.onCleanup.push(function* () {
    order.push("cleanup");
  });
  const runner = new AppRunner(app, { shutdownTimeout: 0.3 });
  yield* runner.setup();
  const site = new TCPSite(runner, "127.0.0.1", 0);
  yield* site.start();
  const port = site.port!;
  const session = new ClientSession({ baseUrl: site.name });
  yield* fetchText(session, "/");
  const quick = session.get("/timeit/0.1");
  const forever = session.get("/forever");
  const results = yield* gather(
    (function* () {
      const r = yield* quick;
      order.push(`quick ${r.status} ${r.headers.connection}`);
      return yield* r.text();
    })(),
    (function* () {
      try {
        yield* forever;
      } catch (e) {
        order.push(`forever ${(e as Error).name}`);
      }
    })(),
    (function* () {
      yield* until(() => runner.statistics().inFlight === 2);
      const t0 = performance.now();
      yield* runner.cleanup();
      order.push(`cleaned up after ${Math.round((performance.now() - t0) / 100) / 10} s`);
    })(),
  );
  assert.equal(results[0], '"sleep seconds: 0.1"');
  const refused = yield* fromPromise(
    new Promise<string>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "?"));
      s.on("connect", () => resolve("connected"));
    }),
  );
  assert.equal(refused, "ECONNREFUSED");
  yield* session.close();
  assert.equal(runner.statistics().connections, 0);
  assert.deepEqual(order, ["quick 200 close", "forever cancelled", "cleanup", "cleaned up after 0.3 s", "forever ConnectionResetError"]);
}, { debug: false }));

test("runApp serves until cancelled, then shuts down; misuse throws with what to do", async () => {
  await asyncioTest(function* () {
    const loop = getRunningLoop();
    let url = "";
    const served = loop.createTask(runApp(seedApp(), { host: "127.0.0.1", port: 0, onListening: (site) => (url = site.name) }));
    yield* until(() => url !== "");
    yield* withSession(url, function* (s) {
      assert.deepEqual(yield* fetchText(s, "/"), [200, '{"Hello":"World"}']);
    });
    served.cancel();
    yield* gather(served, { returnExceptions: true });
    assert.ok(served.cancelled());
  }, { debug: false })();
  assert.throws(() => new Application({ clientMaxsize: 1 } as never), {
    name: "TypeError",
    message: "Application got an unknown option `clientMaxsize`; the options are `middlewares`, `clientMaxSize`, `handlerCancellation`, `handlerTimeout`",
  });
  assert.throws(() => new AppRunner(new Application(), { shutdownTimeout: -1 }), { name: "ValueError", message: "`shutdownTimeout` must be a non-negative number of seconds or null, got -1" });
  const app = seedApp();
  assert.throws(() => app.router.addGet("/", function* () {
    return new Response();
  }), { name: "TypeError", message: "route GET / is already registered" });
  assert.throws(() => app.router.addGet("/x/{a", function* () {
    return new Response();
  }), { name: "TypeError", message: 'route path "/x/{a": "{" at 3 is never closed' });
  await asyncioTest(function* () {
    const runner = new AppRunner(app);
    const site = new TCPSite(runner, "127.0.0.1", 0);
    try {
      yield* site.start();
      assert.fail("started");
    } catch (e) {
      assert.equal((e as Error).name, "RuntimeError");
      assert.equal((e as Error).message, "<AppRunner new sites=0 inFlight=0> is not set up: call yield* runner.setup() first");
    }
    yield* runner.with(function* () {
      assert.throws(() => app.router.addGet("/late", function* () {
        return new Response();
      }), { name: "RuntimeError", message: "Cannot add route GET /late: the application's router is frozen once it runs" });
    });
  }, { debug: false })();
});

test("a request to a closed connection's handler: StreamResponse.write throws ConnectionResetError", asyncioTest(function* () {
  const outcome: string[] = [];
  const app = new Application({ handlerCancellation: false });
  app.router.addGet("/", function* (request: Request) {
    const resp = new StreamResponse();
    yield* resp.prepare(request);
    yield* sleep(0.1);
    try {
      for (let i = 0; i < 100; i++) yield* resp.write(Buffer.alloc(65536));
    } catch (e) {
      outcome.push(`${(e as Error).name}: ${(e as Error).message}`);
      assert.ok(e instanceof ConnectionResetError);
    }
    return resp;
  });
  yield* serving(app, function* (_base, runner, port) {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    yield* until(() => runner.statistics().inFlight === 1);
    socket.destroy();
    yield* until(() => runner.statistics().inFlight === 0);
  });
  assert.deepEqual(outcome, ["ConnectionResetError: Cannot write to closing transport"]);
}, { debug: false }));

test("Response keeps text as text until it is needed as bytes; Content-Length counts UTF-8 bytes; body and text can be replaced", asyncioTest(function* () {
  const r = new Response({ text: "héllo" });
  assert.equal(r.text, "héllo");
  assert.equal(r.body.length, 6);
  assert.equal(r.headers["Content-Type"], "text/plain; charset=utf-8");
  r.body = Buffer.from("bytes");
  assert.equal(r.text, "bytes");
  r.text = "ünï";
  assert.deepEqual([...r.body], [...Buffer.from("ünï", "utf8")]);
  assert.throws(() => new Response({ text: "a", body: new Uint8Array(1) }), { name: "TypeError", message: "Response takes `body` or `text`, not both" });
  assert.throws(() => new Response({ txt: "a" } as never), { name: "TypeError", message: "Response got an unknown option `txt`; the options are `status`, `reason`, `headers`, `body`, `text`, `contentType`" });
  const app = new Application();
  app.router.addGet("/", function* () {
    return new Response({ text: "héllo", status: 201, reason: "Made" });
  });
  yield* serving(app, function* (base) {
    yield* withSession(base, function* (s) {
      const resp = yield* s.get("/");
      assert.deepEqual([resp.status, resp.reason, resp.headers["content-length"], yield* resp.text()], [201, "Made", "6", "héllo"]);
    });
  });
}, { debug: false }));

test("a program that forgets its AppRunner and its ClientSession still ends: the loop's close closes them, and says so in debug mode", () => {
  const fixture = fileURLToPath(new URL("../fixtures/http/forgotten.ts", import.meta.url));
  for (const mode of ["quiet", "debug"]) {
    const child = spawnSync(process.execPath, ["--import", "tsx", fixture, mode], { encoding: "utf8", timeout: 20_000 });
    assert.equal(child.signal, null, `${mode}: the process did not end by itself`);
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, '200 {"Hello":"World"}\nrun returned\n');
    const said = child.stderr.split("\n").filter((l) => l.startsWith("unclosed")).map((l) => l.replace(/\d+/g, "N"));
    assert.deepEqual(said, mode === "debug" ? ["unclosed <TCPSite http://N.N.N.N:N listening>", "unclosed <TCPConnector limit=N limitPerHost=Infinity open=N idle=N waiting=N>"] : []);
  }
});
