/**
 * wasyncio: Python's asyncio for TypeScript, on a loop core compiled to WebAssembly.
 *
 * ```ts
 * import * as asyncio from "wasyncio";
 * function* main(): asyncio.Coroutine<string> {
 *   yield* asyncio.sleep(0.1);
 *   return "done";
 * }
 * console.log(await asyncio.run(main()));
 * ```
 * @module
 */
export { EventLoop, type EventLoopOptions, type ExceptionContext, type ExceptionHandler, type TaskFactory } from "./loop.js";
export type { CoreKind, CoreStats } from "./core/loop-core.js";
export { Handle, TimerHandle } from "./handles.js";
export {
  DefaultEventLoopPolicy,
  JsEventLoopPolicy,
  getEventLoop,
  getEventLoopPolicy,
  getRunningLoop,
  newEventLoop,
  setEventLoop,
  setEventLoopPolicy,
  type EventLoopPolicy,
} from "./events.js";
export { run, Runner, type RunnerOptions } from "./runners.js";
export { Future, isFuture, type DoneCallback, type FutureOptions } from "./futures.js";
export { isCoroutine, isCoroutineFunction, type Coroutine } from "./coroutines.js";
export {
  Task,
  createTask,
  currentTask,
  allTasks,
  ensureFuture,
  fromPromise,
  sleep,
  gather,
  shield,
  wait,
  waitFor,
  asCompleted,
  createEagerTaskFactory,
  eagerTaskFactory,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  ALL_COMPLETED,
  type Awaitable,
  type AwaitedOf,
  type GatherResults,
  type GatherSettled,
  type ReturnWhen,
  type TaskOptions,
  type WaitOptions,
} from "./tasks.js";
export { Timeout, timeout, timeoutAt } from "./timeouts.js";
export { TaskGroup, taskGroup } from "./taskgroups.js";
export {
  CancelledError,
  InvalidStateError,
  TimeoutError,
  IncompleteReadError,
  LimitOverrunError,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  BrokenBarrierError,
  SendfileNotAvailableError,
  FrameError,
  NotSupportedError,
  ExceptionGroup,
} from "./errors.js";
export { logger, type Logger } from "./log.js";
export { BaseProtocol, Protocol, BufferedProtocol, DatagramProtocol, SubprocessProtocol, type Address } from "./protocols.js";
export { BaseTransport, ReadTransport, WriteTransport, Transport, DatagramTransport, SubprocessTransport, type ExtraInfoName } from "./transports.js";
export {
  createFrameParser,
  WasmFrameParser,
  JsFrameParser,
  WriteBuffer,
  PRESETS,
  type FrameParser,
  type FramingOptions,
  type LengthFieldFraming,
  type PresetFraming,
  type DelimiterFraming,
  type LengthFieldOptions,
  type PresetName,
  type WriteBufferOptions,
  type WriteSink,
  type FlushTarget,
} from "./framing/index.js";
export { FramedProtocol, type FramedProtocolOptions } from "./framed.js";

// ---- network: transports, servers, streams (src/net/, src/streams.ts) ----
export { StreamTransport } from "./net/transport.js";
export { setForceCopyPath, isCopyPathForced, hostRuntime, type HostRuntime, type ReadPath } from "./host/node.js";
export { Server, ServerSocket } from "./net/server.js";
export { ConnectionResetError, ConnectionAbortedError, SSLError, SSLCertVerificationError } from "./net/errors.js";
export type {
  SSLOption,
  CreateConnectionOptions,
  CreateServerOptions,
  CreateUnixConnectionOptions,
  CreateUnixServerOptions,
  StartTlsOptions,
} from "./net/options.js";
export {
  StreamReader,
  StreamWriter,
  StreamReaderProtocol,
  FlowControlMixin,
  openConnection,
  startServer,
  openUnixConnection,
  startUnixServer,
  DEFAULT_LIMIT,
  type StreamReaderOptions,
  type ClientConnectedCallback,
  type Separator,
  type ReaderTransport,
  type WriterTransport,
  type OpenConnectionOptions,
  type StartServerOptions,
  type OpenUnixConnectionOptions,
  type StartUnixServerOptions,
  type StreamStartTlsOptions,
} from "./streams.js";

// ---- locks and queues ----
export { Lock, Event, Condition, Semaphore, BoundedSemaphore, Barrier } from "./locks.js";
export { Queue, PriorityQueue, LifoQueue, type PriorityQueueOptions } from "./queues.js";

// ---- UDP, subprocesses, signals, DNS, pipes, executor ----
export { UdpTransport, type DatagramEndpointOptions } from "./net/udp.js";
export { ReadPipeTransport, WritePipeTransport, type ReadPipeProtocol } from "./pipes.js";
export {
  ProcessTransport,
  Process,
  createSubprocessExec,
  createSubprocessShell,
  PIPE,
  STDOUT,
  DEVNULL,
  type ProcessOptions,
  type StdioSpec,
  type SubprocessOptions,
} from "./subprocess.js";
export type { Signal } from "./signals.js";
export {
  AF_UNSPEC,
  AF_UNIX,
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
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  NI_NOFQDN,
  NI_NAMEREQD,
  NI_DGRAM,
  type AddrInfo,
  type GetaddrinfoOptions,
} from "./dns.js";
export type { SendfileOptions, SendfileSource } from "./sendfile.js";
export { ThreadPoolExecutor, toThread, type Executor, type ExecutorCallable, type ModuleFunction, type ThreadPoolExecutorOptions } from "./executor.js";

