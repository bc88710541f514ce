/**
 * Tutorial 001_8035d624070b9cd9.txt ("AsyncIO 基础"), section "asyncIO 的 task", third program: no
 * main coroutine; the list of two coroutines goes straight to `wait`, and `run` runs that, giving
 * back the done and pending sets.
 *
 * CPython 3.13 prints nothing but a traceback: since 3.11 `asyncio.wait` refuses bare coroutines
 * (TypeError "Passing coroutines is forbidden, use tasks explicitly."), and it warns that the
 * coroutine was never awaited. asyncio-ts's `wait` wraps them in tasks, as asyncio did before 3.11.
 */
import { run, sleep, wait, type Coroutine } from "asyncio-ts";

function* realAsync(n: number): Coroutine<void> {
  console.log("this is real async func");
  const sTime = Date.now() / 1000;
  yield* sleep(n);
  const eTime = Date.now() / 1000;
  const dTime = eTime - sTime;
  console.log(`end sleep ${dTime}`);
}

const taskList = [realAsync(1), realAsync(2)];

const [done, pending] = await run(wait(taskList));
