// Byte rings in linear memory: the read ring a socket reads into and the write ring outgoing
// messages are composed in. Many rings live in one module instance (one per connection), each
// identified by the address of its small state struct (the "handle").
//
// ## Memory: a size-class free list over the stub runtime
// The stub runtime's heap.free only reclaims the most recent block, so rings that come and go
// with connections would leak. Every block here comes from blockAlloc(): power-of-two size
// classes (16 B .. 1 GiB) with one LIFO free list per class; a freed block goes back on its
// class's list and is reused by the next allocation of that class; only an empty list falls
// through to heap.alloc (the stub's bump pointer, which may call memory.grow). Blocks never
// return to the stub, which is fine: WASM memory cannot shrink anyway. Callers pass the size
// they asked for when freeing (every caller knows it), so blocks carry no header of ours.
//
// ## Read ring: a linear buffer that compacts (the design choice)
// The parser must hand the host each frame as ONE contiguous view, and the socket must read
// into ONE contiguous free region. A wrap-around ring would split frames at the wrap point
// and need a copy for those anyway, so the read ring is a linear buffer:
//   [0, start)      consumed (frames already parsed; their bytes stay in place until the
//                   next ringPrepare, so delivered views stay valid until then)
//   [start, end)    received, not yet parsed into frames (after a drain: one partial frame)
//   [end, cap)      free: what the socket reads into
// ringPrepare() (called when the host asks for a writable region) makes room:
//   * empty buffer (start == end): rewind both to 0, free of charge;
//   * compact (memmove [start, end) to 0) when the free tail cannot hold what the pending
//     frame still needs, or when it is below `want` (the host's size hint, capped at a quarter
//     of the ring) and the move is cheap (used <= start: it copies no more than it frees);
//   * grow (next power of two, at least double, at most maxCap) only when the pending frame
//     cannot fit even after compaction; growth copies the live bytes into a fresh block and
//     frees the old one.
// After a drain only the partial frame is live, so a compaction copies less than one frame,
// and the quarter-ring threshold keeps small reads from compacting every time. Measured
// (kafka framing, 16 MiB through a 64 KiB ring): bytes moved by compaction = 0 % of the bytes
// received for 16 B frames and for 64 KiB frames, 0.8 % for 1 KiB frames in 60000-byte reads,
// 0.9 % for 1 KiB frames in 1460-byte reads (35 % before the quarter-ring cap), 0.2 % for
// 300 B frames. When the ring is at maxCap with no free byte the region is empty: the host
// must stop reading ("full") until frames are consumed.
//
// ## Write ring: a bip-buffer with in-flight bytes that never move
// Composed bytes are handed to the socket as a view of this memory (no JS copy) and must not
// move or be overwritten until the host reports the write done (wbufRelease). Layout:
//   not wrapped: [head, taken) in flight, [taken, tail) composed, free [tail, cap)
//   wrapped:     [head, aEnd) in flight (older), [0, taken) in flight (newer),
//                [taken, tail) composed, free [tail, head)
// When the tail runs out of room, the composed (not yet taken) bytes move to the front if
// the space before the in-flight bytes holds them (wrap); if nothing is in flight they simply
// compact to 0; otherwise the ring grows into a fresh block and the old block is "retired":
// kept, untouched, until its in-flight bytes are released, then freed.
//
// Growth calls memory.grow, which detaches every JS view of this memory: the host re-derives
// its views after each call that may grow (ringPrepare via parserWritable, wbufReserve,
// parserNew, wbufNew) and must use the region returned by that call.

// ---------------------------------------------------------------------------------------------
// Block allocator

const MIN_CLASS: i32 = 4; // 16 bytes
/** Largest ring capacity in bytes (1 GiB): capacities and offsets stay positive i32. */
export const MAX_CAPACITY: i32 = 1 << 30;

// One free-list head per size class 0..31 (only MIN_CLASS..30 used).
const freeLists: usize = memory.data(32 * 4);

// @ts-ignore: decorator
@inline
function sizeClass(size: i32): i32 {
  return size <= 16 ? MIN_CLASS : 32 - clz<i32>(size - 1);
}

