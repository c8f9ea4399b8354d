// The frame parser: finds whole frames in a read ring (ring.ts) and reports them as
// (pointer, length) pairs in a per-parser results table, up to RES_CAP per call, so the host
// crosses into WASM once per batch, not once per frame, and nothing is allocated per frame.
//
// Modes
//   length field: the frame's wire size is  hdrEnd + L + adjustment  where L is the unsigned
//     length field at `offset` (1/2/3/4/8 bytes, big or little endian, or a LEB128 varint of at
//     most `varmax` bytes) and hdrEnd = offset + the field's size; `strip` bytes are cut from
//     the front of the delivered frame. maxFrameSize bounds the wire size.
//   delimiter: 1..8 delimiter bytes; the frame is everything before the delimiter (which is
//     consumed, not delivered); maxFrameSize bounds the delivered frame, so a window of
//     maxFrameSize + delimiter length bytes without a delimiter is an error.
// Errors (sticky until reset; every whole frame before the bad one is reported first):
//   TOO_LARGE, NEGATIVE (computed size shorter than the header), OVERFLOW (length field above
//   2^53 - 1), VARINT (varint longer than varmax), NO_DELIM, SHORT (shorter than `strip`).
// The host-side twin (src/framing/js-parser.ts) mirrors this file line by line; keep them equal.
import { R_BUF, R_CAP, R_MAX, R_START, R_END, ringInit, ringRelease, ringPrepare, blockAlloc, blockFree } from "./ring";

// Parser state: the read ring's fields (0..19) then these.
export const P_SCAN: i32 = 20; // delimiter mode: offset where the next search resumes
export const P_PEND: i32 = 24; // wire size of the frame at START once its header is known, else 0
export const P_BATCH0: i32 = 28; // START when the last batch began (to rewind undelivered frames)
export const P_RCOUNT: i32 = 32; // frames in the last batch
export const P_ERR: i32 = 36; // error code, 0 = none
export const P_ERRVAL: i32 = 40; // f64: the offending size
export const P_ERRAUX: i32 = 48; // i32: header size (NEGATIVE)
const P_MODE: i32 = 52; // 0 length field, 1 delimiter
const P_LOFF: i32 = 56;
const P_LSIZE: i32 = 60; // 1, 2, 3, 4, 8; 0 = varint
const P_BE: i32 = 64;
const P_ADJ: i32 = 68;
const P_STRIP: i32 = 72;
const P_MAXF: i32 = 76;
const P_VARMAX: i32 = 80;
const P_DLEN: i32 = 84;
const P_DLO: i32 = 88; // delimiter bytes 0..3 (byte 0 lowest)
const P_DHI: i32 = 92; // delimiter bytes 4..7
export const P_RES: i32 = 128; // results table: RES_CAP pairs of i32 (pointer, length)
export const RES_CAP: i32 = 496; // 128 + 496 * 8 = 4096: one block
const STATE_SIZE: i32 = P_RES + RES_CAP * 8;

export const ERR_TOO_LARGE: i32 = 1;
export const ERR_NEGATIVE: i32 = 2;
export const ERR_OVERFLOW: i32 = 3;
export const ERR_VARINT: i32 = 4;
export const ERR_NO_DELIM: i32 = 5;
export const ERR_SHORT: i32 = 6;

const MAX_SAFE: u64 = 0x1f_ffff_ffff_ffff; // 2^53 - 1

/** A new parser with its own read ring; returns its handle. Options were validated by the host. */
export function parserNew(
  mode: i32, loff: i32, lsize: i32, bigEndian: i32, adjustment: i32, strip: i32, maxFrame: i32,
  varmax: i32, dlen: i32, dlo: i32, dhi: i32, initCap: i32, maxCap: i32,
): usize {
  const h = blockAlloc(STATE_SIZE);
  memory.fill(h, 0, <usize>P_RES);
  store<i32>(h + P_MODE, mode);
  store<i32>(h + P_LOFF, loff);
  store<i32>(h + P_LSIZE, lsize);
  store<i32>(h + P_BE, bigEndian);
  store<i32>(h + P_ADJ, adjustment);
  store<i32>(h + P_STRIP, strip);
  store<i32>(h + P_MAXF, maxFrame);
  store<i32>(h + P_VARMAX, varmax);
  store<i32>(h + P_DLEN, dlen);
  store<i32>(h + P_DLO, dlo);
  store<i32>(h + P_DHI, dhi);
  ringInit(h, initCap, maxCap);
  return h;
}

export function parserFree(h: usize): void {
  ringRelease(h);
  blockFree(h, STATE_SIZE);
}

/** Forgets all buffered bytes and any error (the ring keeps its current capacity). */
export function parserReset(h: usize): void {
  store<i32>(h + R_START, 0);
  store<i32>(h + R_END, 0);
  store<i32>(h + P_SCAN, 0);
  store<i32>(h + P_PEND, 0);
  store<i32>(h + P_BATCH0, 0);
  store<i32>(h + P_RCOUNT, 0);
  store<i32>(h + P_ERR, 0);
  store<f64>(h + P_ERRVAL, 0);
  store<i32>(h + P_ERRAUX, 0);
}

