/**
 * The client of workload 6, echo: CONNECTIONS (10) connections to an echo server on 127.0.0.1:PORT,
 * each sending a 1 KiB message and sending the next as soon as the whole echo is back. It runs
 * WARMUP seconds uncounted, then counts round trips for SECONDS, cut into 3 windows, and prints
 * the best window's rate: `{"value": requests per second, "unit": "requests/s", "roundTrips": all
 * round trips, warm-up included}`. Plain Node
 * `net`, the same for every server, and in a process of its own so the server under test has its own.
 *
 * Usage: node --import tsx bench/workloads/echo-client.ts PORT [CONNECTIONS] [SECONDS] [WARMUP]
 */

import net from "node:net";

const [port, connections = 10, seconds = 2, warmup = 0.5] = process.argv.slice(2).map(Number);
const MESSAGE = Buffer.alloc(1024, 0x61);
/** The counted time is cut into this many windows, and the best window's rate is reported. */
const WINDOWS = 3;

let roundTrips = 0;
let sending = true;
const sockets: net.Socket[] = [];

function connect(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
    sockets.push(socket);
    let pending = 0;
    socket.on("connect", () => {
      socket.write(MESSAGE);
      resolve();
    });
    socket.on("data", (chunk: Buffer) => {
      pending += chunk.length;
      while (pending >= MESSAGE.length) {
        pending -= MESSAGE.length;
        roundTrips++;
        if (sending) socket.write(MESSAGE);
      }
    });
    socket.on("error", (e) => {
      if (sending) reject(e);
    });
  });
}

const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));

try {
  await Promise.all(Array.from({ length: connections }, connect));
  await sleep(warmup);
  const rates: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    const start = roundTrips;
    const t0 = performance.now();
    await sleep(seconds / WINDOWS);
    rates.push((roundTrips - start) / ((performance.now() - t0) / 1000));
  }
  sending = false;
  for (const s of sockets) s.destroy();
  console.log(JSON.stringify({ value: Math.max(...rates), unit: "requests/s", reps: WINDOWS, roundTrips }));
  process.exit(0);
} catch (e) {
  console.error(e);
  process.exit(1);
}
