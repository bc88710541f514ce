/**
 * Task groups (CPython: `asyncio/taskgroups.py`): `taskGroup`, `TaskGroup`.
 *
 * `async with TaskGroup() as tg:` becomes `yield* taskGroup(function* (tg) { ... })`. The block
 * waits for every task created with `tg.createTask`. The first task to fail cancels the others and
 * the body (the parent task is cancelled, then un-cancelled at the exit so it carries on); all the
 * failures are then thrown together as an `ExceptionGroup`. A cancellation of the parent from
 * outside cancels the tasks too and goes on as a CancelledError once they are done. A
 * `KeyboardInterrupt` or `SystemExit` (Python's base errors) is thrown as it is, once the tasks are
 * done (from a task, it also ends the loop's run, as in CPython).
 */

import { getRunningLoop, type EventLoop } from "../loop/events.ts";
import { CancelledError, ExceptionGroup, RuntimeError, _isBaseExit } from "../exceptions.ts";
import { _awaitedThrough, type Future } from "../loop/futures.ts";
import { currentTask, type Task, type TaskOptions } from "../loop/tasks.ts";
import type { Coroutine } from "../loop/types.ts";
import { checkOptions } from "../options.ts";

const GROUP_TASK_OPTION_KEYS = ["name", "context", "signal"] as const;

/**
 * A group of tasks that finish together (`asyncio.TaskGroup`); made by `taskGroup`, which
 * passes it to the body. The first task to fail cancels the others and the body.
 *
 * @example
 * yield* taskGroup(function* (tg) {
 *   const a = tg.createTask(fetchPage("a"), { name: "fetch-a" });
 *   tg.createTask(fetchPage("b"));
 * });
 */
export class TaskGroup {
  private entered = false;
  private exiting = false;
  private aborting = false;
  private loop: EventLoop | null = null;
  private parentTask: Task<unknown> | null = null;
  private parentCancelRequested = false;
  /**
   * The tasks, in creation order, with some already done: compacted in place once half are. Not
   * a Set: with one, finished tasks (and whatever they held) outlived V8's young-generation
   * collections until the next full one, 4 full collections instead of 1 for 1.8 million short
   * tasks (bench/: taskgroup). The likely reason: a long-lived Set's table is rebuilt as entries
   * come and go, and the old table, dead in the old generation, still points at young tasks.
   */
  private readonly tasks: (Task<unknown> | null)[] = [];
  /**
   * How many of `tasks`' slots are in use; those after are null. The array keeps up to 1,024
   * slots when every task is done (a crawler's group empties and fills again round after round),
   * where setting its length to 0 would free them and make the next round grow a new one.
   */
  private count = 0;
  /** How many tasks are not done yet, as the group sees it (their done callbacks have not run). */
  private live = 0;
  private errors: unknown[] = [];
  /** A KeyboardInterrupt or SystemExit from a task or the body: thrown as it is, not in a group (CPython's base errors). */
  private baseError: unknown = null;
  private onCompleted: Future<boolean> | null = null;

  /**
   * Creates a task in the group (`TaskGroup.create_task`); the block waits for it.
   * @param options.name the task's name. @default `Task-N`
   * @param options.context the context to run in. @default a copy of the current one
   * @returns the task, which may be awaited or cancelled like any other.
   * @throws RuntimeError when the group was not entered, is finished, or is shutting down after a
   * failure (the coroutine is closed then).
   * @example const task = tg.createTask(fetchPage(url), { name: `fetch ${url}` });
   */
  createTask<T>(coro: Coroutine<T>, options?: Omit<TaskOptions, "eagerStart">): Task<T> {
    checkOptions(options, GROUP_TASK_OPTION_KEYS, "TaskGroup.createTask()");
    const refuse = !this.entered
      ? "has not been entered"
      : this.exiting && this.live === 0
        ? "is finished"
        : this.aborting
          ? "is shutting down"
          : null;
    if (refuse !== null) {
      coro.return?.(undefined as T);
      throw new RuntimeError(`TaskGroup ${String(this)} ${refuse}`);
    }
    const task = this.loop!.createTask(coro, options);
    // Through the callback even if the task is done already (an eager task may finish inside
    // createTask): handled inline, its failure would cancel the siblings before the task that is
    // creating it is in the group, so that one would never be cancelled (gh-128550).
    this.tasks[this.count++] = task as Task<unknown>;
    this.live++;
    task.addDoneCallback(this.onTaskDone);
    return task;
  }

  toString(): string {
    const info = [];
    if (this.live > 0) info.push(`tasks=${this.live}`);
    if (this.errors.length > 0) info.push(`errors=${this.errors.length}`);
    if (this.aborting) info.push("cancelling");
    else if (this.entered) info.push("entered");
    return `<TaskGroup${info.length > 0 ? " " + info.join(" ") : ""}>`;
  }

