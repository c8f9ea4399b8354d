/**
 * Task: drives a generator coroutine on the loop. A yielded Future suspends it until the future
 * is done; a bare `yield` is one pass through the loop; cancellation throws CancelledError into
 * the coroutine at its current `yield*`. Also the functions built directly on tasks: createTask,
 * ensureFuture, fromPromise, sleep, gather, shield, wait, waitFor, asCompleted.
 * @module
 */
import { CancelledError, TimeoutError } from "./errors.js";
import { Future, isFuture, _setResultUnlessCancelled, type Waiter } from "./futures.js";
import { RESUMED, isCoroutine, type Coroutine } from "./coroutines.js";
import type { EventLoop } from "./loop.js";
import { _currentLoop, _getRunningLoop, getRunningLoop } from "./running.js";
import { timeout } from "./timeouts.js";

export type { Coroutine } from "./coroutines.js";

/** Anything a task can wait for: a Future (or Task), a coroutine, or a Promise/thenable. */
export type Awaitable<T> = Future<T> | Coroutine<T> | PromiseLike<T>;

/** The result type of an awaitable. */
export type AwaitedOf<A> = A extends Future<infer T> ? T : A extends Coroutine<infer T> ? T : A extends PromiseLike<infer T> ? T : never;

export interface TaskOptions {
  name?: string;
  loop?: EventLoop;
  /** Run the first step synchronously when the loop is running (Python 3.12's eager_start). */
  eagerStart?: boolean;
}

let taskCounter = 0;

export class Task<T = unknown> extends Future<T> implements Waiter {
  private _coro: Coroutine<T>;
  /** Made on first getName(): most tasks are never asked for their name. */
  private _name: string | null;
  private readonly _number: number;
  /** @internal Neighbours in the loop's list of live tasks. */
  _prevTask: Task<unknown> | null = null;
  /** @internal */ _nextTask: Task<unknown> | null = null;
  /** @internal The future this task waits on. */
  _futWaiter: Future<unknown> | null = null;
  private _mustCancel = false;
  private _numCancelsRequested = 0;
  /** An exception to throw into the coroutine at its next step (a bad yield). */
  private _pendingError: unknown = undefined;

  constructor(coro: Coroutine<T>, options?: TaskOptions) {
    super(options);
    if (!isCoroutine(coro)) {
      throw new TypeError(`a coroutine was expected, got ${describe(coro)} (did you call the generator function?)`);
    }
    this._coro = coro;
    this._number = ++taskCounter;
    this._name = options?.name !== undefined ? String(options.name) : null;
    const loop = this._loop;
    if (loop.isClosed()) throw new Error("Event loop is closed");
    if (options?.eagerStart && loop.isRunning()) {
      this._eagerStart();
    } else {
      this._register();
      loop._schedule(this);
    }
  }

  getCoro(): Coroutine<T> {
    return this._coro;
  }

  getName(): string {
    return (this._name ??= `Task-${this._number}`);
  }

  setName(name: unknown): void {
    this._name = String(name);
  }

  /**
   * Where the task was created (debug mode), as stack lines. JS engines cannot show where a
   * suspended generator is paused, so the coroutine's current suspension point is not available.
   */
  getStack(): string[] {
    return this._sourceTraceback === undefined ? [] : this._sourceTraceback.split("\n");
  }

  /** Tasks finish by running their coroutine; setting their result from outside is an error. */
  override setResult(_result: T): void {
    throw new Error("Task does not support setResult()");
  }

  override setException(_exception: unknown): void {
    throw new Error("Task does not support setException()");
  }

  /**
   * Requests cancellation: CancelledError is thrown into the coroutine at its next step (the
   * future it waits on is cancelled). Returns false if the task is already done.
   */
  override cancel(msg?: string | null): boolean {
    if (this.done()) return false;
    this._numCancelsRequested++;
    const waiter = this._futWaiter;
    if (waiter !== null && waiter.cancel(msg)) return true;
    this._mustCancel = true;
    this._cancelMessage = msg ?? null;
    return true;
  }

  /** How many cancellation requests are pending (Python 3.11). */
  cancelling(): number {
    return this._numCancelsRequested;
  }

