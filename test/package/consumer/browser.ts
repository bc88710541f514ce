/**
 * A program for the web: it imports asyncio-ts and asyncio-ts/testing as any library would, and
 * test/package/check.ts bundles it with esbuild for the browser (the "browser" condition picks
 * asyncio-ts/core) and runs the bundle where there is no process, no setImmediate and no Node
 * module. Run with plain node, the same program uses the full package.
 */
import { Event, Lock, createTask, gather, getRunningLoop, run, sleep, timeout, TimeoutError, type Coroutine } from "asyncio-ts";
import { VirtualClock } from "asyncio-ts/testing";

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`failed: ${what}`);
}

const lines: string[] = [];
function* greeter(lock: Lock, name: string, delay: number): Coroutine<string> {
  yield* sleep(delay);
  yield* lock.with(function* () {
    lines.push(`hello ${name}`);
    yield* sleep(0);
  });
  return name;
}

// Real time: the loop's turns come from the host (a MessageChannel message where there is no setImmediate).
const names = await run(function* (): Coroutine<string[]> {
  const lock = new Lock();
  const ready = new Event();
  const late = createTask(
    (function* (): Coroutine<string> {
      yield* ready.wait();
      return "late";
    })(),
  );
  const both = yield* gather(greeter(lock, "b", 0.02), greeter(lock, "a", 0.01));
  ready.set();
  return [...both, yield* late];
});
check(names.join(",") === "b,a,late", `gather's order: ${names.join(",")}`);
check(lines.join(",") === "hello a,hello b", `sleeps' order: ${lines.join(",")}`);

// Virtual time: an hour in no time.
const clock = new VirtualClock();
const at = await run(
  function* (): Coroutine<number> {
    try {
      yield* timeout(60, function* () {
        yield* sleep(3600);
      });
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
    }
    return getRunningLoop().time();
  },
  { clock },
);
check(at === 60, `the timeout fired at ${at}`);
console.log("ok: browser");
