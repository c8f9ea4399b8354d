/**
 * Synchronization primitives, as CPython 3.13's asyncio/locks.py: Lock, Event, Condition,
 * Semaphore, BoundedSemaphore, Barrier. None of them is thread-safe (there are no threads); each
 * belongs to the loop that first makes it wait.
 *
 * Python's `async with lock:` is written
 * ```ts
 * yield* lock.acquire();
 * try {
 *   // ... the lock is held ...
 * } finally {
 *   lock.release();
 * }
 * ```
 * or, with the sugar, `yield* lock.withLock(function* () { ... })`.
 *
 * The hot coroutine methods (`Lock.acquire`, `Semaphore.acquire`, `Event.wait`) return a small
 * hand-written coroutine object instead of a generator (see mixins.ts `WaitOp`): uncontended,
 * `yield* lock.acquire()` allocates that one object and no future.
 * @module
 */
import { BrokenBarrierError, CancelledError } from "./errors.js";
import type { Future } from "./futures.js";
import { isCoroutine, type Coroutine } from "./coroutines.js";
import { Deque, LoopBound, WaitOp } from "./mixins.js";

/** What `withLock` needs: Lock, Semaphore and Condition have it. */
interface Holdable {
  acquire(): Coroutine<unknown>;
  release(): void;
}

function checkBody(body: unknown, method: string): void {
  if (typeof body !== "function") throw new TypeError(`${method}() needs a generator function as its body, got ${body === null ? "null" : typeof body}`);
}

/** `async with primitive: return await body()`. */
function* held<R>(primitive: Holdable, body: () => Coroutine<R>): Coroutine<R> {
  yield* primitive.acquire();
  try {
    const coro = body();
    if (!isCoroutine(coro)) throw new TypeError("withLock() body must be a generator function (function* () { ... }), it returned a non-coroutine");
    return yield* coro;
  } finally {
    primitive.release();
  }
}

function waitersSuffix(waiters: Deque<unknown> | null): string {
  return waiters !== null && waiters.length > 0 ? `, waiters:${waiters.length}` : "";
}

// ---- Lock -------------------------------------------------------------------------------------

/**
 * A mutual-exclusion lock with FIFO fairness: tasks get it in the order they asked for it.
 * Not reentrant: a task that holds it and acquires it again waits forever.
 *
 * ```ts
 * const lock = new asyncio.Lock();
 * yield* lock.acquire();
 * try {
 *   // ... critical section ...
 * } finally {
 *   lock.release();
 * }
 * ```
 */
export class Lock extends LoopBound {
  /** @internal Futures of the tasks waiting, in arrival order; created on first contention. */
  _waiters: Deque<Future<boolean>> | null = null;
  /** @internal */
  _locked = false;

  /** Whether the lock is held. */
  locked(): boolean {
    return this._locked;
  }

  /**
   * Waits until the lock is free and takes it; gives true. Uncontended, it finishes without
   * suspending. If the task is cancelled while waiting, even after `release()` chose it, the
   * lock passes to the next waiter: it is never left unlocked with tasks waiting.
   */
  acquire(): Coroutine<true> {
    return new LockAcquire(this) as unknown as Coroutine<true>;
  }

  /**
   * Releases the lock and wakes the first waiter. Any task may release it (asyncio does not
   * track owners); releasing an unlocked lock throws Error "Lock is not acquired.".
   */
  release(): void {
    if (!this._locked) throw new Error("Lock is not acquired.");
    this._locked = false;
    this._wakeUpFirst();
  }

  /**
   * Runs `body` holding the lock, releasing it however the body ends; gives the body's result:
   * `const n = yield* lock.withLock(function* () { ... return 1; })`. Python's `async with lock:`.
   */
  withLock<R>(body: () => Coroutine<R>): Coroutine<R> {
    checkBody(body, "withLock");
    return held(this, body);
  }

  /**
   * @internal Ensures the first waiter will run (CPython's `_wake_up_first`). Only the head is
   * looked at: a head that is done already was woken, or was cancelled and will pass the lock on
   * itself when its task runs.
   */
  _wakeUpFirst(): void {
    const waiters = this._waiters;
    if (waiters === null || waiters.length === 0) return;
    const fut = waiters.peek()!;
    if (!fut.done()) fut.setResult(true);
  }

