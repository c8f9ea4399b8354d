/**
 * Queues for coordinating producer and consumer tasks, as CPython 3.13's asyncio/queues.py:
 * Queue (FIFO), PriorityQueue (lowest first), LifoQueue (last in, first out), with `shutdown()`.
 *
 * A blocked `get()` waits on a future that `put` completes; the woken task then takes an item
 * from the queue itself (items are never handed to a task), so a getter cancelled after it was
 * woken leaves the item in the queue and wakes the next getter instead. Likewise a `put()` adds
 * its item only when it finishes, so a cancelled put never inserts it.
 *
 * `get()` and `put()` return a small hand-written coroutine object (see mixins.ts `WaitOp`):
 * on a non-empty (non-full) queue, `yield* queue.get()` allocates that one object, no future
 * and no generator.
 * @module
 */
import { QueueEmpty, QueueFull, QueueShutDown } from "./errors.js";
import type { Future } from "./futures.js";
import type { Coroutine } from "./coroutines.js";
import { Event } from "./locks.js";
import { Deque, LoopBound, WaitOp } from "./mixins.js";

/**
 * A first-in, first-out queue. `new Queue(maxsize)`: with maxsize <= 0 (the default) it is
 * unbounded; otherwise `put()` waits while `maxsize` items are in it.
 *
 * ```ts
 * const queue = new asyncio.Queue<string>(100);
 * yield* queue.put("job");          // waits while full
 * const job = yield* queue.get();   // waits while empty
 * queue.taskDone();                 // lets join() know the job was handled
 * ```
 *
 * Subclasses can change the storage by overriding the protected `_init`, `_put`, `_get` and
 * `_qsize` (CPython's overridable trio, plus the size).
 */
export class Queue<T = unknown> extends LoopBound {
  private readonly _maxsize: number;
  /** @internal Futures of tasks waiting to get; a woken one is taken off the deque. */
  readonly _getters = new Deque<Future<void>>();
  /** @internal Futures of tasks waiting to put; a woken one is taken off the deque. */
  readonly _putters = new Deque<Future<void>>();
  private _unfinishedTasks = 0;
  private readonly _finished = new Event();
  /** @internal */
  _isShutdown = false;
  // `declare`: set by _init() during construction, so no field initializer may reset it.
  declare private _queue: Deque<T>;

  constructor(maxsize = 0) {
    super();
    if (typeof maxsize !== "number" || Number.isNaN(maxsize)) {
      throw new TypeError(`Queue maxsize must be a number, got ${maxsize === null ? "null" : typeof maxsize === "number" ? "NaN" : typeof maxsize}`);
    }
    this._maxsize = maxsize;
    this._finished.set();
    this._init(maxsize);
  }

  // ---- storage: overridable in subclasses ---------------------------------------------------

  /**
   * Creates the storage; called by the Queue constructor. It runs before a subclass's field
   * initializers, so a subclass keeps its storage in fields declared with `declare`.
   */
  protected _init(_maxsize: number): void {
    this._queue = new Deque<T>();
  }

  /** Adds an item to the storage. An exception leaves the queue unchanged. */
  protected _put(item: T): void {
    this._queue.push(item);
  }

  /** Removes the next item from the (non-empty) storage. */
  protected _get(): T {
    return this._queue.shift() as T;
  }

  /** How many items the storage holds. */
  protected _qsize(): number {
    return this._queue.length;
  }

  // ---- public API -------------------------------------------------------------------------

  /** Number of items in the queue. */
  qsize(): number {
    return this._qsize();
  }

  /** Number of items allowed in the queue (<= 0: unbounded). */
  get maxsize(): number {
    return this._maxsize;
  }

  /** Whether the queue is empty. */
  empty(): boolean {
    return this._qsize() === 0;
  }

  /** Whether the queue holds `maxsize` items; never true for an unbounded queue. */
  full(): boolean {
    return this._maxsize > 0 && this._qsize() >= this._maxsize;
  }

  /**
   * Puts `item` in the queue, waiting while it is full. Raises QueueShutDown if the queue is
   * shut down (also when that happens while waiting). If cancelled, the item is not added.
   */
  put(item: T): Coroutine<void> {
    return new QueuePut(this, item) as unknown as Coroutine<void>;
  }