// Puts the last `undelivered` frames of the last batch back: parsing resumes at the first of
// them (and re-detects any error after them).
function rewind(h: usize, undelivered: i32): void {
  const count = load<i32>(h + P_RCOUNT);
  if (undelivered <= 0 || undelivered > count) return;
  const j = count - undelivered;
  let start = load<i32>(h + P_BATCH0);
  if (j > 0) {
    const r = h + P_RES + (<usize>(j - 1) << 3);
    const wireEnd = load<i32>(r) + load<i32>(r, 4) - <i32>load<usize>(h + R_BUF);
    start = load<i32>(h + P_MODE) == 0 ? wireEnd : wireEnd + load<i32>(h + P_DLEN);
  }
  store<i32>(h + R_START, start);
  store<i32>(h + P_SCAN, start);
  store<i32>(h + P_PEND, 0);
  store<i32>(h + P_ERR, 0);
  store<i32>(h + P_RCOUNT, j);
}

/**
 * Prepares the free region for a socket read: puts `undelivered` frames of the last batch back,
 * then makes room (ring.ts: compaction / growth). Returns the free region's length; it starts at
 * BUF + END. May grow memory. Frames of earlier batches are invalid afterwards.
 */
export function parserWritable(h: usize, sizeHint: i32, undelivered: i32): i32 {
  if (undelivered > 0) rewind(h, undelivered);
  store<i32>(h + P_RCOUNT, 0);
  const start = load<i32>(h + R_START);
  const used = load<i32>(h + R_END) - start;
  const pend = load<i32>(h + P_PEND);
  const need = pend > used ? pend - used : 1;
  // Compaction target: the hint, but never more than a quarter of the ring (see ring.ts).
  const quarter = load<i32>(h + R_CAP) >> 2;
  const shift = ringPrepare(h, need, sizeHint > 0 && sizeHint < quarter ? sizeHint : quarter);
  if (shift != 0) store<i32>(h + P_SCAN, load<i32>(h + P_SCAN) - shift);
  return load<i32>(h + R_CAP) - load<i32>(h + R_END);
}

/**
 * Parses up to RES_CAP whole frames starting at START (after putting `undelivered` frames of the
 * last batch back). Returns how many; P_ERR is set when parsing stopped at a bad frame.
 */
export function parserParse(h: usize, undelivered: i32): i32 {
  if (undelivered > 0) rewind(h, undelivered);
  store<i32>(h + P_BATCH0, load<i32>(h + R_START));
  let n = 0;
  if (load<i32>(h + P_ERR) == 0) {
    n = load<i32>(h + P_MODE) == 0 ? parseLength(h) : parseDelimited(h);
  }
  store<i32>(h + P_RCOUNT, n);
  return n;
}

// @ts-ignore: decorator
@inline
function fail(h: usize, code: i32, value: f64, aux: i32): void {
  store<i32>(h + P_ERR, code);
  store<f64>(h + P_ERRVAL, value);
  store<i32>(h + P_ERRAUX, aux);
}

