/**
 * Tutorial 001_8035d624070b9cd9.txt ("AsyncIO 基础"), section "asyncIO 的 task", second program: the
 * two tasks go in a list to `wait` with a timeout of 10 seconds, which returns the done and the
 * pending sets; the done set is printed.
 *
 * CPython 3.13 runs it as it is. Its tasks show as `<Task finished name='Task-2'
 * coro=<real_async() done, defined at FILE:LINE> result=None>`, in the set's own order.
 */
import { createTask, run, sleep, wait, type Coroutine } from "asyncio-ts";
import { str } from "./_python.ts";

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
  const taskList = [createTask(realAsync(1)), createTask(realAsync(2))];
  const [done, pending] = yield* wait(taskList, { timeout: 10 });
  console.log(str(done));
}

await run(doIt());
