// The behaviour of CPython's test_taskgroups.py (3.13), on the virtual clock. As in CPython,
// every test runs twice: with ordinary tasks and with the eager task factory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import v8 from "node:v8";
import vm from "node:vm";
import {
  CancelledError,
  ContextVar,
  Event,
  ExceptionGroup,
  KeyboardInterrupt,
  SystemExit,
  RuntimeError,
  TaskGroup,
  copyContext,
  createTask,
  currentTask,
  eagerTaskFactory,
  fromPromise,
  getRunningLoop,
  run,
  sleep,
  taskGroup,
  timeout,
  type Coroutine,
  type Task,
} from "asyncio-ts";
import { outcome } from "../helpers.ts";
import { VirtualClock } from "asyncio-ts/testing";

class ZeroDivisionError extends Error {
  override name = "ZeroDivisionError";
}
class MyExc extends Error {
  override name = "MyExc";
}

/** The names of the errors in a group, in order. */
function names(eg: unknown): string[] {
  assert.ok(eg instanceof ExceptionGroup, `expected an ExceptionGroup, got ${inspect(eg)}`);
  return eg.exceptions.map((e) => (e instanceof ExceptionGroup ? `ExceptionGroup[${names(e).join(",")}]` : (e as Error).name));
}

function* crashAfter(t: number, error: Error = new ZeroDivisionError("division by zero")): Coroutine<never> {
  yield* sleep(t);
  throw error;
}

function* returnAfter<T>(t: number, value: T): Coroutine<T> {
  yield* sleep(t);
  return value;
}

