// The ready queue: a FIFO ring of handle ids (i32), capacity a power of two, doubling when full.
// A batch is taken whole with readyDrain(): the ids move to the batch buffer, so callbacks
// scheduled while the batch runs land in the emptied ring and wait for the next iteration.
import { grow } from "./memory";

let ring: usize = 0;
let mask: u32 = 0;
let head: u32 = 0; // next id to take
let count: u32 = 0;

let batch: usize = 0;
let batchCap: u32 = 0;

// Ids the host pushed since the last call, written by the host straight into this fixed region
// (a typed-array store instead of a call per push). Every entry point that reads the ready
// queue first appends them, so they keep their place before anything this module pushes.
export const STAGING_CAPACITY: u32 = 1024;
let staging: usize = 0;

export function readyInit(capacity: u32): void {
  let cap: u32 = 16;
  while (cap < capacity) cap <<= 1;
  ring = heap.alloc(<usize>cap << 2);
  mask = cap - 1;
  head = 0;
  count = 0;
  batchCap = cap;
  batch = heap.alloc(<usize>cap << 2);
  staging = heap.alloc(<usize>STAGING_CAPACITY << 2);
}

/** Where the host stages pushed ids (fixed for the instance's lifetime). */
export function stagingPtr(): usize {
  return staging;
}

/** Appends the first `n` staged ids to the ring. */
export function readyFlush(n: u32): void {
  for (let i: u32 = 0; i < n; i++) pushReadyInline(load<i32>(staging + (<usize>i << 2)));
}

function growRing(): void {
  const cap = mask + 1;
  const fresh = heap.alloc(<usize>cap << 3);
  // Unwrap the ring into the front of the new block.
  const first = cap - head;
  memory.copy(fresh, ring + (<usize>head << 2), <usize>first << 2);
  memory.copy(fresh + (<usize>first << 2), ring, <usize>head << 2);
  heap.free(ring);
  ring = fresh;
  head = 0;
  mask = (cap << 1) - 1;
}

// @ts-ignore: decorator
@inline
export function pushReadyInline(id: i32): void {
  if (count > mask) growRing();
  store<i32>(ring + (<usize>((head + count) & mask) << 2), id);
  count++;
}

export function readyPush(id: i32): void {
  pushReadyInline(id);
}

export function readyCount(): u32 {
  return count;
}

export function readyCapacity(): u32 {
  return mask + 1;
}

/** Appends `staged` staged ids, then moves every ready id into the batch buffer; returns how many. */
export function readyDrain(staged: u32): u32 {
  if (count == 0 && staged <= batchCap) {
    // The common case: nothing left in the ring, so the staged ids are the batch. Small
    // batches copy by hand: memory.copy has a fixed cost that dominates a few ids.
    if (staged <= 16) {
      for (let i: usize = 0; i < <usize>staged << 2; i += 4) store<i32>(batch + i, load<i32>(staging + i));
    } else {
      memory.copy(batch, staging, <usize>staged << 2);
    }
    return staged;
  }
  readyFlush(staged);
  const n = count;
  if (n == 0) return 0;
  if (n > batchCap) {
    let cap = batchCap;
    while (cap < n) cap <<= 1;
    batch = grow(batch, 0, <usize>cap << 2);
    batchCap = cap;
  }
  const first = min(n, mask + 1 - head);
  memory.copy(batch, ring + (<usize>head << 2), <usize>first << 2);
  if (first < n) memory.copy(batch + (<usize>first << 2), ring, <usize>(n - first) << 2);
  head = 0;
  count = 0;
  return n;
}

/** Where the last drained batch starts (byte offset; moves only when the batch buffer grows). */
export function batchPtr(): usize {
  return batch;
}

export function batchCapacity(): u32 {
  return batchCap;
}
