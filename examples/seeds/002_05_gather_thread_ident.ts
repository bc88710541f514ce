/**
 * Tutorial 002_f06ca3eb7ad36d64.txt (untitled: Future, Task, and the official examples in the old
 * style), section "同时调度多个 async 函数" (scheduling several coroutines at once): two coroutines
 * under `gather` print a greeting with the id of the thread they run on, sleep a second, print
 * again, and return their names, which `gather` hands back in order.
 *
 * threading.get_ident() is `threadId` of node:worker_threads here: 0 on the main thread, where
 * Python shows a large number. CPython 3.13 runs it as it is.
 */
import { threadId } from "node:worker_threads";
import { gather, run, sleep, type Coroutine } from "asyncio-ts";
import { str } from "./_python.ts";

function* hello(name: string): Coroutine<string> {
  console.log(`hi ${name}! (${threadId})`);
  yield* sleep(1);
  console.log(`hi ${name} again! (${threadId})`);
  return name;
}

function* main(): Coroutine<void> {
  const L = yield* gather(hello("Bob"), hello("Alice"));
  console.log(str(L));
}

await run(main());
