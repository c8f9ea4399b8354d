/**
 * The TS twin of the WASM frame parser: the same read ring (a linear buffer that compacts and
 * grows, assembly/ring.ts) and the same parser (assembly/frames.ts) in plain TypeScript, with
 * the identical interface and behaviour: same frames, same errors, same ring policy (so even the
 * `getBuffer` region sizes agree). It exists to measure the WASM parser against, and for hosts
 * without WebAssembly. Keep it in step with assembly/frames.ts and assembly/ring.ts.
 * @module
 */
import type { FrameError } from "../errors.js";
import { resolveFramingOptions, type FramingOptions, type ResolvedFraming } from "./options.js";
import {
  BATCH_FRAMES, ERR_NEGATIVE, ERR_NO_DELIM, ERR_OVERFLOW, ERR_SHORT, ERR_TOO_LARGE, ERR_VARINT,
  badCommit, checkFeedData, frameError, type FrameParser,
} from "./parser.js";

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const EMPTY = new Uint8Array(new ArrayBuffer(0));

function pow2AtLeast(n: number): number {
  return n <= 16 ? 16 : 1 << (32 - Math.clz32(n - 1));
}

function nextCapacity(cap: number, target: number, maxCap: number): number {
  let nc = cap >= maxCap >> 1 ? maxCap : cap * 2;
  if (nc < target) nc = target >= maxCap >> 1 ? maxCap : pow2AtLeast(target);
  return nc > maxCap ? maxCap : nc;
}

/** The frame parser in plain TypeScript. See {@link FrameParser} for the contract. */
export class JsFrameParser implements FrameParser {
  /** The validated options. */
  readonly options: ResolvedFraming;
  private buf: Uint8Array<ArrayBuffer>;
  private ab: ArrayBuffer; // buf's buffer (frame views are made from it: faster than subarray)
  private cap: number;
  private readonly maxCap: number;
  private start = 0;
  private end = 0;
  private scan = 0;
  private pend = 0;
  private batch0 = 0;
  private rcount = 0;
  private errCode = 0;
  private errVal = 0;
  private errAux = 0;
  private readonly res = new Int32Array(2 * BATCH_FRAMES);
  // options, unpacked
  private readonly lengthMode: boolean;
  private readonly loff: number;
  private readonly lsize: number;
  private readonly be: boolean;
  private readonly adj: number;
  private readonly strip: number;
  private readonly maxF: number;
  private readonly varmax: number;
  private readonly delim: Uint8Array;
  private readonly dlen: number;
  // host state, as in WasmFrameParser
  private ri = 0;
  private rn = 0;
  private more = false;
  private err: FrameError | null = null;
  private region = 0;
  private isClosed = false;

