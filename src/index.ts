/// <reference types="node" preserve="true" />
/**
 * asyncio-ts: Python's asyncio in TypeScript on Node.js. The public surface, re-exported from the
 * module of each concept (one module per asyncio module); nothing else lives here.
 * @module asyncio-ts
 */

// The layers above the scheduling loop add their methods to EventLoop when loaded (loop/events.ts):
// futures and tasks come with what is exported below; these two bring the rest.
import "./debug/host_modules.ts"; // the Node built-ins the core layers use where the host has them
import "./executors/loop_methods.ts"; // runInExecutor
import "./net/loop_methods.ts"; // connections, servers, getaddrinfo, UDP, subprocesses, signals

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
export { ThreadPoolExecutor, type ThreadPoolOptions } from "./executors/thread.ts";
export { ProcessPoolExecutor } from "./executors/process.ts";
export { ConcurrentFuture, type DoneCallback } from "./executors/concurrent.ts";
export { MapResult, type PoolFunction, type PoolOptions, type PoolStats, type ShutdownOptions } from "./executors/pool.ts";
export {
  workerFunction,
  WorkerFunction,
  withJobOptions,
  JobSpec,
  type JobContext,
  type JobFunction,
  type JobOptions,
} from "./executors/functions.ts";
export { toThread } from "./executors/threads.ts";
export { ContextVar, Context, Token, copyContext } from "./loop/contextvars.ts";
export type { Clock } from "./core/scheduler.ts";
/** @internal Node's system errors as the OS error classes, for asyncio-ts/http. */
export { toOSError as _toOSError } from "./net/errors.ts";
/** @internal A worker's error rebuilt by its class name, for asyncio-ts/bullmq. */
export { rebuildError as _rebuildError } from "./executors/pool.ts";
/** @internal What a loop holds open and closes at its close, for asyncio-ts/http's sites and pools. */
export { trackResource as _trackResource, untrackResource as _untrackResource, type LoopResource } from "./net/registry.ts";
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
export {
  AF_UNSPEC,
  AF_INET,
  AF_INET6,
  SOCK_STREAM,
  SOCK_DGRAM,
  SOCK_RAW,
  IPPROTO_TCP,
  IPPROTO_UDP,
  AI_PASSIVE,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_V4MAPPED,
  AI_ALL,
  AI_ADDRCONFIG,
  AI_NUMERICSERV,
  type AddrInfo,
  type GetaddrinfoOptions,
} from "./net/dns.ts";
export { UDPTransport, type DatagramAddress, type DatagramEndpointOptions } from "./net/datagram.ts";
export {
  createSubprocessExec,
  createSubprocessShell,
  Process,
  PIPE,
  STDOUT,
  DEVNULL,
  INHERIT,
  SubprocessPipesTransport,
  type StdioSpec,
  type SubprocessOptions,
  type CreateSubprocessOptions,
} from "./net/subprocess.ts";
export { ReadPipeTransport, WritePipeTransport } from "./net/pipes.ts";
export { BaseProtocol, Protocol, BufferedProtocol, DatagramProtocol, SubprocessProtocol } from "./net/protocols.ts";
export {
  BaseTransport,
  ReadTransport,
  WriteTransport,
  Transport,
  DatagramTransport,
  SubprocessTransport,
  FlowControl,
  DEFAULT_HIGH_WATER,
} from "./net/transports.ts";
export {
  StreamReader,
  StreamWriter,
  StreamReaderProtocol,
  openConnection,
  startServer,
  openUnixConnection,
  startUnixServer,
  DEFAULT_LIMIT,
  type Bytes,
  type ClientConnectedCallback,
  type OpenConnectionOptions,
  type OpenUnixConnectionOptions,
  type StartServerOptions,
  type ReadingTransport,
} from "./net/streams.ts";
export { Server, ServerSocket, type CreateServerOptions, type ServerSSL } from "./net/server.ts";
export type { ClientSSL, CreateConnectionOptions, CreateUnixConnectionOptions, StartTlsOptions } from "./net/connect.ts";
export type { SocketTransport } from "./net/socket_transport.ts";
