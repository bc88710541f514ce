/**
 * Reaching into another Node process through its inspector, for `npx asyncio-ts ps|pstree PID`
 * (CPython 3.14 reads the other process's memory instead; Node offers its inspector).
 *
 * A running Node process opens its inspector when it receives SIGUSR1 (as `node --inspect` would
 * have at start), on 127.0.0.1:9229 unless it was started with `--inspect-port`. So: find the
 * port the process listens on for it (on Linux, the listening sockets of the process in /proc,
 * before and after the signal; elsewhere 9229, or `--port`), ask `/json/list` for its WebSocket
 * address, and speak the DevTools protocol over a WebSocket: `Runtime.evaluate` runs the snapshot
 * hook of asyncio-ts (graph.ts) in that process and returns its JSON. If this opened the inspector,
 * it closes it again afterwards (an open inspector lets anyone on the machine run code there).
 *
 * The inspector's sockets are served by a thread of its own, and V8 runs `Runtime.evaluate` at
 * the next interrupt check of whatever JavaScript runs, so this works while the loop is blocked
 * in JavaScript (`Atomics.wait` too, which V8 interrupts), and then shows where. A main thread
 * blocked in native code (a synchronous file read, `execSync`) opens the inspector and answers
 * only when it returns.
 *
 * The WebSocket client is the smallest the protocol needs (RFC 6455: one text message out per
 * call, masked; fragments, pings and a close in): Node 20 has no WebSocket client of its own.
 */

import { createHash, randomBytes } from "node:crypto";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import http from "node:http";
import type { Socket } from "node:net";

/** How a remote call failed, in words for the command line. */
export class RemoteError extends Error {
  override name = "RemoteError";
  /** Whether the connection to the inspector failed or dropped (rather than an answer being wrong). */
  readonly lost: boolean;
  constructor(message: string, options: { lost?: boolean } = {}) {
    super(message);
    this.lost = options.lost ?? false;
  }
}

// -- the WebSocket ----------------------------------------------------------------------------

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** A DevTools protocol session over a WebSocket. */
export class InspectorSession {
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private closedError: Error | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("close", () => this.fail(new RemoteError("the inspector closed the connection", { lost: true })));
    socket.on("error", (e) => this.fail(new RemoteError(`inspector connection: ${e.message}`, { lost: true })));
  }

  /** Opens a session to `url` (a `ws://host:port/id` from `/json/list`). */
  static connect(url: string, timeoutMs: number): Promise<InspectorSession> {
    const target = new URL(url);
    const key = randomBytes(16).toString("base64");
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13" },
        timeout: timeoutMs,
      });
      req.on("timeout", () => req.destroy(new RemoteError(`no answer from the inspector at ${url} within ${timeoutMs / 1000} s`)));
      req.on("error", (e) => reject(e instanceof RemoteError ? e : new RemoteError(`cannot reach the inspector at ${url}: ${e.message}`, { lost: true })));
      req.on("response", (res) => reject(new RemoteError(`the inspector at ${url} refused the WebSocket (HTTP ${res.statusCode})`)));
      req.on("upgrade", (res, socket, head) => {
        const expected = createHash("sha1").update(key + GUID).digest("base64");
        if (res.headers["sec-websocket-accept"] !== expected) {
          socket.destroy();
          reject(new RemoteError(`the inspector at ${url} answered with a bad WebSocket handshake`));
          return;
        }
        socket.setTimeout(0);
        const session = new InspectorSession(socket);
        if (head.length > 0) session.onData(head);
        resolve(session);
      });
      req.end();
    });
  }

  /** Calls a protocol method and resolves with its result. */
  call(method: string, params: object = {}): Promise<any> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Ends the session (a close frame, then the socket); calls still waiting fail with `reason`. */
  close(reason = "the session is closed"): void {
    if (this.closedError !== null) return;
    this.fail(new RemoteError(reason));
    this.writeFrame(0x8, Buffer.alloc(0));
    this.socket.end();
  }

  private send(text: string): void {
    this.writeFrame(0x1, Buffer.from(text, "utf8"));
  }

  /** Writes one final frame; a client's frames are masked (RFC 6455, 5.3). */
  private writeFrame(opcode: number, payload: Buffer): void {
    const mask = randomBytes(4);
    const n = payload.length;
    const header = n < 126 ? Buffer.alloc(2) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    if (n < 126) header[1] = 0x80 | n;
    else if (n < 65536) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(n, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(n), 2);
    }
    const masked = Buffer.alloc(n);
    for (let i = 0; i < n; i++) masked[i] = payload[i]! ^ mask[i & 3]!;
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) return;
      const fin = (b[0]! & 0x80) !== 0;
      const opcode = b[0]! & 0x0f;
      let length = b[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if ((b[1]! & 0x80) !== 0) offset += 4; // a server never masks, but a mask would come here
      if (b.length < offset + length) return;
      const payload = b.subarray(offset, offset + length);
      this.buffer = b.subarray(offset + length);
      if (opcode === 0x8) {
        this.socket.end();
        return;
      }
      if (opcode === 0x9) {
        this.writeFrame(0xa, Buffer.from(payload));
        continue;
      }
      if (opcode === 0x1 || opcode === 0x0) {
        this.fragments.push(Buffer.from(payload));
        if (fin) {
          const text = Buffer.concat(this.fragments).toString("utf8");
          this.fragments = [];
          this.onMessage(text);
        }
      }
    }
  }

  private onMessage(text: string): void {
    let message: { id?: number; result?: unknown; error?: { message: string } };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (message.id === undefined) return; // an event
    const waiter = this.pending.get(message.id);
    if (waiter === undefined) return;
    this.pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new RemoteError(message.error.message));
    else waiter.resolve(message.result);
  }

  private fail(e: Error): void {
    this.closedError ??= e;
    for (const waiter of this.pending.values()) waiter.reject(e);
    this.pending.clear();
  }
}

