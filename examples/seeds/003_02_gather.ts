/**
 * Tutorial 003_b83f952ded8968fe.txt ("Python协程-asyncio、async/await"), section "解析协程运行时"
 * (how the loop runs coroutines), second program: the same a() and b(), run together by one
 * `gather` in main; still 2 seconds in all.
 *
 * `if __name__ == "__main__":` is the test that this file is the program Node was started with.
 * CPython 3.13 runs it as it is.
 */
import { fileURLToPath } from "node:url";
import { gather, run, sleep, type Coroutine } from "asyncio-ts";

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
  yield* gather(a(), b());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const start = performance.now() / 1000;

  await run(main());

  console.log(`花费 ${performance.now() / 1000 - start} s`);
}
