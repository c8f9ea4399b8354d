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

  // Timers: a min-heap of deadline buckets on (when, seq), each a FIFO list of ids (see
  // assembly/timers.ts for why). Per id: next, prev, bucket (-1 when not scheduled).
  private next = new Int32Array(INITIAL_CAPACITY).fill(-1);
  private prev = new Int32Array(INITIAL_CAPACITY).fill(-1);
  private bucketOf = new Int32Array(INITIAL_CAPACITY).fill(-1);
  private live = 0;
  // Per bucket: its deadline, seq, list ends and heap slot (-1 when free); free buckets chain
  // through `head`.
  private bWhen = new Float64Array(BUCKETS);
  private bSeq = new Uint32Array(BUCKETS);
  private bHead = new Int32Array(BUCKETS);
  private bTail = new Int32Array(BUCKETS);
  private bSlot = new Int32Array(BUCKETS).fill(-1);
  private bucketsUsed = 0;
  private freeBuckets = -1;
  private nextSeq = 0;
  // The heap holds bucket indexes.
  private heap = new Int32Array(BUCKETS);
  private size = 0;
  // Newest waiting bucket per deadline: two ways per set, chosen by the deadline's bits.
  private readonly cache = new Int32Array(CACHE_SETS * 2).fill(-1);

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
    if (id < 0) return;
    if (id >= this.bucketOf.length) this.growLinks(id);
    if (this.bucketOf[id]! >= 0) this.removeTimer(id);
    const b = this.bucketFor(when + 0); // -0 and +0 are one deadline with different bits
    const tail = this.bTail[b]!;
    this.next[id] = -1;
    this.prev[id] = tail;
    this.bucketOf[id] = b;
    if (tail >= 0) this.next[tail] = id;
    else this.bHead[b] = id;
    this.bTail[b] = id;
    this.live++;
  }

  removeTimer(id: number): boolean {
    if (id < 0 || id >= this.bucketOf.length) return false;
    const b = this.bucketOf[id]!;
    if (b < 0) return false;
    const next = this.next[id]!;
    const prev = this.prev[id]!;
    if (prev >= 0) this.next[prev] = next;
    else this.bHead[b] = next;
    if (next >= 0) this.prev[next] = prev;
    else this.bTail[b] = prev;
    this.bucketOf[id] = -1;
    this.live--;
    if (this.bHead[b]! < 0) {
      this.heapRemove(this.bSlot[b]!);
      this.freeBucket(b);
    }
    return true;
  }

  nextWhen(): number {
    return this.size > 0 ? this.bWhen[this.heap[0]!]! : Infinity;
  }

  popDue(now: number): number {
    let n = 0;
    while (this.size > 0) {
      const b = this.heap[0]!;
      if (this.bWhen[b]! > now) break;
      this.heapRemove(0);
      for (let id = this.bHead[b]!; id >= 0; id = this.next[id]!) {
        this.bucketOf[id] = -1;
        this.push(id);
        n++;
      }
      this.freeBucket(b);
    }
    this.live -= n;
    return n;
  }

  stats(): CoreStats {
    return {
      kind: this.kind,
      timers: this.live,
      timerCapacity: this.bucketOf.length,
      ready: this.count,
      readyCapacity: this.ring.length,
    };
  }

  /** The newest waiting bucket for `when`, made if there is none (see assembly/timers.ts). */
  private bucketFor(when: number): number {
    BITS_F64[0] = when;
    const set = (Math.imul(BITS_U32[0]! ^ BITS_U32[1]!, 0x9e3779b1) >>> 24) << 1;
    const cache = this.cache;
    const first = cache[set]!;
    if (this.isWaiting(first, when)) return first;
    const second = cache[set + 1]!;
    if (this.isWaiting(second, when)) {
      cache[set] = second;
      cache[set + 1] = first;
      return second;
    }
    const fresh = this.newBucket(when);
    cache[set] = fresh;
    cache[set + 1] = first;
    return fresh;
  }

  private isWaiting(b: number, when: number): boolean {
    return b >= 0 && this.bWhen[b] === when && this.bSlot[b]! >= 0;
  }

  private newBucket(when: number): number {
    let b = this.freeBuckets;
    if (b >= 0) {
      this.freeBuckets = this.bHead[b]!;
    } else {
      if (this.bucketsUsed === this.bWhen.length) this.growBuckets();
      b = this.bucketsUsed++;
    }
    this.bWhen[b] = when;
    this.bSeq[b] = this.nextSeq;
    this.nextSeq = (this.nextSeq + 1) >>> 0;
    this.bHead[b] = this.bTail[b] = -1;
    this.siftUp(this.size++, b);
    return b;
  }

  private freeBucket(b: number): void {
    this.bSlot[b] = -1;
    this.bHead[b] = this.freeBuckets;
    this.freeBuckets = b;
  }

  /** Whether bucket a orders before bucket b. Sequence numbers compare as a wrapping distance. */
  private less(a: number, b: number): boolean {
    const wa = this.bWhen[a]!;
    const wb = this.bWhen[b]!;
    return wa < wb || (wa === wb && ((this.bSeq[a]! - this.bSeq[b]!) | 0) < 0);
  }

  private place(i: number, b: number): void {
    this.heap[i] = b;
    this.bSlot[b] = i;
  }

  private siftUp(i: number, b: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pb = this.heap[parent]!;
      if (!this.less(b, pb)) break;
      this.place(i, pb);
      i = parent;
    }
    this.place(i, b);
  }

  private siftDown(i: number, b: number): void {
    const size = this.size;
    const half = size >> 1;
    while (i < half) {
      let child = 2 * i + 1;
      const right = child + 1;
      if (right < size && this.less(this.heap[right]!, this.heap[child]!)) child = right;
      const cb = this.heap[child]!;
      if (!this.less(cb, b)) break;
      this.place(i, cb);
      i = child;
    }
    this.place(i, b);
  }

  /** Takes heap entry i out (the caller frees its bucket). */
  private heapRemove(i: number): void {
    const last = --this.size;
    if (i === last) return;
    const b = this.heap[last]!;
    if (i > 0 && this.less(b, this.heap[(i - 1) >> 1]!)) this.siftUp(i, b);
    else this.siftDown(i, b);
  }

  private growBuckets(): void {
    const cap = this.bWhen.length * 2;
    this.bWhen = grown(this.bWhen, new Float64Array(cap));
    this.bSeq = grown(this.bSeq, new Uint32Array(cap));
    this.bHead = grown(this.bHead, new Int32Array(cap));
    this.bTail = grown(this.bTail, new Int32Array(cap));
    this.bSlot = grown(this.bSlot, new Int32Array(cap).fill(-1));
    this.heap = grown(this.heap, new Int32Array(cap));
  }

  private growLinks(id: number): void {
    let cap = this.bucketOf.length;
    while (cap <= id) cap *= 2;
    this.next = grown(this.next, new Int32Array(cap).fill(-1));
    this.prev = grown(this.prev, new Int32Array(cap).fill(-1));
    this.bucketOf = grown(this.bucketOf, new Int32Array(cap).fill(-1));
  }
}

const BUCKETS = INITIAL_CAPACITY >> 2;
const CACHE_SETS = 256;
/** Scratch for reading a deadline's bits (little-endian on every host wasyncio runs on). */
const BITS_F64 = new Float64Array(1);
const BITS_U32 = new Uint32Array(BITS_F64.buffer);

function grown<T extends Float64Array | Uint32Array | Int32Array>(old: T, fresh: T): T {
  fresh.set(old);
  return fresh;
}
