/**
 * Executors: asyncio's `loop.run_in_executor`, `shutdown_default_executor` and `to_thread`.
 *
 * Python's default executor is a thread pool; here it is a pool of `node:worker_threads`
 * workers (`ThreadPoolExecutor`), sized like Python's (min(32, CPUs + 4)), created lazily, a
 * worker per task until the pool is full, each worker unref'd while idle so an idle pool never
 * keeps the process alive.
 *
 * A worker is another JavaScript realm: nothing is shared with the caller. What crosses:
 * * the function, as its source text (`fn.toString()`), rebuilt in the worker: it must be
 *   self-contained (no variables from its enclosing scope, no imports; `await import(...)`
 *   inside it works) — or `{ module, export }`, a module the worker imports;
 * * the arguments and the result, by structured clone (plain data, typed arrays, Map, Set,
 *   Date, Error...; not functions, not class instances' prototypes).
 * Failures of either kind are reported with a message saying so.
 *
 * A custom executor is any object with `submit(fn, ...args)` returning a Promise or thenable.
 * @module
 */
import os from "node:os";
import { isAbsolute, resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { isCoroutineFunction } from "./coroutines.js";
import { CancelledError, TimeoutError } from "./errors.js";
import type { Future } from "./futures.js";
import { logger } from "./log.js";
import type { EventLoop } from "./loop.js";
import { getRunningLoop } from "./running.js";
import { fromPromise, waitFor, type Coroutine } from "./tasks.js";

/** A function exported by a module, for work that needs imports: `{ module: "node:zlib", export: "gzipSync" }`. */
export interface ModuleFunction {
  /** A URL (`file:`, `node:`, `data:`), an absolute path, a path relative to the working directory, or a bare specifier. */
  readonly module: string | URL;
  /** The export's name. */
  readonly export: string;
}

/** What an executor runs: a self-contained function or a module's export. */
export type ExecutorCallable = ((...args: never[]) => unknown) | ModuleFunction;

/**
 * Any executor: `submit(fn, ...args)` starts `fn(...args)` somewhere and returns a Promise (or
 * thenable) of its result. `shutdown` is optional (asyncio calls it on executors it owns only).
 */
export interface Executor {
  submit(fn: ExecutorCallable, ...args: unknown[]): PromiseLike<unknown>;
  shutdown?(wait?: boolean): unknown;
}

/** Options of `ThreadPoolExecutor`. */
export interface ThreadPoolExecutorOptions {
  /** Worker names are `${threadNamePrefix}_${n}` (shown in debuggers). */
  threadNamePrefix?: string;
}

// ---- the worker ---------------------------------------------------------------------------

/**
 * The worker's program, run with `eval: true` so the pool needs no file next to the bundle (the
 * package ships one dist/index.js). It rebuilds functions from source with an indirect eval
 * (global scope only) and caches them by source text.
 */
const WORKER_SOURCE = String.raw`"use strict";
(async () => {
  const { parentPort } = await import("node:worker_threads");
  const indirectEval = eval;
  const compiled = new Map();
  const modules = new Map();
  function compile(src) {
    let fn = compiled.get(src);
    if (fn !== undefined) return fn;
    try {
      fn = indirectEval("(" + src + "\n)");
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      // method shorthand ("name(a) { ... }") is not an expression on its own
      const holder = indirectEval("({" + src + "\n})");
      fn = holder[Reflect.ownKeys(holder)[0]];
    }
    if (typeof fn !== "function") throw new TypeError("the function's source text did not evaluate to a function");
    compiled.set(src, fn);
    return fn;
  }
  async function load(url, name) {
    let mod = modules.get(url);
    if (mod === undefined) {
      mod = await import(url);
      modules.set(url, mod);
    }
    const fn = mod[name];
    if (typeof fn !== "function") throw new TypeError("module " + url + " has no function export " + JSON.stringify(name));
    return fn;
  }
  function serialize(error) {
    if (error !== null && typeof error === "object" && typeof error.message === "string") {
      return { name: String(error.name ?? "Error"), message: error.message, stack: typeof error.stack === "string" ? error.stack : undefined, code: typeof error.code === "string" || typeof error.code === "number" ? error.code : undefined };
    }
    return { name: "Error", message: "non-Error value thrown: " + String(error), thrown: error };
  }
  parentPort.on("message", async (job) => {
    let result;
    try {
      const fn = job.src !== undefined ? compile(job.src) : await load(job.module, job.export);
      result = { ok: true, value: await fn(...job.args) };
    } catch (error) {
      result = { ok: false, error: serialize(error) };
    }
    try {
      parentPort.postMessage(result);
    } catch (error) {
      const message = error && error.message ? error.message : String(error);
      if (result.ok) parentPort.postMessage({ ok: false, clone: message });
      else parentPort.postMessage({ ok: false, error: { ...result.error, thrown: undefined } });
    }
  });
})();
`;

interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string | number;
  thrown?: unknown;
}

