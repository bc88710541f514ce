/**
 * Tutorial 002_f06ca3eb7ad36d64.txt (untitled: Future, Task, and the official examples in the old
 * style), section "Coroutine displaying the current date": an old-style coroutine prints the date
 * and time every second, five times, stopping when the loop's clock (loop.time(), in seconds) says
 * that five seconds are about up.
 *
 * CPython 3.13 stops at the decorator: `@asyncio.coroutine` was removed in 3.11.
 */
import { getEventLoop, sleep, type Coroutine, type EventLoop } from "asyncio-ts";
import { datetimeNow } from "./_python.ts";

function* displayDate(loop: EventLoop): Coroutine<void> {
  const endTime = loop.time() + 5.0;
  for (;;) {
    console.log(datetimeNow());
    if (loop.time() + 1.0 >= endTime) {
      break;
    }
    yield* sleep(1);
  }
}

const loop = getEventLoop();
await loop.runUntilComplete(displayDate(loop));
loop.close();
