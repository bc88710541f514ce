/**
 * Tutorial 003_b83f952ded8968fe.txt ("Python协程-asyncio、async/await"), section "解析协程运行时"
 * (how the loop runs coroutines), first program: main makes tasks of a() and b(), which sleep 1 and
 * 2 seconds, prints that it starts, and awaits one task, then the other; the script times the
 * whole run with the performance counter (2 seconds, not 3).
 *
 * `if __name__ == "__main__":` is the test that this file is the program Node was started with.
 * CPython 3.13 runs it as it is.
 */
import { fileURLToPath } from "node:url";
import { createTask, run, sleep, type Coroutine } from "asyncio-ts";

function* a(): Coroutine<void> {
  console.log("欢迎使用 a ！");
  yield* sleep(1);
  console.log("欢迎回到 a ！");
}

function* b(): Coroutine<void> {
  console.log("欢迎来到 b ！");
  yield* sleep(2);
  console.log("欢迎回到 b ！");
}

function* main(): Coroutine<void> {
  const task1 = createTask(a());
  const task2 = createTask(b());
  console.log("准备开始");
  yield* task1;
  console.log("task1 结束");
  yield* task2;
  console.log("task2 结束");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const start = performance.now() / 1000;

  await run(main());

  console.log(`花费 ${performance.now() / 1000 - start} s`);
}
