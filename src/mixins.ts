/**
 * Internals shared by the synchronization primitives (locks.ts) and the queues (queues.ts):
 * binding to a loop on first use (CPython's `mixins._LoopBoundMixin`), the ring-buffer deque
 * that holds waiters and queue items, and `WaitOp`, the hand-written coroutine object behind the
 * hot coroutine methods (`Lock.acquire`, `Semaphore.acquire`, `Event.wait`, `Queue.get`,
 * `Queue.put`). Nothing here is part of the public API.
 * @module
 */
import type { Future } from "./futures.js";
import type { EventLoop } from "./loop.js";
import { getRunningLoop } from "./running.js";

/**
 * CPython's `_LoopBoundMixin`: a primitive belongs to the loop that first makes it wait, not to
 * the loop current when it was constructed, so it can be created at module level before any loop
 * runs. Only the blocking paths ask for the loop; the fast paths never need it.
 * @internal
 */
export abstract class LoopBound {
  private _boundLoop: EventLoop | null = null;

  /** @internal The running loop, which must be the one this object is bound to. */
  _getLoop(): EventLoop {
    const loop = getRunningLoop();
    const bound = this._boundLoop;
    if (bound === null) this._boundLoop = loop;
    else if (bound !== loop) throw new Error(`${this} is bound to a different event loop`);
    return loop;
  }
}

const MIN_CAPACITY = 8;
/** Below this capacity a deque never shrinks: small rings are cheaper to keep than to resize. */
const SHRINK_FLOOR = 64;

/**
 * A FIFO on a power-of-two ring: push/shift in O(1) amortized, without
 * `Array.prototype.shift`'s O(n) moves on large arrays. Removal from the middle (a cancelled
 * waiter) is O(n), as `collections.deque.remove` is. Shrinks when a burst drains, so a queue that
 * once held a million items does not keep the memory.
 * @internal
 */
export class Deque<T> {
  private _buf: (T | undefined)[];
  private _head = 0;
  private _size = 0;
  private _mask: number;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this._buf = new Array<T | undefined>(cap).fill(undefined);
    this._mask = cap - 1;
  }

  get length(): number {
    return this._size;
  }

  push(item: T): void {
    if (this._size === this._buf.length) this._resize(this._buf.length * 2);
    this._buf[(this._head + this._size) & this._mask] = item;
    this._size++;
  }

  /** The first item, or undefined when empty. */
  peek(): T | undefined {
    return this._size === 0 ? undefined : this._buf[this._head];
  }

  /** The item at position `i` from the front (0 <= i < length). */
  at(i: number): T {
    return this._buf[(this._head + i) & this._mask] as T;
  }

  shift(): T | undefined {
    if (this._size === 0) return undefined;
    const buf = this._buf;
    const head = this._head;
    const item = buf[head];
    buf[head] = undefined; // let the item go
    this._head = (head + 1) & this._mask;
    if (--this._size < buf.length >>> 2 && buf.length > SHRINK_FLOOR) this._resize(buf.length >>> 1);
    return item;
  }

  /** Removes the first occurrence of `item`; false when absent. O(1) at the front. */
  remove(item: T): boolean {
    const size = this._size;
    if (size === 0) return false;
    const buf = this._buf;
    const mask = this._mask;
    const head = this._head;
    if (buf[head] === item) {
      this.shift();
      return true;
    }
    for (let i = 1; i < size; i++) {
      if (buf[(head + i) & mask] === item) {
        // Close the gap by moving the tail side left by one.
        for (let j = i; j < size - 1; j++) buf[(head + j) & mask] = buf[(head + j + 1) & mask];
        buf[(head + size - 1) & mask] = undefined;
        this._size = size - 1;
        return true;
      }
    }
    return false;
  }

  private _resize(capacity: number): void {
    const cap = Math.max(capacity, MIN_CAPACITY);
    const next = new Array<T | undefined>(cap).fill(undefined);
    for (let i = 0; i < this._size; i++) next[i] = this._buf[(this._head + i) & this._mask];
    this._buf = next;
    this._head = 0;
    this._mask = cap - 1;
  }
}

