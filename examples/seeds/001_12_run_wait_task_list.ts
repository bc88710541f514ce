/**
 * Tutorial 001_8035d624070b9cd9.txt ("AsyncIO 基础"), section "有关await 和 asyncio.run", fifth
 * program: instead of a main coroutine, `wait` over the list of coroutines (one of them sleeping a
 * second), run by `run`.
 *
 * The tutorial's program leaves out `import asyncio`. With it, CPython 3.13 prints only a
 * traceback: since 3.11 `asyncio.wait` refuses bare coroutines (TypeError "Passing coroutines is
 * forbidden, use tasks explicitly."), and it warns that cc and dd were never awaited. asyncio-ts's
 * `wait` wraps them in tasks, as asyncio did before 3.11; Python took them from a set, so cc and
 * dd could print in either order, and the transcript accepts both.
 */
import { run, sleep, wait, type Coroutine } from "asyncio-ts";

function* cc(): Coroutine<void> {
  console.log("cc");
  yield* sleep(1);
}

function* dd(): Coroutine<void> {
  console.log("dd");
}

const taskList = [cc(), dd()];
const waitTask = wait(taskList);
await run(waitTask);
