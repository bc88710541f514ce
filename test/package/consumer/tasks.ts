/** Tasks, composition, timeouts and task groups, as a user writes them, run with plain node. */
import assert from "node:assert/strict";
import {
  CancelledError,
  ExceptionGroup,
  TimeoutError,
  createTask,
  gather,
  getRunningLoop,
  run,
  sleep,
  taskGroup,
  timeout,
  waitFor,
  type Coroutine,
} from "asyncio-ts";

function* after<T>(delay: number, value: T): Coroutine<T> {
  yield* sleep(delay);
  return value;
}

// `Coroutine` with no type argument is Python's `-> None`: no return needed.
function* main(): Coroutine {
  const loop = getRunningLoop();
  const t0 = loop.time();
  const [a, b] = yield* gather(after(0.05, "a"), after(0.02, 2));
  const pair: [string, number] = [a, b];
  assert.deepEqual(pair, ["a", 2]);
  assert.ok(loop.time() - t0 < 0.5, "gather runs its children at once");

  const slow = createTask(after(10, "never"), { name: "slow" });
  yield* sleep(0);
  slow.cancel();
  yield* sleep(0);
  assert.ok(slow.cancelled());

  let caught: unknown;
  try {
    yield* timeout(0.02, function* () {
      yield* sleep(10);
    });
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof TimeoutError);

  try {
    yield* waitFor(after(10, 1), 0.02);
    assert.fail("waitFor should time out");
  } catch (e) {
    assert.ok(e instanceof TimeoutError);
  }

  const log: string[] = [];
  try {
    yield* taskGroup(function* (tg) {
      tg.createTask(
        (function* (): Coroutine {
          try {
            yield* sleep(10);
          } catch (e) {
            log.push(e instanceof CancelledError ? "sibling cancelled" : "other");
            throw e;
          }
        })(),
      );
      tg.createTask(
        (function* (): Coroutine {
          yield* sleep(0.01);
          throw new Error("boom");
        })(),
      );
    });
  } catch (e) {
    assert.ok(e instanceof ExceptionGroup);
    log.push(`group: ${(e.exceptions[0] as Error).message}`);
  }
  assert.deepEqual(log, ["sibling cancelled", "group: boom"]);
}

await run(main);
console.log("ok: tasks and timeouts");
