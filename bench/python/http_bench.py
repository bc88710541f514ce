"""The Python anchors of workload http in bench/run.ts (Debian's CPython: /usr/bin/python3).

Servers (print {"port": N} once listening on 127.0.0.1, backlog 2048, then serve until killed),
each with `GET /` -> {"Hello": "World"} and `GET /timeit/{seconds}` -> sleeps, then answers,
both `async def` so that a sleep does not hold a thread (the seed's own `def timeit` with
`time.sleep` runs in anyio's 40 threads: 1,000 requests would take 25 s):
    server-fastapi   FastAPI on uvicorn (uvicorn picks uvloop when installed; h11 parses)
    server-aiohttp   aiohttp.web

Clients (print one JSON line), the same work as bench/workloads/http-client.ts fanout-asyncio-ts:
    fanout-httpx PORT N LIMIT     N GETs of / through gather, httpx.AsyncClient(limits=Limits(max_connections=LIMIT))
    fanout-aiohttp PORT N LIMIT   the same with aiohttp.ClientSession(connector=TCPConnector(limit_per_host=LIMIT))
the best of up to 3 repetitions (fewer once they took 3 s), as in Node.
"""

import asyncio
import json
import socket
import sys
import time

REPS = 3
REP_BUDGET_S = 3.0
BACKLOG = 2048


def bound_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    # Listening before the port is printed: the servers call listen() only after their startup,
    # and a load generator started on the line would be refused until then.
    sock.listen(BACKLOG)
    return sock


def listening(sock):
    print(json.dumps({"port": sock.getsockname()[1]}), flush=True)


def server_fastapi():
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/")
    async def read_root():
        return {"Hello": "World"}

    @app.get("/timeit/{seconds}")
    async def timeit(seconds: float):
        await asyncio.sleep(seconds)
        return f"sleep seconds: {seconds:g}"

    sock = bound_socket()
    listening(sock)
    config = uvicorn.Config(app, log_level="warning", access_log=False, backlog=BACKLOG)
    uvicorn.Server(config).run(sockets=[sock])


def server_aiohttp():
    from aiohttp import web

    async def root(request):
        return web.json_response({"Hello": "World"})

    async def timeit(request):
        seconds = float(request.match_info["seconds"])
        await asyncio.sleep(seconds)
        return web.json_response(f"sleep seconds: {seconds:g}")

    app = web.Application()
    app.router.add_get("/", root)
    app.router.add_get("/timeit/{seconds}", timeit)
    sock = bound_socket()
    listening(sock)
    web.run_app(app, sock=sock, backlog=BACKLOG, print=None, access_log=None)


async def fanout(get, n):
    async def one():
        return len(await get())

    best = 0.0
    reps = 0
    started = time.perf_counter()
    while reps < REPS:
        t0 = time.perf_counter()
        await asyncio.gather(*[one() for _ in range(n)])
        best = max(best, n / (time.perf_counter() - t0))
        reps += 1
        if time.perf_counter() - started > REP_BUDGET_S:
            break
    return best, reps


async def fanout_httpx(port, n, limit):
    import httpx

    limits = httpx.Limits(max_connections=limit, max_keepalive_connections=limit)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=300) as client:

        async def get():
            return (await client.get("/")).content

        return await fanout(get, n)


async def fanout_aiohttp(port, n, limit):
    import aiohttp

    connector = aiohttp.TCPConnector(limit_per_host=limit)
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", connector=connector) as session:

        async def get():
            async with session.get("/") as resp:
                return await resp.read()

        return await fanout(get, n)


def main():
    name, *args = sys.argv[1:]
    if name == "server-fastapi":
        return server_fastapi()
    if name == "server-aiohttp":
        return server_aiohttp()
    client = {"fanout-httpx": fanout_httpx, "fanout-aiohttp": fanout_aiohttp}.get(name)
    if client is None:
        print(f"unknown: {name}", file=sys.stderr)
        sys.exit(2)
    port, n, limit = (int(a) for a in args)
    best, reps = asyncio.run(client(port, n, limit))
    print(json.dumps({"value": best, "unit": "requests/s", "reps": reps}))


main()