// -- finding the inspector ----------------------------------------------------------------------

/** GETs `http://host:port/path` as JSON, or null when nothing answers there as an inspector. */
function getJson(host: string, port: number, path: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => {
        try {
          resolve(res.statusCode === 200 ? (JSON.parse(body) as unknown) : null);
        } catch {
          resolve(null);
        }
      });
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(null));
  });
}

/** The WebSocket address of the Node inspector listening on `host:port`, or null. */
async function inspectorUrl(host: string, port: number): Promise<string | null> {
  const targets = await getJson(host, port, "/json/list", 1000);
  if (!Array.isArray(targets)) return null;
  const target = (targets as { webSocketDebuggerUrl?: string; type?: string }[]).find((t) => typeof t.webSocketDebuggerUrl === "string");
  return target?.webSocketDebuggerUrl ?? null;
}

/**
 * The TCP ports process `pid` listens on, from /proc (Linux): its socket inodes, matched against
 * the listening sockets of /proc/PID/net/tcp and tcp6. Null where /proc cannot tell.
 */
export function listeningPorts(pid: number): Set<number> | null {
  let inodes: Set<string>;
  try {
    inodes = new Set<string>();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m !== null) inodes.add(m[1]!);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return null;
  }
  const ports = new Set<number>();
  for (const table of ["tcp", "tcp6"]) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT, st 0A is LISTEN, the inode is the tenth column.
      if (cols.length < 10 || cols[3] !== "0A" || !inodes.has(cols[9]!)) continue;
      ports.add(parseInt(cols[1]!.split(":")[1]!, 16));
    }
  }
  return ports;
}

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Where the inspector of a process was found, and whether this opened it. */
export interface FoundInspector {
  readonly url: string;
  readonly openedHere: boolean;
}

/**
 * Finds the inspector of process `pid`, opening it with SIGUSR1 if it is not open yet.
 * @param options.port where it listens (or will), when /proc cannot tell. @default 9229, or what /proc says
 * @throws RemoteError when there is no such process, it cannot be signalled, or no inspector answers.
 */