type WorkerReply = { ok: true; value: unknown } | { ok: false; error: SerializedError } | { ok: false; clone: string };

const ERROR_TYPES: Record<string, ErrorConstructor> = { Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError };

const CLOSURE_HINT =
  " (functions run in an executor are rebuilt from their source text in a worker thread: they cannot use variables or imports from where they were defined; pass values as arguments, import inside the function with await import(), or use { module, export })";

type Payload = { src: string; name: string } | { module: string; export: string; name: string };

/** Turns what the worker reported into the error to raise. */
function rebuildError(serialized: SerializedError, payload: Payload): unknown {
  if ("thrown" in serialized && serialized.thrown !== undefined) return serialized.thrown;
  const Ctor = ERROR_TYPES[serialized.name] ?? Error;
  let message = serialized.message;
  if (serialized.name === "ReferenceError" && "src" in payload) message += CLOSURE_HINT;
  const error = new Ctor(message);
  if (Ctor === Error && serialized.name !== "Error") error.name = serialized.name;
  // The worker's stack says where it failed; the caller's would only show the pool.
  if (serialized.stack !== undefined) error.stack = serialized.stack.replace(serialized.message, message);
  if (serialized.code !== undefined) (error as Error & { code?: unknown }).code = serialized.code;
  return error;
}

function describeFn(fn: unknown): string {
  return typeof fn === "function" ? (fn.name ? `function ${fn.name}` : "the function") : `${(fn as ModuleFunction).export} of ${String((fn as ModuleFunction).module)}`;
}

/** Checks what was given to run and turns it into what the worker receives. */
function toPayload(fn: unknown): Payload {
  if (typeof fn === "function") {
    if (isCoroutineFunction(fn)) throw new TypeError("coroutine (generator) functions cannot run in an executor: run them on the loop with createTask()");
    const src = Function.prototype.toString.call(fn);
    if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) {
      throw new TypeError(
        `${describeFn(fn)} cannot be sent to a worker thread: native and bound functions have no source text; wrap the call in a self-contained function or use { module, export }`,
      );
    }
    if (/^class\b/.test(src)) throw new TypeError("a class cannot run in an executor: pass a function");
    return { src, name: fn.name || "<anonymous>" };
  }
  if (fn !== null && typeof fn === "object" && "module" in fn && "export" in fn) {
    const { module, export: name } = fn as ModuleFunction;
    if (typeof name !== "string" || name === "") throw new TypeError("{ module, export }: export must be a non-empty string");
    if (typeof module !== "string" && !(module instanceof URL)) throw new TypeError("{ module, export }: module must be a string or a URL");
    return { module: moduleUrl(module), export: name, name };
  }
  throw new TypeError(`an executor runs a function or { module, export }, got ${fn === null ? "null" : typeof fn}`);
}

function moduleUrl(spec: string | URL): string {
  if (spec instanceof URL) return spec.href;
  if (isAbsolute(spec)) return pathToFileURL(spec).href;
  if (/^[a-zA-Z][a-zA-Z\d+.-]*:/.test(spec)) return spec; // node:, file:, data:, https:
  if (spec.startsWith("./") || spec.startsWith("../")) return pathToFileURL(resolvePath(spec)).href;
  return spec; // a bare specifier, resolved by the worker
}