  override toString(): string {
    return `<${this.constructor.name} [${this._locked ? "locked" : "unlocked"}${waitersSuffix(this._waiters)}]>`;
  }
}

function allCancelled(waiters: Deque<Future<boolean>>): boolean {
  for (let i = 0; i < waiters.length; i++) if (!waiters.at(i).cancelled()) return false;
  return true;
}

/** `Lock.acquire()` (CPython 3.12+ semantics, step for step). */
class LockAcquire extends WaitOp<true> {
  constructor(private readonly _lock: Lock) {
    super();
  }

  protected _start(): IteratorResult<unknown, true> {
    const lock = this._lock;
    const waiters = lock._waiters;
    // Fair: take it only if nobody is queued (or everyone queued was cancelled).
    if (!lock._locked && (waiters === null || waiters.length === 0 || allCancelled(waiters))) {
      lock._locked = true;
      return this._finish(true);
    }
    const fut = lock._getLoop().createFuture<boolean>();
    (lock._waiters ??= new Deque()).push(fut);
    return this._suspend(fut);
  }

  protected _resume(waiter: Future<unknown>): IteratorResult<unknown, true> {
    const lock = this._lock;
    lock._waiters!.remove(waiter as Future<boolean>);
    // Woken by release() (or by a cancelled waiter passing it on): nobody took it meanwhile,
    // because a woken, uncancelled waiter at the head keeps newcomers queued.
    lock._locked = true;
    return this._finish(true);
  }

  protected _abort(waiter: Future<unknown>): void {
    const lock = this._lock;
    lock._waiters!.remove(waiter as Future<boolean>);
    // The lock invariant: if it is not held and tasks wait, the head must be on its way. We may
    // have been that head, woken by release() and then cancelled before running: pass it on.
    // CPython does this for CancelledError only; doing it for any exit is never wrong.
    if (!lock._locked) lock._wakeUpFirst();
  }
}

// ---- Event ------------------------------------------------------------------------------------

/**
 * A flag tasks can wait for: `set()` wakes every waiter, `clear()` resets it.
 */
export class Event extends LoopBound {
  /** @internal Waiters since the last set(); set() hands them off and drops the list. */
  _waiters: Deque<Future<true>> | null = null;
  /** @internal */
  _value = false;

  /** Whether the flag is set (Python's `is_set`). */
  isSet(): boolean {
    return this._value;
  }

  /** Sets the flag and wakes every task waiting; later `wait()` calls finish at once. */
  set(): void {
    if (this._value) return;
    this._value = true;
    const waiters = this._waiters;
    if (waiters === null) return;
    // Every waiter is woken, so the list is dropped rather than emptied one by one as the
    // waiters run (CPython removes each from a deque: O(n^2) for n waiters).
    this._waiters = null;
    for (let i = 0; i < waiters.length; i++) {
      const fut = waiters.at(i);
      if (!fut.done()) fut.setResult(true);
    }
  }

  /** Resets the flag: `wait()` blocks again until the next `set()`. */
  clear(): void {
    this._value = false;
  }

  /** Waits until the flag is set; gives true. Finishes at once when it is set already. */
  wait(): Coroutine<true> {
    return new EventWait(this) as unknown as Coroutine<true>;
  }

  override toString(): string {
    return `<${this.constructor.name} [${this._value ? "set" : "unset"}${waitersSuffix(this._waiters)}]>`;
  }
}

class EventWait extends WaitOp<true> {
  constructor(private readonly _event: Event) {
    super();
  }

  protected _start(): IteratorResult<unknown, true> {
    const event = this._event;
    if (event._value) return this._finish(true);
    const fut = event._getLoop().createFuture<true>();
    (event._waiters ??= new Deque()).push(fut);
    return this._suspend(fut);
  }

  protected _resume(): IteratorResult<unknown, true> {
    // Only set() completes the future, and set() dropped the list it was in.
    return this._finish(true);
  }

  protected _abort(waiter: Future<unknown>): void {
    this._event._waiters?.remove(waiter as Future<true>);
  }
}

// ---- Condition --------------------------------------------------------------------------------