export async function findInspector(pid: number, options: { host?: string; port?: number; timeoutMs?: number } = {}): Promise<FoundInspector> {
  const host = options.host ?? "127.0.0.1";
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  const candidates = (): number[] => {
    if (options.port !== undefined) return [options.port];
    const ports = listeningPorts(pid);
    return ports === null ? [9229] : [...ports].sort((a, b) => (a === 9229 ? -1 : b === 9229 ? 1 : a - b));
  };
  const find = async (ports: number[]): Promise<string | null> => {
    for (const port of ports) {
      const url = await inspectorUrl(host, port);
      if (url !== null) return url;
    }
    return null;
  };
  const before = new Set(candidates());
  const already = await find([...before]);
  if (already !== null) return { url: already, openedHere: false };
  try {
    process.kill(pid, "SIGUSR1");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ESRCH") throw new RemoteError(`no process with pid ${pid}`);
    if (code === "EPERM") throw new RemoteError(`not allowed to signal process ${pid} (it belongs to another user)`);
    throw new RemoteError(`cannot signal process ${pid}: ${(e as Error).message}`);
  }
  while (Date.now() < deadline) {
    await sleepMs(50);
    // The new port first: a port the process listened on before is not its inspector.
    const ports = candidates();
    const url = await find([...ports.filter((p) => !before.has(p)), ...ports.filter((p) => before.has(p))]);
    if (url !== null) return { url, openedHere: true };
  }
  throw new RemoteError(
    `process ${pid} opened no inspector after SIGUSR1: is it a Node process, its main thread not blocked in native code ` +
      `(a synchronous child process or file read: it opens the inspector once that returns), not started with --disable-sigusr1? ` +
      `(one started with --inspect-port=N elsewhere than Linux: pass --port N)`,
  );
}

/** What the snapshot hook of asyncio-ts is called as, in the process looked at (graph.ts). */
const HOOK_EXPRESSION = `globalThis[Symbol.for("asyncio-ts.introspection")]`;

/**
 * The JSON snapshot of the tasks of process `pid` (graph.ts's `_snapshot`), through its inspector.
 * @throws RemoteError when the process cannot be reached or does not use asyncio-ts.
 */
export async function remoteSnapshot(pid: number, options: { host?: string; port?: number; timeoutMs?: number } = {}): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const found = await findInspector(pid, options);
    try {
      return await snapshotThrough(found, pid, options.timeoutMs ?? 10_000);
    } catch (e) {
      // An inspector found open may be closing as this connects: the `ps` that opened it closes it
      // 100 ms after it is done (see below). Found again, it is open, or opened anew.
      if (!(e instanceof RemoteError && e.lost) || found.openedHere || attempt === 3) throw e;
      await sleepMs(150);
    }
  }
}

/** The snapshot through the inspector `found`, which this closes again if it opened it. */
async function snapshotThrough(found: FoundInspector, pid: number, timeoutMs: number): Promise<string> {
  const session = await InspectorSession.connect(found.url, timeoutMs);
  const timer = setTimeout(
    () => session.close(`no answer from process ${pid} within ${timeoutMs / 1000} s (is its main thread blocked in native code?)`),
    timeoutMs,
  );
  try {
    const evaluate = async (expression: string): Promise<unknown> => {
      const reply = (await session.call("Runtime.evaluate", { expression, returnByValue: true, silent: true })) as {
        result?: { value?: unknown };
        exceptionDetails?: { text?: string; exception?: { description?: string } };
      };
      if (reply.exceptionDetails !== undefined) {
        throw new RemoteError(`in process ${pid}: ${reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text ?? "an error"}`);
      }
      return reply.result?.value;
    };
    const remotePid = await evaluate("process.pid");
    if (remotePid !== pid) throw new RemoteError(`the inspector at ${found.url} belongs to process ${String(remotePid)}, not ${pid} (pass --port)`);
    const snapshot = await evaluate(`${HOOK_EXPRESSION}?.snapshot() ?? null`);
    if (typeof snapshot !== "string") throw new RemoteError(`process ${pid} does not use asyncio-ts (no asyncio-ts loaded in its main thread)`);
    if (found.openedHere) {
      // Closed once this session is gone: inspector.close() waits for the connections to end.
      await evaluate(
        `setTimeout(() => { try { process.getBuiltinModule?.("node:inspector")?.close() } catch {} }, 100).unref(), undefined`,
      ).catch(() => undefined);
    }
    return snapshot;
  } finally {
    clearTimeout(timer);
    session.close();
  }
}
