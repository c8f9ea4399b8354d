/**
 * Timeout: Python 3.11's `asyncio.timeout()`. When the deadline passes, the task running the body
 * is cancelled, and that cancellation leaves the body as TimeoutError. Nesting works because the
 * exit compares the task's `cancelling()` count with the count at entry (`uncancel`): only the
 * timeout that fired converts its own cancellation.
 * The timer is one `callAt` handle, not an extra task.
 * @module
 */
import { CancelledError, TimeoutError } from "./errors.js";
import type { TimerHandle, Handle } from "./handles.js";
import { isCoroutine, notACoroutine, type Coroutine } from "./coroutines.js";
import type { EventLoop } from "./loop.js";
import { getRunningLoop } from "./running.js";
import type { Task } from "./tasks.js";

const CREATED = 0;
const ENTERED = 1;
const EXPIRING = 2;
const EXPIRED = 3;
const EXITED = 4;
const STATE_NAMES = ["created", "active", "expiring", "expired", "finished"];

export class Timeout {
  private _state = CREATED;
  private _when: number | null;
  private _handle: Handle | TimerHandle | null = null;
  private _task: Task<unknown> | null = null;
  private _loop: EventLoop | null = null;
  private _cancelling = 0;

  /** @param when loop time of the deadline (seconds), or null for none. */
  constructor(when: number | null) {
    this._when = checkWhen(when);
  }

  /** The deadline (loop time, seconds), or null. */
  when(): number | null {
    return this._when;
  }

  /** Moves the deadline (null: none). Only while the body runs. */
  reschedule(when: number | null): void {
    checkWhen(when);
    if (this._state !== ENTERED) {
      if (this._state === CREATED) throw new Error("Timeout has not been entered");
      throw new Error(`Cannot change state of ${STATE_NAMES[this._state]} Timeout`);
    }
    this._when = when;
    this._handle?.cancel();
    this._handle = null;
    if (when === null) return;
    const loop = this._loop!;
    this._handle = when <= loop.time() ? loop.callSoon(this._onTimeout) : loop.callAt(when, this._onTimeout);
  }

  /** Whether the deadline passed (and the body was cancelled for it). */
  expired(): boolean {
    return this._state === EXPIRING || this._state === EXPIRED;
  }

  /** @internal */
  _enter(): void {
    if (this._state !== CREATED) throw new Error("Timeout has already been entered");
    const loop = getRunningLoop();
    const task = loop._currentTask;
    if (task === null) throw new Error("Timeout should be used inside a task");
    this._loop = loop;
    this._task = task;
    this._cancelling = task.cancelling();
    this._state = ENTERED;
    this.reschedule(this._when);
  }

  /** @internal Returns the error to raise in place of `error` (or `error` itself). */
  _exit(error: unknown, failed: boolean): unknown {
    if (this._state !== ENTERED && this._state !== EXPIRING) throw new Error(`Timeout is ${STATE_NAMES[this._state]}`);
    this._handle?.cancel();
    this._handle = null;
    if (this._state === EXPIRING) {
      this._state = EXPIRED;
      if (this._task!.uncancel() <= this._cancelling && failed && error instanceof CancelledError) {
        const timeoutError = new TimeoutError();
        (timeoutError as Error & { cause?: unknown }).cause = error;
        return timeoutError;
      }
    } else {
      this._state = EXITED;
    }
    return error;
  }

  private readonly _onTimeout = (): void => {
    this._task!.cancel();
    this._state = EXPIRING;
    this._handle = null;
  };

  toString(): string {
    return `<Timeout [${STATE_NAMES[this._state]}] when=${this._when}>`;
  }
}

function checkWhen(when: unknown): number | null {
  if (when !== null && (typeof when !== "number" || Number.isNaN(when))) throw new TypeError("a timeout deadline must be a number of seconds or null");
  return when as number | null;
}

/**
 * Runs `body` with a deadline `delay` seconds away (null: none); past it the body is cancelled
 * and TimeoutError raised. `body` receives the Timeout (`when`, `reschedule`, `expired`).
 *
 * ```ts
 * const data = yield* asyncio.timeout(1, function* (cm) { return yield* reader.read(100); });
 * ```
 */
export function timeout<T>(delay: number | null, body: (cm: Timeout) => Coroutine<T>): Coroutine<T> {
  if (delay !== null && (typeof delay !== "number" || Number.isNaN(delay))) throw new TypeError("timeout() delay must be a number of seconds or null");
  checkBody(body);
  return runWithTimeout(delay, null, body);
}

/** Like {@link timeout} with an absolute deadline in loop time (`loop.time()`). */
export function timeoutAt<T>(when: number | null, body: (cm: Timeout) => Coroutine<T>): Coroutine<T> {
  checkBody(body);
  return runWithTimeout(null, new Timeout(when), body);
}

function checkBody(body: unknown): void {
  if (typeof body !== "function") throw new TypeError("timeout() needs a body: a generator function receiving the Timeout");
}

/** The deadline of a relative timeout counts from when the coroutine starts (at `yield*`). */
function* runWithTimeout<T>(delay: number | null, given: Timeout | null, body: (cm: Timeout) => Coroutine<T>): Coroutine<T> {
  const cm = given ?? new Timeout(delay === null ? null : getRunningLoop().time() + delay);
  cm._enter();
  let result: T;
  try {
    const coro = body(cm);
    if (!isCoroutine(coro)) throw notACoroutine("timeout()", coro);
    result = yield* coro;
  } catch (error) {
    throw cm._exit(error, true);
  }
  cm._exit(undefined, false);
  return result;
}
