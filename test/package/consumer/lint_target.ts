// What consumer/eslint.ts lints: one coroutine made and dropped (line 6), and the right form.
import { sleep, type Coroutine } from "asyncio-ts";

export function* nap(): Coroutine {
  yield* sleep(0.01);
  sleep(1);
}
