/**
 * EventLoop: asyncio's loop on a LoopCore. One iteration follows libuv's uv_run: move due timers
 * to the ready queue, run exactly the callbacks that were ready when the batch started, let host
 * I/O in, repeat. Several iterations run per host turn (a setImmediate hop costs about 1 µs);
 * the loop yields to the host when its time budget is spent, and when only timers remain it arms
 * one host timer for the earliest deadline.
 * @module
 */
import { setImmediate } from "node:timers";
import type { CoreKind, CoreStats, LoopCore } from "./core/loop-core.js";
import { JsCore } from "./core/js-core.js";
import { WasmCore } from "./core/wasm-core.js";
import { Handle, TimerHandle, callOf, describeCall, sourceTracebackOf, type AnyCallback, type Call, type Runnable } from "./handles.js";
import { logger } from "./log.js";
import { _setRunningLoop, _getRunningLoop } from "./running.js";
import { Future, isFuture } from "./futures.js";
import { Task, ensureFuture, type Awaitable, type Coroutine, type TaskOptions } from "./tasks.js";
// Network (TCP, Unix, TLS): the section of that name below.
import type * as netProto from "./protocols.js";
import type * as netTransport from "./transports.js";
import type * as netOptions from "./net/options.js";
import type { Server as NetServer } from "./net/server.js";
import * as netTcp from "./net/tcp.js";
import * as netUnix from "./net/unix.js";
import * as netTls from "./net/tls.js";
// OS services (UDP, subprocesses, signals, DNS, pipes, executor): the section of that name below.
import type * as osStream from "node:stream";
import type * as osProto from "./protocols.js";
import type * as osTransport from "./transports.js";
import * as osUdp from "./net/udp.js";
import * as osSubprocess from "./subprocess.js";
import * as osSignals from "./signals.js";
import * as osDns from "./dns.js";
import * as osPipes from "./pipes.js";
import * as osExecutor from "./executor.js";
import * as osSendfile from "./sendfile.js";

/** What `callExceptionHandler` receives; `message` is always there. */
export interface ExceptionContext {
  message: string;
  exception?: unknown;
  future?: Future<unknown>;
  task?: Task<unknown>;
  /**
   * The handle whose callback failed. Not for a timer without arguments outside debug mode: the
   * loop keeps such a timer's callback rather than its TimerHandle, and `message` names the
   * callback instead.
   */
  handle?: Handle;
  protocol?: unknown;
  transport?: unknown;
  socket?: unknown;
  sourceTraceback?: string;
  [key: string]: unknown;
}

export type ExceptionHandler = (loop: EventLoop, context: ExceptionContext) => void;

export type TaskFactory = <T>(loop: EventLoop, coro: Coroutine<T>, options?: TaskOptions) => Task<T>;

export interface EventLoopOptions {
  /** "wasm" (default) or "js", the plain-TypeScript twin. */
  core?: CoreKind;
  debug?: boolean;
}

/** Milliseconds of loop work per host turn before host I/O gets in. */
const HOST_TURN_BUDGET_MS = 5;
/** Callbacks run between two reads of the clock (a clock read costs about 50 ns). */
const CALLBACKS_PER_CLOCK_READ = 32;
/** Longest delay a host timer takes (2^31 - 1 ms); longer waits re-arm. */
const MAX_HOST_DELAY_MS = 0x7fffffff;
/**
 * `settled.then(fn)` queues `fn` as a microtask. Node's `queueMicrotask` wraps every callback in
 * an AsyncResource and a bound function (0.17 µs against 0.06 µs here), and a stream echo queues
 * two per request. Neither callback queued this way throws (`_runHostTurn` catches everything).
 */
const settled = Promise.resolve();

function validateCallback(callback: unknown, method: string): void {
  if (typeof callback !== "function") {
    throw new TypeError(`a callable object was expected by ${method}(), got ${callback === null ? "null" : typeof callback}`);
  }
}

function validateTime(value: unknown, what: string): number {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(`${what} must be a number of seconds, got ${typeof value === "number" ? "NaN" : typeof value}`);
  }
  return value;
}

function noop(): void {}

/** What the loop runs for an id: a Runnable (a Handle, a Task), or a timer's callback (see `_table`). */
type TableEntry = Runnable | AnyCallback;

function runEntry(entry: TableEntry): void {
  if (typeof entry === "function") entry();
  else entry._run();
}

