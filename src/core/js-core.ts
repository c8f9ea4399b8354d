/**
 * The plain-TypeScript twin of the WASM core: the same structures on typed arrays, so the
 * benchmarks compare algorithms on equal terms and the WASM crossing cost shows on its own.
 * @module
 */
import { INITIAL_CAPACITY, type CoreStats, type LoopCore } from "./loop-core.js";

export class JsCore implements LoopCore {
  readonly kind = "js" as const;

  // Ready queue: ids in push order in `ring`, doubling when full. A batch takes the array whole
  // (drain swaps it with the previous batch's array), so ids pushed while the batch runs land in
  // the other array and wait for the next iteration, with no copy: the WASM core does the same
  // with its two staging regions.
  private ring = new Int32Array(INITIAL_CAPACITY);
  private count = 0;
  private batch = new Int32Array(INITIAL_CAPACITY);

  // Timer heap of (when, seq, id); pos[id] is the id's heap index or -1.
  private when = new Float64Array(INITIAL_CAPACITY);
  private seq = new Uint32Array(INITIAL_CAPACITY);
  private ids = new Int32Array(INITIAL_CAPACITY);
  private size = 0;
  private nextSeq = 0;
  private pos = new Int32Array(INITIAL_CAPACITY).fill(-1);

  push(id: number): void {
    if (this.count === this.ring.length) this.growRing();
    this.ring[this.count++] = id;
  }

  private growRing(): void {
    const fresh = new Int32Array(this.ring.length * 2);
    fresh.set(this.ring);
    this.ring = fresh;
  }

  drain(): number {
    const n = this.count;
    if (n === 0) return 0;
    const taken = this.ring;
    this.ring = this.batch;
    this.batch = taken;
    this.count = 0;
    return n;
  }

  batchAt(i: number): number {
    return this.batch[i]!;
  }

  addTimer(id: number, when: number): void {
    if (id >= this.pos.length) this.growPos(id);
    if (this.pos[id]! >= 0) this.removeTimer(id);
    if (this.size === this.when.length) this.growHeap();
    const s = this.nextSeq;
    this.nextSeq = (s + 1) >>> 0;
    this.siftUp(this.size++, when, s, id);
  }

  removeTimer(id: number): boolean {
    if (id < 0 || id >= this.pos.length) return false;
    const i = this.pos[id]!;
    if (i < 0) return false;
    this.pos[id] = -1;
    const last = --this.size;
    if (i !== last) {
      const w = this.when[last]!;
      const s = this.seq[last]!;
      const lid = this.ids[last]!;
      if (i > 0 && this.less(w, s, (i - 1) >> 1)) this.siftUp(i, w, s, lid);
      else this.siftDown(i, w, s, lid);
    }
    return true;
  }

  nextWhen(): number {
    return this.size > 0 ? this.when[0]! : Infinity;
  }

  popDue(now: number): number {
    let n = 0;
    while (this.size > 0 && this.when[0]! <= now) {
      const id = this.ids[0]!;
      this.pos[id] = -1;
      const last = --this.size;
      if (last > 0) this.siftDown(0, this.when[last]!, this.seq[last]!, this.ids[last]!);
      this.push(id);
      n++;
    }
    return n;
  }

  stats(): CoreStats {
    return {
      kind: this.kind,
      timers: this.size,
      timerCapacity: this.when.length,
      ready: this.count,
      readyCapacity: this.ring.length,
    };
  }

  /** Whether (w, s) orders before heap entry j. Sequence numbers compare as a wrapping distance. */
  private less(w: number, s: number, j: number): boolean {
    const wj = this.when[j]!;
    return w < wj || (w === wj && ((s - this.seq[j]!) | 0) < 0);
  }

  private place(i: number, w: number, s: number, id: number): void {
    this.when[i] = w;
    this.seq[i] = s;
    this.ids[i] = id;
    this.pos[id] = i;
  }

  private siftUp(i: number, w: number, s: number, id: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(w, s, parent)) break;
      this.place(i, this.when[parent]!, this.seq[parent]!, this.ids[parent]!);
      i = parent;
    }
    this.place(i, w, s, id);
  }

  private siftDown(i: number, w: number, s: number, id: number): void {
    const size = this.size;
    const half = size >> 1;
    while (i < half) {
      let child = 2 * i + 1;
      const right = child + 1;
      if (right < size && this.less(this.when[right]!, this.seq[right]!, child)) child = right;
      if (!this.lessEntry(child, w, s)) break;
      this.place(i, this.when[child]!, this.seq[child]!, this.ids[child]!);
      i = child;
    }
    this.place(i, w, s, id);
  }

  /** Whether heap entry j orders before (w, s). */
  private lessEntry(j: number, w: number, s: number): boolean {
    const wj = this.when[j]!;
    return wj < w || (wj === w && ((this.seq[j]! - s) | 0) < 0);
  }

  private growHeap(): void {
    const cap = this.when.length * 2;
    const when = new Float64Array(cap);
    when.set(this.when);
    const seq = new Uint32Array(cap);
    seq.set(this.seq);
    const ids = new Int32Array(cap);
    ids.set(this.ids);
    this.when = when;
    this.seq = seq;
    this.ids = ids;
  }

  private growPos(id: number): void {
    let cap = this.pos.length;
    while (cap <= id) cap *= 2;
    const pos = new Int32Array(cap).fill(-1);
    pos.set(this.pos);
    this.pos = pos;
  }
}
