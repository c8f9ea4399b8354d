/**
 * The loop core in WebAssembly (assembly/core.ts). Each loop gets its own instance and memory.
 * Crossings are kept coarse: one call per push, one per timer operation, one per batch; batch
 * ids are read straight from linear memory.
 * @module
 */
import { INITIAL_CAPACITY, type CoreStats, type LoopCore } from "./loop-core.js";
import { loadWasmModule } from "./wasm-module.js";

interface CoreExports {
  memory: WebAssembly.Memory;
  readyInit(capacity: number): void;
  readyPush(id: number): void;
  readyCount(): number;
  readyCapacity(): number;
  readyDrain(): number;
  batchPtr(): number;
  timersInit(capacity: number): void;
  timerAdd(id: number, when: number): void;
  timerRemove(id: number): number;
  timerNextWhen(): number;
  timerPopDue(now: number): number;
  timerCount(): number;
  timerCapacity(): number;
}

export class WasmCore implements LoopCore {
  readonly kind = "wasm" as const;
  private readonly x: CoreExports;
  // A view of all of memory; memory.grow detaches it (length 0), so it is re-derived lazily.
  private heap: Int32Array;
  private batchBase = 0;
  readonly push: (id: number) => void;
  readonly addTimer: (id: number, when: number) => void;
  readonly popDue: (now: number) => number;

  constructor() {
    const instance = new WebAssembly.Instance(loadWasmModule("core"), {});
    this.x = instance.exports as unknown as CoreExports;
    this.x.readyInit(INITIAL_CAPACITY);
    this.x.timersInit(INITIAL_CAPACITY);
    this.heap = new Int32Array(this.x.memory.buffer);
    // Exported functions called directly: no JS wrapper frame on the hot path.
    this.push = this.x.readyPush;
    this.addTimer = this.x.timerAdd;
    this.popDue = this.x.timerPopDue;
  }

  drain(): number {
    const n = this.x.readyDrain();
    if (n > 0) this.batchBase = this.x.batchPtr() >>> 2;
    return n;
  }

  batchAt(i: number): number {
    let heap = this.heap;
    if (heap.length === 0) heap = this.heap = new Int32Array(this.x.memory.buffer);
    return heap[this.batchBase + i]!;
  }

  removeTimer(id: number): boolean {
    return this.x.timerRemove(id) !== 0;
  }

  nextWhen(): number {
    return this.x.timerNextWhen();
  }

  stats(): CoreStats {
    return {
      kind: this.kind,
      timers: this.x.timerCount(),
      timerCapacity: this.x.timerCapacity(),
      ready: this.x.readyCount(),
      readyCapacity: this.x.readyCapacity(),
    };
  }
}