/** How log lines name an entry: a handle or task as it prints, a timer's callback as its handle would. */
function describeEntry(entry: TableEntry): string {
  return typeof entry === "function" ? `<TimerHandle ${describeCall(entry)}>` : String(entry);
}

export class EventLoop {
  private readonly _core: LoopCore;
  /**
   * What runs, by id; the core holds only the ids. A timer without arguments is kept as its
   * callback, not its TimerHandle (except in debug mode): nothing of the loop's keeps the handle
   * alive, so a handle the caller drops dies young instead of being copied by every scavenge
   * until its timer fires. Null marks a timer cancelled after it was moved to the ready queue.
   */
  private readonly _table: (TableEntry | null | undefined)[] = [];
  /** Released ids, a stack of `_freeCount` (the array keeps its size when the stack empties). */
  private readonly _free: number[] = [];
  private _freeCount = 0;
  /** Ids from here to the table's end are free and untouched since the table last emptied. */
  private _fresh = 0;
  /**
   * How often each id was released, modulo 2^30 (a small integer on every V8 build: a busy loop
   * releases id 0 millions of times a second, and a count past that range would turn this array
   * and every handle's copy into boxed doubles). A TimerHandle's id is still its own while this
   * matches; a stale handle is mistaken only if its id was released exactly a multiple of 2^30
   * times between its timer running and its cancel().
   */
  private readonly _gens: number[] = [];
  /** Timers in the core's heap, counted here so the hot path needs no crossing to learn it. */
  private _timerCount = 0;
  /** Ids pushed since the last drain. */
  private _readyCount = 0;
  private _batchPos = 0;
  private _batchLen = 0;

  private _closed = false;
  private _running = false;
  private _stopping = false;
  /** Running, between host turns, and no host turn is scheduled: new work must wake the loop. */
  private _idle = false;
  private _hostTimer: ReturnType<typeof setTimeout> | null = null;
  private _hostTimerWhen = Infinity;
  private _keepAlive: ReturnType<typeof setInterval> | null = null;
  private _runSettle: ((error?: unknown) => void) | null = null;
  private _sinceClockRead = 0;
  /** @internal A host I/O callback is delivering to a protocol (see _wake). */
  _inHostIo = false;
  /**
   * Loop time (seconds) at the latest clock read, and whether that read happened in the current
   * run of JS (this host task or host turn, until the microtasks after it): libuv's cached uv_now.
   * A clock read costs about 60 ns here, more than the rest of callLater, so timers count from it.
   */
  private _now = 0;
  private _nowCached = false;
  private readonly _forgetNow = (): void => {
    this._nowCached = false;
  };

  /** @internal */ _debug = false;
  /** Callbacks slower than this (seconds) are logged in debug mode. */
  slowCallbackDuration = 0.1;
  private _exceptionHandler: ExceptionHandler | null = null;
  private _taskFactory: TaskFactory | null = null;
  /** @internal */ _currentTask: Task<unknown> | null = null;
  /** @internal Tasks not yet done, an intrusive doubly linked list (no hashing per task). */
  _firstTask: Task<unknown> | null = null;
  /** Options object shared by every task this loop creates without options. */
  private readonly _ownTaskOptions: TaskOptions = Object.freeze({ loop: this });
  private readonly _tick = (): void => this._runHostTurn();

  constructor(options: EventLoopOptions = {}) {
    if (options === null || typeof options !== "object") throw new TypeError("EventLoop options must be an object");
    const kind = options.core ?? "wasm";
    if (kind === "wasm") this._core = new WasmCore();
    else if (kind === "js") this._core = new JsCore();
    else throw new RangeError(`unknown loop core ${JSON.stringify(kind)}: expected "wasm" or "js"`);
    if (options.debug) this._debug = true;
  }

  /** Which core this loop runs on. */
  get coreKind(): CoreKind {
    return this._core.kind;
  }

  /** The core's sizes (live timers, ready ids, capacities). */
  coreStats(): CoreStats {
    return this._core.stats();
  }

  /** Monotonic loop time in seconds (read fresh on every call). */
  time(): number {
    return this._setNow(performance.now() / 1000);
  }

  private _setNow(now: number): number {
    this._now = now;
    if (!this._nowCached) {
      this._nowCached = true;
      // Whatever runs after this run of JS reads the clock again.
      void settled.then(this._forgetNow);
    }
    return now;
  }

