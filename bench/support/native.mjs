// Hand-written native-promise primitives for the scheduling baselines:
// what a careful Node programmer writes without a library.

/**
 * FIFO with O(1) push/shift (array + head index, compacted now and then).
 * @template T
 */
export class Fifo {
  /** @type {T[]} */
  items = [];
  head = 0;
  get length() {
    return this.items.length - this.head;
  }
  /** @param {T} x */
  push(x) {
    this.items.push(x);
  }
  /** @returns {T | undefined} */
  shift() {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = /** @type {any} */ (undefined);
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
}

/**
 * Unbounded queue: put() never waits (like asyncio.Queue() without maxsize),
 * get() resolves in FIFO order.
 * @template T
 */
export class NativeQueue {
  /** @type {Fifo<T>} */
  #items = new Fifo();
  /** @type {Fifo<(x: T) => void>} */
  #getters = new Fifo();
  /** @param {T} x */
  put(x) {
    const g = this.#getters.shift();
    if (g) g(x);
    else this.#items.push(x);
  }
  get size() {
    return this.#items.length;
  }
  /** Take an item that is there (check size first), like Queue.get_nowait(). */
  getNowait() {
    if (this.#items.length === 0) throw new RangeError("queue empty");
    return /** @type {T} */ (this.#items.shift());
  }
  /** @returns {Promise<T>} */
  get() {
    if (this.#items.length > 0) return Promise.resolve(/** @type {T} */ (this.#items.shift()));
    return new Promise((resolve) => this.#getters.push(resolve));
  }
}

/** FIFO mutex; release() hands the lock to the next waiter. */
export class NativeLock {
  locked = false;
  /** @type {Fifo<() => void>} */
  #waiters = new Fifo();
  /** @returns {Promise<void> | undefined} undefined when acquired at once */
  acquire() {
    if (!this.locked) {
      this.locked = true;
      return undefined;
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  release() {
    const w = this.#waiters.shift();
    if (w) w();
    else this.locked = false;
  }
}