  /** Takes back one cancellation request; returns how many remain (Python 3.11/3.13). */
  uncancel(): number {
    if (this._numCancelsRequested > 0) {
      this._numCancelsRequested--;
      if (this._numCancelsRequested === 0) this._mustCancel = false;
    }
    return this._numCancelsRequested;
  }

  /** @internal The future this task waited on is done: step on the next iteration. */
  _wakeup(_future: Future<unknown>): void {
    this._loop._schedule(this);
  }

  /** @internal Runnable: one step of the coroutine. */
  _run(): void {
    if (this._state !== 0) return; // done meanwhile (cannot happen through the public API)
    const loop = this._loop;
    const previous = loop._currentTask;
    loop._currentTask = this;
    try {
      this._step();
    } finally {
      loop._currentTask = previous;
    }
  }

  private _eagerStart(): void {
    const loop = this._loop;
    const previous = loop._currentTask;
    loop._currentTask = this;
    try {
      this._step();
    } finally {
      loop._currentTask = previous;
    }
    if (!this.done()) this._register();
  }

  /** Joins the loop's list of live tasks (for allTasks and shutdown). */
  private _register(): void {
    const loop = this._loop;
    const first = loop._firstTask;
    this._nextTask = first;
    if (first !== null) first._prevTask = this;
    loop._firstTask = this;
  }

  private _step(): void {
    this._futWaiter = null;
    let error = this._pendingError;
    this._pendingError = undefined;
    if (this._mustCancel) {
      this._mustCancel = false;
      error = this._makeCancelledError();
    }
    let step: IteratorResult<unknown, T>;
    try {
      step = error === undefined ? this._coro.next(RESUMED) : this._coro.throw(error);
    } catch (thrown) {
      if (thrown instanceof CancelledError) {
        this._cancelledError = thrown;
        this._cancelMessage = thrown.message || this._cancelMessage;
        this._finish();
        super.cancel(this._cancelMessage);
      } else {
        this._finish();
        super.setException(thrown === undefined || thrown === null ? new TypeError(`coroutine threw ${thrown}`) : thrown);
      }
      return;
    }
    if (step.done) {
      this._finish();
      if (this._mustCancel) {
        // Cancelled while running its last step: asyncio ends it cancelled.
        this._mustCancel = false;
        super.cancel(this._cancelMessage);
      } else {
        super.setResult(step.value);
      }
      return;
    }
    const yielded = step.value;
    if (yielded === undefined) {
      // A bare yield: one pass through the loop (sleep(0)).
      this._loop._schedule(this);
    } else if (yielded instanceof Future) {
      if (yielded._loop !== this._loop) {
        this._pendingError = new Error(`Task ${this} got Future ${yielded} attached to a different loop`);
        this._loop._schedule(this);
      } else if (yielded === this) {
        this._pendingError = new Error(`Task cannot await on itself: ${this}`);
        this._loop._schedule(this);
      } else {
        this._futWaiter = yielded;
        yielded._addCallback(this);
        if (this._mustCancel && yielded.cancel(this._cancelMessage)) this._mustCancel = false;
      }
    } else {
      this._pendingError = new TypeError(
        `Task got bad yield: ${describe(yielded)}; coroutines await with yield* (yield* future, yield* coroutine)`,
      );
      this._loop._schedule(this);
    }
  }

  /** Leaves the loop's list of live tasks. */
  private _finish(): void {
    const prev = this._prevTask;
    const next = this._nextTask;
    if (next !== null) next._prevTask = prev;
    if (prev !== null) prev._nextTask = next;
    else if (this._loop._firstTask === this) this._loop._firstTask = next;
    this._prevTask = this._nextTask = null;
  }

  /** @internal */
  override _unretrievedReport(exception: unknown): ReturnType<Future<T>["_unretrievedReport"]> {
    return { ...super._unretrievedReport(exception), kind: "Task" };
  }

