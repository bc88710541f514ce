/**
 * Tutorial 002_f06ca3eb7ad36d64.txt (untitled: Future, Task, and the official examples in the old
 * style), section "Parallel execution of tasks": three old-style coroutines compute factorials, a
 * step a second; ensureFuture makes each a task on the loop from getEventLoop() before the loop
 * runs, and the loop runs until `wait` over the three tasks is done.
 *
 * CPython 3.13 stops at the decorator: `@asyncio.coroutine` was removed in 3.11.
 */
import { ensureFuture, getEventLoop, sleep, wait, type Coroutine } from "asyncio-ts";

function* factorial(name: string, number: number): Coroutine<void> {
  let f = 1;
  for (let i = 2; i <= number; i++) {
    console.log(`Task ${name}: Compute factorial(${i})...`);
    yield* sleep(1);
    f *= i;
  }
  console.log(`Task ${name}: factorial(${number}) = ${f}`);
}

const loop = getEventLoop();
const tasks = [ensureFuture(factorial("A", 2)), ensureFuture(factorial("B", 3)), ensureFuture(factorial("C", 4))];
await loop.runUntilComplete(wait(tasks));
loop.close();
