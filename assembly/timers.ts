// The timers: a binary min-heap of deadline buckets ordered by (when f64, seq u32), each bucket a
// FIFO list of the handle ids due at exactly that `when`. Loop time is cached per iteration (as
// libuv's uv_now), so timers scheduled together with the same delay share a deadline: they cost
// one heap entry between them, and firing them is a walk down a list rather than a heap pop each.
// Equal deadlines keep scheduling order: a timer joins a bucket only while it is the newest
// bucket for its `when`, and older buckets sort first (lower seq).
// Removal by id is O(1) (unlink), plus O(log buckets) when it empties its bucket, so a cancelled
// timer leaves at once instead of lingering until its deadline.
import { grow } from "./memory";
import { pushReadyInline, readyFlush } from "./ready";

const NONE: i32 = -1;

// Per id: next i32 @0, prev i32 @4, bucket i32 @8 (NONE when the id is not scheduled).
const LINK: usize = 16;
let links: usize = 0;
let linkCap: u32 = 0;

// Per bucket: when f64 @0, seq u32 @8, head i32 @12, tail i32 @16, heap slot i32 @20 (NONE when
// the bucket is free), next free bucket i32 @24.
const BUCKET: usize = 32;
let buckets: usize = 0;
let bucketCap: u32 = 0;
let bucketsUsed: u32 = 0;
let freeBuckets: i32 = NONE;

// The heap: (when f64 @0, seq u32 @8, bucket i32 @12) per entry, copied out of the bucket so a
// comparison reads one cache line.
const ENTRY: usize = 16;
let entries: usize = 0;
let cap: u32 = 0;
let size: u32 = 0;
let seq: u32 = 0;
let live: u32 = 0;

// The newest bucket for a deadline, found through a 2-way set-associative table on the deadline's
// bits (a few distinct delays in flight must not evict each other). A miss only costs a new
// bucket: correctness never depends on finding an old one.
const CACHE_SETS: u32 = 256;
let cache: usize = 0;

// Timers the host scheduled since its last call, staged by the host straight into WASM memory
// (a typed-array store instead of a call per callLater): ids at `stagedIds`, deadlines at
// `stagedWhens`. The host applies them, in order, before it reads or changes the timers: timerPopDue
// takes their count (it runs every iteration), any other call follows a timerFlush.
export const TIMER_STAGING_CAPACITY: u32 = 1024;
let stagedIds: usize = 0;
let stagedWhens: usize = 0;

/** Where the host stages timers: TIMER_STAGING_CAPACITY f64 deadlines, then as many i32 ids. */
export function timerStagingPtr(): usize {
  return stagedWhens;
}

/** Applies the first `n` staged timers, as timerAdd calls in staging order. */
export function timerFlush(n: u32): void {
  for (let i: u32 = 0; i < n; i++) timerAdd(load<i32>(stagedIds + (<usize>i << 2)), load<f64>(stagedWhens + (<usize>i << 3)));
}

export function timersInit(capacity: u32): void {
  stagedWhens = heap.alloc(<usize>TIMER_STAGING_CAPACITY * 12);
  stagedIds = stagedWhens + (<usize>TIMER_STAGING_CAPACITY << 3);
  cap = max<u32>(capacity >> 2, 16);
  entries = heap.alloc(<usize>cap * ENTRY);
  bucketCap = cap;
  buckets = heap.alloc(<usize>bucketCap * BUCKET);
  bucketsUsed = 0;
  freeBuckets = NONE;
  linkCap = max<u32>(capacity, 16);
  links = heap.alloc(<usize>linkCap * LINK);
  memory.fill(links, 0xff, <usize>linkCap * LINK);
  cache = heap.alloc(<usize>CACHE_SETS << 3);
  memory.fill(cache, 0xff, <usize>CACHE_SETS << 3);
  size = 0;
  seq = 0;
  live = 0;
}

// @ts-ignore: decorator
@inline
function linkAt(id: i32): usize {
  return links + <usize>id * LINK;
}

