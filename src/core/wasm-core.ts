/**
 * The loop core in WebAssembly (assembly/core.ts). Each loop gets its own instance and memory.
 * Crossings are kept coarse, as the host facts require (a call costs more than an inlined store):
 * pushes are staged by the host straight into a fixed region of WASM memory and handed over with
 * the next call that reads the queue, so one iteration costs one call (drain), plus one for
 * timers when there are any. Batch ids are read straight from linear memory.
 * @module
 */
import { INITIAL_CAPACITY, type CoreStats, type LoopCore } from "./loop-core.js";
import { loadWasmModule } from "./wasm-module.js";

interface CoreExports {
  memory: WebAssembly.Memory;
  STAGING_CAPACITY: WebAssembly.Global;
  readyInit(capacity: number): void;
  readyFlush(staged: number): void;
  readyCount(): number;
  readyCapacity(): number;
  readyDrain(staged: number): number;
  batchPtr(): number;
  batchCapacity(): number;
  stagingPtr(): number;
  timersInit(capacity: number): void;
  timerAdd(id: number, when: number): void;
  timerRemove(id: number): number;
  timerNextWhen(): number;
  timerPopDue(now: number, staged: number): number;
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
  private readonly stagingBase: number;
  private readonly stagingCapacity: number;
  private staged = 0;
  private batchBase = 0;
  private batchCapacity = 0;

  constructor() {
    const instance = new WebAssembly.Instance(loadWasmModule("core"), {});
    const x = (this.x = instance.exports as unknown as CoreExports);
    x.readyInit(INITIAL_CAPACITY);
    x.timersInit(INITIAL_CAPACITY);
    this.heap = new Int32Array(x.memory.buffer);
    this.stagingBase = x.stagingPtr() >>> 2;
    this.stagingCapacity = x.STAGING_CAPACITY.value as number;
    this.readBatchPlace();
  }

  push(id: number): void {
    if (this.staged === this.stagingCapacity) {
      this.x.readyFlush(this.staged);
      this.staged = 0;
      this.refresh();
    }
    this.heap[this.stagingBase + this.staged++] = id;
  }

  drain(): number {
    const n = this.x.readyDrain(this.staged);
    this.staged = 0;
    // The batch buffer moves only when it grows, i.e. when a batch outgrew it.
    if (n > this.batchCapacity) this.readBatchPlace();
    this.refresh();
    return n;
  }

  batchAt(i: number): number {
    return this.heap[this.batchBase + i]!;
  }

  addTimer(id: number, when: number): void {
    this.x.timerAdd(id, when);
    this.refresh();
  }

  removeTimer(id: number): boolean {
    return this.x.timerRemove(id) !== 0;
  }

  nextWhen(): number {
    return this.x.timerNextWhen();
  }

  popDue(now: number): number {
    const n = this.x.timerPopDue(now, this.staged);
    this.staged = 0;
    this.refresh();
    return n;
  }

  stats(): CoreStats {
    return {
      kind: this.kind,
      timers: this.x.timerCount(),
      timerCapacity: this.x.timerCapacity(),
      ready: this.x.readyCount() + this.staged,
      readyCapacity: this.x.readyCapacity(),
    };
  }

  private refresh(): void {
    if (this.heap.length === 0) this.heap = new Int32Array(this.x.memory.buffer);
  }

  private readBatchPlace(): void {
    this.batchBase = this.x.batchPtr() >>> 2;
    this.batchCapacity = this.x.batchCapacity();
  }
}
