/**
 * asyncio-ts/core: the part of asyncio-ts that runs on any JavaScript host, browsers and Web
 * Workers included: the loop, futures and tasks, `run`, timeouts, task groups, locks, queues and
 * context variables (no networking, subprocesses, signals or executors: those are Node's, and
 * come with `asyncio-ts`). Nothing on its path imports a Node built-in (test/layers.test.ts checks
 * it, and tsconfig.portable.json typechecks it without Node's types); the scheduler yields to the
 * host with what the host has (core/host.ts).
 *
 * It is also what `asyncio-ts` itself resolves to under the "browser" export condition, so a
 * bundler building for the web gets this module either way. Every name here is the same object as
 * the one `asyncio-ts` exports, and `asyncio-ts/testing` brings `VirtualClock` to it.
 * @module asyncio-ts/core
 */

export type { Coroutine, Awaitable, AwaitedOf } from "./loop/types.ts";
export {
  CancelledError,
  TimeoutError,
  InvalidStateError,
  RuntimeError,
  ValueError,
  LookupError,
  OverflowError,
  KeyboardInterrupt,
  SystemExit,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  BrokenBarrierError,
  BrokenExecutorError,
  IncompleteReadError,
  LimitOverrunError,
  ExceptionGroup,
  OSError,
  FileNotFoundError,
  PermissionError,
  ProcessLookupError,
  GaiError,
  ConnectionError,
  BrokenPipeError,
  ConnectionAbortedError,
  ConnectionRefusedError,
  ConnectionResetError,
  isCancellation,
  type CancelOrigin,
} from "./exceptions.ts";
export {
  EventLoop,
  Handle,
  TimerHandle,
  getRunningLoop,
  getEventLoop,
  setEventLoop,
  newEventLoop,
  type ExceptionContext,
  type ExceptionHandler,
  type Executor,
  type LoopOptions,
} from "./loop/events.ts";
export {
  Future,
  isFuture,
  fromPromise,
  wrapFuture,
  futureAddToAwaitedBy,
  futureDiscardFromAwaitedBy,
  type ConcurrentFutureLike,
} from "./loop/futures.ts";
export {
  Task,
  createTask,
  cancellationSignal,
  ensureFuture,
  currentTask,
  allTasks,
  eagerTaskFactory,
  type TaskFactory,
  createEagerTaskFactory,
  isCoroutine,
  isCoroutineFunction,
  sleep,
  gather,
  wait,
  asCompleted,
  shield,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  ALL_COMPLETED,
  type TaskOptions,
  type GatherOptions,
  type GatherResults,
  type GatherResultsOrErrors,
  type ReturnWhen,
  type AsCompletedIterator,
} from "./loop/tasks.ts";
export { timeout, timeoutAt, Timeout, waitFor } from "./primitives/timeouts.ts";
export { taskGroup, TaskGroup } from "./primitives/taskgroups.ts";
export { run, Runner, type RunOptions } from "./loop/runners.ts";
export {
  captureCallGraph,
  formatCallGraph,
  printCallGraph,
  FrameCallGraphEntry,
  FutureCallGraph,
  type CallGraphOptions,
  type FrameInfo,
} from "./loop/graph.ts";
export { ContextVar, Context, Token, copyContext } from "./loop/contextvars.ts";
export type { Clock } from "./core/scheduler.ts";
/** @internal The loop's side of a clock that wakes it, for asyncio-ts/testing's VirtualClock. */
export type { WakingClock, Wakeable } from "./core/scheduler.ts";
/** @internal The option-key check every options object of the package goes through, for its entry points. */
export { checkOptions as _checkOptions, optionKeys as _optionKeys } from "./options.ts";
export {
  Lock,
  Event,
  Condition,
  Semaphore,
  BoundedSemaphore,
  Barrier,
  type BarrierState,
  type LockStatistics,
  type EventStatistics,
  type ConditionStatistics,
  type SemaphoreStatistics,
  type BarrierStatistics,
} from "./primitives/locks.ts";
export { Queue, PriorityQueue, LifoQueue, type QueueStatistics, type QueueStore } from "./primitives/queues.ts";
