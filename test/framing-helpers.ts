// Shared helpers of the framing suites: the seeded PRNG (re-exported), an obviously-correct reference parser
// (whole stream at once, BigInt arithmetic), and drivers that run a FrameParser over chunks.
import {
  ERR_NEGATIVE, ERR_NO_DELIM, ERR_OVERFLOW, ERR_SHORT, ERR_TOO_LARGE, ERR_VARINT, frameError,
  type FrameParser,
} from "../src/framing/parser.js";
import type { FramingOptions, ResolvedFraming } from "../src/framing/options.js";
import { WasmFrameParser } from "../src/framing/wasm-parser.js";
import { JsFrameParser } from "../src/framing/js-parser.js";

export { prng } from "./helpers.js";

export type ParserFactory = (options: FramingOptions) => FrameParser;

/** Both implementations, for describe.each. */
export const IMPLEMENTATIONS: ReadonlyArray<readonly [string, ParserFactory]> = [
  ["wasm", (o) => new WasmFrameParser(o)],
  ["js", (o) => new JsFrameParser(o)],
];

export interface ParseResult {
  frames: Uint8Array[];
  error: string | null;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const bytes = (...xs: number[]): Uint8Array => new Uint8Array(xs);
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Reference parser: the whole stream at once, straight from the spec. */
export function referenceParse(o: ResolvedFraming, data: Uint8Array): ParseResult {
  const frames: Uint8Array[] = [];
  const err = (code: number, value: number, aux: number): ParseResult => ({
    frames, error: frameError(code, value, aux, o).message,
  });
  let pos = 0;
  if (o.mode === "delimiter") {
    const d = o.delimiter;
    const window = o.maxFrameSize + d.length;
    for (;;) {
      const limit = Math.min(data.length, pos + window);
      let found = -1;
      for (let i = pos; i + d.length <= limit && found < 0; i++) {
        let k = 0;
        while (k < d.length && data[i + k] === d[k]) k++;
        if (k === d.length) found = i;
      }
      if (found < 0) {
        if (data.length - pos >= window) return err(ERR_NO_DELIM, o.maxFrameSize, 0);
        return { frames, error: null };
      }
      frames.push(data.slice(pos, found));
      pos = found + d.length;
    }
  }
  for (;;) {
    const at = pos + o.offset;
    let L = 0n;
    let hdrEnd: number;
    if (o.sizeCode === 0) {
      let i = 0;
      let done = false;
      for (;;) {
        if (i === o.varintMaxBytes) return err(ERR_VARINT, 0, o.varintMaxBytes);
        if (at + i >= data.length) break;
        const b = data[at + i]!;
        L |= BigInt(b & 0x7f) << BigInt(7 * i);
        i++;
        if ((b & 0x80) === 0) {
          done = true;
          break;
        }
      }
      if (!done) return { frames, error: null };
      hdrEnd = o.offset + i;
    } else {
      hdrEnd = o.offset + o.sizeCode;
      if (data.length - pos < hdrEnd) return { frames, error: null };
      for (let k = 0; k < o.sizeCode; k++) {
        const b = BigInt(data[at + (o.bigEndian ? k : o.sizeCode - 1 - k)]!);
        L = (L << 8n) | b;
      }
    }
    if (L > BigInt(Number.MAX_SAFE_INTEGER)) return err(ERR_OVERFLOW, 0, 0);
    const total = L + BigInt(hdrEnd) + BigInt(o.adjustment);
    if (total < BigInt(hdrEnd)) return err(ERR_NEGATIVE, Number(total), hdrEnd);
    if (total > BigInt(o.maxFrameSize)) return err(ERR_TOO_LARGE, Number(total), 0);
    if (total < BigInt(o.strip)) return err(ERR_SHORT, Number(total), o.strip);
    const t = Number(total);
    if (data.length - pos < t) return { frames, error: null };
    frames.push(data.slice(pos + o.strip, pos + t));
    pos += t;
  }
}

export interface DriveOptions {
  /** "feed": the copying path; "zero": getBuffer/bufferUpdated. */
  path?: "feed" | "zero";
  /** "next": nextFrame(); "batch": readBatch() + frameTable. */
  drain?: "next" | "batch";
  /** getBuffer size hints (cycled); default -1. */
  hints?: readonly number[];
  /** Record getBuffer region lengths (to compare the two ring policies). */
  regions?: number[];
}

/** Drains every available frame (copies), returning false once a FrameError was recorded. */
export function drain(p: FrameParser, out: ParseResult, mode: "next" | "batch"): boolean {
  try {
    if (mode === "next") {
      for (let f = p.nextFrame(); f !== null; f = p.nextFrame()) out.frames.push(f.slice());
    } else {
      for (let n = p.readBatch(); n > 0; n = p.readBatch()) {
        const t = p.frameTable;
        const b = p.bytes;
        for (let i = 0; i < n; i++) out.frames.push(b.slice(t[2 * i]!, t[2 * i]! + t[2 * i + 1]!));
      }
    }
    return true;
  } catch (e) {
    if (!(e instanceof Error) || e.name !== "FrameError") throw e;
    out.error = e.message;
    return false;
  }
}

/** Runs `p` over `chunks`, draining after every chunk. */
export function drive(p: FrameParser, chunks: readonly Uint8Array[], opts: DriveOptions = {}): ParseResult {
  const out: ParseResult = { frames: [], error: null };
  const mode = opts.drain ?? "next";
  const hints = opts.hints ?? [-1];
  let h = 0;
  for (const chunk of chunks) {
    let off = 0;
    while (off < chunk.length) {
      if (opts.path === "zero") {
        const region = p.getBuffer(hints[h++ % hints.length]);
        opts.regions?.push(region.length);
        if (region.length === 0) throw new Error("ring full with frames drained");
        const n = Math.min(region.length, chunk.length - off);
        region.set(chunk.subarray(off, off + n));
        p.bufferUpdated(n);
        off += n;
      } else {
        const n = p.feed(off === 0 ? chunk : chunk.subarray(off));
        if (n === 0) throw new Error("feed took nothing with frames drained");
        off += n;
      }
      if (!drain(p, out, mode)) return out;
    }
    if (chunk.length === 0 && !drain(p, out, mode)) return out;
  }
  return out;
}

/** Splits `data` at the given cut points. */
export function splitAt(data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    out.push(data.subarray(prev, c));
    prev = c;
  }
  out.push(data.subarray(prev));
  return out;
}

/** Random chunks of 1..maxChunk bytes. */
export function randomChunks(data: Uint8Array, rnd: () => number, maxChunk: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < data.length) {
    const n = 1 + Math.floor(rnd() * maxChunk);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** True when both results are identical byte for byte. */
export function sameResult(a: ParseResult, b: ParseResult): boolean {
  if (a.error !== b.error || a.frames.length !== b.frames.length) return false;
  for (let i = 0; i < a.frames.length; i++) {
    const x = a.frames[i]!;
    const y = b.frames[i]!;
    if (x.length !== y.length) return false;
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  }
  return true;
}

/** A readable form for assertion messages. */
export function show(r: ParseResult): { frames: string[]; error: string | null } {
  return { frames: r.frames.map((f) => Buffer.from(f).toString("hex")), error: r.error };
}

/** Encodes `value` as an unsigned LEB128 varint. */
export function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}

/** A length field of `size` bytes holding `value` (a bigint for 8 bytes). */
export function lengthField(value: number | bigint, size: 1 | 2 | 3 | 4 | 8, bigEndian: boolean): number[] {
  let v = BigInt(value);
  const le: number[] = [];
  for (let i = 0; i < size; i++) {
    le.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return bigEndian ? le.reverse() : le;
}