function parseLength(h: usize): i32 {
  const buf = load<usize>(h + R_BUF);
  const end = load<i32>(h + R_END);
  let pos = load<i32>(h + R_START);
  const loff = load<i32>(h + P_LOFF);
  const lsize = load<i32>(h + P_LSIZE);
  const be = load<i32>(h + P_BE) != 0;
  const adj = <i64>load<i32>(h + P_ADJ);
  const strip = load<i32>(h + P_STRIP);
  const maxF = <i64>load<i32>(h + P_MAXF);
  const varmax = load<i32>(h + P_VARMAX);
  const hdrMin = loff + (lsize == 0 ? 1 : lsize);
  let res = h + P_RES;
  let n = 0;
  let pend = 0;
  while (n < RES_CAP) {
    const avail = end - pos;
    if (avail < hdrMin) break;
    const p = buf + <usize>pos + <usize>loff;
    let len: u64 = 0;
    let hdrEnd = hdrMin;
    if (lsize == 4) {
      const v = load<u32>(p);
      len = <u64>(be ? bswap<u32>(v) : v);
    } else if (lsize == 2) {
      const v = load<u16>(p);
      len = <u64>(be ? bswap<u16>(v) : v);
    } else if (lsize == 1) {
      len = <u64>load<u8>(p);
    } else if (lsize == 3) {
      len = be
        ? (<u64>load<u8>(p) << 16) | (<u64>load<u8>(p, 1) << 8) | <u64>load<u8>(p, 2)
        : <u64>load<u16>(p) | (<u64>load<u8>(p, 2) << 16);
    } else if (lsize == 8) {
      const v = load<u64>(p);
      len = be ? bswap<u64>(v) : v;
      if (len > MAX_SAFE) {
        fail(h, ERR_OVERFLOW, 0, 0);
        break;
      }
    } else {
      // LEB128 varint: 7 bits per byte, low group first, high bit = more bytes follow.
      let i = 0;
      let shift: u64 = 0;
      let over = false;
      let done = false;
      let bad = false;
      while (true) {
        if (i == varmax) {
          bad = true;
          break;
        }
        if (loff + i >= avail) break;
        const b = <u64>load<u8>(p + <usize>i);
        i++;
        const v = b & 0x7f;
        if (shift < 56) len |= v << shift;
        else if (v != 0) over = true;
        if ((b & 0x80) == 0) {
          done = true;
          break;
        }
        shift += 7;
      }
      if (bad) {
        fail(h, ERR_VARINT, 0, varmax);
        break;
      }
      if (!done) break; // the varint continues past the received bytes
      if (over || len > MAX_SAFE) {
        fail(h, ERR_OVERFLOW, 0, 0);
        break;
      }
      hdrEnd = loff + i;
    }
    const total = <i64>len + (<i64>hdrEnd + adj);
    if (total < <i64>hdrEnd) {
      fail(h, ERR_NEGATIVE, <f64>total, hdrEnd);
      break;
    }
    if (total > maxF) {
      fail(h, ERR_TOO_LARGE, <f64>total, 0);
      break;
    }
    if (total < <i64>strip) {
      fail(h, ERR_SHORT, <f64>total, strip);
      break;
    }
    const t = <i32>total;
    if (avail < t) {
      pend = t;
      break;
    }
    store<i32>(res, <i32>(buf + <usize>pos) + strip);
    store<i32>(res, t - strip, 4);
    res += 8;
    pos += t;
    n++;
  }
  store<i32>(h + R_START, pos);
  store<i32>(h + P_PEND, pend);
  return n;
}

// Index of the first delimiter starting in [from, last] (last = limit - dlen), or -1.
// The first byte is searched 8 at a time (SWAR zero-byte test on x ^ d0 * 0x0101...).
function findDelimiter(buf: usize, from: i32, last: i32, dlen: i32, delim: u64): i32 {
  const d0 = <u32>(delim & 0xff);
  const pattern: u64 = <u64>d0 * 0x0101_0101_0101_0101;
  let i = from;
  while (i <= last) {
    let found = false;
    if (ASC_FEATURE_SIMD) {
      // With --enable simd: 16 bytes per step.
      const vd = i8x16.splat(<i8>d0);
      while (i + 16 <= last + 1) {
        const m = i8x16.bitmask(i8x16.eq(v128.load(buf + <usize>i), vd));
        if (m != 0) {
          i += ctz<i32>(m);
          found = true;
          break;
        }
        i += 16;
      }
    }
    while (!found && i + 8 <= last + 1) {
      const x = load<u64>(buf + <usize>i) ^ pattern;
      const t = (x - 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080;
      if (t != 0) {
        i += <i32>(ctz<u64>(t) >> 3);
        found = true;
        break;
      }
      i += 8;
    }
    if (!found) {
      while (i <= last) {
        if (<u32>load<u8>(buf + <usize>i) == d0) {
          found = true;
          break;
        }
        i++;
      }
      if (!found) return -1;
    }
    // buf[i] == d0: compare the rest.
    let k = 1;
    while (k < dlen) {
      if (<u64>load<u8>(buf + <usize>(i + k)) != ((delim >> (<u64>k << 3)) & 0xff)) break;
      k++;
    }
    if (k == dlen) return i;
    i++;
  }
  return -1;
}

function parseDelimited(h: usize): i32 {
  const buf = load<usize>(h + R_BUF);
  const end = load<i32>(h + R_END);
  let start = load<i32>(h + R_START);
  let scan = load<i32>(h + P_SCAN);
  const maxF = load<i32>(h + P_MAXF);
  const dlen = load<i32>(h + P_DLEN);
  const delim = <u64>load<u32>(h + P_DLO) | (<u64>load<u32>(h + P_DHI) << 32);
  const window = maxF + dlen;
  let res = h + P_RES;
  let n = 0;
  while (n < RES_CAP) {
    const avail = end - start;
    const lim = avail < window ? end : start + window;
    const from = scan > start ? scan : start;
    const idx = findDelimiter(buf, from, lim - dlen, dlen, delim);
    if (idx < 0) {
      const resume = lim - dlen + 1;
      scan = resume > start ? resume : start;
      if (avail >= window) fail(h, ERR_NO_DELIM, <f64>maxF, 0);
      break;
    }
    store<i32>(res, <i32>(buf + <usize>start));
    store<i32>(res, idx - start, 4);
    res += 8;
    start = idx + dlen;
    scan = start;
    n++;
  }
  store<i32>(h + R_START, start);
  store<i32>(h + P_SCAN, scan);
  return n;
}