for (const eager of [false, true]) {
  const tag = eager ? " [eager tasks]" : "";
  const vrun = <T>(main: () => Coroutine<T>): Promise<T> =>
    run(
      function* () {
        if (eager) getRunningLoop().setTaskFactory(eagerTaskFactory);
        return yield* main();
      },
      { clock: new VirtualClock() },
    );

  test(`a task group waits for all its tasks and returns the body's value${tag}`, async () => {
    await vrun(function* () {
      const loop = getRunningLoop();
      let t1!: Task<number>;
      let t2!: Task<number>;
      const v = yield* taskGroup(function* (g) {
        t1 = g.createTask(returnAfter(0.1, 42));
        t2 = g.createTask(returnAfter(0.2, 11));
        return "body";
      });
      assert.equal(v, "body");
      assert.equal(t1.result(), 42);
      assert.equal(t2.result(), 11);
      assert.equal(loop.time(), 0.2);
    });
  });

  test(`tasks can be added while the body runs; a task cancelled alone does not stop the group${tag}`, async () => {
    await vrun(function* () {
      let t1!: Task<number>;
      let t2!: Task<number>;
      yield* taskGroup(function* (g) {
        t1 = g.createTask(returnAfter(1, 42));
        yield* sleep(0.15);
        t1.cancel();
        t2 = g.createTask(returnAfter(0.2, 11));
      });
      assert.equal(t1.cancelled(), true);
      assert.equal(t2.result(), 11);
      assert.equal(getRunningLoop().time(), 0.35);
    });
  });

  test(`the first failure cancels the other tasks; the errors come as an ExceptionGroup and the code after the block does not run${tag}`, async () => {
    await vrun(function* () {
      let num = 0;
      let t2Cancelled = false;
      let t2!: Task<void>;
      const boom = new ZeroDivisionError("division by zero");
      const runner = createTask(
        (function* () {
          yield* taskGroup(function* (g) {
            g.createTask(crashAfter(0.1, boom));
            t2 = g.createTask(
              (function* () {
                try {
                  yield* sleep(1);
                } catch (e) {
                  t2Cancelled = true;
                  throw e;
                }
                num += 1;
              })(),
            );
          });
          num += 10;
        })(),
      );
      const eg = yield* outcome(runner);
      assert.ok(eg instanceof ExceptionGroup);
      assert.equal(eg.message, "unhandled errors in a TaskGroup (1 sub-exception)");
      assert.deepEqual(eg.exceptions, [boom]);
      assert.equal(eg.name, "ExceptionGroup");
      assert.equal(num, 0);
      assert.equal(t2Cancelled, true);
      assert.equal(t2.cancelled(), true);
      assert.equal(runner.cancelled(), false);
    });
  });

  test(`a failure cancels the body too; failures at the same moment are all collected, in order${tag}`, async () => {
    await vrun(function* () {
      const events: string[] = [];
      const errors = [new ZeroDivisionError("a"), new ZeroDivisionError("b"), new ZeroDivisionError("c")];
      const runner = createTask(
        (function* () {
          yield* taskGroup(function* (g) {
            for (const e of errors) g.createTask(crashAfter(0.1, e));
            g.createTask(
              (function* () {
                try {
                  yield* sleep(5);
                } catch (e) {
                  events.push("sibling cancelled");
                  throw e;
                }
              })(),
            );
            try {
              yield* sleep(10);
            } catch (e) {
              events.push(`body got ${(e as Error).name}`);
              throw e;
            }
          });
          events.push("after the block");
        })(),
      );
      const eg = yield* outcome(runner);
      assert.ok(eg instanceof ExceptionGroup);
      assert.equal(eg.message, "unhandled errors in a TaskGroup (3 sub-exceptions)");
      assert.deepEqual(eg.exceptions, errors);
      assert.deepEqual(events, ["sibling cancelled", "body got CancelledError"]);
      assert.equal(getRunningLoop().time(), 0.1);
    });
  });

  test(`cancelling the parent from outside cancels the tasks and the body, and goes on as CancelledError${tag}`, async () => {
    await vrun(function* () {
      for (const bodyWaits of [false, true]) {
        let num = 0;
        function* foo(): Coroutine<void> {
          try {
            yield* sleep(5);
          } catch (e) {
            num += 1;
            throw e;
          }
        }
        const r = createTask(
          taskGroup(function* (g) {
            for (let i = 0; i < 5; i++) g.createTask(foo());
            if (!bodyWaits) return;
            try {
              yield* sleep(10);
            } catch (e) {
              num += 10;
              throw e;
            }
          }),
        );
        yield* sleep(0.1);
        assert.equal(r.done(), false);
        r.cancel("test");
        const e = yield* outcome(r);
        assert.ok(e instanceof CancelledError);
        assert.equal(e.message, "test");
        assert.equal(r.cancelled(), true);
        assert.equal(num, bodyWaits ? 15 : 5);
      }
    });
  });

  test(`cancelled from outside while the tasks fail as they unwind: the errors win over the cancellation${tag}`, async () => {
    await vrun(function* () {
      function* foo(): Coroutine<void> {
        try {
          yield* sleep(10);
        } finally {
          throw new ZeroDivisionError("in finally");
        }
      }
      const r = createTask(
        taskGroup(function* (g) {
          for (let i = 0; i < 5; i++) g.createTask(foo());
          yield* sleep(10);
        }),
      );
      yield* sleep(0.1);
      r.cancel();
      const eg = yield* outcome(r);
      assert.deepEqual(names(eg), Array(5).fill("ZeroDivisionError"));
      assert.equal(r.cancelled(), false);
    });
  });

  test(`an error in the body cancels the tasks and is thrown in the group${tag}`, async () => {
    await vrun(function* () {
      for (const bodySleeps of [true, false]) {
        let t1!: Task<number>;
        let t2!: Task<number>;
        const boom = new ZeroDivisionError("body");
        const eg = yield* outcome(
          taskGroup(function* (g) {
            t1 = g.createTask(returnAfter(1, 42));
            t2 = g.createTask(returnAfter(2, 11));
            if (bodySleeps) yield* sleep(0.1);
            throw boom;
          }),
        );
        assert.ok(eg instanceof ExceptionGroup);
        assert.deepEqual(eg.exceptions, [boom]);
        assert.equal(t1.cancelled(), true);
        assert.equal(t2.cancelled(), true);
      }
      assert.equal(currentTask()!.cancelling(), 0);
    });
  });

  test(`nested groups cancelled from outside while the inner tasks fail as they unwind: a group inside a group${tag}`, async () => {
    await vrun(function* () {
      function* foo(): Coroutine<void> {
        try {
          yield* sleep(10);
        } finally {
          throw new ZeroDivisionError("in finally");
        }
      }
      for (const outerHasTask of [false, true]) {
        const r = createTask(
          taskGroup(function* (g1) {
            if (outerHasTask) g1.createTask(sleep(10));
            yield* taskGroup(function* (g2) {
              for (let i = 0; i < 5; i++) g2.createTask(foo());
              yield* sleep(10);
            });
          }),
        );
        yield* sleep(0.1);
        r.cancel();
        const eg = yield* outcome(r);
        assert.deepEqual(names(eg), [`ExceptionGroup[${Array(5).fill("ZeroDivisionError").join(",")}]`]);
      }
    });
  });

  test(`nested groups: an outer task failing cancels the inner group; an inner failure comes wrapped twice${tag}`, async () => {
    await vrun(function* () {
      const outerFirst = yield* outcome(
        taskGroup(function* (g1) {
          g1.createTask(crashAfter(0.1, new RangeError("0.1")));
          yield* taskGroup(function* (g2) {
            g2.createTask(crashAfter(10, new RangeError("10")));
          });
        }),
      );
      assert.deepEqual(names(outerFirst), ["RangeError"]);
      assert.equal(((outerFirst as ExceptionGroup).exceptions[0] as Error).message, "0.1");

      const innerFirst = yield* outcome(
        taskGroup(function* (g1) {
          g1.createTask(crashAfter(10, new RangeError("10")));
          yield* taskGroup(function* (g2) {
            g2.createTask(crashAfter(0.1, new RangeError("0.1")));
          });
        }),
      );
      assert.deepEqual(names(innerFirst), ["ExceptionGroup[RangeError]"]);
      assert.equal(getRunningLoop().time(), 0.2);
      assert.equal(currentTask()!.cancelling(), 0);
    });
  });

  test(`cancelled from outside, then a task fails while the body cleans up: the failure wins${tag}`, async () => {
    await vrun(function* () {
      function* nestedRunner(): Coroutine<void> {
        yield* taskGroup(function* (g1) {
          g1.createTask(crashAfter(0.3));
          try {
            yield* sleep(10);
          } catch (e) {
            yield* sleep(0.5);
            throw e;
          }
        });
      }
      for (const inOwnTask of [false, true]) {
        const r = createTask(
          inOwnTask
            ? (function* () {
                yield* createTask(nestedRunner());
              })()
            : nestedRunner(),
        );
        yield* sleep(0.1);
        r.cancel();
        assert.deepEqual(names(yield* outcome(r)), ["ZeroDivisionError"]);
      }
    });
  });

  test(`a group with no tasks whose parent is cancelled: CancelledError, or the body's own error${tag}`, async () => {
    await vrun(function* () {
      let num = 0;
      const r1 = createTask(
        taskGroup(function* () {
          try {
            yield* sleep(10);
          } catch (e) {
            num += 10;
            throw e;
          }
        }),
      );
      yield* sleep(0.1);
      r1.cancel();
      assert.ok((yield* outcome(r1)) instanceof CancelledError);
      assert.equal(num, 10);

      const r2 = createTask(
        taskGroup(function* () {
          try {
            yield* sleep(10);
          } catch {
            num += 10;
            // Not a good idea, but supported: the cancellation becomes an error.
            throw new MyExc();
          }
        }),
      );
      yield* sleep(0.1);
      r2.cancel();
      assert.deepEqual(names(yield* outcome(r2)), ["MyExc"]);
      assert.equal(num, 20);
    });
  });

  test(`a task's failure and the body's own error are thrown together, the task's first${tag}`, async () => {
    await vrun(function* () {
      function* nested(): Coroutine<void> {
        try {
          yield* sleep(10);
        } finally {
          throw new MyExc();
        }
      }
      const eg = yield* outcome(
        taskGroup(function* (g) {
          g.createTask(crashAfter(0.1));
          yield* nested();
        }),
      );
      assert.deepEqual(names(eg), ["ZeroDivisionError", "MyExc"]);
      assert.equal((eg as ExceptionGroup).message, "unhandled errors in a TaskGroup (2 sub-exceptions)");
    });
  });

  test(`KeyboardInterrupt or SystemExit from the body is thrown as it is, not in a group (test_taskgroup_20)${tag}`, async () => {
    await vrun(function* () {
      for (const BaseExit of [KeyboardInterrupt, SystemExit]) {
        function* nested(): Coroutine<void> {
          try {
            yield* sleep(10);
          } finally {
            throw new BaseExit();
          }
        }
        const e = yield* outcome(
          taskGroup(function* (g) {
            g.createTask(crashAfter(0.1));
            yield* nested();
          }),
        );
        assert.ok(e instanceof BaseExit, `expected a ${BaseExit.name}, got ${inspect(e)}`);
      }
    });
  });

  test(`KeyboardInterrupt from a task of the group ends the loop's run at once, as in CPython (why its _test_taskgroup_21 is disabled)${tag}`, async () => {
    const interrupt = new KeyboardInterrupt();
    const seen: string[] = [];
    let child!: Task<never>;
    let main!: Task<unknown>;
    const e = await vrun(function* () {
      main = currentTask()!;
      getRunningLoop().setExceptionHandler((_l, ctx) => seen.push(`${ctx.message} ${(ctx.exception as Error).name}`));
      yield* taskGroup(function* (g) {
        child = g.createTask(crashAfter(0.1, interrupt));
        yield* sleep(10);
        seen.push("the body went on");
      });
    }).then(
      () => "resolved",
      (error: unknown) => error,
    );
    assert.equal(e, interrupt);
    assert.equal(child.exception(), interrupt);
    // run() then cancels the main task; the group, now done, throws the KeyboardInterrupt out of it
    // (its base error), which ends that run too, and the main task failed with it unread.
    assert.equal(main.exception(), interrupt);
    assert.deepEqual(seen, [`Task exception was never retrieved (task '${main.getName()}') KeyboardInterrupt`]);
  });

  test(`cancelling the parent while the block waits at its end cancels the tasks${tag}`, async () => {
    await vrun(function* () {
      let t1!: Task<number>;
      const r = createTask(
        taskGroup(function* (g) {
          t1 = g.createTask(returnAfter(1, 42));
          g.createTask(returnAfter(2, 11));
        }),
      );
      yield* sleep(0.05);
      r.cancel();
      assert.ok((yield* outcome(r)) instanceof CancelledError);
      assert.equal(t1.cancelled(), true);
    });
  });

  test(`tasks may create tasks in the group; finished tasks leave it${tag}`, async () => {
    await vrun(function* () {
      let seen = "";
      yield* taskGroup(function* (g) {
        for (let count = 0; count < 10; count++) {
          yield* sleep(0.125);
          g.createTask(sleep(0.375));
          if (count === 5) seen = String(g);
        }
        yield* sleep(1.5);
        assert.equal(String(g), "<TaskGroup entered>");
      });
      // The tasks created at 0.125, 0.25 and 0.375 are done; the one done at 0.75 is not yet removed.
      assert.equal(seen, "<TaskGroup tasks=4 entered>");

      let nhydras = 0;
      function* hydra(g: TaskGroup): Coroutine<void> {
        nhydras++;
        yield* sleep(0.01);
        g.createTask(hydra(g));
        g.createTask(hydra(g));
      }
      function* hercules(): Coroutine<void> {
        while (nhydras < 10) yield* sleep(0.015);
        throw new ZeroDivisionError();
      }
      const eg = yield* outcome(
        taskGroup(function* (g) {
          g.createTask(
            (function* () {
              yield* sleep(0.1);
              g.createTask(sleep(0.1));
              g.createTask(sleep(0.2));
            })(),
          );
          g.createTask(hydra(g));
          g.createTask(hercules());
        }),
      );
      assert.deepEqual(names(eg), ["ZeroDivisionError"]);
      assert.ok(nhydras >= 10);
    });
  });

  test(`createTask takes a name and a context${tag}`, async () => {
    await vrun(function* () {
      const cvar = new ContextVar<number>("cvar");
      let name: string | null = null;
      yield* taskGroup(function* (g) {
        const t = g.createTask(
          (function* () {
            name = currentTask()!.getName();
            yield* sleep(0);
          })(),
          { name: "yolo" },
        );
        assert.equal(t.getName(), "yolo");
        const ctx = copyContext();
        assert.equal(ctx.get(cvar), undefined);
        function* coro(v: number): Coroutine<void> {
          yield* sleep(0);
          cvar.set(v);
        }
        yield* g.createTask(coro(1), { context: ctx });
        assert.equal(ctx.get(cvar), 1);
        yield* g.createTask(coro(2), { context: ctx });
        assert.equal(ctx.get(cvar), 2);
        assert.equal(cvar.get(0), 0);
      });
      assert.equal(name, "yolo");
    });
  });

  test(`createTask while the group shuts down after a failure throws RuntimeError and closes the coroutine${tag}`, async () => {
    await vrun(function* () {
      const refused: unknown[] = [];
      let closedCoroutineRan = false;
      function* late(): Coroutine<void> {
        closedCoroutineRan = true;
      }
      const eg = yield* outcome(
        taskGroup(function* (g) {
          g.createTask(crashAfter(0.001));
          g.createTask(
            (function* () {
              try {
                yield* sleep(1);
              } catch {
                const co = late();
                try {
                  g.createTask(co);
                } catch (e) {
                  refused.push(e);
                }
                assert.deepEqual(co.next(), { done: true, value: undefined });
              }
            })(),
          );
        }),
      );
      assert.deepEqual(names(eg), ["ZeroDivisionError"]);
      assert.equal(refused.length, 1);
      assert.ok(refused[0] instanceof RuntimeError);
      assert.match((refused[0] as Error).message, /^TaskGroup <TaskGroup tasks=1 errors=1 cancelling> is shutting down$/);
      assert.equal(closedCoroutineRan, false);
    });
  });

  test(`createTask before the group is entered or after it finished throws RuntimeError${tag}`, async () => {
    await vrun(function* () {
      assert.throws(() => new TaskGroup().createTask(sleep(0)), {
        name: "RuntimeError",
        message: "TaskGroup <TaskGroup> has not been entered",
      });
      let tg!: TaskGroup;
      yield* taskGroup(function* (g) {
        tg = g;
      });
      let ran = false;
      const co = (function* () {
        ran = true;
      })();
      assert.throws(() => tg.createTask(co), { name: "RuntimeError", message: "TaskGroup <TaskGroup entered> is finished" });
      assert.deepEqual(co.next(), { done: true, value: undefined });
      assert.equal(ran, false);
    });
  });

  test(`a task group entered outside a task throws RuntimeError${tag}`, async () => {
    await vrun(function* () {
      const loop = getRunningLoop();
      const seen = loop.createFuture<unknown>();
      loop.callSoon(() => {
        try {
          taskGroup(function* () {}).next();
          seen.setResult("entered");
        } catch (e) {
          seen.setResult(e);
        }
      });
      const e = yield* seen;
      assert.ok(e instanceof RuntimeError);
      assert.equal(e.message, "TaskGroup <TaskGroup> cannot determine the parent task");
      const bad = yield* outcome(taskGroup(null as unknown as () => Coroutine<void>));
      assert.ok(bad instanceof TypeError);
      assert.equal(bad.message, "taskGroup() takes a generator function (tg) => Coroutine, got null");
    });
  });

  test(`the body's cleanup error and a task's error are both kept, and the parent's cancelling() is back to 0 (gh-95289)${tag}`, async () => {
    await vrun(function* () {
      class CustomException extends Error {
        override name = "CustomException";
      }
      const main = createTask(
        (function* () {
          const task = currentTask()!;
          const eg = yield* outcome(
            taskGroup(function* (tg) {
              // Like `async with database():` whose exit raises.
              try {
                tg.createTask(
                  (function* () {
                    throw new CustomException("task");
                  })(),
                );
                yield* sleep(1);
              } finally {
                throw new CustomException("cleanup");
              }
            }),
          );
          assert.deepEqual(names(eg), ["CustomException", "CustomException"]);
          assert.deepEqual(
            (eg as ExceptionGroup).exceptions.map((e) => (e as Error).message),
            ["task", "cleanup"],
          );
          assert.equal(task.cancelling(), 0);
        })(),
      );
      yield* main;
    });
  });

  test(`after a group aborted by a task's failure the parent's cancelling() is 0 and later awaits work${tag}`, async () => {
    await vrun(function* () {
      const e = yield* outcome(
        taskGroup(function* (tg) {
          tg.createTask(crashAfter(0, new RangeError("x")));
        }),
      );
      assert.deepEqual(names(e), ["RangeError"]);
      assert.equal(currentTask()!.cancelling(), 0);
      // The cancellation the group used must not leak out of it.
      yield* sleep(0);
      yield* sleep(1);
      assert.equal(getRunningLoop().time(), 1);
    });
  });

  test(`nested groups both aborted: cancelling() is 1 between the two exits and 0 at the end${tag}`, async () => {
    await vrun(function* () {
      const events: string[] = [];
      const outer = yield* outcome(
        taskGroup(function* (outerTg) {
          const inner = yield* outcome(
            taskGroup(function* (innerTg) {
              innerTg.createTask(crashAfter(0, new RangeError("inner")));
              outerTg.createTask(crashAfter(0, new TypeError("outer")));
            }),
          );
          events.push(`inner threw ${names(inner).join(",")}`);
          events.push(`cancelling=${currentTask()!.cancelling()}`);
        }),
      );
      events.push(`outer threw ${names(outer).join(",")}`);
      events.push(`cancelling=${currentTask()!.cancelling()}`);
      assert.deepEqual(events, ["inner threw RangeError", "cancelling=1", "outer threw TypeError", "cancelling=0"]);
    });
  });

  test(`a task failing and the parent cancelled from outside: the group throws its errors and the cancellation stays${tag}`, async () => {
    await vrun(function* () {
      const loop = getRunningLoop();
      const started = loop.createFuture<void>();
      const events: string[] = [];
      const inner = createTask(
        (function* () {
          const e = yield* outcome(
            taskGroup(function* (tg) {
              tg.createTask(
                (function* () {
                  started.setResult(undefined);
                  yield* sleep(0);
                  throw new RangeError("task");
                })(),
              );
              yield* sleep(1);
              events.push("not reached: sleep in group");
            }),
          );
          events.push(`group threw ${names(e).join(",")}, cancelling=${currentTask()!.cancelling()}`);
          yield* sleep(1);
          events.push("not reached: sleep after group");
        })(),
      );
      yield* started;
      assert.equal(inner.cancelling(), 0);
      inner.cancel();
      assert.equal(inner.cancelling(), 1);
      assert.ok((yield* outcome(inner)) instanceof CancelledError);
      assert.equal(inner.cancelled(), true);
      assert.deepEqual(events, ["group threw RangeError, cancelling=1"]);
    });
  });

  test(`a task created while another task is being created and fails at once still gets cancelled (gh-128550)${tag}`, async () => {
    await vrun(function* () {
      let ran = false;
      const third = new MyExc("third task failed");
      const eg = yield* outcome(
        taskGroup(function* (tg) {
          tg.createTask(
            (function* () {
              tg.createTask(
                (function* () {
                  throw third;
                })(),
              );
              try {
                yield* sleep(0); // eager tasks are cancelled here
                yield* sleep(0); // lazy ones here
              } catch (e) {
                assert.ok(e instanceof CancelledError);
                ran = true;
                throw e;
              }
            })(),
          );
        }),
      );
      assert.equal(ran, true);
      assert.ok(eg instanceof ExceptionGroup);
      assert.deepEqual(eg.exceptions, [third]);
    });
  });

  test(`a task group inside an expired timeout: TimeoutError, not a group${tag}`, async () => {
    await vrun(function* () {
      let child!: Task<void>;
      const e = yield* outcome(
        timeout(1, () =>
          taskGroup(function* (tg) {
            child = tg.createTask(sleep(10));
            yield* sleep(10);
          }),
        ),
      );
      assert.equal((e as Error).name, "TimeoutError");
      assert.ok((e as Error).cause instanceof CancelledError);
      assert.equal(child.cancelled(), true);
      assert.equal(currentTask()!.cancelling(), 0);
      assert.equal(getRunningLoop().time(), 1);
    });
  });

  test(`TaskGroup prints its tasks, errors and state${tag}`, async () => {
    await vrun(function* () {
      assert.equal(String(new TaskGroup()), "<TaskGroup>");
      yield* outcome(
        taskGroup(function* (tg) {
          assert.equal(inspect(tg), "<TaskGroup entered>");
          tg.createTask(sleep(1));
          tg.createTask(crashAfter(0.5));
          assert.equal(String(tg), "<TaskGroup tasks=2 entered>");
          try {
            yield* sleep(10);
          } finally {
            assert.equal(String(tg), "<TaskGroup tasks=1 errors=1 cancelling>");
          }
        }),
      );
    });
  });
}

