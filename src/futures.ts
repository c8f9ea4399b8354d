/**
 * Future: asyncio's Future. Done callbacks always run through the loop, never synchronously.
 * `yield* fut` suspends the task until the future is done, then gives its result (or throws its
 * exception, or CancelledError), exactly as Python's `Future.__await__`. Futures are also
 * PromiseLike, so native async code can `await` them.
 * @module
 */
import { CancelledError, InvalidStateError } from "./errors.js";
import { Handle } from "./handles.js";
import type { EventLoop } from "./loop.js";
import { _currentLoop } from "./running.js";
import { logger } from "./log.js";

const PENDING = 0;
const FINISHED = 1;
const CANCELLED = 2;
type State = typeof PENDING | typeof FINISHED | typeof CANCELLED;
const STATE_NAMES = ["PENDING", "FINISHED", "CANCELLED"] as const;

/** A done callback receives the future (Python's `add_done_callback(fn)`). */
export type DoneCallback<F> = (future: F) => void;

/** @internal Something woken by a future without a Handle per wakeup: a Task. */
export interface Waiter {
  _wakeup(future: Future<unknown>): void;
}
type Callback = DoneCallback<never> | Waiter;

export interface FutureOptions {
  /** The loop; defaults to the running loop, else the policy's current loop. */
  loop?: EventLoop;
}

interface UnretrievedReport {
  readonly loop: EventLoop;
  readonly kind: string;
  readonly exception: unknown;
  readonly what: string;
  readonly sourceTraceback: string | undefined;
}

/** Reports exceptions that nobody retrieved, when their future is garbage-collected. */
const unretrieved = new FinalizationRegistry<UnretrievedReport>((report) => {
  const context = {
    message: `${report.kind} exception was never retrieved`,
    exception: report.exception,
    future: undefined,
    [report.kind === "Task" ? "task" : "future"]: report.what,
    ...(report.sourceTraceback !== undefined ? { sourceTraceback: report.sourceTraceback } : {}),
  };
  try {
    if (report.loop.isClosed()) report.loop.defaultExceptionHandler(context);
    else report.loop.callExceptionHandler(context);
  } catch (error) {
    logger.error("wasyncio: failed to report an unretrieved exception", error);
  }
});

/**
 * The iterator behind `yield* future` (Python's `Future.__await__`): yields the future once, and
 * when resumed gives its result. It doubles as its own IteratorResult to allocate nothing more.
 * A second `next` while the future is still pending is a misuse (e.g. spreading a future) and
 * throws, as Python's does, instead of yielding forever.
 */
class FutureAwait<T> implements Iterator<unknown, T, unknown> {
  value: unknown = undefined;
  done = false;
  private started = false;
  constructor(private readonly future: Future<T>) {}
  next(): IteratorResult<unknown, T> {
    const future = this.future;
    if (future._state === PENDING) {
      if (this.started) throw new Error("await wasn't used with future (a Future is awaited with yield* inside a task)");
      this.started = true;
      this.value = future;
      this.done = false;
    } else {
      this.value = future.result();
      this.done = true;
    }
    return this as IteratorResult<unknown, T>;
  }
  throw(error: unknown): IteratorResult<unknown, T> {
    throw error;
  }
  return(value?: T): IteratorResult<unknown, T> {
    return { value: value as T, done: true };
  }
}

export class Future<T = unknown> implements PromiseLike<T>, Iterable<unknown, T, unknown> {
  /** @internal */ _state: State = PENDING;
  /** @internal */ _result: T | undefined = undefined;
  /** @internal */ _exception: unknown = undefined;
  /** @internal */ _hasException = false;
  /** @internal */ readonly _loop: EventLoop;
  /** @internal */ _cancelMessage: string | null = null;
  /** @internal */ _cancelledError: CancelledError | null = null;
  /** @internal */ _sourceTraceback: string | undefined;
  // The first callback has its own slot: most futures have exactly one (the awaiting task).
  private _callback0: Callback | null = null;
  private _callbacks: Callback[] | null = null;
  private _awaiter: FutureAwait<T> | null = null;
  private _logTraceback = false;

  constructor(options?: FutureOptions) {
    const loop = options?.loop;
    this._loop = loop ?? _currentLoop();
    if (this._loop._debug) this._sourceTraceback = new Error().stack?.split("\n").slice(2).join("\n");
  }

  getLoop(): EventLoop {
    return this._loop;
  }

  done(): boolean {
    return this._state !== PENDING;
  }

  cancelled(): boolean {
    return this._state === CANCELLED;
  }

  /** The result; throws the exception, CancelledError, or InvalidStateError when not done. */
  result(): T {
    if (this._state === CANCELLED) throw this._makeCancelledError();
    if (this._state !== FINISHED) throw new InvalidStateError("Result is not set.");
    this._retrieved();
    if (this._hasException) throw this._exception;
    return this._result as T;
  }

  /** The exception, or null; throws CancelledError, or InvalidStateError when not done. */
  exception(): unknown {
    if (this._state === CANCELLED) throw this._makeCancelledError();
    if (this._state !== FINISHED) throw new InvalidStateError("Exception is not set.");
    this._retrieved();
    return this._hasException ? this._exception : null;
  }

