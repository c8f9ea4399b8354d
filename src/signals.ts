/**
 * Unix signals: asyncio's `loop.add_signal_handler` / `remove_signal_handler` over
 * `process.on(signal)`. The callback never runs inside the host's signal event: the listener
 * schedules it with `loop.callSoon`, as asyncio's wakeup-fd handler does.
 *
 * Signals are given as numbers (as in Python, `signal.SIGTERM` is an int) or as names
 * ("SIGTERM"); numbers are the host's (`os.constants.signals`). Host gaps (Windows, Deno, Bun)
 * are listed in docs/os-services.md.
 * @module
 */
import os from "node:os";
import { isCoroutineFunction } from "./coroutines.js";
import type { EventLoop } from "./loop.js";

/** A signal as a name ("SIGTERM") or the host's number for it. */
export type Signal = NodeJS.Signals | number;

const SIGNALS = os.constants.signals as Readonly<Record<string, number>>;

/** The host's number for each signal; the first name listed wins for aliases (SIGABRT/SIGIOT). */
const NAMES_BY_NUMBER = new Map<number, NodeJS.Signals>();
for (const [name, number] of Object.entries(SIGNALS)) if (!NAMES_BY_NUMBER.has(number)) NAMES_BY_NUMBER.set(number, name as NodeJS.Signals);

/**
 * `[number, name]` for a signal given either way. Throws TypeError for other types and
 * RangeError for an unknown signal (Python's `_check_signal` raises TypeError/ValueError).
 */
export function _resolveSignal(sig: unknown): [number: number, name: NodeJS.Signals] {
  if (typeof sig === "number") {
    if (!Number.isInteger(sig)) throw new TypeError(`sig must be an int, not ${sig}`);
    const name = NAMES_BY_NUMBER.get(sig);
    if (name === undefined) throw new RangeError(`invalid signal number ${sig}`);
    return [sig, name];
  }
  if (typeof sig === "string") {
    const number = Object.hasOwn(SIGNALS, sig) ? SIGNALS[sig] : undefined;
    if (number === undefined) throw new RangeError(`invalid signal name ${JSON.stringify(sig)}`);
    return [number, sig as NodeJS.Signals];
  }
  throw new TypeError(`sig must be a signal number or name, not ${sig === null ? "null" : typeof sig}`);
}

interface Registration {
  readonly name: NodeJS.Signals;
  readonly listener: () => void;
}

/** Each loop's handlers, by signal number. */
const registry = new WeakMap<EventLoop, Map<number, Registration>>();

function handlersOf(loop: EventLoop): Map<number, Registration> {
  let map = registry.get(loop);
  if (map === undefined) {
    map = new Map();
    registry.set(loop, map);
    // A closed loop keeps no handler (asyncio's close() removes them); the hook runs once.
    loop._onClose.push(() => {
      for (const sig of [...map!.keys()]) removeSignalHandler(loop, sig);
    });
  }
  return map;
}

/** @internal `loop.addSignalHandler`. */
export function addSignalHandler<A extends unknown[]>(loop: EventLoop, sig: Signal, callback: (...args: A) => unknown, args: A): void {
  if (isCoroutineFunction(callback)) throw new TypeError("coroutines cannot be used with addSignalHandler()");
  if (typeof callback !== "function") throw new TypeError(`a callable object was expected by addSignalHandler(), got ${callback === null ? "null" : typeof callback}`);
  const [number, name] = _resolveSignal(sig);
  if (loop.isClosed()) throw new Error("Event loop is closed");
  // The host would refuse these too (Node: EINVAL, Deno: "not allowed"); Bun accepts and never calls.
  if (name === "SIGKILL" || name === "SIGSTOP") throw new Error(`sig ${number} cannot be caught`);
  const listener = (): void => {
    if (!loop.isClosed()) loop.callSoon(callback, ...args);
  };
  const handlers = handlersOf(loop);
  try {
    process.on(name, listener);
  } catch (error) {
    throw new Error(`sig ${number} cannot be caught: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
  // A second handler for the same signal replaces the first, as in asyncio.
  const previous = handlers.get(number);
  if (previous !== undefined) process.off(previous.name, previous.listener);
  handlers.set(number, { name, listener });
}

/** @internal `loop.removeSignalHandler`: true if a handler was removed. */
export function removeSignalHandler(loop: EventLoop, sig: Signal): boolean {
  const [number] = _resolveSignal(sig);
  const handlers = registry.get(loop);
  const registration = handlers?.get(number);
  if (registration === undefined) return false;
  handlers!.delete(number);
  // With no listener left the host restores the signal's default action (SIGINT ends the process).
  process.off(registration.name, registration.listener);
  return true;
}
