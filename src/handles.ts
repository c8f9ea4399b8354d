/**
 * Handle and TimerHandle: a callback with its arguments, as `callSoon`/`callLater` return them.
 * @module
 */
import type { EventLoop } from "./loop.js";

/** Anything the loop can put in its ready queue (Handles, and Tasks for their own steps). */
export interface Runnable {
  _run(): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- callbacks of any signature are stored
export type AnyCallback = (...args: any[]) => unknown;

/**
 * @internal What a handle runs: the callback alone, or the callback and its arguments in one
 * array. One field instead of two: every field is 8 bytes on each of the 100,000s of handles a
 * timer-heavy program creates.
 */
export type Call = AnyCallback | readonly [AnyCallback, ...unknown[]];

/** @internal `cb()` for a call of `cb`, `cancelled` for none (for descriptions and log lines). */
export function describeCall(call: Call | null): string {
  if (call === null) return "cancelled";
  const callback = typeof call === "function" ? call : call[0];
  return `${callback.name || "<anonymous>"}()`;
}

/**
 * @internal `callback` with the arguments after the first `count` of a callSoon/callLater call.
 * Reading them from `arguments` rather than a rest parameter spares the empty array a rest
 * parameter allocates on every call without extra arguments (once the caller is optimised,
 * `arguments` itself is not materialised).
 */
export function callOf(callback: AnyCallback, args: IArguments, count: number): Call {
  const extra = args.length - count;
  if (extra <= 0) return callback;
  // One argument is the common case (`callSoon(resolve, value)`): an array literal of the exact
  // size, where push() would grow the backing store.
  if (extra === 1) return [callback, args[count]];
  const call: [AnyCallback, ...unknown[]] = [callback];
  for (let i = count; i < args.length; i++) call.push(args[i]);
  return call;
}

/** Where each handle was created, recorded in debug mode only (kept out of the handle's fields). */
const sourceTracebacks = new WeakMap<Handle, string>();

/** @internal The stack where `handle` was created, if it was created in debug mode. */
export function sourceTracebackOf(handle: Handle): string | undefined {
  return sourceTracebacks.get(handle);
}

/** A callback scheduled by `callSoon`; `cancel()` stops it from running. */
export class Handle implements Runnable {
  /** @internal Null once cancelled (that is how `cancelled()` knows). */
  _call: Call | null;
  /** @internal */ readonly _loop: EventLoop;

  /** @internal */
  constructor(call: Call, loop: EventLoop) {
    this._call = call;
    this._loop = loop;
    if (loop._debug) {
      const stack = new Error().stack;
      if (stack !== undefined) sourceTracebacks.set(this, stack.split("\n").slice(3).join("\n"));
    }
  }

  /** Stops the callback from running; a no-op once it ran or was cancelled. */
  cancel(): void {
    // Dropping the call is the cancellation; it also lets go of the callback and its arguments.
    this._call = null;
  }

  cancelled(): boolean {
    return this._call === null;
  }

  getLoop(): EventLoop {
    return this._loop;
  }

  /** @internal */
  _run(): void {
    const call = this._call;
    if (typeof call === "function") call();
    else if (call !== null) runWithArgs(call);
  }

  toString(): string {
    return `<${this.constructor.name} ${describeCall(this._call)}>`;
  }
}

function runWithArgs(call: readonly [AnyCallback, ...unknown[]]): void {
  if (call.length === 2) call[0](call[1]);
  else call[0](...call.slice(1));
}

/**
 * The deadline's 64 bits as two int32 fields. A number field that is not a small integer holds
 * a 16-byte boxed double in V8, a second object per timer for the scavenger to copy while
 * 100,000 timers wait; two int32s are stored in the handle itself. The conversion is two typed-
 * array stores and loads.
 */
const whenBits = new Float64Array(1);
const whenWords = new Int32Array(whenBits.buffer);

/** A callback scheduled for a time by `callLater`/`callAt`. */
export class TimerHandle extends Handle {
  /** @internal Its id in the loop. */
  _id = -1;
  /**
   * @internal How often its id had been released when this handle took it. The loop's table
   * may hold the callback rather than the handle, so the handle cannot be compared with the
   * entry; once the timer ran, its id may belong to another callback, and cancel() acts only
   * while the loop's count for the id still matches.
   */
  _gen = 0;
  /** @internal The deadline's low and high words (see whenBits). */
  _whenLow: number;
  /** @internal */ _whenHigh: number;

  /** @internal */
  constructor(when: number, call: Call, loop: EventLoop) {
    super(call, loop);
    whenBits[0] = when;
    this._whenLow = whenWords[0]!;
    this._whenHigh = whenWords[1]!;
  }

  /** The loop time (seconds) the callback is scheduled for. */
  when(): number {
    whenWords[0] = this._whenLow;
    whenWords[1] = this._whenHigh;
    return whenBits[0]!;
  }

  override cancel(): void {
    if (this._call === null) return;
    this._loop._timerHandleCancelled(this);
    super.cancel();
  }

  override toString(): string {
    return `<TimerHandle when=${this.when().toFixed(3)} ${describeCall(this._call)}>`;
  }
}
