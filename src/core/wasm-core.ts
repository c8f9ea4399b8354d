/**
 * The loop core in WebAssembly (assembly/core.ts). Each loop gets its own instance and memory.
 * Crossings are kept coarse, as the host facts require (a call costs more than an inlined store):
 * pushes are staged by the host straight into one of two fixed regions of WASM memory, and so are
 * new timers (applied by the next pop, or by a flush before any other call that reads them). While the
 * core's ring is empty (no timer has fired, no staging region overflowed since the last batch)
 * the staged region is the next batch as it is, and pushes move to the other region: an
 * iteration of callSoon/task steps costs no call at all. Otherwise the staged ids are handed over
 * with the one call that reads the queue (drain, or popDue when timers exist). Batch ids are read
 * straight from linear memory.
 * @module
 */
import { INITIAL_CAPACITY, type CoreStats, type LoopCore } from "./loop-core.js";
import { loadWasmModule } from "./wasm-module.js";

interface CoreExports {
  memory: WebAssembly.Memory;
  STAGING_CAPACITY: WebAssembly.Global;
  readyInit(capacity: number): void;
  readyFlush(from: number, staged: number): void;
  readyCount(): number;
  readyCapacity(): number;
  readyDrain(from: number, staged: number): number;
  batchPtr(): number;
  batchCapacity(): number;
  stagingPtr(): number;
  timersInit(capacity: number): void;
  TIMER_STAGING_CAPACITY: WebAssembly.Global;
  timerStagingPtr(): number;
  timerFlush(staged: number): void;
  timerRemove(id: number): number;
  timerNextWhen(): number;
  timerPopDue(now: number, from: number, staged: number, timersStaged: number): number;
  timerCount(): number;
  timerCapacity(): number;
}

export class WasmCore implements LoopCore {
  readonly kind = "wasm" as const;
  private readonly x: CoreExports;
  /**
   * A view of all of memory. memory.grow detaches it, and a store into a detached view is
   * silently lost, so it is re-derived after every call that may grow (`refresh`).
   */
  private heap: Int32Array;
  /** The same memory as f64s, for staged deadlines; re-derived with `heap`. */
  private heapF64: Float64Array;
  private readonly stagingCapacity: number;
  /** The two staging regions (i32 indexes into `heap`); pushes go to `stagingBase`. */
  private stagingBase: number;
  private otherStagingBase: number;
  private staged = 0;
  /** The core's own ring may hold ids (a timer fired or a staging region overflowed into it). */
  private ringHasIds = false;
  /** Where batchAt reads: a staging region, or the core's batch buffer. */
  private batchBase = 0;
  private coreBatchBase = 0;
  private coreBatchCapacity = 0;
  /**
   * Timers staged by the host since its last call (see assembly/timers.ts): deadlines at
   * `timerWhenBase` (f64 index), ids at `timerIdBase` (i32 index). callLater costs no call.
   */
  private timersStaged = 0;
  private readonly timerStagingCapacity: number;
  private readonly timerWhenBase: number;
  private readonly timerIdBase: number;

  constructor() {
    const instance = new WebAssembly.Instance(loadWasmModule("core"), {});
    const x = (this.x = instance.exports as unknown as CoreExports);
    x.readyInit(INITIAL_CAPACITY);
    x.timersInit(INITIAL_CAPACITY);
    this.heap = new Int32Array(x.memory.buffer);
    this.heapF64 = new Float64Array(x.memory.buffer);
    this.timerStagingCapacity = x.TIMER_STAGING_CAPACITY.value as number;
    const timerStaging = x.timerStagingPtr();
    this.timerWhenBase = timerStaging >>> 3;
    this.timerIdBase = (timerStaging >>> 2) + this.timerStagingCapacity * 2;
    this.stagingCapacity = x.STAGING_CAPACITY.value as number;
    this.stagingBase = x.stagingPtr() >>> 2;
    this.otherStagingBase = this.stagingBase + this.stagingCapacity;
    this.readBatchPlace();
  }

  push(id: number): void {
    if (this.staged === this.stagingCapacity) {
      this.x.readyFlush(this.stagingBase << 2, this.staged);
      this.staged = 0;
      this.ringHasIds = true;
      this.refresh();
    }
    this.heap[this.stagingBase + this.staged++] = id;
  }

  drain(): number {
    const n = this.staged;
    this.staged = 0;
    if (!this.ringHasIds) {
      // The staged ids are the whole batch: read them where they are, stage into the other region.
      this.batchBase = this.stagingBase;
      this.stagingBase = this.otherStagingBase;
      this.otherStagingBase = this.batchBase;
      return n;
    }
    const count = this.x.readyDrain(this.stagingBase << 2, n);
    this.ringHasIds = false;
    // The batch buffer moves only when it grows, i.e. when a batch outgrew it.
    if (count > this.coreBatchCapacity) this.readBatchPlace();
    this.batchBase = this.coreBatchBase;
    this.refresh();
    return count;
  }

  batchAt(i: number): number {
    return this.heap[this.batchBase + i]!;
  }

  addTimer(id: number, when: number): void {
    if (this.timersStaged === this.timerStagingCapacity) this.flushTimers();
    const k = this.timersStaged++;
    this.heapF64[this.timerWhenBase + k] = when;
    this.heap[this.timerIdBase + k] = id;
  }

  removeTimer(id: number): boolean {
    // A timer cancelled right after it was scheduled (a timeout whose operation finished at once)
    // is still the last one staged: unstage it, with no call into the core.
    const last = this.timersStaged - 1;
    if (last >= 0 && this.heap[this.timerIdBase + last] === id) {
      this.timersStaged = last;
      return true;
    }
    this.flushTimers();
    return this.x.timerRemove(id) !== 0;
  }

  nextWhen(): number {
    this.flushTimers();
    return this.x.timerNextWhen();
  }

  popDue(now: number): number {
    const n = this.x.timerPopDue(now, this.stagingBase << 2, this.staged, this.timersStaged);
    if (n > 0 || this.staged > 0) this.ringHasIds = true;
    this.staged = 0;
    this.timersStaged = 0;
    this.refresh();
    return n;
  }

  /** Applies the staged timers (before any call that reads or changes the core's timers). */
  private flushTimers(): void {
    if (this.timersStaged === 0) return;
    this.x.timerFlush(this.timersStaged);
    this.timersStaged = 0;
    this.refresh();
  }

  stats(): CoreStats {
    this.flushTimers();
    return {
      kind: this.kind,
      timers: this.x.timerCount(),
      timerCapacity: this.x.timerCapacity(),
      ready: this.x.readyCount() + this.staged,
      readyCapacity: this.x.readyCapacity(),
    };
  }

  private refresh(): void {
    if (this.heap.length === 0) {
      this.heap = new Int32Array(this.x.memory.buffer);
      this.heapF64 = new Float64Array(this.x.memory.buffer);
    }
  }

  private readBatchPlace(): void {
    this.coreBatchBase = this.x.batchPtr() >>> 2;
    this.coreBatchCapacity = this.x.batchCapacity();
  }
}
