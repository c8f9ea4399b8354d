/**
 * The running loop, kept apart from the loop class so every module can ask for it without
 * importing the loop.
 * @module
 */
import type { EventLoop } from "./loop.js";

let running: EventLoop | null = null;

/** @internal */
export function _setRunningLoop(loop: EventLoop | null): void {
  running = loop;
}

/** @internal The running loop or null (Python's `_get_running_loop`). */
export function _getRunningLoop(): EventLoop | null {
  return running;
}

/** The running event loop; throws when none is running (asyncio's `get_running_loop`). */
export function getRunningLoop(): EventLoop {
  if (running === null) throw new Error("no running event loop");
  return running;
}

let defaultLoop: (() => EventLoop) | null = null;

/** @internal Set by events.ts: the policy's current loop, for objects made outside a running loop. */
export function _setDefaultLoopProvider(provider: () => EventLoop): void {
  defaultLoop = provider;
}

/** @internal The running loop, else the policy's current loop (asyncio's `get_event_loop`). */
export function _currentLoop(): EventLoop {
  if (running !== null) return running;
  if (defaultLoop === null) throw new Error("no running event loop");
  return defaultLoop();
}