// ---- ThreadPoolExecutor ---------------------------------------------------------------------

type Settle = (ok: boolean, value: unknown) => void;

interface Job {
  readonly payload: Payload;
  readonly args: unknown[];
  readonly settle: Settle;
  state: "queued" | "running" | "done";
}

/** @internal What `_submit` returns: cancel() succeeds only for a job still queued (as Python's Future.cancel). */
export interface JobHandle {
  cancel(): boolean;
}

interface PoolWorker {
  readonly worker: Worker;
  job: Job | null;
}

/** Python's default: min(32, CPUs + 4). */
function defaultMaxWorkers(): number {
  const cpus = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return Math.min(32, Math.max(1, cpus) + 4);
}

/**
 * A pool of worker threads (Python's `concurrent.futures.ThreadPoolExecutor`), the default
 * executor's class. Workers start on demand up to `maxWorkers` and are unref'd while idle.
 */
export class ThreadPoolExecutor implements Executor {
  /** The most workers this pool runs at once. */
  readonly maxWorkers: number;
  private readonly _prefix: string;
  private readonly _queue: Job[] = [];
  private readonly _workers = new Set<PoolWorker>();
  private readonly _idle: PoolWorker[] = [];
  private _shutdown = false;
  private _counter = 0;
  private _emptied: (() => void)[] = [];

  constructor(maxWorkers: number | null = null, options: ThreadPoolExecutorOptions = {}) {
    if (maxWorkers === null || maxWorkers === undefined) maxWorkers = defaultMaxWorkers();
    else if (typeof maxWorkers !== "number") throw new TypeError(`maxWorkers must be an integer or null, got ${typeof maxWorkers}`);
    else if (!Number.isInteger(maxWorkers) || maxWorkers <= 0) throw new RangeError("maxWorkers must be greater than 0");
    this.maxWorkers = maxWorkers;
    this._prefix = options.threadNamePrefix ?? "ThreadPoolExecutor";
  }

  /** Runs `fn(...args)` on a worker; the Promise settles with its result (awaited if it is a Promise). */
  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<Awaited<R>>;
  submit(fn: ModuleFunction, ...args: unknown[]): Promise<unknown>;
  submit(fn: ExecutorCallable, ...args: unknown[]): Promise<unknown> {
    let settle!: Settle;
    const promise = new Promise<unknown>((resolve, reject) => {
      settle = (ok, value) => (ok ? resolve(value) : reject(value));
    });
    // Outside the Promise executor: what cannot run at all throws at once, as Python's submit raises.
    this._submit(fn, args, settle);
    return promise;
  }

  /** How many workers run now (busy or idle). */
  get workerCount(): number {
    return this._workers.size;
  }

  /**
   * @internal Queues a job; `settle` is called once, from a host callback. Throws at once for
   * what cannot run at all (not a function, pool shut down).
   */
  _submit(fn: unknown, args: unknown[], settle: Settle): JobHandle {
    if (this._shutdown) throw new Error("cannot schedule new futures after shutdown");
    const job: Job = { payload: toPayload(fn), args, settle, state: "queued" };
    this._queue.push(job);
    this._dispatch();
    return {
      cancel: () => {
        if (job.state !== "queued") return false;
        const i = this._queue.indexOf(job);
        if (i >= 0) this._queue.splice(i, 1);
        job.state = "done";
        job.settle(false, new CancelledError());
        this._maybeEmptied();
        return true;
      },
    };
  }

  /**
   * Stops taking work. Queued jobs still run unless `cancelFutures` (they are then rejected with
   * CancelledError); workers end when the queue is empty. With `wait`, the Promise settles when
   * every worker has ended.
   */
  shutdown(wait = true, options: { cancelFutures?: boolean } = {}): Promise<void> {
    this._shutdown = true;
    if (options.cancelFutures) {
      for (const job of this._queue.splice(0)) {
        job.state = "done";
        job.settle(false, new CancelledError());
      }
    }
    for (const pw of this._idle.splice(0)) this._retire(pw);
    if (!wait || this._workers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this._emptied.push(resolve));
  }