  /** @internal */
  _enter(): void {
    if (this.entered) throw new RuntimeError(`TaskGroup ${String(this)} has already been entered`);
    this.loop = getRunningLoop();
    this.parentTask = currentTask(this.loop);
    if (this.parentTask === null) throw new RuntimeError(`TaskGroup ${String(this)} cannot determine the parent task`);
    // The parent awaits each task of the group, through onTaskDone (3.14's call graph).
    _awaitedThrough(this.onTaskDone, this.parentTask);
    this.entered = true;
  }

  /** @internal The `__aexit__`: waits for the tasks, then throws what must be thrown. */
  *_exit(failed: boolean, error: unknown): Coroutine<void> {
    this.exiting = true;
    if (failed && _isBaseExit(error)) this.baseError ??= error;
    let propagateCancellation: unknown = failed && error instanceof CancelledError ? error : null;
    if (failed && !this.aborting) this.abort();
    // A loop, because the wait can be cancelled several times if the parent is cancelled repeatedly.
    while (this.live > 0) {
      this.onCompleted ??= this.loop!.createFuture<boolean>();
      try {
        yield* this.onCompleted;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        if (!this.aborting) {
          propagateCancellation = e;
          this.abort();
        }
      }
      this.onCompleted = null;
    }
    if (this.baseError !== null) throw this.baseError;
    const parent = this.parentTask!;
    if (this.parentCancelRequested && parent.uncancel() === 0) {
      // Our own cancellation of the parent is over: it must not escape the block.
      propagateCancellation = null;
    }
    if (propagateCancellation !== null && this.errors.length === 0) throw propagateCancellation;
    if (failed && !(error instanceof CancelledError)) this.errors.push(error);
    if (this.errors.length > 0) {
      // Cancelled from outside as well: keep the count of cancellations stable.
      if (parent.cancelling() > 0) {
        parent.uncancel();
        parent.cancel();
      }
      const errors = this.errors;
      this.errors = [];
      throw new ExceptionGroup("unhandled errors in a TaskGroup", errors);
    }
  }

  private abort(): void {
    this.aborting = true;
    const tasks = this.tasks;
    for (let i = 0; i < this.count; i++) {
      const t = tasks[i]!;
      if (!t.done()) t.cancel();
    }
  }

  /** Drops the tasks that are done, in place (the array keeps its slots; no new one is made). */
  private compact(): void {
    const tasks = this.tasks;
    const count = this.count;
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const t = tasks[i]!;
      if (!t.done()) tasks[kept++] = t;
    }
    tasks.fill(null, kept, count);
    this.count = kept;
  }

  private readonly onTaskDone = (task: Task<unknown>): void => {
    this.live--;
    if (this.live === 0) {
      // A large array is given back rather than kept for good, as Deque gives back a large ring.
      if (this.tasks.length > 1024) this.tasks.length = 0;
      else this.tasks.fill(null, 0, this.count);
      this.count = 0;
    } else if (this.count >= 16 && this.live * 2 <= this.count) this.compact();
    if (this.onCompleted !== null && this.live === 0 && !this.onCompleted.done()) this.onCompleted.setResult(true);
    if (task.cancelled()) return;
    const error = task.exception();
    if (error === null) return;
    this.errors.push(error);
    if (_isBaseExit(error)) this.baseError ??= error;
    const parent = this.parentTask!;
    if (parent.done()) {
      this.loop!.callExceptionHandler({
        message: `Task ${String(task)} has errored out but its parent task ${String(parent)} is already completed`,
        exception: error,
        task,
      });
      return;
    }
    if (!this.aborting && !this.parentCancelRequested) {
      // Interrupt whatever the body awaits now; the exit un-cancels the parent.
      this.abort();
      this.parentCancelRequested = true;
      parent.cancel();
    }
  };
}

/**
 * Runs `body` with a new task group and waits for all its tasks (`async with asyncio.TaskGroup() as tg`).
 * @param body a generator function given the `TaskGroup`.
 * @returns what `body` returns, once every task of the group is done.
 * @throws ExceptionGroup holding every error of the tasks and the body, in the order they happened
 * ("unhandled errors in a TaskGroup (N sub-exceptions)"); CancelledError when the parent task was
 * cancelled from outside and nothing failed; KeyboardInterrupt and SystemExit as they are.
 *
 * @example
 * yield* taskGroup(function* (tg) {
 *   tg.createTask(download("a"));
 *   tg.createTask(download("b"));
 * }); // both are done here
 */
export function* taskGroup<T>(body: (tg: TaskGroup) => Coroutine<T>): Coroutine<T> {
  if (typeof body !== "function") {
    throw new TypeError(`taskGroup() takes a generator function (tg) => Coroutine, got ${String(body)}`);
  }
  const tg = new TaskGroup();
  tg._enter();
  let result: T;
  try {
    result = yield* body(tg);
  } catch (e) {
    yield* tg._exit(true, e);
    throw e;
  }
  yield* tg._exit(false, undefined);
  return result;
}