  override toString(): string {
    const state = this._state === 0 ? (this._mustCancel ? "cancelling" : "pending") : this.cancelled() ? "cancelled" : "finished";
    return `<Task ${state} name=${JSON.stringify(this.getName())}>`;
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  return typeof value === "string" ? JSON.stringify(value) : typeof value === "function" ? (value.name ? `function ${value.name}` : "a function") : String(value);
}

// ---- creating and finding tasks ---------------------------------------------------------------

/** Wraps `coro` in a Task on the running loop (throws if no loop is running). */
export function createTask<T>(coro: Coroutine<T>, options?: Omit<TaskOptions, "loop">): Task<T> {
  return getRunningLoop().createTask(coro, options);
}

/** The task whose step is running on `loop` (default: the running loop), or null. */
export function currentTask(loop?: EventLoop): Task<unknown> | null {
  const target = loop ?? getRunningLoop();
  return target._currentTask;
}

/** The tasks of `loop` (default: the running loop) that are not done. */
export function allTasks(loop?: EventLoop): Set<Task<unknown>> {
  const target = loop ?? getRunningLoop();
  return new Set(target._liveTasks());
}

/** TypeError unless `loop` is omitted or a loop (a wrong one would only fail later, inside a callback). */
function checkLoopArgument(loop: unknown, method: string): void {
  if (loop !== undefined && (loop === null || typeof (loop as Partial<EventLoop>).callSoon !== "function" || typeof (loop as Partial<EventLoop>).isClosed !== "function")) {
    throw new TypeError(`${method} loop argument must be an EventLoop, got ${describe(loop)}`);
  }
}

/**
 * A Future for `value`: a Future is returned as is, a coroutine is wrapped in a Task, a
 * Promise/thenable is adopted with fromPromise.
 */
export function ensureFuture<T>(value: Awaitable<T>, loop?: EventLoop): Future<T> {
  checkLoopArgument(loop, "ensureFuture()");
  if (isFuture(value)) {
    if (loop !== undefined && value._loop !== loop) throw new RangeError("The future belongs to a different loop than the one specified as the loop argument");
    return value as Future<T>;
  }
  if (isCoroutine(value)) return (loop ?? _currentLoop()).createTask(value as Coroutine<T>);
  if (value !== null && (typeof value === "object" || typeof value === "function") && typeof (value as PromiseLike<T>).then === "function") {
    return fromPromise(value as PromiseLike<T>, loop);
  }
  throw new TypeError(`An asyncio.Future, a coroutine or an awaitable is required, got ${describe(value)}`);
}

/**
 * A Future settled by `promise`: `const body = yield* fromPromise(fetch(url))`. Cancelling the
 * future does not cancel the promise (promises cannot be cancelled); its outcome is then ignored.
 */
export function fromPromise<T>(promise: PromiseLike<T>, loop?: EventLoop): Future<T> {
  if (promise === null || typeof (promise as PromiseLike<T> | undefined)?.then !== "function") {
    throw new TypeError(`fromPromise() needs a Promise or thenable, got ${describe(promise)}`);
  }
  checkLoopArgument(loop, "fromPromise()");
  const fut = new Future<T>({ loop: loop ?? _currentLoop() });
  const settle = (ok: boolean, value: unknown): void => {
    if (fut.done() || fut._loop.isClosed()) return;
    if (ok) fut.setResult(value as T);
    else fut.setException(value ?? new Error(`Promise rejected with ${value}`));
  };
  promise.then(
    (value) => settle(true, value),
    (reason: unknown) => settle(false, reason),
  );
  return fut;
}

// ---- sleep ------------------------------------------------------------------------------------

/**
 * `yield* sleep(0)`: one bare yield. A shared, stateless iterator: the loop resumes a bare yield
 * by sending RESUMED, so the first `next` yields and the resumed one returns.
 */
const sleepZero: Coroutine<undefined> = {
  next(sent?: unknown): IteratorResult<unknown, undefined> {
    return sent === RESUMED ? SLEEP_DONE : SLEEP_YIELD;
  },
  throw(error: unknown): IteratorResult<unknown, undefined> {
    throw error;
  },
  return(value?: undefined): IteratorResult<unknown, undefined> {
    return { value, done: true };
  },
  [Symbol.iterator]() {
    return this;
  },
} as Coroutine<undefined>;
const SLEEP_YIELD: IteratorResult<unknown, undefined> = Object.freeze({ value: undefined, done: false });
const SLEEP_DONE: IteratorResult<unknown, undefined> = Object.freeze({ value: undefined, done: true });

/** Suspends the task for `delay` seconds, then gives `result`. `sleep(0)` is one pass of the loop. */
export function sleep(delay: number): Coroutine<undefined>;
export function sleep<T>(delay: number, result: T): Coroutine<T>;
export function sleep<T>(delay: number, result?: T): Coroutine<T | undefined> {
  if (typeof delay !== "number" || Number.isNaN(delay)) throw new TypeError(`sleep() delay must be a number of seconds, got ${describe(delay)}`);
  if (delay <= 0 && result === undefined) return sleepZero;
  return sleepFor(delay, result);
}

function* sleepFor<T>(delay: number, result: T): Coroutine<T> {
  if (delay <= 0) {
    yield;
    return result;
  }
  const loop = getRunningLoop();
  const fut = new Future<T>({ loop });
  const handle = loop.callLater(delay, _setResultUnlessCancelled<T>, fut, result);
  try {
    return yield* fut;
  } finally {
    handle.cancel();
  }
}

// ---- gather -----------------------------------------------------------------------------------

/** gather's result: a tuple of results in input order. */
export type GatherResults<A extends readonly unknown[]> = { -readonly [K in keyof A]: AwaitedOf<A[K]> };
/** gather's result with returnExceptions: each slot a result or the exception. */
export type GatherSettled<A extends readonly unknown[]> = { -readonly [K in keyof A]: AwaitedOf<A[K]> | unknown };

/** The future gather returns: cancelling it cancels every child. */
class GatheringFuture<T> extends Future<T> {
  /** @internal */ _cancelRequested = false;
  constructor(
    private readonly children: readonly Future<unknown>[],
    loop: EventLoop,
  ) {
    super({ loop });
  }
  override cancel(msg?: string | null): boolean {
    if (this.done()) return false;
    let ret = false;
    for (const child of this.children) if (child.cancel(msg)) ret = true;
    // If no child could be cancelled, the gather result cannot change; asyncio returns False then.
    if (ret) {
      this._cancelRequested = true;
      this._cancelMessage = msg ?? null;
    }
    return ret;
  }
}

/**
 * Runs the awaitables concurrently; resolves to their results in input order. The first
 * exception is raised at once (the others keep running) unless `returnExceptions`, which puts
 * exceptions in the results. Cancelling the gather cancels every child.
 */
export function gather<const A extends readonly Awaitable<unknown>[]>(aws: A, options?: { returnExceptions?: false }): Future<GatherResults<A>>;
export function gather<const A extends readonly Awaitable<unknown>[]>(aws: A, options: { returnExceptions: true }): Future<GatherSettled<A>>;
export function gather(aws: readonly Awaitable<unknown>[], options?: { returnExceptions?: boolean }): Future<unknown[]> {
  if (!Array.isArray(aws)) throw new TypeError("gather() takes an array of awaitables");
  const returnExceptions = Boolean(options?.returnExceptions);
  if (aws.length === 0) {
    const empty = new Future<unknown[]>({ loop: _currentLoop() });
    empty.setResult([]);
    return empty;
  }
  let loop: EventLoop | undefined = _getRunningLoop() ?? undefined;
  const children: Future<unknown>[] = [];
  const seen = new Map<unknown, Future<unknown>>();
  for (const aw of aws) {
    // The same coroutine or future listed twice runs once.
    let fut = seen.get(aw);
    if (fut === undefined) {
      fut = ensureFuture(aw, loop);
      loop ??= fut._loop;
      seen.set(aw, fut);
    }
    children.push(fut);
  }
  const outer = new GatheringFuture<unknown[]>(children, loop!);
  const total = seen.size;
  let finished = 0;
  const onChildDone = (child: Future<unknown>): void => {
    finished++;
    if (outer.done()) {
      // Retrieve so that nothing is reported as never retrieved.
      if (!child.cancelled()) child.exception();
      return;
    }
    if (!returnExceptions) {
      if (child.cancelled()) {
        outer.setException(child._makeCancelledError());
        return;
      }
      const error = child.exception();
      if (error !== null) {
        outer.setException(error);
        return;
      }
    }
    if (finished === total) {
      const results = children.map((fut) => {
        if (fut.cancelled()) return fut._makeCancelledError();
        const error = fut.exception();
        return error !== null ? error : fut.result();
      });
      if (outer._cancelRequested) outer.setException(new CancelledError(outer._cancelMessage));
      else outer.setResult(results);
    }
  };
  for (const fut of seen.values()) fut.addDoneCallback(onChildDone);
  return outer;
}

// ---- shield -----------------------------------------------------------------------------------

/**
 * Protects `aw` from cancellation: cancelling the task that awaits the shield cancels only the
 * shield; the inner task runs on.
 */
export function shield<T>(aw: Awaitable<T>): Future<T> {
  const inner = ensureFuture(aw);
  if (inner.done()) return inner;
  const outer = new Future<T>({ loop: inner._loop });
  inner.addDoneCallback((fut) => {
    if (outer.cancelled()) {
      if (!fut.cancelled()) fut.exception(); // mark retrieved
      return;
    }
    if (fut.cancelled()) outer.cancel();
    else {
      const error = fut.exception();
      if (error !== null) outer.setException(error);
      else outer.setResult(fut.result());
    }
  });
  return outer;
}

// ---- wait, waitFor, asCompleted -------------------------------------------------------------

export const FIRST_COMPLETED = "FIRST_COMPLETED";
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
export const ALL_COMPLETED = "ALL_COMPLETED";
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

export interface WaitOptions {
  /** Seconds, or null for no limit. `wait` does not raise on timeout. */
  timeout?: number | null;
  returnWhen?: ReturnWhen;
}

/**
 * Waits for futures/tasks until `returnWhen`; gives `[done, pending]` sets. It cancels nothing,
 * and never raises TimeoutError. Coroutines are refused, as in Python 3.11: wrap them in tasks.
 */
export function* wait<T>(fs: Iterable<Future<T>>, options?: WaitOptions): Coroutine<[Set<Future<T>>, Set<Future<T>>]> {
  if (fs === null || typeof (fs as Iterable<Future<T>>)[Symbol.iterator] !== "function") throw new TypeError("wait() takes an iterable of futures or tasks");
  const futures = new Set<Future<T>>();
  for (const f of fs) {
    if (isCoroutine(f)) throw new TypeError("Passing coroutines is forbidden, use tasks explicitly.");
    futures.add(ensureFuture(f));
  }
  if (futures.size === 0) throw new RangeError("Set of Tasks/Futures is empty.");
  const returnWhen = options?.returnWhen ?? ALL_COMPLETED;
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw new RangeError(`Invalid returnWhen value: ${String(returnWhen)}`);
  }
  const limit = options?.timeout ?? null;
  if (limit !== null && (typeof limit !== "number" || Number.isNaN(limit))) throw new TypeError("wait() timeout must be a number or null");
  const loop = getRunningLoop();
  const waiter = new Future<boolean>({ loop });
  let counter = futures.size;
  const timer = limit !== null ? loop.callLater(limit, _setResultUnlessCancelled<boolean>, waiter, true) : null;
  const onDone = (f: Future<T>): void => {
    counter--;
    if (
      counter <= 0 ||
      returnWhen === FIRST_COMPLETED ||
      (returnWhen === FIRST_EXCEPTION && !f.cancelled() && f.exception() !== null)
    ) {
      timer?.cancel();
      if (!waiter.done()) waiter.setResult(true);
    }
  };
  for (const f of futures) f.addDoneCallback(onDone);
  try {
    // Already satisfied? (e.g. everything done, or one done with FIRST_COMPLETED)
    const doneNow = [...futures].filter((f) => f.done());
    const satisfied =
      doneNow.length === futures.size ||
      (returnWhen === FIRST_COMPLETED && doneNow.length > 0) ||
      (returnWhen === FIRST_EXCEPTION && doneNow.some((f) => !f.cancelled() && f.exception() !== null));
    if (!satisfied) yield* waiter;
  } finally {
    timer?.cancel();
    for (const f of futures) f.removeDoneCallback(onDone);
  }
  const done = new Set<Future<T>>();
  const pending = new Set<Future<T>>();
  for (const f of futures) (f.done() ? done : pending).add(f);
  return [done, pending];
}

