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
} from "./framing/index.js";

// ---- network: transports, servers, streams (src/net/, src/streams.ts) ----

// ---- locks and queues ----
export { Lock, Event, Condition, Semaphore, BoundedSemaphore, Barrier } from "./locks.js";
export { Queue, PriorityQueue, LifoQueue, type PriorityQueueOptions } from "./queues.js";

// ---- UDP, subprocesses, signals, DNS, pipes, executor ----