  setResult(result: T): void {
    if (this._state !== PENDING) throw new InvalidStateError(`${STATE_NAMES[this._state]}: ${this}`);
    this._result = result;
    this._state = FINISHED;
    this._scheduleCallbacks();
  }

  setException(exception: unknown): void {
    if (this._state !== PENDING) throw new InvalidStateError(`${STATE_NAMES[this._state]}: ${this}`);
    if (exception === undefined || exception === null) throw new TypeError("setException() needs an exception, got " + exception);
    this._exception = exception;
    this._hasException = true;
    this._state = FINISHED;
    this._logTraceback = true;
    // V8 formats stacks lazily and keeps the frames' receivers (this future) until then; the
    // registry holds the exception strongly, so format now or the future is never collected.
    if (exception instanceof Error) void exception.stack;
    unretrieved.register(this, this._unretrievedReport(exception), this);
    this._scheduleCallbacks();
  }

  /** Cancels the future; false when it was already done. `msg` travels in the CancelledError. */
  cancel(msg?: string | null): boolean {
    this._logTraceback = false;
    if (this._state !== PENDING) return false;
    this._state = CANCELLED;
    this._cancelMessage = msg ?? null;
    this._scheduleCallbacks();
    return true;
  }

  /** Calls `callback(future)` through the loop once the future is done (at once if it is). */
  addDoneCallback(callback: DoneCallback<this>): void {
    if (typeof callback !== "function") throw new TypeError("addDoneCallback() needs a function");
    this._addCallback(callback as DoneCallback<never>);
  }

  /** Removes every registration of `callback`; returns how many were removed. */
  removeDoneCallback(callback: DoneCallback<this>): number {
    let removed = 0;
    if (this._callback0 === callback) {
      this._callback0 = null;
      removed++;
    }
    const list = this._callbacks;
    if (list !== null) {
      const kept = list.filter((cb) => cb !== callback);
      removed += list.length - kept.length;
      this._callbacks = kept.length > 0 ? kept : null;
    }
    return removed;
  }

  /** @internal Registers a task (or a done callback) to wake when done. */
  _addCallback(callback: Callback): void {
    if (this._state !== PENDING) {
      this._runCallback(callback);
    } else if (this._callback0 === null && this._callbacks === null) {
      this._callback0 = callback;
    } else {
      (this._callbacks ??= []).push(callback);
    }
  }

  /** @internal */
  _removeWaiter(waiter: Waiter): void {
    if (this._callback0 === waiter) this._callback0 = null;
    else if (this._callbacks !== null) {
      const i = this._callbacks.indexOf(waiter);
      if (i >= 0) this._callbacks.splice(i, 1);
    }
  }

  private _scheduleCallbacks(): void {
    const first = this._callback0;
    const rest = this._callbacks;
    this._callback0 = null;
    this._callbacks = null;
    if (first !== null) this._runCallback(first);
    if (rest !== null) for (const cb of rest) this._runCallback(cb);
  }

  private _runCallback(callback: Callback): void {
    if (typeof callback === "function") this._loop._schedule(new Handle([callback, this], this._loop));
    else callback._wakeup(this);
  }

  /** @internal The CancelledError to raise, created once so every awaiter sees the same one. */
  _makeCancelledError(): CancelledError {
    return (this._cancelledError ??= new CancelledError(this._cancelMessage));
  }

  private _retrieved(): void {
    if (this._logTraceback) {
      this._logTraceback = false;
      unretrieved.unregister(this);
    }
  }

  /** @internal */
  _unretrievedReport(exception: unknown): UnretrievedReport {
    return { loop: this._loop, kind: "Future", exception, what: String(this), sourceTraceback: this._sourceTraceback };
  }

  /** @internal Marks the exception retrieved (used when a wrapper re-raises it). */
  _markRetrieved(): void {
    this._retrieved();
  }

  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    // A done future never suspends, so its iterator holds no state and is shared.
    return this._state === PENDING ? new FutureAwait(this) : (this._awaiter ??= new FutureAwait(this));
  }

  /** Lets native async code `await` the future; callbacks run on the loop. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return new Promise<T>((resolve, reject) => {
      this._addCallback((() => {
        try {
          resolve(this.result());
        } catch (error) {
          reject(error);
        }
      }) as DoneCallback<never>);
    }).then(onFulfilled, onRejected);
  }

  toString(): string {
    const state = STATE_NAMES[this._state].toLowerCase();
    let detail = "";
    if (this._state === FINISHED) detail = this._hasException ? ` exception=${String(this._exception)}` : ` result=${describeValue(this._result)}`;
    return `<${this.constructor.name} ${state}${detail}>`;
  }
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 37) + "..." : value);
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? `Array(${value.length})` : (value.constructor?.name ?? "Object");
}

/** Whether `value` is a wasyncio Future (or Task). */
export function isFuture(value: unknown): value is Future<unknown> {
  return value instanceof Future;
}

/** Sets `fut`'s result unless it was cancelled meanwhile (used by sleep and friends). @internal */
export function _setResultUnlessCancelled<T>(fut: Future<T>, result: T): void {
  if (fut._state === PENDING) fut.setResult(result);
}