// @ts-ignore: decorator
@inline
function bucketAt(b: i32): usize {
  return buckets + <usize>b * BUCKET;
}

// @ts-ignore: decorator
@inline
function at(i: u32): usize {
  return entries + <usize>i * ENTRY;
}

/**
 * Whether key (wa, sa) orders before (wb, sb). Sequence numbers wrap after 2^32 buckets, so they
 * compare as a signed distance.
 */
// @ts-ignore: decorator
@inline
function before(wa: f64, sa: u32, wb: f64, sb: u32): bool {
  return wa < wb || (wa == wb && <i32>(sa - sb) < 0);
}

/** Whether heap entry `a` orders before heap entry `b` (both addresses). */
// @ts-ignore: decorator
@inline
function less(a: usize, b: usize): bool {
  return before(load<f64>(a), load<u32>(a, 8), load<f64>(b), load<u32>(b, 8));
}

// @ts-ignore: decorator
@inline
function place(i: u32, when: f64, s: u32, b: i32): void {
  const p = at(i);
  store<f64>(p, when);
  store<u32>(p, s, 8);
  store<i32>(p, b, 12);
  store<i32>(bucketAt(b), i, 20);
}

function siftUp(i: u32, when: f64, s: u32, b: i32): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pp = at(parent);
    const pw = load<f64>(pp);
    const ps = load<u32>(pp, 8);
    if (before(pw, ps, when, s)) break;
    place(i, pw, ps, load<i32>(pp, 12));
    i = parent;
  }
  place(i, when, s, b);
}

function siftDown(i: u32, when: f64, s: u32, b: i32): void {
  const half = size >> 1;
  while (i < half) {
    let child: u32 = 2 * i + 1;
    let cp = at(child);
    const right: u32 = child + 1;
    if (right < size && less(at(right), cp)) {
      child = right;
      cp = at(right);
    }
    const cw = load<f64>(cp);
    const cs = load<u32>(cp, 8);
    if (before(when, s, cw, cs)) break;
    place(i, cw, cs, load<i32>(cp, 12));
    i = child;
  }
  place(i, when, s, b);
}

/** Takes heap entry `i` out (the bucket itself is freed by the caller). */
function heapRemove(i: u32): void {
  const last = --size;
  if (i == last) return;
  const lp = at(last);
  const when = load<f64>(lp);
  const s = load<u32>(lp, 8);
  const b = load<i32>(lp, 12);
  // The moved entry may belong above or below the hole.
  if (i > 0 && less(lp, at((i - 1) >> 1))) siftUp(i, when, s, b);
  else siftDown(i, when, s, b);
}

function freeBucket(b: i32): void {
  const bp = bucketAt(b);
  store<i32>(bp, NONE, 20);
  store<i32>(bp, freeBuckets, 24);
  freeBuckets = b;
}

function newBucket(when: f64): i32 {
  let b = freeBuckets;
  if (b >= 0) {
    freeBuckets = load<i32>(bucketAt(b), 24);
  } else {
    if (bucketsUsed == bucketCap) {
      buckets = grow(buckets, <usize>bucketCap * BUCKET, <usize>bucketCap * 2 * BUCKET);
      bucketCap <<= 1;
    }
    b = <i32>bucketsUsed;
    bucketsUsed++;
  }
  const bp = bucketAt(b);
  const s = seq++;
  store<f64>(bp, when);
  store<u32>(bp, s, 8);
  store<i32>(bp, NONE, 12);
  store<i32>(bp, NONE, 16);
  if (size == cap) {
    entries = grow(entries, <usize>cap * ENTRY, <usize>cap * 2 * ENTRY);
    cap <<= 1;
  }
  siftUp(size++, when, s, b);
  return b;
}

// @ts-ignore: decorator
@inline
function isWaiting(b: i32, when: f64): bool {
  if (b < 0) return false;
  const bp = bucketAt(b);
  return load<f64>(bp) == when && load<i32>(bp, 20) >= 0;
}

/**
 * The newest bucket for `when` that is still waiting, made if there is none. A bucket is only
 * ever reachable from the table while it is the newest for its deadline: a new one is made only
 * when neither way of its set holds a waiting bucket for that deadline.
 */
