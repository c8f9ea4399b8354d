/**
 * The WASM frame parser: a read ring and the parser of assembly/frames.ts, one per connection,
 * in a shared (or given) framing.wasm instance.
 *
 * Speed: the parser reports up to {@link BATCH_FRAMES} frames per WASM call as (pointer, length)
 * pairs in a table the host reads through an Int32Array, so `nextFrame()` usually does not
 * cross into WASM at all; it crosses once per batch (and once per `getBuffer`). Commits
 * (`bufferUpdated`) and small `feed`s write the ring's end offset directly, without a call.
 * @module
 */
import type { FrameError } from "../errors.js";
import { resolveFramingOptions, type FramingOptions, type ResolvedFraming } from "./options.js";
import { BATCH_FRAMES, badCommit, checkFeedData, frameError, type FrameParser } from "./parser.js";
import { sharedFramingInstance, type FramingExports, type FramingInstance } from "./wasm-module.js";

/** Extra construction options of {@link WasmFrameParser}. */
export interface WasmParserInit {
  /** The framing.wasm instance to live in (default: the shared one). */
  instance?: FramingInstance;
}

const EMPTY = new Uint8Array(0);

/** The frame parser on WASM. See {@link FrameParser} for the contract. */
export class WasmFrameParser implements FrameParser {
  /** The validated options. */
  readonly options: ResolvedFraming;
  private readonly inst: FramingInstance;
  private readonly ex: FramingExports;
  private h: number;
  // i32 indices of the state fields
  private readonly iBuf: number;
  private readonly iCap: number;
  private readonly iStart: number;
  private readonly iEnd: number;
  private readonly iPend: number;
  private readonly iRcount: number;
  private readonly iErr: number;
  private readonly iErrAux: number;
  private readonly fErrVal: number;
  private readonly iRes: number;
  private readonly resByte: number;
  private ri = 0; // next undelivered frame of the current batch
  private rn = 0; // frames in the current batch
  private more = false; // the ring may hold whole frames not yet parsed
  private err: FrameError | null = null;
  private region = 0; // length of the last getBuffer region
  private table: Int32Array;

  constructor(options: FramingOptions, init: WasmParserInit = {}) {
    const o = resolveFramingOptions(options);
    this.options = o;
    const inst = init.instance ?? sharedFramingInstance();
    this.inst = inst;
    this.ex = inst.exports;
    const L = inst.layout;
    if (L.RES_CAP !== BATCH_FRAMES) throw new Error("framing.wasm does not match this build (RES_CAP)");
    const d = o.delimiter;
    let dlo = 0;
    let dhi = 0;
    for (let i = 0; i < d.length; i++) {
      if (i < 4) dlo |= d[i]! << (8 * i);
      else dhi |= d[i]! << (8 * (i - 4));
    }
    let h: number;
    try {
      h = this.ex.parserNew(
        o.mode === "length" ? 0 : 1, o.offset, o.sizeCode, o.bigEndian ? 1 : 0, o.adjustment, o.strip, o.maxFrameSize,
        o.varintMaxBytes, d.length, dlo, dhi, o.initialCapacity, o.maxCapacity,
      ) >>> 0;
    } catch (e) {
      throw new RangeError("framing.wasm: out of memory allocating a parser", { cause: e });
    }
    inst.refresh();
    this.h = h;
    this.iBuf = (h + L.R_BUF) >>> 2;
    this.iCap = (h + L.R_CAP) >>> 2;
    this.iStart = (h + L.R_START) >>> 2;
    this.iEnd = (h + L.R_END) >>> 2;
    this.iPend = (h + L.P_PEND) >>> 2;
    this.iRcount = (h + L.P_RCOUNT) >>> 2;
    this.iErr = (h + L.P_ERR) >>> 2;
    this.iErrAux = (h + L.P_ERRAUX) >>> 2;
    this.fErrVal = (h + L.P_ERRVAL) >>> 3;
    this.resByte = h + L.P_RES;
    this.iRes = this.resByte >>> 2;
    this.table = new Int32Array(inst.buffer, this.resByte, 2 * BATCH_FRAMES);
  }

  /** The instance this parser lives in. */
  get instance(): FramingInstance {
    return this.inst;
  }

  get closed(): boolean {
    return this.h === 0;
  }

  get bytes(): Uint8Array {
    return this.inst.u8;
  }

  get frameTable(): Int32Array {
    if (this.table.length === 0) this.table = new Int32Array(this.inst.buffer, this.resByte, 2 * BATCH_FRAMES);
    return this.table;
  }

  get buffered(): number {
    if (this.h === 0) return 0;
    const i32 = this.inst.i32;
    return i32[this.iEnd]! - i32[this.iStart]!;
  }

  get capacity(): number {
    return this.h === 0 ? 0 : this.inst.i32[this.iCap]!;
  }

  private check(): void {
    if (this.h === 0) throw new Error("frame parser is closed");
  }

  getBuffer(sizeHint = -1): Uint8Array {
    this.check();
    const und = this.rn - this.ri;
    let free: number;
    try {
      free = this.ex.parserWritable(this.h, sizeHint > 0x3fffffff ? 0x3fffffff : sizeHint | 0, und);
    } catch (e) {
      throw new RangeError("framing.wasm: out of memory growing a read ring", { cause: e });
    }
    this.inst.refresh();
    this.afterPrepare(und);
    this.region = free;
    if (free === 0) return EMPTY;
    const i32 = this.inst.i32;
    const p = (i32[this.iBuf]! >>> 0) + i32[this.iEnd]!;
    return new Uint8Array(this.inst.buffer, p, free);
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
      this.inst.i32[this.iEnd] += nbytes;
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
      const i32 = this.inst.i32;
      const start = i32[this.iStart]!;
      const end = i32[this.iEnd]!;
      const tail = i32[this.iCap]! - end;
      const pend = i32[this.iPend]!;
      const used = end - start;
      // Fast path, exactly when parserWritable would change nothing: no call into WASM.
      if (this.rn === this.ri && tail >= rest && tail >= (pend > used ? pend - used : 1) && !(used === 0 && start !== 0)) {
        this.rn = 0;
        this.ri = 0;
        i32[this.iRcount] = 0;
        this.inst.u8.set(off === 0 ? data : data.subarray(off), (i32[this.iBuf]! >>> 0) + end);
        i32[this.iEnd] = end + rest;
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
    const n = this.ex.parserParse(this.h, und);
    if (und > 0) this.err = null;
    this.rn = n;
    this.ri = 0;
    if (n < BATCH_FRAMES) {
      this.more = false;
      const i32 = this.inst.i32;
      const code = i32[this.iErr]!;
      if (code !== 0) this.err = frameError(code, this.inst.f64[this.fErrVal]!, i32[this.iErrAux]!, this.options);
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
    const i = this.iRes + (this.ri++ << 1);
    const i32 = this.inst.i32;
    return new Uint8Array(this.inst.buffer, i32[i]! >>> 0, i32[i + 1]!);
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
    this.ex.parserReset(this.h);
    this.rn = 0;
    this.ri = 0;
    this.more = false;
    this.err = null;
    this.region = 0;
  }

  close(): void {
    if (this.h === 0) return;
    this.ex.parserFree(this.h);
    this.h = 0;
    this.rn = 0;
    this.ri = 0;
    this.more = false;
    this.err = null;
    this.region = 0;
  }
}