/**
 * Waits for `aw` with a deadline of `timeoutSeconds` (null: none). On timeout the inner task is
 * cancelled and awaited, then TimeoutError is raised (Python 3.12 semantics).
 */
export function* waitFor<T>(aw: Awaitable<T>, timeoutSeconds: number | null): Coroutine<T> {
  if (timeoutSeconds !== null && (typeof timeoutSeconds !== "number" || Number.isNaN(timeoutSeconds))) {
    throw new TypeError("waitFor() timeout must be a number of seconds or null");
  }
  const fut = ensureFuture(aw);
  if (timeoutSeconds === null) return yield* fut;
  if (timeoutSeconds <= 0) {
    if (fut.done()) return fut.result();
    fut.cancel();
    yield* waitUntilDone(fut);
    try {
      return fut.result();
    } catch (error) {
      if (error instanceof CancelledError) throw new TimeoutError();
      throw error;
    }
  }
  return yield* timeout(timeoutSeconds, function* () {
    return yield* fut;
  });
}

/** Waits until `fut` is done without raising its outcome (Python's `_cancel_and_wait` core). */
function* waitUntilDone(fut: Future<unknown>): Coroutine<void> {
  if (fut.done()) return;
  const loop = fut._loop;
  const waiter = new Future<void>({ loop });
  const release = (): void => {
    if (!waiter.done()) waiter.setResult(undefined);
  };
  fut.addDoneCallback(release);
  try {
    yield* waiter;
  } finally {
    fut.removeDoneCallback(release);
  }
}