/** A block of at least `size` bytes (a power of two >= 16), from the free list when possible. */
export function blockAlloc(size: i32): usize {
  const k = sizeClass(size);
  const slot = freeLists + (<usize>k << 2);
  const head = load<usize>(slot);
  if (head != 0) {
    store<usize>(slot, load<usize>(head));
    return head;
  }
  return heap.alloc(<usize>1 << <usize>k);
}

/** Returns a block from blockAlloc(size) to its class's free list. */
export function blockFree(ptr: usize, size: i32): void {
  if (ptr == 0) return;
  const slot = freeLists + (<usize>sizeClass(size) << 2);
  store<usize>(ptr, load<usize>(slot));
  store<usize>(slot, ptr);
}

// @ts-ignore: decorator
@inline
function pow2AtLeast(n: i32): i32 {
  return n <= 16 ? 16 : 1 << (32 - clz<i32>(n - 1));
}

/** Next capacity: at least double `cap` and at least `target`, a power of two, at most maxCap. */
// @ts-ignore: decorator
@inline
function nextCapacity(cap: i32, target: i32, maxCap: i32): i32 {
  let nc = cap >= (maxCap >> 1) ? maxCap : cap << 1;
  if (nc < target) nc = target >= (maxCap >> 1) ? maxCap : pow2AtLeast(target);
  return nc > maxCap ? maxCap : nc;
}

// ---------------------------------------------------------------------------------------------
// Read ring. Its fields open the parser state struct (frames.ts appends the parser's own).

export const R_BUF: i32 = 0; // usize: the buffer block
export const R_CAP: i32 = 4; // current capacity
export const R_MAX: i32 = 8; // capacity cap
export const R_START: i32 = 12; // first byte not yet parsed into a frame (offset in the buffer)
export const R_END: i32 = 16; // end of received data (offset)

/** Allocates the ring's buffer (state struct at `h` is the caller's). */
export function ringInit(h: usize, initCap: i32, maxCap: i32): void {
  const cap = initCap > maxCap ? maxCap : initCap;
  store<usize>(h + R_BUF, blockAlloc(cap));
  store<i32>(h + R_CAP, cap);
  store<i32>(h + R_MAX, maxCap);
  store<i32>(h + R_START, 0);
  store<i32>(h + R_END, 0);
}

export function ringRelease(h: usize): void {
  blockFree(load<usize>(h + R_BUF), load<i32>(h + R_CAP));
  store<usize>(h + R_BUF, 0);
  store<i32>(h + R_CAP, 0);
}

/**
 * Makes room at the end of the ring: at least `need` bytes if the capacity cap allows,
 * preferably `want`. Returns by how many bytes the live data moved towards 0 (the caller shifts
 * its own offsets by it). The free region is then [end, cap).
 */
export function ringPrepare(h: usize, need: i32, want: i32): i32 {
  const origStart = load<i32>(h + R_START);
  let start = origStart;
  let end = load<i32>(h + R_END);
  let cap = load<i32>(h + R_CAP);
  const used = end - start;
  if (used == 0 && start != 0) {
    start = 0;
    end = 0;
  }
  let tail = cap - end;
  if (start > 0 && (tail < need || (tail < want && used <= start))) {
    const buf = load<usize>(h + R_BUF);
    memory.copy(buf, buf + <usize>start, <usize>used);
    start = 0;
    end = used;
    tail = cap - end;
  }
  if (cap - used < need) {
    const maxCap = load<i32>(h + R_MAX);
    if (cap < maxCap) {
      const target = used > maxCap - need ? maxCap : used + need;
      const nc = nextCapacity(cap, target, maxCap);
      const buf = load<usize>(h + R_BUF);
      const fresh = blockAlloc(nc);
      memory.copy(fresh, buf + <usize>start, <usize>used);
      blockFree(buf, cap);
      store<usize>(h + R_BUF, fresh);
      store<i32>(h + R_CAP, nc);
      start = 0;
      end = used;
    }
  }
  store<i32>(h + R_START, start);
  store<i32>(h + R_END, end);
  return origStart - start;
}

// ---------------------------------------------------------------------------------------------
// Write ring