/**
 * A condition variable: tasks holding its lock wait until another task notifies them. The lock
 * is a new Lock, or one shared with other conditions or code: `new Condition(lock)`.
 *
 * ```ts
 * yield* cond.acquire();
 * try {
 *   yield* cond.waitFor(() => items.length > 0);
 *   use(items.shift());
 * } finally {
 *   cond.release();
 * }
 * ```
 */
export class Condition extends LoopBound {
  private readonly _lock: Lock;
  /** Futures of the waiting tasks; each removes its own when it runs again. */
  private readonly _waiters = new Deque<Future<boolean>>();

  /** @param lock the lock to use; a new Lock when omitted or null. */
  constructor(lock?: Lock | null) {
    super();
    if (lock === undefined || lock === null) this._lock = new Lock();
    else if (lock instanceof Lock) this._lock = lock;
    else throw new TypeError(`Condition() takes a Lock or nothing, got ${typeof lock === "object" ? (lock as object).constructor?.name : typeof lock}`);
  }

  /** Whether the underlying lock is held. */
  locked(): boolean {
    return this._lock.locked();
  }

  /** Acquires the underlying lock (see `Lock.acquire`). */
  acquire(): Coroutine<true> {
    return this._lock.acquire();
  }

  /** Releases the underlying lock (see `Lock.release`). */
  release(): void {
    this._lock.release();
  }

  /** Runs `body` holding the underlying lock (see `Lock.withLock`). */
  withLock<R>(body: () => Coroutine<R>): Coroutine<R> {
    checkBody(body, "withLock");
    return held(this, body);
  }

  /**
   * Releases the lock, waits until notified, then re-acquires the lock and gives true. The
   * caller must hold the lock (Error "cannot wait on un-acquired lock" otherwise). The lock is
   * re-acquired however the wait ends, cancellation included, so a `finally { release() }` in
   * the caller stays right. Wakeups may be spurious: re-check the state, or use `waitFor`.
   */
  *wait(): Coroutine<true> {
    if (!this.locked()) throw new Error("cannot wait on un-acquired lock");
    this.release();
    try {
      try {
        const fut = this._getLoop().createFuture<boolean>();
        this._waiters.push(fut);
        try {
          yield* fut;
          return true;
        } finally {
          this._waiters.remove(fut);
        }
      } finally {
        // Re-acquire even if the wait was cancelled. Only CancelledError is retried: another
        // error from acquire() is a bug and must not make this spin.
        let cancelled: CancelledError | null = null;
        for (;;) {
          try {
            yield* this._lock.acquire();
            break;
          } catch (error) {
            if (!(error instanceof CancelledError)) throw error;
            cancelled = error;
          }
        }
        // The latest cancellation wins, as in CPython; `return true` above is overridden.
        if (cancelled !== null) throw cancelled;
      }
    } catch (error) {
      // Whatever ends the wait with an exception may have come after this task was notified:
      // notify another one instead, so the notification is not lost (a spurious wakeup at
      // worst, which condition variables allow).
      this._notify(1);
      throw error;
    }
  }

