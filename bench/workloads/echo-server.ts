/**
 * The servers of workload 6, echo: each echoes what it reads on 127.0.0.1 (an ephemeral port),
 * prints `{"port": N}` once it listens (or `{"skip": why}`), and serves until bench/run.ts ends
 * the process. Every server applies backpressure: it stops reading while its write buffer is full.
 * - raw-net: Node's `net` ('data' -> write; pause until 'drain' when write() says the buffer is full)
 * - asyncio-ts-streams: `startServer`, read(100 KiB), write, drain: CPython's echo server, line for line
 * - asyncio-ts-protocol: `loop.createServer` with a Protocol whose dataReceived writes the data back,
 *   pausing reading between pauseWriting and resumeWriting
 *
 * Usage: node --import tsx bench/workloads/echo-server.ts SERVER
 */

import net from "node:net";
import { Skip, asyncioExports } from "./common.ts";

const READ_LIMIT = 100 * 1024;

function listening(port: number): void {
  console.log(JSON.stringify({ port }));
}

/** The port of an asyncio-ts Server: its first socket's address, as a tuple or an object. */
function portOf(server: { sockets: readonly { getsockname(): unknown }[] }): number {
  const name = server.sockets[0].getsockname() as readonly unknown[] | { port: number };
  return Array.isArray(name) ? Number(name[1]) : (name as { port: number }).port;
}

const servers: Record<string, () => Promise<void>> = {
  async "raw-net"() {
    const server = net.createServer({ noDelay: true }, (socket) => {
      socket.on("data", (data) => {
        if (!socket.write(data)) {
          socket.pause();
          socket.once("drain", () => socket.resume());
        }
      });
      socket.on("error", () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    listening((server.address() as net.AddressInfo).port);
  },

  async "asyncio-ts-streams"() {
    const { run, startServer } = await asyncioExports("run", "startServer");
    function* handle(reader: any, writer: any): Generator<unknown, void, unknown> {
      try {
        for (;;) {
          const data = yield* reader.read(READ_LIMIT);
          if (data.length === 0) break;
          writer.write(data);
          yield* writer.drain();
        }
      } catch {
        // a client that resets its connection ends this handler, as ConnectionError does in Python
      } finally {
        writer.close();
      }
    }
    await run(function* () {
      const server = yield* startServer(handle, "127.0.0.1", 0);
      listening(portOf(server));
      yield* server.serveForever();
    });
  },

  async "asyncio-ts-protocol"() {
    const { run, getRunningLoop, Protocol, EventLoop } = await asyncioExports("run", "getRunningLoop", "Protocol", "EventLoop");
    if (typeof EventLoop.prototype.createServer !== "function") throw new Skip("asyncio-ts's EventLoop has no createServer yet");
    class EchoProtocol extends Protocol {
      transport: any = null;
      connectionMade(transport: any): void {
        this.transport = transport;
      }
      dataReceived(data: Uint8Array): void {
        this.transport.write(data);
      }
      pauseWriting(): void {
        this.transport.pauseReading();
      }
      resumeWriting(): void {
        this.transport.resumeReading();
      }
    }
    await run(function* () {
      const server = yield* getRunningLoop().createServer(() => new EchoProtocol(), "127.0.0.1", 0);
      listening(portOf(server));
      yield* server.serveForever();
    });
  },
};

const name = process.argv[2];
const serve = servers[name];
if (serve === undefined) {
  console.error(`usage: echo-server.ts ${Object.keys(servers).join("|")}`);
  process.exit(2);
}
serve().catch((e: unknown) => {
  if (e instanceof Skip) {
    console.log(JSON.stringify({ skip: e.message }));
    process.exit(0);
  }
  console.error(e);
  process.exit(1);
});