test("a long-lived TaskGroup holds no task that is done: emptied or compacted, its slots let them go", async () => {
  // A full collection: Bun's own, or V8's gc() (what --expose-gc gives, turned on here).
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun === undefined) v8.setFlagsFromString("--expose-gc");
  const gc = bun !== undefined ? () => bun.gc(true) : (vm.runInNewContext("gc") as () => void);
  const hostTurn = () => fromPromise(new Promise((resolve) => setTimeout(resolve, 5)));
  function* child(release: Event | null): Coroutine<number[]> {
    const payload = new Array<number>(1000).fill(1);
    if (release !== null) yield* release.wait();
    else yield* sleep(0);
    return payload;
  }
  await run(function* () {
    yield* taskGroup(function* (tg) {
      // A round that ends with every task done (too few to compact): the group empties.
      let refs = Array.from({ length: 10 }, () => new WeakRef(tg.createTask(child(null))));
      yield* sleep(0);
      yield* sleep(0);
      yield* hostTurn();
      gc();
      assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0, "every finished task collected");
      // A round where most finish and some wait: the group compacts, and keeps only those.
      const release = new Event();
      const waiting = Array.from({ length: 10 }, () => new WeakRef(tg.createTask(child(release))));
      refs = Array.from({ length: 30 }, () => new WeakRef(tg.createTask(child(null))));
      yield* sleep(0);
      yield* sleep(0);
      yield* hostTurn();
      gc();
      assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0, "the finished ones collected");
      assert.equal(waiting.filter((r) => r.deref() !== undefined).length, 10, "the waiting ones kept");
      assert.equal(String(tg), "<TaskGroup tasks=10 entered>");
      release.set();
      yield* sleep(0);
      yield* sleep(0);
      // A large round (its array is given back rather than kept): the same.
      refs = Array.from({ length: 1100 }, () => new WeakRef(tg.createTask(child(null))));
      yield* sleep(0);
      yield* sleep(0);
      yield* hostTurn();
      gc();
      assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0, "every task of the large round collected");
      assert.equal(String(tg), "<TaskGroup entered>");
    });
  });
});