  constructor(options: FramingOptions) {
    const o = resolveFramingOptions(options);
    this.options = o;
    this.maxCap = o.maxCapacity;
    this.cap = o.initialCapacity > o.maxCapacity ? o.maxCapacity : o.initialCapacity;
    this.buf = new Uint8Array(this.cap);
    this.ab = this.buf.buffer;
    this.lengthMode = o.mode === "length";
    this.loff = o.offset;
    this.lsize = o.sizeCode;
    this.be = o.bigEndian;
    this.adj = o.adjustment;
    this.strip = o.strip;
    this.maxF = o.maxFrameSize;
    this.varmax = o.varintMaxBytes;
    this.delim = o.delimiter;
    this.dlen = o.delimiter.length;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get bytes(): Uint8Array {
    return this.buf;
  }

  get frameTable(): Int32Array {
    return this.res;
  }

  get buffered(): number {
    return this.end - this.start;
  }

  get capacity(): number {
    return this.isClosed ? 0 : this.cap;
  }

  private check(): void {
    if (this.isClosed) throw new Error("frame parser is closed");
  }

  // ---- ring (assembly/ring.ts ringPrepare) ----

  private prepare(need: number, want: number): number {
    const origStart = this.start;
    let start = origStart;
    let end = this.end;
    const cap = this.cap;
    const used = end - start;
    if (used === 0 && start !== 0) {
      start = 0;
      end = 0;
    }
    const tail = cap - end;
    if (start > 0 && (tail < need || (tail < want && used <= start))) {
      this.buf.copyWithin(0, start, end);
      start = 0;
      end = used;
    }
    if (cap - used < need && cap < this.maxCap) {
      const target = used > this.maxCap - need ? this.maxCap : used + need;
      const nc = nextCapacity(cap, target, this.maxCap);
      const fresh = new Uint8Array(nc);
      fresh.set(this.buf.subarray(start, end));
      this.buf = fresh;
      this.ab = fresh.buffer;
      this.cap = nc;
      start = 0;
      end = used;
    }
    this.start = start;
    this.end = end;
    return origStart - start;
  }

  // ---- parser (assembly/frames.ts) ----

  private rewind(undelivered: number): void {
    const count = this.rcount;
    if (undelivered <= 0 || undelivered > count) return;
    const j = count - undelivered;
    let start = this.batch0;
    if (j > 0) {
      const wireEnd = this.res[2 * j - 2]! + this.res[2 * j - 1]!;
      start = this.lengthMode ? wireEnd : wireEnd + this.dlen;
    }
    this.start = start;
    this.scan = start;
    this.pend = 0;
    this.errCode = 0;
    this.rcount = j;
  }

  private writable(sizeHint: number, undelivered: number): number {
    if (undelivered > 0) this.rewind(undelivered);
    this.rcount = 0;
    const used = this.end - this.start;
    const need = this.pend > used ? this.pend - used : 1;
    const quarter = this.cap >> 2;
    const shift = this.prepare(need, sizeHint > 0 && sizeHint < quarter ? sizeHint : quarter);
    if (shift !== 0) this.scan -= shift;
    return this.cap - this.end;
  }

  private parse(undelivered: number): number {
    if (undelivered > 0) this.rewind(undelivered);
    this.batch0 = this.start;
    let n = 0;
    if (this.errCode === 0) n = this.lengthMode ? this.parseLength() : this.parseDelimited();
    this.rcount = n;
    return n;
  }

  private fail(code: number, value: number, aux: number): void {
    this.errCode = code;
    this.errVal = value;
    this.errAux = aux;
  }

  private parseLength(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.start;
    const loff = this.loff;
    const lsize = this.lsize;
    const be = this.be;
    const adj = this.adj;
    const strip = this.strip;
    const maxF = this.maxF;
    const varmax = this.varmax;
    const hdrMin = loff + (lsize === 0 ? 1 : lsize);
    const res = this.res;
    let r = 0;
    let n = 0;
    let pend = 0;
    while (n < BATCH_FRAMES) {
      const avail = end - pos;
      if (avail < hdrMin) break;
      const p = pos + loff;
      let len: number;
      let hdrEnd = hdrMin;
      if (lsize === 4) {
        len = be
          ? ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0
          : ((buf[p + 3]! << 24) | (buf[p + 2]! << 16) | (buf[p + 1]! << 8) | buf[p]!) >>> 0;
      } else if (lsize === 2) {
        len = be ? (buf[p]! << 8) | buf[p + 1]! : (buf[p + 1]! << 8) | buf[p]!;
      } else if (lsize === 1) {
        len = buf[p]!;
      } else if (lsize === 3) {
        len = be ? (buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]! : (buf[p + 2]! << 16) | (buf[p + 1]! << 8) | buf[p]!;
      } else if (lsize === 8) {
        const a = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
        const b = ((buf[p + 4]! << 24) | (buf[p + 5]! << 16) | (buf[p + 6]! << 8) | buf[p + 7]!) >>> 0;
        const c = ((buf[p + 3]! << 24) | (buf[p + 2]! << 16) | (buf[p + 1]! << 8) | buf[p]!) >>> 0;
        const d = ((buf[p + 7]! << 24) | (buf[p + 6]! << 16) | (buf[p + 5]! << 8) | buf[p + 4]!) >>> 0;
        const hi = be ? a : d;
        const lo = be ? b : c;
        if (hi > 0x1fffff) {
          this.fail(ERR_OVERFLOW, 0, 0);
          break;
        }
        len = hi * 4294967296 + lo;
      } else {
        // LEB128 varint (see assembly/frames.ts).
        let i = 0;
        let shift = 0;
        let over = false;
        let done = false;
        let bad = false;
        len = 0;
        for (;;) {
          if (i === varmax) {
            bad = true;
            break;
          }
          if (loff + i >= avail) break;
          const b = buf[p + i]!;
          i++;
          const v = b & 0x7f;
          if (shift < 56) len += v * 2 ** shift;
          else if (v !== 0) over = true;
          if ((b & 0x80) === 0) {
            done = true;
            break;
          }
          shift += 7;
        }
        if (bad) {
          this.fail(ERR_VARINT, 0, varmax);
          break;
        }
        if (!done) break;
        if (over || len > MAX_SAFE) {
          this.fail(ERR_OVERFLOW, 0, 0);
          break;
        }
        hdrEnd = loff + i;
      }
      const total = len + (hdrEnd + adj);
      if (total < hdrEnd) {
        this.fail(ERR_NEGATIVE, total, hdrEnd);
        break;
      }
      if (total > maxF) {
        this.fail(ERR_TOO_LARGE, total, 0);
        break;
      }
      if (total < strip) {
        this.fail(ERR_SHORT, total, strip);
        break;
      }
      if (avail < total) {
        pend = total;
        break;
      }
      res[r] = pos + strip;
      res[r + 1] = total - strip;
      r += 2;
      pos += total;
      n++;
    }
    this.start = pos;
    this.pend = pend;
    return n;
  }

  // First delimiter starting in [from, last], or -1.
  private find(from: number, last: number): number {
    const buf = this.buf;
    const d = this.delim;
    const dlen = this.dlen;
    const d0 = d[0]!;
    let i = from;
    while (i <= last) {
      // Short gaps: a plain loop; long ones: the engine's indexOf (memchr) on a bounded view.
      const stop = i + 32 <= last ? i + 32 : last + 1;
      while (i < stop && buf[i] !== d0) i++;
      if (i === stop) {
        if (i > last) return -1;
        const k = buf.subarray(i, last + 1).indexOf(d0);
        if (k < 0) return -1;
        i += k;
      }
      let k = 1;
      while (k < dlen && buf[i + k] === d[k]) k++;
      if (k === dlen) return i;
      i++;
    }
    return -1;
  }

  private parseDelimited(): number {
    const end = this.end;
    let start = this.start;
    let scan = this.scan;
    const dlen = this.dlen;
    const window = this.maxF + dlen;
    const res = this.res;
    let r = 0;
    let n = 0;
    while (n < BATCH_FRAMES) {
      const avail = end - start;
      const lim = avail < window ? end : start + window;
      const from = scan > start ? scan : start;
      const idx = this.find(from, lim - dlen);
      if (idx < 0) {
        const resume = lim - dlen + 1;
        scan = resume > start ? resume : start;
        if (avail >= window) this.fail(ERR_NO_DELIM, this.maxF, 0);
        break;
      }
      res[r] = start;
      res[r + 1] = idx - start;
      r += 2;
      start = idx + dlen;
      scan = start;
      n++;
    }
    this.start = start;
    this.scan = scan;
    return n;
  }

  // ---- host API (as WasmFrameParser) ----

  getBuffer(sizeHint = -1): Uint8Array {
    this.check();
    const und = this.rn - this.ri;
    const free = this.writable(sizeHint > 0x3fffffff ? 0x3fffffff : sizeHint | 0, und);
    this.afterPrepare(und);
    this.region = free;
    if (free === 0) return EMPTY;
    return this.buf.subarray(this.end, this.cap);
  }

  private afterPrepare(und: number): void {
    this.rn = 0;
    this.ri = 0;
    if (und > 0) {
      this.err = null;
      this.more = true;
    }
  }

  bufferUpdated(nbytes: number): void {
    this.check();
    if (!(nbytes >= 0 && nbytes <= this.region) || !Number.isInteger(nbytes)) throw badCommit(nbytes, this.region);
    this.region = 0;
    if (nbytes > 0) {
      this.end += nbytes;
      this.more = true;
    }
  }

  feed(data: Uint8Array): number {
    this.check();
    checkFeedData(data);
    const len = data.length;
    let off = 0;
    while (off < len) {
      const rest = len - off;
      const start = this.start;
      const end = this.end;
      const tail = this.cap - end;
      const used = end - start;
      if (this.rn === this.ri && tail >= rest && tail >= (this.pend > used ? this.pend - used : 1) && !(used === 0 && start !== 0)) {
        this.rn = 0;
        this.ri = 0;
        this.rcount = 0;
        this.buf.set(off === 0 ? data : data.subarray(off), end);
        this.end = end + rest;
        this.more = true;
        return len;
      }
      const region = this.getBuffer(rest);
      if (region.length === 0) break;
      const n = region.length < rest ? region.length : rest;
      region.set(n === len ? data : data.subarray(off, off + n));
      this.bufferUpdated(n);
      off += n;
    }
    return off;
  }

  private fill(und: number): number {
    const n = this.parse(und);
    if (und > 0) this.err = null;
    this.rn = n;
    this.ri = 0;
    if (n < BATCH_FRAMES) {
      this.more = false;
      if (this.errCode !== 0) this.err = frameError(this.errCode, this.errVal, this.errAux, this.options);
    }
    return n;
  }

  nextFrame(): Uint8Array | null {
    if (this.ri === this.rn) {
      if (!this.more || this.fill(0) === 0) {
        if (this.err !== null) throw this.err;
        return null;
      }
    }
    const i = this.ri++ << 1;
    return new Uint8Array(this.ab, this.res[i]!, this.res[i + 1]!);
  }

  readBatch(): number {
    const und = this.rn - this.ri;
    if (und === 0 && !this.more) {
      if (this.err !== null) throw this.err;
      return 0;
    }
    const n = this.fill(und);
    this.ri = n;
    if (n === 0 && this.err !== null) throw this.err;
    return n;
  }

  reset(): void {
    this.check();
    this.start = 0;
    this.end = 0;
    this.scan = 0;
    this.pend = 0;
    this.batch0 = 0;
    this.rcount = 0;
    this.errCode = 0;
    this.errVal = 0;
    this.errAux = 0;
    this.rn = 0;
    this.ri = 0;
    this.more = false;
    this.err = null;
    this.region = 0;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.buf = EMPTY;
    this.ab = EMPTY.buffer;
    this.cap = 0;
    this.start = 0;
    this.end = 0;
    this.rn = 0;
    this.ri = 0;
    this.more = false;
    this.err = null;
    this.region = 0;
  }
}
