import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AF_INET,
  AF_INET6,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_PASSIVE,
  AI_V4MAPPED,
  GaiError,
  IPPROTO_TCP,
  IPPROTO_UDP,
  OSError,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  ValueError,
  getRunningLoop,
  run,
  type AddrInfo,
} from "asyncio-ts";

function resolve(host: string | null, port: number | string | null, options?: Parameters<ReturnType<typeof getRunningLoop>["getaddrinfo"]>[2]): Promise<AddrInfo[]> {
  return run(function* () {
    return yield* getRunningLoop().getaddrinfo(host, port, options);
  });
}

test("a numeric IPv4 host gives one tuple per socket type, CPython's shape", async () => {
  assert.deepEqual(await resolve("127.0.0.1", 8080), [
    [AF_INET, SOCK_STREAM, IPPROTO_TCP, "", ["127.0.0.1", 8080]],
    [AF_INET, SOCK_DGRAM, IPPROTO_UDP, "", ["127.0.0.1", 8080]],
    [AF_INET, SOCK_RAW, 0, "", ["127.0.0.1", 8080]],
  ]);
});

test("type and proto filter the tuples", async () => {
  assert.deepEqual(await resolve("127.0.0.1", "53", { type: SOCK_DGRAM }), [[AF_INET, SOCK_DGRAM, IPPROTO_UDP, "", ["127.0.0.1", 53]]]);
  assert.deepEqual(await resolve("::1", 0, { proto: IPPROTO_TCP }), [[AF_INET6, SOCK_STREAM, IPPROTO_TCP, "", ["::1", 0]]]);
});

test("localhost resolves through dns.lookup; canonname is set on the first tuple only with AI_CANONNAME", async () => {
  const infos = await resolve("localhost", 80, { family: AF_INET, type: SOCK_STREAM, flags: AI_CANONNAME });
  assert.deepEqual(infos[0], [AF_INET, SOCK_STREAM, IPPROTO_TCP, "localhost", ["127.0.0.1", 80]]);
  for (const info of infos.slice(1)) assert.equal(info[3], "");
});

test("a service name is looked up in /etc/services", async () => {
  assert.deepEqual(await resolve("127.0.0.1", "http", { type: SOCK_STREAM }), [[AF_INET, SOCK_STREAM, IPPROTO_TCP, "", ["127.0.0.1", 80]]]);
});

test("no host: loopback to connect, the wildcard with AI_PASSIVE, in glibc's order", async () => {
  const addrs = (infos: AddrInfo[]) => infos.map((i) => i[4][0]);
  assert.deepEqual(addrs(await resolve(null, 80, { type: SOCK_STREAM })), ["::1", "127.0.0.1"]);
  assert.deepEqual(addrs(await resolve(null, 80, { type: SOCK_STREAM, flags: AI_PASSIVE })), ["0.0.0.0", "::"]);
});

test("AI_V4MAPPED maps an IPv4 address for AF_INET6; without it the family does not match", async () => {
  assert.deepEqual(await resolve("127.0.0.1", 1, { family: AF_INET6, type: SOCK_STREAM, flags: AI_V4MAPPED }), [
    [AF_INET6, SOCK_STREAM, IPPROTO_TCP, "", ["::ffff:127.0.0.1", 1]],
  ]);
  await assert.rejects(resolve("127.0.0.1", 1, { family: AF_INET6 }), {
    name: "GaiError",
    message: "[Errno -9] Address family for hostname not supported",
    errno: -9,
  });
});

test("failures are GaiError (an OSError) with glibc's numbers and texts", async () => {
  const err = await resolve("nonexistent.invalid", 80).catch((e: unknown) => e);
  assert.ok(err instanceof GaiError && err instanceof OSError);
  assert.equal(err.message, "[Errno -2] Name or service not known");
  assert.equal(err.errno, -2);
  assert.equal(err.code, "EAI_NONAME");
  await assert.rejects(resolve("localhost", "no-such-service"), { name: "GaiError", message: "[Errno -8] Servname not supported for ai_socktype" });
  await assert.rejects(resolve("localhost", 80, { family: 99 }), { name: "GaiError", message: "[Errno -6] ai_family not supported" });
  await assert.rejects(resolve("localhost", 80, { type: SOCK_DGRAM, proto: IPPROTO_TCP }), { name: "GaiError", message: "[Errno -7] ai_socktype not supported" });
  await assert.rejects(resolve("localhost", 80, { flags: AI_NUMERICHOST }), { name: "GaiError", message: "[Errno -2] Name or service not known" });
  await assert.rejects(resolve(null, null), { name: "GaiError", errno: -2 });
  await assert.rejects(resolve("localhost", 70000), { name: "ValueError", message: "getaddrinfo(): port must be 0-65535, got 70000" });
  await assert.rejects(resolve("localhost", -1), ValueError);
});
