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

const NO_ARGS: readonly unknown[] = [];

function callbackName(cb: AnyCallback | null): string {
  return cb === null ? "<cancelled>" : cb.name || "<anonymous>";
}

/** A callback scheduled by `callSoon`; `cancel()` stops it from running. */
export class Handle implements Runnable {
  /** @internal */ _callback: AnyCallback | null;
  /** @internal */ _args: readonly unknown[];
  /** @internal */ _cancelled = false;
  /** @internal */ readonly _loop: EventLoop;
  /** Where the handle was created; recorded in debug mode only. */
  /** @internal */ _sourceTraceback: string | undefined;

  /** @internal */
  constructor(callback: AnyCallback, args: readonly unknown[], loop: EventLoop) {
    this._callback = callback;
    this._args = args.length === 0 ? NO_ARGS : args;
    this._loop = loop;
    if (loop._debug) this._sourceTraceback = new Error().stack?.split("\n").slice(3).join("\n");
  }

  /** Stops the callback from running; a no-op once it ran or was cancelled. */
  cancel(): void {
    if (this._cancelled) return;
    this._cancelled = true;
    // Drop references so a cancelled handle keeps nothing alive.
    this._callback = null;
    this._args = NO_ARGS;
  }

  cancelled(): boolean {
    return this._cancelled;
  }

  getLoop(): EventLoop {
    return this._loop;
  }

  /** @internal */
  _run(): void {
    if (this._cancelled) return;
    const cb = this._callback!;
    const args = this._args;
    switch (args.length) {
      case 0:
        cb();
        break;
      case 1:
        cb(args[0]);
        break;
      default:
        cb(...args);
    }
  }

  toString(): string {
    return `<${this.constructor.name} ${this._cancelled ? "cancelled" : callbackName(this._callback) + "()"}>`;
  }
}

/** A callback scheduled for a time by `callLater`/`callAt`. */
export class TimerHandle extends Handle {
  /** @internal */ readonly _when: number;
  /** @internal */ _id = -1;

  /** @internal */
  constructor(when: number, callback: AnyCallback, args: readonly unknown[], loop: EventLoop) {
    super(callback, args, loop);
    this._when = when;
  }

  /** The loop time (seconds) the callback is scheduled for. */
  when(): number {
    return this._when;
  }

  override cancel(): void {
    if (this._cancelled) return;
    this._loop._timerHandleCancelled(this);
    super.cancel();
  }

  override toString(): string {
    return `<TimerHandle when=${this._when.toFixed(3)} ${this._cancelled ? "cancelled" : callbackName(this._callback) + "()"}>`;
  }
}