  /** Puts `item` in the queue at once, or raises QueueFull (or QueueShutDown). */
  putNowait(item: T): void {
    if (this._isShutdown) throw new QueueShutDown("Queue is shut down");
    if (this.full()) throw new QueueFull(`Queue is full (maxsize=${this._maxsize})`);
    this._put(item);
    this._unfinishedTasks++;
    this._finished.clear();
    wakeupNext(this._getters);
  }

  /**
   * Removes and gives the next item, waiting while the queue is empty. Raises QueueShutDown once
   * the queue is shut down and empty (at once after an immediate shutdown). If cancelled, no
   * item is taken.
   */
  get(): Coroutine<T> {
    return new QueueGet(this) as unknown as Coroutine<T>;
  }

  /** Removes and gives the next item at once, or raises QueueEmpty (QueueShutDown once shut down). */
  getNowait(): T {
    if (this._qsize() === 0) {
      if (this._isShutdown) throw new QueueShutDown("Queue is shut down");
      throw new QueueEmpty("Queue is empty");
    }
    const item = this._get();
    wakeupNext(this._putters);
    return item;
  }

  /**
   * Marks one item got earlier as processed (Python's `task_done`); when every item put has
   * been marked, `join()` returns. Called more times than items were put: RangeError.
   */
  taskDone(): void {
    if (this._unfinishedTasks <= 0) throw new RangeError("task_done() called too many times");
    if (--this._unfinishedTasks === 0) this._finished.set();
  }

  /** Waits until every item put in the queue was got and marked with `taskDone()`. */
  *join(): Coroutine<void> {
    if (this._unfinishedTasks > 0) yield* this._finished.wait();
  }

  /**
   * Shuts the queue down (Python 3.13): `put` and `putNowait` raise QueueShutDown from now on,
   * `get` and `getNowait` raise it once the queue is empty, and every blocked `put`/`get` is
   * woken to re-check (blocked ones raise it). With `immediate`, the queue is emptied first and
   * each dropped item counts as done, which may release `join()`.
   */
  shutdown(immediate = false): void {
    this._isShutdown = true;
    if (immediate) {
      while (this._qsize() > 0) {
        this._get();
        if (this._unfinishedTasks > 0) this._unfinishedTasks--;
      }
      if (this._unfinishedTasks === 0) this._finished.set();
    }
    for (let fut = this._getters.shift(); fut !== undefined; fut = this._getters.shift()) {
      if (!fut.done()) fut.setResult(undefined);
    }
    for (let fut = this._putters.shift(); fut !== undefined; fut = this._putters.shift()) {
      if (!fut.done()) fut.setResult(undefined);
    }
  }

  override toString(): string {
    let detail = `maxsize=${this._maxsize} size=${this._qsize()}`;
    if (this._getters.length > 0) detail += ` getters[${this._getters.length}]`;
    if (this._putters.length > 0) detail += ` putters[${this._putters.length}]`;
    if (this._unfinishedTasks > 0) detail += ` tasks=${this._unfinishedTasks}`;
    if (this._isShutdown) detail += " shutdown";
    return `<${this.constructor.name} ${detail}>`;
  }
}

/** Wakes the first waiter that is not cancelled, taking it off the deque. */
function wakeupNext(waiters: Deque<Future<void>>): void {
  while (waiters.length > 0) {
    const fut = waiters.shift()!;
    if (!fut.done()) {
      fut.setResult(undefined);
      return;
    }
  }
}

/**
 * Leaving a put/get wait early (CPython's `except:` clause): a future still queued is taken off
 * the deque; one that a wakeup took off and completed was a turn we will not use, so the next
 * waiter gets it if the condition still holds.
 */
function leaveWait(waiter: Future<void>, waiters: Deque<Future<void>>, stillPossible: boolean): void {
  if (waiter.done() && !waiter.cancelled()) {
    if (stillPossible) wakeupNext(waiters);
  } else {
    waiter.cancel(); // no-op unless still pending (closed by return() or a foreign throw())
    waiters.remove(waiter);
  }
}