  /**
   * Loop time as of the latest clock read in this run of JS: the start of the iteration, at most
   * 32 callbacks ago, or the caller's own `time()`. callLater counts from it, as libuv's timers
   * count from uv_now, so a timer never fires before `time()` read before scheduling + delay.
   */
  private _cachedTime(): number {
    return this._nowCached ? this._now : this.time();
  }

  // ---- scheduling -------------------------------------------------------------------------

  // The scheduling methods read their extra arguments from `arguments` (see callOf): the
  // overload is the signature, the implementation takes only the fixed parameters.

  /** Runs `callback(...args)` on the next iteration, after the callbacks already scheduled. */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle;
  callSoon(callback: AnyCallback): Handle {
    this._checkClosed();
    validateCallback(callback, "callSoon");
    const handle = new Handle(callOf(callback, arguments, 1), this);
    this._schedule(handle);
    return handle;
  }

  /**
   * Like callSoon, for code running outside the loop's callbacks (host callbacks, other
   * async code). JS has no threads sharing a loop, and callSoon already wakes an idle loop, so
   * this is callSoon under asyncio's name.
   */
  callSoonThreadsafe<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    return this.callSoon(callback, ...args);
  }

  /** Runs `callback(...args)` after `delay` seconds. Equal deadlines run in scheduling order. */
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle;
  callLater(delay: number, callback: AnyCallback): TimerHandle {
    validateTime(delay, "delay");
    this._checkClosed();
    validateCallback(callback, "callLater");
    return this._callAt(this._cachedTime() + delay, callOf(callback, arguments, 2));
  }

  /** Runs `callback(...args)` at loop time `when` (seconds, see `time()`). */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimerHandle;
  callAt(when: number, callback: AnyCallback): TimerHandle {
    validateTime(when, "when");
    this._checkClosed();
    validateCallback(callback, "callAt");
    return this._callAt(when, callOf(callback, arguments, 2));
  }

  private _callAt(when: number, call: Call): TimerHandle {
    const handle = new TimerHandle(when, call, this);
    // A call with arguments is an array the handle runs; debug mode keeps the handle for the
    // slow-callback log and the exception context.
    const id = this._allocId(typeof call === "function" && !this._debug ? call : handle);
    handle._id = id;
    handle._gen = this._gens[id]!;
    this._core.addTimer(id, when);
    this._timerCount++;
    if (this._idle && when < this._hostTimerWhen) this._armHostTimer(when);
    return handle;
  }

  /** @internal Puts a runnable in the ready queue (Handles and Task steps). */
  _schedule(runnable: Runnable): void {
    this._core.push(this._allocId(runnable));
    this._readyCount++;
    if (this._idle) this._wake();
  }

  /** @internal */
  _timerHandleCancelled(handle: TimerHandle): void {
    const id = handle._id;
    // The timer already ran (its id was released since), or the loop was closed. A handle comes
    // here once: cancel() returns early once its call is null.
    if (this._gens[id] !== handle._gen) return;
    if (this._core.removeTimer(id)) {
      // Still in the heap: take it out and release its id now.
      this._table[id] = undefined;
      this._releaseId(id);
      this._timerCount--;
    } else {
      // Already in the ready queue: its batch skips it and releases the id.
      this._table[id] = null;
    }
  }

  private _allocId(entry: TableEntry): number {
    if (this._freeCount > 0) {
      const id = this._free[--this._freeCount]!;
      this._table[id] = entry;
      return id;
    }
    const id = this._fresh++;
    if (id < this._table.length) {
      this._table[id] = entry;
    } else {
      this._table.push(entry);
      this._gens.push(0);
    }
    return id;
  }

  private _releaseId(id: number): void {
    this._gens[id] = (this._gens[id]! + 1) & 0x3fffffff;
    this._free[this._freeCount++] = id;
  }

  // ---- running ----------------------------------------------------------------------------

  /** Runs until `stop()`; the Promise settles when the loop has stopped. */
  runForever(): Promise<void> {
    try {
      this._checkClosed();
      this._checkNotRunning();
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      this._runSettle = (error?: unknown) => (error === undefined ? resolve() : reject(error));
      this._running = true;
      _setRunningLoop(this);
      // A running loop keeps its process alive, as Python's does, even with nothing scheduled.
      this._keepAlive = setInterval(noop, MAX_HOST_DELAY_MS);
      this._runHostTurn();
    });
  }

  /**
   * Runs until `future` (a Future, Task or coroutine) is done; resolves to its result or rejects
   * with its exception.
   */
  async runUntilComplete<T>(future: Awaitable<T>): Promise<T> {
    this._checkClosed();
    this._checkNotRunning();
    const fut = ensureFuture(future, this);
    const stop = (): void => this.stop();
    fut.addDoneCallback(stop);
    try {
      await this.runForever();
    } finally {
      fut.removeDoneCallback(stop);
    }
    if (!fut.done()) throw new Error("Event loop stopped before Future completed.");
    return fut.result();
  }

  /** Stops the loop after the current batch of callbacks (callbacks they schedule wait). */
  stop(): void {
    this._stopping = true;
    if (this._idle) this._wake();
  }

  isRunning(): boolean {
    return this._running;
  }

  isClosed(): boolean {
    return this._closed;
  }

  /** Closes the loop, dropping pending callbacks. It must not be running. */
  close(): void {
    if (this._running) throw new Error("Cannot close a running event loop");
    if (this._closed) return;
    this._closed = true;
    for (const cleanup of this._onClose.splice(0)) cleanup();
    this._table.length = 0;
    this._free.length = this._freeCount = 0;
    this._fresh = 0;
    this._gens.length = 0;
    this._firstTask = null;
  }

  private _checkClosed(): void {
    if (this._closed) throw new Error("Event loop is closed");
  }

  private _checkNotRunning(): void {
    if (this._running) throw new Error("This event loop is already running");
    if (_getRunningLoop() !== null) throw new Error("Cannot run the event loop while another loop is running");
  }

  /** One host turn: iterations back to back until idle, stopped, or out of budget. */
  private _runHostTurn(): void {
    this._idle = false;
    if (this._hostTimer !== null) {
      clearTimeout(this._hostTimer);
      this._hostTimer = null;
      this._hostTimerWhen = Infinity;
    }
    try {
      const start = performance.now();
      this._setNow(start / 1000);
      const deadline = start + HOST_TURN_BUDGET_MS;
      for (;;) {
        if (this._runOnce(deadline)) {
          setImmediate(this._tick); // out of budget: let host I/O in
          return;
        }
        if (this._stopping) return this._finishRun();
        if (this._readyCount === 0) {
          if (this._timerCount === 0) return this._sleep(Infinity);
          const next = this._core.nextWhen();
          if (next > this.time()) return this._sleep(next);
        }
      }
    } catch (error) {
      // Only a wasyncio bug gets here (callback errors are reported and the loop carries on).
      this._finishRun(error);
    }
  }

  /**
   * One iteration: due timers to the ready queue, then the batch that was ready at its start.
   * Returns true when the budget ran out (a batch cut short resumes next host turn, still before
   * anything scheduled since).
   */
  private _runOnce(deadline: number): boolean {
    const core = this._core;
    if (this._batchPos === this._batchLen) {
      if (this._timerCount > 0) {
        const moved = core.popDue(this.time());
        this._timerCount -= moved;
        this._readyCount += moved;
      }
      if (this._readyCount === 0) return false;
      this._batchLen = core.drain();
      this._batchPos = 0;
      this._readyCount = 0;
    }
    const table = this._table;
    const debug = this._debug;
    const n = this._batchLen;
    let i = this._batchPos;
    while (i < n) {
      const id = core.batchAt(i++);
      const entry = table[id] as TableEntry | null;
      table[id] = undefined;
      this._releaseId(id);
      if (entry === null) continue; // a timer cancelled after it became due
      try {
        if (debug) this._runTimed(entry);
        else runEntry(entry);
      } catch (error) {
        this._callbackFailed(entry, error);
      }
      // The budget is checked every few callbacks, across iterations; a stopping loop finishes
      // its batch first, as asyncio's does.
      if (++this._sinceClockRead >= CALLBACKS_PER_CLOCK_READ) {
        this._sinceClockRead = 0;
        const now = performance.now();
        this._setNow(now / 1000);
        if (!this._stopping && now >= deadline) {
          this._batchPos = i;
          return true;
        }
      }
    }
    this._batchPos = this._batchLen = 0;
    // Every id is free: hand them out in order again. Ids released in firing order and reused
    // last-in first-out end up scattered, and the core's timer links and this table are indexed
    // by id: the core walks 90,000 due timers in 0.7 ms in id order, 1.6 ms scattered.
    if (this._freeCount === this._fresh) this._freeCount = this._fresh = 0;
    return false;
  }

  private _runTimed(entry: TableEntry): void {
    const t0 = performance.now();
    try {
      runEntry(entry);
    } finally {
      const seconds = (performance.now() - t0) / 1000;
      if (seconds >= this.slowCallbackDuration) logger.warn(`Executing ${describeEntry(entry)} took ${seconds.toFixed(3)} seconds`);
    }
  }

  private _callbackFailed(entry: TableEntry, error: unknown): void {
    const context: ExceptionContext = { message: `Exception in callback ${describeEntry(entry)}`, exception: error };
    if (entry instanceof Handle) {
      context.handle = entry;
      const traceback = sourceTracebackOf(entry);
      if (traceback !== undefined) context.sourceTraceback = traceback;
    }
    this.callExceptionHandler(context);
  }

  /** Nothing ready: wait for the next timer (one host timer) or for new work to wake the loop. */
  private _sleep(nextWhen: number): void {
    this._idle = true;
    if (nextWhen !== Infinity) this._armHostTimer(nextWhen);
  }

  private _armHostTimer(when: number): void {
    if (this._hostTimer !== null) clearTimeout(this._hostTimer);
    // Round up: a host timer that fires early costs a second host timer.
    const ms = Math.min(Math.max(Math.ceil((when - this.time()) * 1000), 0), MAX_HOST_DELAY_MS);
    this._hostTimerWhen = when;
    this._hostTimer = setTimeout(this._tick, ms);
  }

  private _wake(): void {
    this._idle = false;
    if (this._hostTimer !== null) {
      clearTimeout(this._hostTimer);
      this._hostTimer = null;
      this._hostTimerWhen = Infinity;
    }
    // Woken by a host I/O callback (a socket's data): run the turn right after it, from a
    // microtask, instead of a host task later. Only host I/O wakes this way, so the loop can
    // never feed itself a microtask chain that starves the host.
    if (this._inHostIo) void settled.then(this._tick);
    else setImmediate(this._tick);
  }

  private _finishRun(error?: unknown): void {
    this._stopping = false;
    this._running = false;
    this._idle = false;
    if (this._hostTimer !== null) clearTimeout(this._hostTimer);
    this._hostTimer = null;
    this._hostTimerWhen = Infinity;
    if (this._keepAlive !== null) clearInterval(this._keepAlive);
    this._keepAlive = null;
    if (_getRunningLoop() === this) _setRunningLoop(null);
    const settle = this._runSettle;
    this._runSettle = null;
    settle?.(error);
  }

  // ---- futures and tasks ------------------------------------------------------------------

  /** A new Future attached to this loop. */
  createFuture<T = unknown>(): Future<T> {
    return new Future<T>({ loop: this });
  }

  /** Wraps `coro` in a Task scheduled on this loop (through the task factory, if one is set). */
  createTask<T>(coro: Coroutine<T>, options?: TaskOptions): Task<T> {
    this._checkClosed();
    const factory = this._taskFactory;
    if (factory !== null) return factory(this, coro, options);
    return new Task(coro, options === undefined ? this._ownTaskOptions : { ...options, loop: this });
  }

  /** @internal The tasks not yet done, in creation order of their registration. */
  _liveTasks(): Task<unknown>[] {
    const tasks: Task<unknown>[] = [];
    for (let t = this._firstTask; t !== null; t = t._nextTask) tasks.push(t);
    return tasks;
  }

  setTaskFactory(factory: TaskFactory | null): void {
    if (factory !== null && typeof factory !== "function") throw new TypeError("task factory must be a function or null");
    this._taskFactory = factory;
  }

  getTaskFactory(): TaskFactory | null {
    return this._taskFactory;
  }

  // ---- network: TCP, Unix, TLS servers and connections (src/net/) --------------------------

  /**
   * Opens a TCP (optionally TLS) connection to `host:port` and gives `[transport, protocol]`;
   * `protocolFactory` is called once connected, and its protocol's `connectionMade` has run when
   * this returns. Options: `ssl`, `serverHostname`, `localAddr`, `family`, `sslHandshakeTimeout`.
   */
  createConnection<P extends netProto.BaseProtocol>(
    protocolFactory: () => P,
    host?: string | null,
    port?: number | string | null,
    options?: netOptions.CreateConnectionOptions,
  ): Coroutine<[netTransport.Transport, P]> {
    return netTcp.createConnection(this, protocolFactory, host, port, options);
  }

  /**
   * Listens on `host:port` (host: a name or address, a list of them, or null for every interface;
   * port 0 picks a free one) and serves each connection with a protocol from `protocolFactory`.
   * Options: `ssl`, `backlog`, `reuseAddress`, `reusePort`, `startServing` (default true), `keepAlive`.
   */
  createServer(
    protocolFactory: () => netProto.BaseProtocol,
    host?: string | readonly string[] | null,
    port?: number | string | null,
    options?: netOptions.CreateServerOptions,
  ): Coroutine<NetServer> {
    return netTcp.createServer(this, protocolFactory, host, port, options);
  }

  /** createConnection on the Unix socket at `path` (with `ssl`, `serverHostname` is required). */
  createUnixConnection<P extends netProto.BaseProtocol>(
    protocolFactory: () => P,
    path: string,
    options?: netOptions.CreateUnixConnectionOptions,
  ): Coroutine<[netTransport.Transport, P]> {
    return netUnix.createUnixConnection(this, protocolFactory, path, options);
  }

  /** createServer on a Unix socket path (a stale socket file there is removed first). */
  createUnixServer(protocolFactory: () => netProto.BaseProtocol, path: string, options?: netOptions.CreateUnixServerOptions): Coroutine<NetServer> {
    return netUnix.createUnixServer(this, protocolFactory, path, options);
  }

  /**
   * Upgrades `transport` to TLS and gives the new transport (the old one must not be used
   * again). `sslcontext`: a tls.SecureContext, TLS options, or `true` (client, default context).
   * Options: `serverSide`, `serverHostname`, `sslHandshakeTimeout`.
   */
  startTls(
    transport: netTransport.Transport,
    protocol: netProto.BaseProtocol,
    sslcontext: netOptions.SSLOption,
    options?: netOptions.StartTlsOptions,
  ): Coroutine<netTransport.Transport> {
    return netTls.startTls(this, transport, protocol, sslcontext, options);
  }

  /** Not supported on this host: there are no raw sockets in JS (use createServer). Throws NotSupportedError. */
  connectAcceptedSocket(_protocolFactory: unknown, _sock: unknown, _options?: unknown): never {
    throw osPipes._notSupported("connectAcceptedSocket", "createServer() or startServer(), which accept connections themselves");
  }

  // ---- UDP, subprocesses, signals, DNS, pipes, executor -----------------------------------

  /** @internal Cleanups `close()` runs once (signal handlers, the default executor). */
  readonly _onClose: (() => void)[] = [];

  /**
   * A UDP endpoint over node:dgram (asyncio's create_datagram_endpoint): bound to `localAddr`
   * (default: the wildcard address, port 0), connected to `remoteAddr` if given.
   */
  createDatagramEndpoint<P extends osProto.DatagramProtocol>(protocolFactory: () => P, options?: osUdp.DatagramEndpointOptions): Coroutine<[osTransport.DatagramTransport, P]> {
    return osUdp.createDatagramEndpoint(this, protocolFactory, options);
  }

  /** Wraps a Node Readable (process.stdin, child.stdout, an fs stream) as a ReadTransport. */
  connectReadPipe<P extends osPipes.ReadPipeProtocol>(protocolFactory: () => P, pipe: osStream.Readable): Coroutine<[osTransport.ReadTransport, P]> {
    return osPipes.connectReadPipe(this, protocolFactory, pipe);
  }

  /** Wraps a Node Writable (process.stdout, child.stdin, an fs stream) as a WriteTransport. */
  connectWritePipe<P extends osProto.BaseProtocol>(protocolFactory: () => P, pipe: osStream.Writable): Coroutine<[osTransport.WriteTransport, P]> {
    return osPipes.connectWritePipe(this, protocolFactory, pipe);
  }

  /** Runs `program` with `args` (no shell); stdin/stdout/stderr default to PIPE. */
  subprocessExec<P extends osProto.SubprocessProtocol>(
    protocolFactory: () => P,
    program: string,
    args: readonly string[] = [],
    options?: osSubprocess.SubprocessOptions,
  ): Coroutine<[osTransport.SubprocessTransport, P]> {
    return osSubprocess.subprocessExec(this, protocolFactory, program, args, options);
  }

  /** Runs `cmd` through the shell (/bin/sh -c); stdin/stdout/stderr default to PIPE. */
  subprocessShell<P extends osProto.SubprocessProtocol>(protocolFactory: () => P, cmd: string, options?: osSubprocess.SubprocessOptions): Coroutine<[osTransport.SubprocessTransport, P]> {
    return osSubprocess.subprocessShell(this, protocolFactory, cmd, options);
  }

  /** Calls `callback(...args)` through the loop whenever the process receives `sig` (a name or number). */
  addSignalHandler<A extends unknown[]>(sig: osSignals.Signal, callback: (...args: A) => unknown, ...args: A): void {
    osSignals.addSignalHandler(this, sig, callback, args);
  }

  /** Removes the handler for `sig`; false if there was none. */
  removeSignalHandler(sig: osSignals.Signal): boolean {
    return osSignals.removeSignalHandler(this, sig);
  }

  /** Resolves `host`/`port` to `[family, type, proto, canonname, sockaddr]` records (node:dns lookup). */
  getaddrinfo(host: string | null, port: number | string | null, options?: osDns.GetaddrinfoOptions): Coroutine<osDns.AddrInfo[]> {
    return osDns.getaddrinfo(this, host, port, options);
  }

  /** `[host, service]` for a numeric `[host, port]` (node:dns lookupService). */
  getnameinfo(sockaddr: osProto.Address, flags = 0): Coroutine<[host: string, service: string]> {
    return osDns.getnameinfo(this, sockaddr, flags);
  }

  /**
   * Runs `fn(...args)` in `executor`, or in the default executor (a worker-thread pool) when
   * null: `fn` must be self-contained (it is rebuilt from its source) or `{ module, export }`,
   * and the arguments and result structured-cloneable. See ThreadPoolExecutor.
   */
  runInExecutor<A extends unknown[], R>(executor: osExecutor.Executor | null, fn: (...args: A) => R, ...args: A): Future<Awaited<R>>;
  runInExecutor<R = unknown>(executor: osExecutor.Executor | null, fn: osExecutor.ModuleFunction, ...args: unknown[]): Future<R>;
  runInExecutor(executor: osExecutor.Executor | null, fn: osExecutor.ExecutorCallable, ...args: unknown[]): Future<unknown> {
    return osExecutor.runInExecutor(this, executor, fn, args);
  }

  /** Replaces the default executor (a ThreadPoolExecutor). */
  setDefaultExecutor(executor: osExecutor.ThreadPoolExecutor): void {
    osExecutor.setDefaultExecutor(this, executor);
  }

  /** Stops the default executor taking work and waits (at most `timeout` seconds) for its workers. */
  shutdownDefaultExecutor(timeout: number | null = null): Coroutine<void> {
    return osExecutor.shutdownDefaultExecutor(this, timeout);
  }

  /** Not supported on this host (no raw file descriptors): throws NotSupportedError. */
  addReader(_fd: unknown, _callback: unknown, ..._args: unknown[]): never {
    throw osPipes._notSupported("addReader", "connectReadPipe() with a Node stream, or the transports of createConnection()/createServer()");
  }

  /** Not supported on this host: throws NotSupportedError. */
  removeReader(_fd: unknown): never {
    throw osPipes._notSupported("removeReader", "the transport's close() or pauseReading()");
  }

  /** Not supported on this host: throws NotSupportedError. */
  addWriter(_fd: unknown, _callback: unknown, ..._args: unknown[]): never {
    throw osPipes._notSupported("addWriter", "connectWritePipe() with a Node stream, and the protocol's pauseWriting()/resumeWriting()");
  }

  /** Not supported on this host: throws NotSupportedError. */
  removeWriter(_fd: unknown): never {
    throw osPipes._notSupported("removeWriter", "the transport's close()");
  }

  /** Not supported on this host: throws NotSupportedError. */
  sockRecv(_sock: unknown, _nbytes: unknown): never {
    throw osPipes._notSupported("sockRecv", "a Protocol with createConnection(), or openConnection() and StreamReader.read()");
  }

  /** Not supported on this host: throws NotSupportedError. */
  sockRecvInto(_sock: unknown, _buf: unknown): never {
    throw osPipes._notSupported("sockRecvInto", "a BufferedProtocol with createConnection()");
  }

  /** Not supported on this host: throws NotSupportedError. */
  sockRecvfrom(_sock: unknown, _bufsize: unknown): never {
    throw osPipes._notSupported("sockRecvfrom", "createDatagramEndpoint() and DatagramProtocol.datagramReceived()");
  }

  /** Not supported on this host: throws NotSupportedError. */
  sockRecvfromInto(_sock: unknown, _buf: unknown, _nbytes?: unknown): never {
    throw osPipes._notSupported("sockRecvfromInto", "createDatagramEndpoint() and DatagramProtocol.datagramReceived()");
  }

  /** Not supported on this host: throws NotSupportedError. */
  sockSendto(_sock: unknown, _data: unknown, _address: unknown): never {
    throw osPipes._notSupported("sockSendto", "createDatagramEndpoint() and DatagramTransport.sendto()");
  }

  /** Not supported on this host: throws NotSupportedError. */
  sockSendall(_sock: unknown, _data: unknown): never {
    throw osPipes._notSupported("sockSendall", "a transport's write(), or StreamWriter.write() and drain()");
  }

  /** Not supported on this host: throws NotSupportedError. */
  sockConnect(_sock: unknown, _address: unknown): never {
    throw osPipes._notSupported("sockConnect", "createConnection() or openConnection()");
  }

  /** Not supported on this host: throws NotSupportedError. */
  sockAccept(_sock: unknown): never {
    throw osPipes._notSupported("sockAccept", "createServer() or startServer()");
  }

  /** Not supported on this host: throws NotSupportedError. */
  sockSendfile(_sock: unknown, _file: unknown, _offset?: unknown, _count?: unknown, _options?: unknown): never {
    throw osPipes._notSupported("sockSendfile", "a transport's write() with chunks read from the file (or pipe an fs.ReadStream)");
  }

  /**
   * Sends `count` bytes (default: to EOF) of `file` from `offset` over a stream transport; gives
   * the bytes sent. Always asyncio's read-and-write fallback here (no raw descriptors for
   * sendfile(2)): `fallback: false` raises SendfileNotAvailableError.
   */
  sendfile(transport: osTransport.BaseTransport, file: osSendfile.SendfileSource, offset = 0, count: number | null = null, options?: osSendfile.SendfileOptions): Coroutine<number> {
    return osSendfile.sendfile(this, transport, file, offset, count, options);
  }

  // ---- errors and debug -------------------------------------------------------------------

  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== "function") {
      throw new TypeError(`A callable object or null is expected, got ${typeof handler}`);
    }
    this._exceptionHandler = handler;
  }

  getExceptionHandler(): ExceptionHandler | null {
    return this._exceptionHandler;
  }

  /** Logs the context through `asyncio.logger.error`, as asyncio's default handler does. */
  defaultExceptionHandler(context: ExceptionContext): void {
    const message = context.message || "Unhandled exception in event loop";
    const lines: string[] = [message];
    for (const key of Object.keys(context).sort()) {
      if (key === "message" || key === "exception") continue;
      const value = context[key];
      lines.push(`${key}: ${key.endsWith("Traceback") ? "\n" + String(value) : describe(value)}`);
    }
    if ("exception" in context) logger.error(lines.join("\n"), context.exception);
    else logger.error(lines.join("\n"));
  }

  /** Hands `context` to the handler set with setExceptionHandler, or the default one. */
  callExceptionHandler(context: ExceptionContext): void {
    const handler = this._exceptionHandler;
    if (handler === null) {
      try {
        this.defaultExceptionHandler(context);
      } catch (error) {
        console.error("Exception in default exception handler", error);
      }
      return;
    }
    try {
      handler(this, context);
    } catch (error) {
      try {
        this.defaultExceptionHandler({ message: "Unhandled error in exception handler", exception: error, context });
      } catch (inner) {
        console.error("Exception in default exception handler while handling an unexpected error in a custom exception handler", inner);
      }
    }
  }

  getDebug(): boolean {
    return this._debug;
  }

  setDebug(enabled: boolean): void {
    this._debug = Boolean(enabled);
  }

  toString(): string {
    return `<EventLoop core=${this._core.kind} running=${this._running} closed=${this._closed} debug=${this._debug}>`;
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "object" || typeof value === "function") {
    const text = String(value);
    return text === "[object Object]" ? (value.constructor?.name ?? "Object") : text;
  }
  return String(value);
}

export { isFuture };