export const W_BUF: i32 = 0; // usize
export const W_CAP: i32 = 4;
export const W_MAX: i32 = 8;
export const W_HEAD: i32 = 12; // oldest in-flight byte of the current block
export const W_AEND: i32 = 16; // end of the older in-flight region when wrapped
export const W_WRAPPED: i32 = 20;
export const W_TAKEN: i32 = 24; // start of composed, not yet taken bytes
export const W_TAIL: i32 = 28; // end of composed bytes
export const W_LIMIT: i32 = 32; // end of the writable space (cap, or head when wrapped)
export const W_RETIRED: i32 = 36; // usize: oldest retired block record (singly linked, FIFO)
export const W_RETIRED_LAST: i32 = 40; // usize: newest retired record
export const W_RETIRED_BYTES: i32 = 44; // in-flight bytes in retired blocks
const W_SIZE: i32 = 48;

// A retired block record: { next usize, buf usize, cap i32, inflight i32 }.
const RB_NEXT: i32 = 0;
const RB_BUF: i32 = 4;
const RB_CAP: i32 = 8;
const RB_LEFT: i32 = 12;
const RB_SIZE: i32 = 16;

export function wbufNew(initCap: i32, maxCap: i32): usize {
  const h = blockAlloc(W_SIZE);
  memory.fill(h, 0, <usize>W_SIZE);
  const cap = initCap > maxCap ? maxCap : initCap;
  store<usize>(h + W_BUF, blockAlloc(cap));
  store<i32>(h + W_CAP, cap);
  store<i32>(h + W_MAX, maxCap);
  store<i32>(h + W_LIMIT, cap);
  return h;
}

export function wbufFree(h: usize): void {
  let r = load<usize>(h + W_RETIRED);
  while (r != 0) {
    const next = load<usize>(r + RB_NEXT);
    blockFree(load<usize>(r + RB_BUF), load<i32>(r + RB_CAP));
    blockFree(r, RB_SIZE);
    r = next;
  }
  blockFree(load<usize>(h + W_BUF), load<i32>(h + W_CAP));
  blockFree(h, W_SIZE);
}

// @ts-ignore: decorator
@inline
function inflightHere(h: usize): i32 {
  const head = load<i32>(h + W_HEAD);
  const taken = load<i32>(h + W_TAKEN);
  return load<i32>(h + W_WRAPPED) != 0 ? load<i32>(h + W_AEND) - head + taken : taken - head;
}

/** Bytes handed out (taken) and not yet released, over the current and retired blocks. */
export function wbufInflight(h: usize, taken: i32): i32 {
  store<i32>(h + W_TAKEN, taken);
  return inflightHere(h) + load<i32>(h + W_RETIRED_BYTES);
}

/**
 * Ensures `n` free bytes after the composed bytes, keeping them contiguous (they may move; the
 * in-flight bytes never do). `taken` and `tail` are the host's current offsets. Returns 1, or 0
 * when the capacity cap does not allow it (nothing changed). The host then re-reads
 * buf/taken/tail/limit and re-derives its views (this may grow memory).
 */
