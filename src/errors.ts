/**
 * asyncio's exception hierarchy. Python's ValueError maps to RangeError/TypeError and its
 * RuntimeError to Error (or a subclass) with the same message, so these are the asyncio-specific
 * classes only.
 * @module
 */

/** Raised inside a cancelled task at its current `yield*`; carries `cancel(msg)`'s message. */
export class CancelledError extends Error {
  override name = "CancelledError";
  constructor(message?: string | null) {
    super(message ?? "");
  }
}

/** An operation that the Future's current state does not allow (e.g. `result()` before done). */
export class InvalidStateError extends Error {
  override name = "InvalidStateError";
}

/** A deadline passed (`waitFor`, `timeout`, `wait` never raises it). */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/** `readexactly`/`readuntil` met EOF first; `partial` holds what was read. */
export class IncompleteReadError extends Error {
  override name = "IncompleteReadError";
  constructor(
    readonly partial: Uint8Array,
    readonly expected: number | null,
  ) {
    super(`${partial.length} bytes read on a total of ${expected === null ? "undefined" : expected} expected bytes`);
  }
}

/** `readuntil`/`readline` found no separator within the stream's limit. */
export class LimitOverrunError extends Error {
  override name = "LimitOverrunError";
  constructor(
    message: string,
    readonly consumed: number,
  ) {
    super(message);
  }
}

/** `Queue.getNowait()` on an empty queue. */
export class QueueEmpty extends Error {
  override name = "QueueEmpty";
}

/** `Queue.putNowait()` on a full queue. */
export class QueueFull extends Error {
  override name = "QueueFull";
}

/** `put`/`get` on a queue after `shutdown()`. */
export class QueueShutDown extends Error {
  override name = "QueueShutDown";
}

/** A `Barrier` was reset or aborted while tasks waited on it. */
export class BrokenBarrierError extends Error {
  override name = "BrokenBarrierError";
}

/** `loop.sendfile()` cannot use the fast path. */
export class SendfileNotAvailableError extends Error {
  override name = "SendfileNotAvailableError";
}

/** Bad framing on the wire: oversize or malformed length, or an unterminated delimited frame. */
export class FrameError extends Error {
  override name = "FrameError";
}

/** A host (Node, Deno, Bun) cannot do what this asyncio method needs, e.g. raw file descriptors. */
export class NotSupportedError extends Error {
  override name = "NotSupportedError";
}

/**
 * Several exceptions raised together (Python 3.11's ExceptionGroup), e.g. by a TaskGroup.
 * `exceptions` holds them in the order they happened.
 */
export class ExceptionGroup extends AggregateError {
  override name = "ExceptionGroup";
  readonly exceptions: readonly unknown[];
  constructor(message: string, exceptions: readonly unknown[]) {
    if (!Array.isArray(exceptions) || exceptions.length === 0) {
      throw new TypeError("ExceptionGroup needs a non-empty array of exceptions");
    }
    super(exceptions, message);
    this.exceptions = exceptions;
  }
}
