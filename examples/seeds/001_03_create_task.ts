/**
 * Tutorial 001_8035d624070b9cd9.txt ("AsyncIO 基础"), section "asyncIO 的 task", first program: two
 * tasks made with createTask sleep 1 and 2 seconds and are awaited one after the other; each
 * reports how long it slept, and both sleeps overlap.
 *
 * CPython 3.13 runs it as it is.
 */
import { createTask, run, sleep, type Coroutine } from "asyncio-ts";

function* realAsync(n: number): Coroutine<void> {
  console.log("this is real async func");
  const sTime = Date.now() / 1000;
  yield* sleep(n);
  const eTime = Date.now() / 1000;
  const dTime = eTime - sTime;
  console.log(`end sleep ${dTime}`);
}

function* doIt(): Coroutine<void> {
  console.log("invoke real async");
  const t1 = createTask(realAsync(1));
  const t2 = createTask(realAsync(2));
  yield* t1;
  yield* t2;
}

await run(doIt());
