/// <reference types="node" preserve="true" />
/**
 * asyncio-ts: Python's asyncio in TypeScript on Node.js. The public surface, re-exported from the
 * module of each concept (one module per asyncio module); nothing else lives here.
 * @module asyncio-ts
 */

export type { Coroutine, Awaitable, AwaitedOf } from "./types.ts";
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
  type TaskFactory,
} from "./events.ts";
export { Future, isFuture, fromPromise, wrapFuture, type ConcurrentFutureLike } from "./futures.ts";
export {
  Task,
  createTask,
  cancellationSignal,
  ensureFuture,
  currentTask,
  allTasks,
  eagerTaskFactory,
  createEagerTaskFactory,
  isCoroutine,
  isCoroutineFunction,
  sleep,
  gather,
  wait,
  waitFor,
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
} from "./tasks.ts";
export { timeout, timeoutAt, Timeout } from "./timeouts.ts";
export { taskGroup, TaskGroup } from "./taskgroups.ts";
export { run, Runner, type RunOptions } from "./runners.ts";
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
export { toThread } from "./threads.ts";
export { ContextVar, Context, Token, copyContext } from "./contextvars.ts";
export type { Clock } from "./core/scheduler.ts";
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
} from "./locks.ts";
export { Queue, PriorityQueue, LifoQueue, type QueueStatistics, type QueueStore } from "./queues.ts";
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
} from "./dns.ts";
export { UDPTransport, type DatagramAddress, type DatagramEndpointOptions } from "./datagram.ts";
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
} from "./subprocess.ts";
export { ReadPipeTransport, WritePipeTransport } from "./net/pipes.ts";
export { BaseProtocol, Protocol, BufferedProtocol, DatagramProtocol, SubprocessProtocol } from "./protocols.ts";
export {
  BaseTransport,
  ReadTransport,
  WriteTransport,
  Transport,
  DatagramTransport,
  SubprocessTransport,
  FlowControl,
  DEFAULT_HIGH_WATER,
} from "./transports.ts";
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
} from "./streams.ts";
export { Server, ServerSocket, type CreateServerOptions, type ServerSSL } from "./net/server.ts";
export type { ClientSSL, CreateConnectionOptions, CreateUnixConnectionOptions, StartTlsOptions } from "./net/connect.ts";
export type { SocketTransport } from "./net/socket_transport.ts";