  private _dispatch(): void {
    const queue = this._queue;
    while (queue.length > 0) {
      let pw = this._idle.pop();
      if (pw === undefined) {
        if (this._workers.size >= this.maxWorkers) return;
        try {
          pw = this._spawn();
        } catch (error) {
          // The host cannot start workers at all: fail the job instead of queueing forever.
          const job = queue.shift()!;
          job.state = "done";
          job.settle(false, new Error(`cannot start a worker thread for the executor: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
          continue;
        }
      }
      const job = queue.shift()!;
      this._run(pw, job);
    }
  }

  private _run(pw: PoolWorker, job: Job): void {
    const message = "src" in job.payload ? { src: job.payload.src, args: job.args } : { module: job.payload.module, export: job.payload.export, args: job.args };
    try {
      pw.worker.postMessage(message);
    } catch (error) {
      job.state = "done";
      const detail = (error as Error)?.message ?? String(error);
      job.settle(false, new TypeError(`the arguments of ${job.payload.name} cannot be sent to a worker thread: they must be structured-cloneable (${detail})`, { cause: error }));
      this._idle.push(pw);
      return;
    }
    job.state = "running";
    pw.job = job;
    pw.worker.ref(); // a busy worker keeps the process alive until it answers
  }

  private _spawn(): PoolWorker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: `${this._prefix}_${this._counter++}` });
    const pw: PoolWorker = { worker, job: null };
    this._workers.add(pw);
    worker.on("message", (reply: WorkerReply) => this._replied(pw, reply));
    worker.on("error", (error: Error) => {
      // Uncaught in the worker (e.g. thrown from a timer the function set): the worker is gone.
      this._failJob(pw, error);
    });
    worker.on("exit", (code: number) => {
      this._failJob(pw, new Error(`the executor's worker thread exited (code ${code}) while running the job`));
      this._workers.delete(pw);
      const i = this._idle.indexOf(pw);
      if (i >= 0) this._idle.splice(i, 1);
      // Queued work still runs after shutdown (as in Python), so replace a lost worker.
      if (this._queue.length > 0) this._dispatch();
      this._maybeEmptied();
    });
    return pw;
  }

  private _replied(pw: PoolWorker, reply: WorkerReply): void {
    const job = pw.job;
    pw.job = null;
    pw.worker.unref();
    if (job !== null) {
      job.state = "done";
      if (reply.ok) job.settle(true, reply.value);
      else if ("clone" in reply) job.settle(false, new TypeError(`the result of ${job.payload.name} cannot be sent back from the worker thread: it must be structured-cloneable (${reply.clone})`));
      else job.settle(false, rebuildError(reply.error, job.payload));
    }
    if (this._queue.length > 0) {
      this._run(pw, this._queue.shift()!);
      this._dispatch();
    } else if (this._shutdown) this._retire(pw);
    else this._idle.push(pw);
  }

  private _failJob(pw: PoolWorker, error: Error): void {
    const job = pw.job;
    pw.job = null;
    if (job === null || job.state === "done") return;
    job.state = "done";
    job.settle(false, error);
  }

  private _retire(pw: PoolWorker): void {
    void pw.worker.terminate();
  }

  private _maybeEmptied(): void {
    if (this._workers.size > 0 || this._queue.length > 0) return;
    for (const resolve of this._emptied.splice(0)) resolve();
  }

  toString(): string {
    return `<ThreadPoolExecutor maxWorkers=${this.maxWorkers} workers=${this._workers.size} queued=${this._queue.length}${this._shutdown ? " shutdown" : ""}>`;
  }
}

// ---- the loop's default executor ------------------------------------------------------------

interface LoopExecutorState {
  executor: ThreadPoolExecutor | null;
  shutdownCalled: boolean;
}

const states = new WeakMap<EventLoop, LoopExecutorState>();

function stateOf(loop: EventLoop): LoopExecutorState {
  let state = states.get(loop);
  if (state === undefined) {
    const created: LoopExecutorState = { executor: null, shutdownCalled: false };
    state = created;
    states.set(loop, created);
    // asyncio's close(): no new work for the default executor, and shut it down without waiting.
    loop._onClose.push(() => {
      created.shutdownCalled = true;
      const executor = created.executor;
      created.executor = null;
      void executor?.shutdown(false);
    });
  }
  return state;
}

/** @internal `loop.setDefaultExecutor`. */
export function setDefaultExecutor(loop: EventLoop, executor: ThreadPoolExecutor): void {
  if (!(executor instanceof ThreadPoolExecutor)) throw new TypeError("executor must be a ThreadPoolExecutor");
  stateOf(loop).executor = executor;
}

/** @internal `loop.runInExecutor`. */
export function runInExecutor(loop: EventLoop, executor: Executor | null | undefined, fn: unknown, args: unknown[]): Future<unknown> {
  if (loop.isClosed()) throw new Error("Event loop is closed");
  if (executor === null || executor === undefined) {
    const state = stateOf(loop);
    if (state.shutdownCalled) throw new Error("Executor shutdown has been called");
    executor = state.executor ??= new ThreadPoolExecutor(null, { threadNamePrefix: "asyncio" });
  }
  if (executor instanceof ThreadPoolExecutor) {
    const fut = loop.createFuture<unknown>();
    const job = executor._submit(fn, args, (ok, value) => {
      if (fut.done() || loop.isClosed()) return;
      if (ok) fut.setResult(value);
      else if (value instanceof CancelledError) fut.cancel();
      else fut.setException(value);
    });
    // Cancelling the future cancels a job that has not started (a running one runs to its end).
    fut.addDoneCallback((f) => {
      if (f.cancelled()) job.cancel();
    });
    return fut;
  }
  if (typeof (executor as Executor | null)?.submit !== "function") throw new TypeError("executor must be null or an object with a submit(fn, ...args) method");
  if (typeof fn !== "function" && (fn === null || typeof fn !== "object")) throw new TypeError(`an executor runs a function, got ${fn === null ? "null" : typeof fn}`);
  const submitted = executor.submit(fn as ExecutorCallable, ...args);
  if (submitted === null || typeof (submitted as PromiseLike<unknown> | undefined)?.then !== "function") {
    throw new TypeError("executor.submit() must return a Promise or thenable");
  }
  return fromPromise(submitted, loop);
}

/**
 * @internal `loop.shutdownDefaultExecutor`: no new work, then wait for the default executor's
 * workers to finish (at most `timeout` seconds; after that, warn and stop waiting).
 */
export function* shutdownDefaultExecutor(loop: EventLoop, timeout: number | null = null): Coroutine<void> {
  if (timeout !== null && (typeof timeout !== "number" || Number.isNaN(timeout))) throw new TypeError("timeout must be a number of seconds or null");
  const state = stateOf(loop);
  state.shutdownCalled = true;
  const executor = state.executor;
  if (executor === null) return;
  const joined = fromPromise(executor.shutdown(true), loop);
  try {
    yield* waitFor(joined, timeout);
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    logger.warn(`The executor did not finish joining its workers within ${timeout} seconds.`);
    void executor.shutdown(false);
  }
}

/**
 * Python's `asyncio.to_thread`: runs `fn(...args)` in the running loop's default executor (a
 * worker thread) and gives its result: `const digest = yield* toThread(hash, data)`. The same
 * rules apply as for `runInExecutor`: `fn` is self-contained, arguments and result are cloned.
 */
export function toThread<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Coroutine<Awaited<R>>;
export function toThread<R = unknown>(fn: ModuleFunction, ...args: unknown[]): Coroutine<R>;
export function* toThread(fn: ExecutorCallable, ...args: unknown[]): Coroutine<unknown> {
  const loop = getRunningLoop();
  return yield* runInExecutor(loop, null, fn, args);
}
