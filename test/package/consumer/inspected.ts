/**
 * A process for `npx asyncio-ts ps|pstree PID` to look at, run with plain node by the package
 * check: a task group of two workers that wait on a shared event. Prints "ready" once they wait;
 * ends on a line on stdin (or when the check kills it).
 */
import { Event, getRunningLoop, run, sleep, taskGroup, type Coroutine } from "asyncio-ts";

function* work(go: Event): Coroutine<void> {
  yield* go.wait();
}

await run(function* main(): Coroutine<void> {
  const loop = getRunningLoop();
  const go = new Event();
  process.stdin.on("data", () => loop.callSoonThreadsafe(() => go.set()));
  yield* taskGroup(function* (tg) {
    tg.createTask(work(go), { name: "worker-a" });
    tg.createTask(work(go), { name: "worker-b" });
    yield* sleep(0.01);
    process.stdout.write("ready\n");
  });
  process.stdin.destroy();
});
