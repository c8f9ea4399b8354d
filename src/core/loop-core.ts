/**
 * The loop core: the timer heap and the ready queue, holding handle ids only.
 * Two implementations pass the same tests: {@link WasmCore} (AssemblyScript, the default) and
 * {@link JsCore} (plain TypeScript, the reference twin every WASM structure is measured against).
 * @module
 */

/** Which core implementation a loop runs on. */
export type CoreKind = "wasm" | "js";

/** Sizes and capacities, for tests and diagnostics. */
export interface CoreStats {
  readonly kind: CoreKind;
  /** Timers in the heap (live ones only: cancelled timers leave at once). */
  readonly timers: number;
  readonly timerCapacity: number;
  /** Ids waiting in the ready queue. */
  readonly ready: number;
  readonly readyCapacity: number;
}

export interface LoopCore {
  readonly kind: CoreKind;
  /** Appends `id` to the ready queue. */
  push(id: number): void;
  /**
   * Moves every ready id into the batch (the ready queue is left empty, so ids pushed while
   * the batch runs wait for the next iteration); returns how many. Read them with `batchAt`.
   */
  drain(): number;
  /** The i-th id of the last drained batch. */
  batchAt(i: number): number;
  /**
   * Schedules `id` at `when` (seconds, loop time); ties keep scheduling order. `id` must not be
   * scheduled already (the loop gives every timer an id of its own): WasmCore's removeTimer
   * relies on it to unstage a timer removed right after it was added.
   */
  addTimer(id: number, when: number): void;
  /** Removes `id` from the timer heap; false when it was not there. */
  removeTimer(id: number): boolean;
  /** The earliest deadline, or Infinity. */
  nextWhen(): number;
  /** Moves every timer due at `now` to the ready queue, earliest first; returns how many. */
  popDue(now: number): number;
  stats(): CoreStats;
}

export const INITIAL_CAPACITY = 1024;