export function wbufReserve(h: usize, taken: i32, tail: i32, n: i32): i32 {
  store<i32>(h + W_TAKEN, taken);
  store<i32>(h + W_TAIL, tail);
  const limit = load<i32>(h + W_LIMIT);
  if (limit - tail >= n) return 1;
  const composed = tail - taken;
  const cap = load<i32>(h + W_CAP);
  const maxCap = load<i32>(h + W_MAX);
  if (composed > maxCap - n) return 0;
  const needed = composed + n;
  const buf = load<usize>(h + W_BUF);
  const head = load<i32>(h + W_HEAD);
  const wrapped = load<i32>(h + W_WRAPPED) != 0;
  if (!wrapped) {
    if (head == taken) {
      // Nothing in flight here: slide the composed bytes to the front if that suffices.
      if (cap >= needed) {
        memory.copy(buf, buf + <usize>taken, <usize>composed);
        store<i32>(h + W_HEAD, 0);
        store<i32>(h + W_TAKEN, 0);
        store<i32>(h + W_TAIL, composed);
        store<i32>(h + W_LIMIT, cap);
        return 1;
      }
    } else if (head >= needed) {
      // Wrap: the composed bytes move in front of the in-flight ones.
      memory.copy(buf, buf + <usize>taken, <usize>composed);
      store<i32>(h + W_AEND, taken);
      store<i32>(h + W_WRAPPED, 1);
      store<i32>(h + W_TAKEN, 0);
      store<i32>(h + W_TAIL, composed);
      store<i32>(h + W_LIMIT, head);
      return 1;
    }
  }
  // Grow into a fresh block.
  if (cap >= maxCap && inflightHere(h) > 0) return 0;
  let nc = nextCapacity(cap, needed, maxCap);
  if (nc < needed) return 0;
  const fresh = blockAlloc(nc);
  memory.copy(fresh, buf + <usize>taken, <usize>composed);
  const left = inflightHere(h);
  if (left > 0) {
    const r = blockAlloc(RB_SIZE);
    store<usize>(r + RB_NEXT, 0);
    store<usize>(r + RB_BUF, buf);
    store<i32>(r + RB_CAP, cap);
    store<i32>(r + RB_LEFT, left);
    const last = load<usize>(h + W_RETIRED_LAST);
    if (last != 0) store<usize>(last + RB_NEXT, r);
    else store<usize>(h + W_RETIRED, r);
    store<usize>(h + W_RETIRED_LAST, r);
    store<i32>(h + W_RETIRED_BYTES, load<i32>(h + W_RETIRED_BYTES) + left);
  } else {
    blockFree(buf, cap);
  }
  store<usize>(h + W_BUF, fresh);
  store<i32>(h + W_CAP, nc);
  store<i32>(h + W_HEAD, 0);
  store<i32>(h + W_AEND, 0);
  store<i32>(h + W_WRAPPED, 0);
  store<i32>(h + W_TAKEN, 0);
  store<i32>(h + W_TAIL, composed);
  store<i32>(h + W_LIMIT, nc);
  return 1;
}

/**
 * Releases the oldest `n` in-flight bytes (writes complete in order). Returns 1, or 0 if fewer
 * than `n` bytes are in flight (nothing changed). Never grows memory; may rewind the offsets to
 * 0 when the ring empties, so the host re-reads taken/tail/limit.
 */
export function wbufRelease(h: usize, taken: i32, tail: i32, n: i32): i32 {
  store<i32>(h + W_TAKEN, taken);
  store<i32>(h + W_TAIL, tail);
  if (n < 0 || n > inflightHere(h) + load<i32>(h + W_RETIRED_BYTES)) return 0;
  let left = n;
  let r = load<usize>(h + W_RETIRED);
  while (left > 0 && r != 0) {
    const have = load<i32>(r + RB_LEFT);
    const k = have < left ? have : left;
    left -= k;
    store<i32>(h + W_RETIRED_BYTES, load<i32>(h + W_RETIRED_BYTES) - k);
    if (k == have) {
      const next = load<usize>(r + RB_NEXT);
      blockFree(load<usize>(r + RB_BUF), load<i32>(r + RB_CAP));
      blockFree(r, RB_SIZE);
      r = next;
      store<usize>(h + W_RETIRED, r);
      if (r == 0) store<usize>(h + W_RETIRED_LAST, 0);
    } else {
      store<i32>(r + RB_LEFT, have - k);
    }
  }
  if (left > 0) {
    let head = load<i32>(h + W_HEAD);
    if (load<i32>(h + W_WRAPPED) != 0) {
      const aEnd = load<i32>(h + W_AEND);
      const a = aEnd - head;
      const k = a < left ? a : left;
      head += k;
      left -= k;
      if (head == aEnd) {
        // The older region is gone: unwrap.
        head = 0;
        store<i32>(h + W_WRAPPED, 0);
        store<i32>(h + W_AEND, 0);
        store<i32>(h + W_LIMIT, load<i32>(h + W_CAP));
      }
    }
    head += left;
    store<i32>(h + W_HEAD, head);
  }
  if (load<i32>(h + W_WRAPPED) == 0 && load<i32>(h + W_HEAD) == taken && taken == tail) {
    store<i32>(h + W_HEAD, 0);
    store<i32>(h + W_TAKEN, 0);
    store<i32>(h + W_TAIL, 0);
  }
  return 1;
}