/** `Queue.get()`. */
class QueueGet<T> extends WaitOp<T> {
  constructor(private readonly _queue: Queue<T>) {
    super();
  }

  protected _start(): IteratorResult<unknown, T> {
    return this._attempt();
  }

  protected _resume(): IteratorResult<unknown, T> {
    // Woken by a put or a shutdown; another task may have taken the item meanwhile: re-check.
    return this._attempt();
  }

  private _attempt(): IteratorResult<unknown, T> {
    const queue = this._queue;
    if (queue.empty()) {
      if (queue._isShutdown) throw new QueueShutDown("Queue is shut down");
      const getter = queue._getLoop().createFuture<void>();
      queue._getters.push(getter);
      return this._suspend(getter);
    }
    return this._finish(queue.getNowait());
  }

  protected _abort(waiter: Future<unknown>): void {
    const queue = this._queue;
    leaveWait(waiter as Future<void>, queue._getters, !queue.empty());
  }
}

/** `Queue.put(item)`. */
class QueuePut<T> extends WaitOp<void> {
  constructor(
    private readonly _queue: Queue<T>,
    private _item: T | undefined,
  ) {
    super();
  }

  protected _start(): IteratorResult<unknown, void> {
    return this._attempt();
  }

  protected _resume(): IteratorResult<unknown, void> {
    return this._attempt();
  }

  private _attempt(): IteratorResult<unknown, void> {
    const queue = this._queue;
    if (queue.full()) {
      if (queue._isShutdown) throw new QueueShutDown("Queue is shut down");
      const putter = queue._getLoop().createFuture<void>();
      queue._putters.push(putter);
      return this._suspend(putter);
    }
    const item = this._item as T;
    this._item = undefined; // the queue owns it now
    queue.putNowait(item);
    return this._finish(undefined);
  }

  protected _abort(waiter: Future<unknown>): void {
    const queue = this._queue;
    this._item = undefined;
    leaveWait(waiter as Future<void>, queue._putters, !queue.full());
  }
}

// ---- PriorityQueue ----------------------------------------------------------------------------

/** Options of `new PriorityQueue(maxsize, options)`. */
export interface PriorityQueueOptions<T> {
  /**
   * Orders items: negative when `a` comes out before `b`, positive after, 0 for a tie (ties come
   * out in insertion order). Default: Python's `<` on numbers, bigints, strings, Dates and
   * arrays compared element-wise like tuples (see `PriorityQueue`).
   */
  compare?: (a: T, b: T) => number;
}

const KIND_NUMBER = 0;
const KIND_STRING = 1;
const KIND_ARRAY = 2;
const KIND_DATE = 3;
const KIND_OTHER = 4;
const KIND_NAMES = ["number", "string", "array", "Date", "object"] as const;

function kindOf(value: unknown): number {
  switch (typeof value) {
    case "number":
    case "bigint":
    case "boolean":
      return KIND_NUMBER;
    case "string":
      return KIND_STRING;
    case "object":
      if (Array.isArray(value)) return KIND_ARRAY;
      if (value instanceof Date) return KIND_DATE;
      return KIND_OTHER;
    default:
      return KIND_OTHER;
  }
}

function kindName(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  const kind = kindOf(value);
  return kind === KIND_NUMBER ? typeof value : KIND_NAMES[kind];
}

/**
 * Python's ordering for heap entries: numbers, bigints and booleans among themselves, strings
 * (UTF-16 code units), Dates, and arrays element by element like tuples (a shorter prefix
 * first). Other values (objects, null, undefined) tie with each other, so `[priority, object]`
 * entries with equal priorities keep insertion order where Python would raise TypeError;
 * comparing values of different kinds (a number with a string) raises TypeError as in Python.
 * @internal
 */
