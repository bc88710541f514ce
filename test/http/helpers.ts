/**
 * What the HTTP tests share: serving an application on 127.0.0.1 port 0 for the length of a body
 * (and proving afterwards that nothing of it is left: no connection, no task), a raw socket
 * client for what a well-behaved client never sends, and a server-side connection counter.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { fromPromise, getRunningLoop, sleep, type Coroutine } from "asyncio-ts";
import { AppRunner, Application, TCPSite, type AppRunnerOptions } from "asyncio-ts/http";

/**
 * Serves `app` on 127.0.0.1:0 while `body(base, runner)` runs, `base` being `http://127.0.0.1:PORT`;
 * then cleans up and checks that the runner has no connection and no handler left.
 */
export function* serving<T>(app: Application, body: (base: string, runner: AppRunner, port: number) => Coroutine<T>, options: AppRunnerOptions = {}): Coroutine<T> {
  const runner = new AppRunner(app, options);
  yield* runner.setup();
  let result: T;
  try {
    const site = new TCPSite(runner, "127.0.0.1", 0);
    yield* site.start();
    result = yield* body(site.name, runner, site.port!);
  } finally {
    yield* runner.cleanup();
  }
  const stats = runner.statistics();
  assert.equal(stats.inFlight, 0, "handlers left running");
  assert.equal(stats.connections, 0, "connections left open");
  return result;
}

/** The response a raw socket gets for `request` (bytes as given), read until the server closes. */
export function* rawExchange(port: number, request: string | Buffer, options: { endAfterWrite?: boolean } = {}): Coroutine<string> {
  return yield* fromPromise(
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.write(request);
        if (options.endAfterWrite === true) socket.end();
      });
      let data = "";
      socket.on("data", (d) => (data += d.toString("latin1")));
      socket.on("error", reject);
      socket.on("close", () => resolve(data));
    }),
  );
}

/** A plain `node:net` server speaking HTTP by hand, counting connections (for the client's tests). */
export class RawServer {
  readonly server: net.Server;
  connections = 0;
  open = 0;
  maxOpen = 0;
  readonly sockets = new Set<net.Socket>();

  constructor(onConnection: (socket: net.Socket, index: number) => void) {
    this.server = net.createServer((socket) => {
      const index = this.connections++;
      this.open++;
      this.maxOpen = Math.max(this.maxOpen, this.open);
      this.sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        this.open--;
        this.sockets.delete(socket);
      });
      onConnection(socket, index);
    });
  }

  *listen(): Coroutine<string> {
    const server = this.server;
    yield* fromPromise(new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
    return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }

  *close(): Coroutine<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    yield* fromPromise(new Promise<void>((resolve) => server.close(() => resolve())));
  }
}

/** Waits until `predicate()` holds, checking every 5 ms, for at most `seconds`. */
export function* until(predicate: () => boolean, seconds = 2): Coroutine<void> {
  const loop = getRunningLoop();
  const end = loop.time() + seconds;
  while (!predicate()) {
    if (loop.time() > end) assert.fail("condition not reached in time");
    yield* sleep(0.005);
  }
}