  /**
   * Waits until `predicate()` is truthy, re-checking it after every wakeup; gives its last
   * value. The caller must hold the lock; the predicate runs with the lock held.
   */
  *waitFor<R>(predicate: () => R): Coroutine<R> {
    if (typeof predicate !== "function") throw new TypeError("waitFor() needs a predicate function");
    let result = predicate();
    while (!result) {
      yield* this.wait();
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` (default 1) waiting tasks; each re-acquires the lock before its `wait()`
   * returns. The caller must hold the lock (Error "cannot notify on un-acquired lock").
   */
  notify(n = 1): void {
    if (typeof n !== "number" || Number.isNaN(n)) throw new TypeError(`notify() count must be a number, got ${typeof n}`);
    if (!this.locked()) throw new Error("cannot notify on un-acquired lock");
    this._notify(n);
  }

  /** Wakes every waiting task (Python's `notify_all`). */
  notifyAll(): void {
    this.notify(this._waiters.length);
  }

  private _notify(n: number): void {
    const waiters = this._waiters;
    let woken = 0;
    for (let i = 0; i < waiters.length && woken < n; i++) {
      const fut = waiters.at(i);
      // Done ones were notified already (or cancelled) and have not run yet: skip them.
      if (!fut.done()) {
        woken++;
        fut.setResult(false);
      }
    }
  }

  override toString(): string {
    return `<${this.constructor.name} [${this.locked() ? "locked" : "unlocked"}${waitersSuffix(this._waiters)}]>`;
  }
}

// ---- Semaphore, BoundedSemaphore --------------------------------------------------------------

function checkCount(value: unknown, what: string): number {
  if (typeof value !== "number") throw new TypeError(`${what} must be a number, got ${value === null ? "null" : typeof value}`);
  if (!Number.isInteger(value)) throw new RangeError(`${what} must be an integer, got ${value}`);
  return value;
}

/**
 * A counter of permits: `acquire()` takes one (waiting while there are none), `release()` gives
 * one back. FIFO-fair: a task never overtakes one queued before it. `new Semaphore(value)`,
 * value >= 0, default 1.
 */
export class Semaphore extends LoopBound {
  /** @internal Futures of waiting tasks; a woken one stays until it runs. */
  _waiters: Deque<Future<boolean>> | null = null;
  /** @internal Free permits, minus those promised to woken tasks that have not run yet. */
  _value: number;

  constructor(value = 1) {
    super();
    checkCount(value, "Semaphore initial value");
    if (value < 0) throw new RangeError("Semaphore initial value must be >= 0");
    this._value = value;
  }

  /** Whether `acquire()` would wait: no permit free, or tasks queued ahead (FIFO). */
  locked(): boolean {
    if (this._value === 0) return true;
    const waiters = this._waiters;
    if (waiters === null) return false;
    for (let i = 0; i < waiters.length; i++) if (!waiters.at(i).cancelled()) return true;
    return false;
  }

  /**
   * Takes a permit, waiting for one if needed; gives true. A task cancelled after `release()`
   * chose it gives the permit on to the next waiter.
   */
  acquire(): Coroutine<true> {
    return new SemaphoreAcquire(this) as unknown as Coroutine<true>;
  }

  /** Gives a permit back, waking the first waiter. */
  release(): void {
    this._value++;
    this._wakeUpNext();
  }

  /** Runs `body` holding a permit (see `Lock.withLock`). */
  withLock<R>(body: () => Coroutine<R>): Coroutine<R> {
    checkBody(body, "withLock");
    return held(this, body);
  }

  /** @internal Wakes the first waiter not yet woken, reserving a permit for it. */
  _wakeUpNext(): boolean {
    const waiters = this._waiters;
    if (waiters === null) return false;
    for (let i = 0; i < waiters.length; i++) {
      const fut = waiters.at(i);
      if (!fut.done()) {
        this._value--;
        fut.setResult(true);
        return true;
      }
    }
    return false;
  }

  /** @internal New waiters may have queued behind FIFO order: wake as many as permits allow. */
  _wakeUpMore(): void {
    while (this._value > 0) if (!this._wakeUpNext()) break;
  }

  override toString(): string {
    const state = this.locked() ? "locked" : `unlocked, value:${this._value}`;
    return `<${this.constructor.name} [${state}${waitersSuffix(this._waiters)}]>`;
  }
}

class SemaphoreAcquire extends WaitOp<true> {
  constructor(private readonly _sem: Semaphore) {
    super();
  }

  protected _start(): IteratorResult<unknown, true> {
    const sem = this._sem;
    if (!sem.locked()) {
      sem._value--;
      return this._finish(true);
    }
    const fut = sem._getLoop().createFuture<boolean>();
    (sem._waiters ??= new Deque()).push(fut);
    return this._suspend(fut);
  }

  protected _resume(waiter: Future<unknown>): IteratorResult<unknown, true> {
    const sem = this._sem;
    sem._waiters!.remove(waiter as Future<boolean>);
    sem._wakeUpMore();
    return this._finish(true);
  }

  protected _abort(waiter: Future<unknown>): void {
    const sem = this._sem;
    sem._waiters!.remove(waiter as Future<boolean>);
    // Woken (a permit was reserved for us) but leaving without it: give it back.
    if (waiter.done() && !waiter.cancelled()) sem._value++;
    sem._wakeUpMore();
  }
}

/**
 * A Semaphore that refuses to be released above its initial value: RangeError "BoundedSemaphore
 * released too many times" (a release without a matching acquire is a bug).
 */
export class BoundedSemaphore extends Semaphore {
  private readonly _boundValue: number;

  constructor(value = 1) {
    super(value);
    this._boundValue = value;
  }

  override release(): void {
    if (this._value >= this._boundValue) throw new RangeError("BoundedSemaphore released too many times");
    super.release();
  }
}

// ---- Barrier ----------------------------------------------------------------------------------

const FILLING = "filling";
const DRAINING = "draining";
const RESETTING = "resetting";
const BROKEN = "broken";
type BarrierState = typeof FILLING | typeof DRAINING | typeof RESETTING | typeof BROKEN;

/**
 * Blocks tasks until `parties` of them wait on it, then lets them all through (and fills again
 * for the next round). `wait()` gives each task its arrival index, 0 to parties - 1. `reset()`
 * and `abort()` make current waiters raise BrokenBarrierError; after `abort()` every `wait()`
 * raises it until `reset()`.
 */
export class Barrier extends LoopBound {
  private readonly _cond = new Condition();
  private readonly _parties: number;
  private _state: BarrierState = FILLING;
  /** Tasks inside wait(): arrived and not yet left. */
  private _count = 0;

  constructor(parties: number) {
    super();
    checkCount(parties, "Barrier parties");
    if (parties < 1) throw new RangeError("parties must be >= 1");
    this._parties = parties;
  }

  /**
   * Waits until `parties` tasks are waiting; gives this task's arrival index. Raises
   * BrokenBarrierError if the barrier is broken or reset while waiting, or broken on arrival.
   */
  *wait(): Coroutine<number> {
    const cond = this._cond;
    yield* cond.acquire();
    try {
      yield* this._block();
      try {
        const index = this._count++;
        if (index + 1 === this._parties) this._release();
        else yield* this._wait();
        return index;
      } finally {
        this._count--;
        this._exit();
      }
    } finally {
      cond.release();
    }
  }

  /** Waits while the barrier drains or resets; raises if it is broken. */
  private *_block(): Coroutine<void> {
    yield* this._cond.waitFor(() => this._state !== DRAINING && this._state !== RESETTING);
    if (this._state === BROKEN) throw new BrokenBarrierError("Barrier aborted");
  }

  /** The last party arrived: let everyone through. */
  private _release(): void {
    this._state = DRAINING;
    this._cond.notifyAll();
  }

  /** Waits for the last party; raises if the barrier is reset or broken meanwhile. */
  private *_wait(): Coroutine<void> {
    yield* this._cond.waitFor(() => this._state !== FILLING);
    if (this._state === BROKEN || this._state === RESETTING) throw new BrokenBarrierError("Abort or reset of barrier");
  }

  /** The last task out of a drain or reset lets the barrier fill again. */
  private _exit(): void {
    if (this._count === 0) {
      if (this._state === RESETTING || this._state === DRAINING) this._state = FILLING;
      this._cond.notifyAll();
    }
  }

  /**
   * Returns the barrier to its empty state. Tasks waiting in it raise BrokenBarrierError; a
   * broken barrier becomes usable again.
   */
  *reset(): Coroutine<void> {
    const cond = this._cond;
    yield* cond.acquire();
    try {
      if (this._count > 0) {
        if (this._state !== RESETTING) this._state = RESETTING;
      } else {
        this._state = FILLING;
      }
      cond.notifyAll();
    } finally {
      cond.release();
    }
  }

  /** Breaks the barrier: waiting and future `wait()` calls raise BrokenBarrierError. */
  *abort(): Coroutine<void> {
    const cond = this._cond;
    yield* cond.acquire();
    try {
      this._state = BROKEN;
      cond.notifyAll();
    } finally {
      cond.release();
    }
  }

  /** Tasks needed to pass the barrier. */
  get parties(): number {
    return this._parties;
  }

  /** Tasks waiting for the barrier to fill (0 while it drains or resets). */
  get nWaiting(): number {
    return this._state === FILLING ? this._count : 0;
  }

  /** Whether the barrier is broken (aborted). */
  get broken(): boolean {
    return this._state === BROKEN;
  }

  override toString(): string {
    const waiting = this._state === BROKEN ? "" : `, waiters:${this.nWaiting}/${this._parties}`;
    return `<${this.constructor.name} [${this._state}${waiting}]>`;
  }
}