function bucketFor(when: f64): i32 {
  const bits = reinterpret<u64>(when);
  const set = cache + (<usize>((<u32>(bits ^ (bits >> 32)) * 0x9e3779b1) >> 24) << 3);
  const first = load<i32>(set);
  if (isWaiting(first, when)) return first;
  const second = load<i32>(set, 4);
  if (isWaiting(second, when)) {
    // The most recently used way comes first.
    store<i32>(set, second);
    store<i32>(set, first, 4);
    return second;
  }
  const fresh = newBucket(when);
  store<i32>(set, fresh);
  store<i32>(set, first, 4);
  return fresh;
}

function ensureLinks(id: i32): void {
  if (<u32>id < linkCap) return;
  let n = linkCap;
  while (n <= <u32>id) n <<= 1;
  links = grow(links, <usize>linkCap * LINK, <usize>n * LINK);
  memory.fill(links + <usize>linkCap * LINK, 0xff, <usize>(n - linkCap) * LINK);
  linkCap = n;
}

/** Schedules handle `id` at `when` (seconds). An id already scheduled is rescheduled. */
export function timerAdd(id: i32, when: f64): void {
  if (id < 0) return;
  ensureLinks(id);
  if (load<i32>(linkAt(id), 8) >= 0) timerRemove(id);
  // -0 and +0 are one deadline; their bits differ, and the bucket table hashes bits.
  const b = bucketFor(when + 0.0);
  const bp = bucketAt(b);
  const lp = linkAt(id);
  const tail = load<i32>(bp, 16);
  store<i32>(lp, NONE);
  store<i32>(lp, tail, 4);
  store<i32>(lp, b, 8);
  if (tail >= 0) store<i32>(linkAt(tail), id);
  else store<i32>(bp, id, 12);
  store<i32>(bp, id, 16);
  live++;
}

/** Removes handle `id` from the timers; returns 1 if it was there. */
export function timerRemove(id: i32): i32 {
  if (<u32>id >= linkCap) return 0;
  const lp = linkAt(id);
  const b = load<i32>(lp, 8);
  if (b < 0) return 0;
  const next = load<i32>(lp);
  const prev = load<i32>(lp, 4);
  const bp = bucketAt(b);
  if (prev >= 0) store<i32>(linkAt(prev), next);
  else store<i32>(bp, next, 12);
  if (next >= 0) store<i32>(linkAt(next), prev, 4);
  else store<i32>(bp, prev, 16);
  store<i32>(lp, NONE, 8);
  live--;
  if (load<i32>(bp, 12) < 0) {
    heapRemove(<u32>load<i32>(bp, 20));
    freeBucket(b);
  }
  return 1;
}

/** The earliest deadline, or +Infinity when no timer is scheduled. */
export function timerNextWhen(): f64 {
  return size > 0 ? load<f64>(entries) : Infinity;
}

/**
 * Appends the `staged` ids the host staged at `from` (they were ready first) and applies the
 * `timersStaged` staged timers, then moves every timer with when <= `now` to the ready queue,
 * earliest first; returns how many timers moved.
 */
export function timerPopDue(now: f64, from: usize, staged: u32, timersStaged: u32): u32 {
  readyFlush(from, staged);
  timerFlush(timersStaged);
  let n: u32 = 0;
  while (size > 0) {
    if (load<f64>(entries) > now) break;
    const b = load<i32>(entries, 12);
    heapRemove(0);
    let id = load<i32>(bucketAt(b), 12);
    while (id >= 0) {
      const lp = linkAt(id);
      store<i32>(lp, NONE, 8);
      pushReadyInline(id);
      n++;
      id = load<i32>(lp);
    }
    freeBucket(b);
  }
  live -= n;
  return n;
}

/** Timers scheduled (cancelled ones leave at once). */
export function timerCount(): u32 {
  return live;
}

/** Ids the timer links have room for before they grow. */
export function timerCapacity(): u32 {
  return linkCap;
}
