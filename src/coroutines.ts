/**
 * Coroutines are generator functions; `yield*` plays Python's `await`.
 * @module
 */

/** What a coroutine function returns: `function* f(): Coroutine<number> { ... }`. */
export type Coroutine<T> = Generator<unknown, T, unknown>;

/**
 * Sent into a coroutine when the loop resumes it after a bare `yield` (one pass through the
 * loop). It lets `sleep(0)` be one shared object instead of a generator per call.
 * @internal
 */
export const RESUMED: unique symbol = Symbol("wasyncio.resumed");

/** Whether `value` is a coroutine object (a generator, or anything a Task can step). */
export function isCoroutine(value: unknown): value is Coroutine<unknown> {
  if (value === null || typeof value !== "object") return false;
  const candidate = value as Partial<Coroutine<unknown>>;
  return typeof candidate.next === "function" && typeof candidate.throw === "function" && typeof candidate.return === "function";
}

/** Whether `fn` is a generator function, i.e. a coroutine function here. */
export function isCoroutineFunction(fn: unknown): boolean {
  return typeof fn === "function" && Object.prototype.toString.call(fn) === "[object GeneratorFunction]";
}

/**
 * The TypeError for a body (of `timeout()`, `taskGroup()`, ...) that returned something other
 * than a coroutine, e.g. an async function's Promise.
 * @internal
 */
export function notACoroutine(method: string, value: unknown): TypeError {
  const got = value === null ? "null" : value instanceof Promise ? "a Promise (an async function? use function* and yield*)" : typeof value;
  return new TypeError(`${method} body must be a generator function (function* (...) { ... }), it returned ${got}`);
}
