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

// Ids the host pushed since the last call, written by the host straight into one of two fixed
// regions (a typed-array store instead of a call per push). Every entry point that reads the
// ready queue takes the region in use and first appends its ids, so they keep their place before
// anything this module pushes. Two regions let the host take a batch without a call when the
// ring is empty: the staged region itself is the batch, and pushes go to the other one.
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
  staging = heap.alloc(<usize>STAGING_CAPACITY << 3);
}

/** Where the host stages pushed ids: two regions of STAGING_CAPACITY ids, back to back (fixed). */
export function stagingPtr(): usize {
  return staging;
}

/** Appends the first `n` ids staged at `from` (one of the two staging regions) to the ring. */
export function readyFlush(from: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) pushReadyInline(load<i32>(from + (<usize>i << 2)));
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

export function readyCount(): u32 {
  return count;
}

export function readyCapacity(): u32 {
  return mask + 1;
}

/**
 * Appends the `staged` ids staged at `from`, then moves every ready id into the batch buffer;
 * returns how many. (With nothing in the ring the host takes the staged ids without this call.)
 */
export function readyDrain(from: usize, staged: u32): u32 {
  readyFlush(from, staged);
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
