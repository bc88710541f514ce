/**
 * Tutorial 002_f06ca3eb7ad36d64.txt (untitled: Future, Task, and the official examples in the old
 * style), section "Future with run_until_complete" (whose program uses run_forever): a Future made
 * outside any loop is completed a second later by an old-style coroutine that ensureFuture
 * scheduled; the future's done callback prints its result and stops the loop that runForever runs.
 *
 * CPython 3.13 stops at the decorator: `@asyncio.coroutine` was removed in 3.11.
 */
import { Future, ensureFuture, getEventLoop, sleep, type Coroutine } from "asyncio-ts";

function* slowOperation(future: Future<string>): Coroutine<void> {
  yield* sleep(1);
  future.setResult("Future is done!");
}

function gotResult(future: Future<string>): void {
  console.log(future.result());
  loop.stop();
}

const loop = getEventLoop();
const future = new Future<string>();
ensureFuture(slowOperation(future));
future.addDoneCallback(gotResult);
try {
  await loop.runForever();
} finally {
  loop.close();
}
