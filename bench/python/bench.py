"""CPython asyncio anchors for bench/run.ts.

Usage: python3 bench/python/bench.py WORKLOAD [--uvloop] [args...]
Prints one JSON line: {"value": number, "unit": str, "reps": int, "note": str?}.
Each workload is the same size as its asyncio-ts counterpart in bench/workloads/.
"""

import asyncio
import gc
import json
import sys
import time
import tracemalloc

MAX_REPS = 5
REP_BUDGET_S = 3.0


def best_of(measure):
    """Runs `measure()` (returns (count, seconds)) up to MAX_REPS times, stopping once
    REP_BUDGET_S has passed; returns the best rate and the number of repetitions."""
    best = 0.0
    reps = 0
    started = time.perf_counter()
    while reps < MAX_REPS:
        count, seconds = measure()
        reps += 1
        best = max(best, count / seconds)
        if time.perf_counter() - started > REP_BUDGET_S:
            break
    return best, reps


def new_loop():
    if USE_UVLOOP:
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def run(coro):
    loop = new_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


# 1. switch: 10,000 tasks x 100 sleep(0)
async def switch_main(tasks, rounds):
    async def worker():
        for _ in range(rounds):
            await asyncio.sleep(0)

    t0 = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(tasks)])
    return tasks * rounds, time.perf_counter() - t0


# 2. spawn: create and await 100,000 trivial tasks
async def spawn_main(n):
    async def trivial(i):
        return i

    loop = asyncio.get_running_loop()
    t0 = time.perf_counter()
    tasks = [loop.create_task(trivial(i)) for i in range(n)]
    for t in tasks:
        await t
    return n, time.perf_counter() - t0


# taskgroup: one TaskGroup runs 3,000 rounds of 100 short tasks, each one sleep(0)
async def taskgroup_main(rounds, width):
    async def child(page):
        await asyncio.sleep(0)
        page["body"] = "done"

    t0 = time.perf_counter()
    async with asyncio.TaskGroup() as tg:
        for r in range(rounds):
            for i in range(width):
                tg.create_task(child({"url": r * width + i, "body": None}))
            await asyncio.sleep(0)
            await asyncio.sleep(0)
    return rounds * width, time.perf_counter() - t0


# waitfor: 100,000 wait_for(coro, 5) in turn, each coroutine one sleep(0)
async def waitfor_main(n):
    async def read(i):
        await asyncio.sleep(0)
        return {"line": i}

    t0 = time.perf_counter()
    for i in range(n):
        await asyncio.wait_for(read(i), 5)
    return n, time.perf_counter() - t0


# 3. timers: 200,000 call_later with deterministic delays in [0, 0.01] s
def delays(n):
    # the MINSTD generator of bench/workloads/common.ts: the same list of delays
    x = 12345
    out = []
    for _ in range(n):
        x = (x * 48271) % 2147483647
        out.append((x % 10001) / 1_000_000)
    return out


async def timers_main(n):
    loop = asyncio.get_running_loop()
    ds = delays(n)
    done = loop.create_future()
    fired = 0

    def cb():
        nonlocal fired
        fired += 1
        if fired == n:
            done.set_result(None)

    t0 = time.perf_counter()
    for d in ds:
        loop.call_later(d, cb)
    await done
    return n, time.perf_counter() - t0


# 4. memory: bytes per pending task
async def memory_main(n, mode):
    loop = asyncio.get_running_loop()
    fut = loop.create_future()

    async def sleeper():
        await asyncio.sleep(10)

    async def waiter():
        await fut

    body = sleeper if mode == "sleep" else waiter
    gc.collect()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    tasks = [loop.create_task(body()) for _ in range(n)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    gc.collect()
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return (after - before) / n


# 5. queue: one producer, one consumer, Queue(100)
async def queue_main(n):
    q = asyncio.Queue(100)

    async def producer():
        for i in range(n):
            await q.put(i)

    async def consumer():
        for _ in range(n):
            await q.get()

    t0 = time.perf_counter()
    await asyncio.gather(producer(), consumer())
    return n, time.perf_counter() - t0


# 5b. lock: 100,000 tasks contending for one Lock
async def lock_main(n):
    lock = asyncio.Lock()

    async def worker():
        async with lock:
            await asyncio.sleep(0)

    t0 = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(n)])
    return n, time.perf_counter() - t0


# 6. echo server (asyncio streams); the client is bench/workloads/echo-client.ts
async def echo_server():
    async def handle(reader, writer):
        try:
            while True:
                data = await reader.read(102400)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"port": port}), flush=True)
    await server.serve_forever()  # until bench/run.ts ends this process


# 7. executor: a 2-process pool, tiny jobs
def inc(x):
    return x + 1


def process_pool(n):
    from concurrent.futures import ProcessPoolExecutor, wait

    with ProcessPoolExecutor(2) as ex:
        wait([ex.submit(inc, i) for i in range(4)])  # start both workers before timing

        def measure():
            t0 = time.perf_counter()
            futs = [ex.submit(inc, i) for i in range(n)]
            wait(futs)
            return n, time.perf_counter() - t0

        return best_of(measure)


def main():
    global USE_UVLOOP
    args = sys.argv[1:]
    USE_UVLOOP = "--uvloop" in args
    args = [a for a in args if a != "--uvloop"]
    name = args[0]
    if name == "echo-server":
        run(echo_server())
        return
    if name == "memory":
        value = run(memory_main(int(args[1]), args[2]))
        print(json.dumps({"value": value, "unit": "bytes/task", "reps": 1}))
        return
    if name == "process-pool":
        value, reps = process_pool(int(args[1]))
        print(json.dumps({"value": value, "unit": "jobs/s", "reps": reps}))
        return
    mains = {
        "switch": (lambda: switch_main(int(args[1]), int(args[2])), "switches/s"),
        "spawn": (lambda: spawn_main(int(args[1])), "tasks/s"),
        "waitfor": (lambda: waitfor_main(int(args[1])), "calls/s"),
        "taskgroup": (lambda: taskgroup_main(int(args[1]), int(args[2])), "tasks/s"),
        "timers": (lambda: timers_main(int(args[1])), "timers/s"),
        "queue": (lambda: queue_main(int(args[1])), "items/s"),
        "lock": (lambda: lock_main(int(args[1])), "acquisitions/s"),
    }
    make, unit = mains[name]
    value, reps = best_of(lambda: run(make()))
    print(json.dumps({"value": value, "unit": unit, "reps": reps}))


USE_UVLOOP = False

if __name__ == "__main__":
    main()