/**
 * Coroutines that give the awaitables' results in the order they complete:
 * `for (const next of asCompleted(tasks)) { const r = yield* next; }`. With a timeout, the
 * coroutines still waiting when it passes raise TimeoutError.
 */
export function* asCompleted<T>(aws: Iterable<Awaitable<T>>, options?: { timeout?: number | null }): Generator<Coroutine<T>, void, unknown> {
  if (aws === null || typeof (aws as Iterable<Awaitable<T>>)[Symbol.iterator] !== "function") throw new TypeError("asCompleted() takes an iterable of awaitables");
  const todo = new Set<Future<T>>();
  for (const aw of aws) todo.add(ensureFuture(aw));
  const limit = options?.timeout ?? null;
  const total = todo.size;
  if (total === 0) return;
  const loop = [...todo][0]!._loop;
  const finished: (Future<T> | null)[] = []; // null marks the timeout
  let wakeup: Future<void> | null = null;
  let timer: { cancel(): void } | null = null;
  const push = (f: Future<T> | null): void => {
    finished.push(f);
    if (wakeup !== null && !wakeup.done()) wakeup.setResult(undefined);
  };
  const onCompletion = (f: Future<T>): void => {
    if (!todo.delete(f)) return;
    push(f);
    if (todo.size === 0) timer?.cancel();
  };
  const onTimeout = (): void => {
    for (const f of todo) f.removeDoneCallback(onCompletion);
    const count = todo.size;
    todo.clear();
    for (let i = 0; i < count; i++) push(null);
  };
  for (const f of todo) f.addDoneCallback(onCompletion);
  if (limit !== null) timer = loop.callLater(limit, onTimeout);
  function* waitForOne(): Coroutine<T> {
    while (finished.length === 0) {
      wakeup = new Future<void>({ loop });
      yield* wakeup;
    }
    const f = finished.shift()!;
    if (f === null) throw new TimeoutError();
    return f.result();
  }
  for (let i = 0; i < total; i++) yield waitForOne();
}

// ---- eager tasks ------------------------------------------------------------------------------

type TaskConstructor = new <T>(coro: Coroutine<T>, options?: TaskOptions) => Task<T>;

/**
 * A task factory whose tasks run their first step at once, synchronously, when the loop is
 * running (Python 3.12). A coroutine that finishes without suspending never touches the loop.
 */
export function createEagerTaskFactory(customTaskConstructor: TaskConstructor = Task) {
  if (typeof customTaskConstructor !== "function") throw new TypeError("createEagerTaskFactory() needs a Task constructor");
  return function eagerFactory<T>(loop: EventLoop, coro: Coroutine<T>, options?: TaskOptions): Task<T> {
    return new customTaskConstructor(coro, { ...options, loop, eagerStart: true });
  };
}

/** `loop.setTaskFactory(asyncio.eagerTaskFactory)` makes every new task eager. */
export const eagerTaskFactory = createEagerTaskFactory(Task);