const START = 0;
const WAITING = 1;
const FINISHED = 2;
type OpState = typeof START | typeof WAITING | typeof FINISHED;

const EXHAUSTED: IteratorResult<unknown, never> = Object.freeze({ value: undefined as never, done: true });

/**
 * A coroutine object written by hand: what a coroutine method of a primitive returns instead of
 * a generator. On the fast path (lock free, item there, room in the queue) its first `next`
 * finishes at once, so `yield* lock.acquire()` allocates this one object and nothing else; on
 * the slow path it yields a waiter future to the driving Task, like `yield* fut`, and is resumed
 * with the future done. It is lazy, like a coroutine: nothing happens until the first `next`
 * (`createTask(queue.get())` takes its item when the task first runs), and each call returns a
 * new object, so two calls are never mistaken for one (gather runs a repeated coroutine once).
 *
 * It is also its own IteratorResult (as futures.ts's FutureAwait is), saving one allocation per
 * step; `yield*` and Task read `value`/`done` at once and never keep the result object.
 *
 * Subclasses provide three steps: `_start` (first `next`), `_resume` (the waiter finished
 * normally) and `_abort` (an exception, e.g. CancelledError, arrived while waiting, or the
 * coroutine is being closed: undo what waiting set up; the exception is then re-raised). The
 * protocol follows a generator's: an exception from a step finishes the coroutine; `throw`
 * before the start finishes it without running; `return` while waiting runs `_abort`.
 * @internal
 */
export abstract class WaitOp<T> {
  /** IteratorResult field. */
  value: unknown = undefined;
  /** IteratorResult field. */
  done = false;
  private _opState: OpState = START;
  private _waiter: Future<unknown> | null = null;

  /** First step: `_finish(result)` at once, or `_suspend(future)`. */
  protected abstract _start(): IteratorResult<unknown, T>;
  /** The waiter future completed (not cancelled): `_finish` or `_suspend` again. */
  protected abstract _resume(waiter: Future<unknown>): IteratorResult<unknown, T>;
  /**
   * Leaving while suspended on `waiter` (pending, cancelled, or completed by a wakeup that will
   * not be used): restore the primitive's invariants. `error` is what will be raised, undefined
   * when the coroutine is closed by `return()`.
   */
  protected abstract _abort(waiter: Future<unknown>, error: unknown): void;

  protected _finish(result: T): IteratorResult<unknown, T> {
    this.value = result;
    this.done = true;
    return this as IteratorResult<unknown, T>;
  }

  protected _suspend(waiter: Future<unknown>): IteratorResult<unknown, T> {
    this._waiter = waiter;
    this._opState = WAITING;
    this.value = waiter;
    this.done = false;
    return this as IteratorResult<unknown, T>;
  }

  next(_sent?: unknown): IteratorResult<unknown, T> {
    const state = this._opState;
    if (state === START) {
      // Finished unless the step suspends: an exception from it ends the coroutine.
      this._opState = FINISHED;
      return this._start();
    }
    if (state === WAITING) {
      const waiter = this._waiter!;
      if (!waiter.done()) return this._fail(new Error("await wasn't used with future (a coroutine was resumed before its future was done)"));
      if (waiter.cancelled()) return this._fail(waiter._makeCancelledError());
      this._opState = FINISHED;
      this._waiter = null;
      this.value = undefined;
      return this._resume(waiter);
    }
    return EXHAUSTED as IteratorResult<unknown, T>;
  }

  throw(error: unknown): IteratorResult<unknown, T> {
    if (this._opState === WAITING) return this._fail(error);
    this._opState = FINISHED;
    throw error;
  }

  return(value?: T): IteratorResult<unknown, T> {
    if (this._opState === WAITING) {
      const waiter = this._waiter!;
      this._opState = FINISHED;
      this._waiter = null;
      this.value = undefined;
      this._abort(waiter, undefined);
    }
    this._opState = FINISHED;
    return { value: value as T, done: true };
  }

  [Symbol.iterator](): this {
    return this;
  }

  private _fail(error: unknown): never {
    const waiter = this._waiter!;
    this._opState = FINISHED;
    this._waiter = null;
    this.value = undefined;
    this._abort(waiter, error);
    throw error;
  }
}