export function pythonCompare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  const kind = kindOf(a);
  if (kind !== kindOf(b)) throw new TypeError(`'<' not supported between ${kindName(a)} and ${kindName(b)} (PriorityQueue entries must be comparable)`);
  switch (kind) {
    case KIND_NUMBER: {
      const x = typeof a === "boolean" ? Number(a) : (a as number | bigint);
      const y = typeof b === "boolean" ? Number(b) : (b as number | bigint);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case KIND_STRING:
      return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    case KIND_ARRAY: {
      const x = a as readonly unknown[];
      const y = b as readonly unknown[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const xi = x[i];
        const yi = y[i];
        if (xi === yi) continue;
        const c = pythonCompare(xi, yi);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    case KIND_DATE: {
      const x = (a as Date).getTime();
      const y = (b as Date).getTime();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    default:
      return 0;
  }
}

/**
 * A queue that gives the lowest item first, on a binary heap. Entries are typically
 * `[priority, data]` arrays, compared like Python tuples; items that tie come out in insertion
 * order (Python's heapq does not promise that). `new PriorityQueue(maxsize, { compare })` takes
 * a custom order. An item that cannot be compared (TypeError) is not added.
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  declare private _heap: T[];
  /** Insertion numbers, parallel to _heap: the tie-breaker. */
  declare private _order: number[];
  declare private _seq: number;
  declare private _compare: (a: T, b: T) => number;

  constructor(maxsize = 0, options?: PriorityQueueOptions<T>) {
    super(maxsize);
    const compare = options?.compare;
    if (compare !== undefined && typeof compare !== "function") throw new TypeError("PriorityQueue compare option must be a function");
    this._compare = compare ?? pythonCompare;
  }

  protected override _init(_maxsize: number): void {
    this._heap = [];
    this._order = [];
    this._seq = 0;
  }

  protected override _qsize(): number {
    return this._heap.length;
  }

  /** Sift-up in two passes: find the slot comparing only, then move; a throwing compare changes nothing. */
  protected override _put(item: T): void {
    const heap = this._heap;
    const order = this._order;
    const compare = this._compare;
    const n = heap.length;
    let i = n;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      // Ties stay below: the new item has the largest insertion number.
      if (!(compare(item, heap[parent]!) < 0)) break;
      i = parent;
    }
    const seq = this._seq++;
    heap.push(item);
    order.push(seq);
    for (let j = n; j > i; ) {
      const parent = (j - 1) >> 1;
      heap[j] = heap[parent]!;
      order[j] = order[parent]!;
      j = parent;
    }
    heap[i] = item;
    order[i] = seq;
  }

  /** Sift-down in two passes as well: the heap is unchanged if compare throws. */
  protected override _get(): T {
    const heap = this._heap;
    const order = this._order;
    const last = heap.length - 1;
    const top = heap[0]!;
    if (last === 0) {
      heap.pop();
      order.pop();
      return top;
    }
    const x = heap[last]!;
    const xs = order[last]!;
    // The last item goes down from the root into the remaining slots 0..last-1.
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      const right = child + 1;
      if (right < last && this._less(heap[right]!, order[right]!, heap[child]!, order[child]!)) child = right;
      if (!this._less(heap[child]!, order[child]!, x, xs)) break;
      i = child;
    }
    heap.pop();
    order.pop();
    // Move each item on the root..i path up one level (top down), then put x at i.
    const m = i + 1;
    for (let s = 31 - Math.clz32(m) - 1; s >= 0; s--) {
      const child = (m >> s) - 1;
      const parent = (m >> (s + 1)) - 1;
      heap[parent] = heap[child]!;
      order[parent] = order[child]!;
    }
    heap[i] = x;
    order[i] = xs;
    return top;
  }

  private _less(a: T, sa: number, b: T, sb: number): boolean {
    const c = this._compare(a, b);
    return c < 0 || (!(c > 0) && sa < sb);
  }
}

// ---- LifoQueue --------------------------------------------------------------------------------

/** A queue that gives the most recently added item first (a stack). */
export class LifoQueue<T = unknown> extends Queue<T> {
  declare private _stack: T[];

  protected override _init(_maxsize: number): void {
    this._stack = [];
  }

  protected override _qsize(): number {
    return this._stack.length;
  }

  protected override _put(item: T): void {
    this._stack.push(item);
  }

  protected override _get(): T {
    return this._stack.pop() as T;
  }
}
