// The timer heap: a binary min-heap of (when f64, seq u32, id i32), ordered by when then seq,
// so timers with equal deadlines fire in the order they were scheduled.
// pos[id] is the id's slot in the heap (-1 when absent), which makes removal by id O(log n):
// a cancelled timer leaves the heap at once instead of lingering until its deadline.
import { grow } from "./memory";
import { pushReadyInline, readyFlush } from "./ready";

const ENTRY: usize = 16; // when f64 @0, seq u32 @8, id i32 @12

let entries: usize = 0;
let cap: u32 = 0;
let size: u32 = 0;
let seq: u32 = 0;

let pos: usize = 0; // i32 per id
let posCap: u32 = 0;

export function timersInit(capacity: u32): void {
  cap = max<u32>(capacity, 16);
  entries = heap.alloc(<usize>cap * ENTRY);
  size = 0;
  seq = 0;
  posCap = max<u32>(capacity, 16);
  pos = heap.alloc(<usize>posCap << 2);
  memory.fill(pos, 0xff, <usize>posCap << 2);
}

// @ts-ignore: decorator
@inline
function at(i: u32): usize {
  return entries + <usize>i * ENTRY;
}

// @ts-ignore: decorator
@inline
function less(a: usize, b: usize): bool {
  const wa = load<f64>(a);
  const wb = load<f64>(b);
  // Sequence numbers wrap after 2^32 timers; compare them as a signed distance.
  return wa < wb || (wa == wb && <i32>(load<u32>(a, 8) - load<u32>(b, 8)) < 0);
}

// @ts-ignore: decorator
@inline
function place(i: u32, when: f64, s: u32, id: i32): void {
  const p = at(i);
  store<f64>(p, when);
  store<u32>(p, s, 8);
  store<i32>(p, id, 12);
  store<i32>(pos + (<usize>id << 2), i);
}

function siftUp(i: u32, when: f64, s: u32, id: i32): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pp = at(parent);
    const pw = load<f64>(pp);
    if (pw < when || (pw == when && <i32>(load<u32>(pp, 8) - s) < 0)) break;
    place(i, pw, load<u32>(pp, 8), load<i32>(pp, 12));
    i = parent;
  }
  place(i, when, s, id);
}

function siftDown(i: u32, when: f64, s: u32, id: i32): void {
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
    if (when < cw || (when == cw && <i32>(s - load<u32>(cp, 8)) < 0)) break;
    place(i, cw, load<u32>(cp, 8), load<i32>(cp, 12));
    i = child;
  }
  place(i, when, s, id);
}

function ensurePos(id: i32): void {
  if (<u32>id < posCap) return;
  let n = posCap;
  while (n <= <u32>id) n <<= 1;
  pos = grow(pos, <usize>posCap << 2, <usize>n << 2);
  memory.fill(pos + (<usize>posCap << 2), 0xff, <usize>(n - posCap) << 2);
  posCap = n;
}

/** Schedules handle `id` at `when` (seconds). An id already in the heap is rescheduled. */
export function timerAdd(id: i32, when: f64): void {
  if (id < 0) return;
  ensurePos(id);
  if (load<i32>(pos + (<usize>id << 2)) >= 0) timerRemove(id);
  if (size == cap) {
    entries = grow(entries, <usize>cap * ENTRY, <usize>cap * 2 * ENTRY);
    cap <<= 1;
  }
  const i = size++;
  siftUp(i, when, seq++, id);
}

/** Removes handle `id` from the heap; returns 1 if it was there. */
export function timerRemove(id: i32): i32 {
  if (<u32>id >= posCap) return 0;
  const slot = pos + (<usize>id << 2);
  const i = load<i32>(slot);
  if (i < 0) return 0;
  store<i32>(slot, -1);
  const last = --size;
  if (<u32>i != last) {
    const lp = at(last);
    const when = load<f64>(lp);
    const s = load<u32>(lp, 8);
    const lid = load<i32>(lp, 12);
    // The moved entry may belong above or below the hole.
    if (i > 0 && less(lp, at((<u32>i - 1) >> 1))) siftUp(<u32>i, when, s, lid);
    else siftDown(<u32>i, when, s, lid);
  }
  return 1;
}

/** The earliest deadline, or +Infinity when no timer is scheduled. */
export function timerNextWhen(): f64 {
  return size > 0 ? load<f64>(entries) : Infinity;
}

/**
 * Appends the `staged` ids the host staged at `from` (they were ready first), then moves every
 * timer with when <= `now` to the ready queue, earliest first; returns how many timers moved.
 */
export function timerPopDue(now: f64, from: usize, staged: u32): u32 {
  readyFlush(from, staged);
  let n: u32 = 0;
  while (size > 0) {
    const top = entries;
    if (load<f64>(top) > now) break;
    const id = load<i32>(top, 12);
    store<i32>(pos + (<usize>id << 2), -1);
    const last = --size;
    if (last > 0) {
      const lp = at(last);
      siftDown(0, load<f64>(lp), load<u32>(lp, 8), load<i32>(lp, 12));
    }
    pushReadyInline(id);
    n++;
  }
  return n;
}

export function timerCount(): u32 {
  return size;
}

export function timerCapacity(): u32 {
  return cap;
}
