// Bad input: seeded fuzzing of the StreamReader (random feeds, chunkings, limits, EOF and errors
// against a plain reference model of asyncio's algorithm, with the buffer's memory bound
// checked after every step) and of the frame parsers with malicious length fields (every field
// size and byte order, values at and past every boundary up to 2^64 - 1, endless varints, missing
// delimiters), both through the public createFrameParser on "wasm" and "js". Every input must
// give exactly the reference frames and the documented error class, the ring may never exceed
// its cap, the WASM memory may not grow round after round, and canary parsers living in the same
// WASM instance must come out intact (no write out of bounds). Bounded in count and in time.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/index.js";
import { FrameError, IncompleteReadError, LimitOverrunError, type FrameParser, type FramingOptions } from "../../src/index.js";
import { createFramingInstance, resolveFramingOptions, type ResolvedFraming } from "../../src/framing/index.js";
import { CORES } from "../helpers.js";
import { concat, lengthField, prng, referenceParse, show, varint, type ParseResult } from "../framing-helpers.js";
import { record } from "./report.js";

type Rnd = () => number;
const int = (rnd: Rnd, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
function pick<T>(rnd: Rnd, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

// ---------------------------------------------------------------------------------------------
// StreamReader

/** A plain model of asyncio's StreamReader: one flat buffer, the algorithm of streams.py. */
class ModelReader {
  private store = new Uint8Array(64);
  private start = 0;
  private end = 0;
  eof = false;
  exc: unknown = null;
  paused = false;
  private waiting = false;
  private wakeError: unknown = null;
  constructor(readonly limit: number) {}

  get size(): number {
    return this.end - this.start;
  }
  /** The buffered bytes (a view: valid until the next feed or take). */
  get buf(): Uint8Array {
    return this.store.subarray(this.start, this.end);
  }
  feed(d: Uint8Array): void {
    if (d.length === 0) return;
    if (this.end + d.length > this.store.length) {
      const live = this.end - this.start;
      const next = new Uint8Array(Math.max(64, 2 * (live + d.length)));
      next.set(this.buf);
      this.store = next;
      this.start = 0;
      this.end = live;
    }
    this.store.set(d, this.end);
    this.end += d.length;
    if (!this.paused && this.end - this.start > 2 * this.limit) this.paused = true;
  }
  private clear(): void {
    this.start = this.end = 0;
  }
  feedEof(): void {
    this.eof = true;
  }
  setException(e: unknown): void {
    this.exc = e;
    if (this.waiting) this.wakeError = e;
  }
  private take(n: number): Uint8Array {
    const out = this.store.slice(this.start, this.start + n);
    this.start += n;
    if (this.start === this.end) this.clear();
    return out;
  }
  private maybeResume(): void {
    if (this.paused && this.end - this.start <= this.limit) this.paused = false;
  }
  private *wait(): Generator<"wait", void, void> {
    if (this.paused) this.paused = false;
    this.waiting = true;
    yield "wait";
    this.waiting = false;
    if (this.wakeError !== null) {
      const e = this.wakeError;
      this.wakeError = null;
      throw e;
    }
  }
  private find(sep: Uint8Array, from: number): number {
    const b = this.store;
    const base = this.start;
    const n = this.end - base;
    outer: for (let i = from; i + sep.length <= n; i++) {
      for (let k = 0; k < sep.length; k++) if (b[base + i + k] !== sep[k]) continue outer;
      return i;
    }
    return -1;
  }

  *readuntil(seps: Uint8Array[]): Generator<"wait", Uint8Array, void> {
    const sorted = [...seps].sort((a, b) => a.length - b.length);
    const minLen = sorted[0]!.length;
    const maxLen = sorted[sorted.length - 1]!.length;
    if (this.exc !== null) throw this.exc;
    let offset = 0;
    let matchStart = -1;
    let matchEnd = -1;
    for (;;) {
      const buflen = this.size;
      if (buflen - offset >= minLen) {
        for (const sep of sorted) {
          const at = this.find(sep, offset);
          if (at !== -1 && (matchEnd === -1 || at + sep.length < matchEnd)) {
            matchStart = at;
            matchEnd = at + sep.length;
          }
        }
        if (matchEnd !== -1) break;
        offset = Math.max(0, buflen + 1 - maxLen);
        if (offset > this.limit) throw new LimitOverrunError("Separator is not found, and chunk exceed the limit", offset);
      }
      if (this.eof) throw new IncompleteReadError(this.take(this.size), null);
      yield* this.wait();
      if (this.exc !== null) throw this.exc;
    }
    if (matchStart > this.limit) throw new LimitOverrunError("Separator is found, but chunk is longer than limit", matchStart);
    const chunk = this.take(matchEnd);
    this.maybeResume();
    return chunk;
  }

  *readline(): Generator<"wait", Uint8Array, void> {
    try {
      return yield* this.readuntil([new Uint8Array([10])]);
    } catch (e) {
      if (e instanceof IncompleteReadError) return e.partial;
      if (e instanceof LimitOverrunError) {
        if (this.store[this.start + e.consumed] === 10 && e.consumed < this.size) this.take(e.consumed + 1);
        else this.clear();
        this.maybeResume();
        throw new RangeError(e.message, { cause: e });
      }
      throw e;
    }
  }

  *read(n: number): Generator<"wait", Uint8Array, void> {
    if (this.exc !== null) throw this.exc;
    if (n === 0) return new Uint8Array(0);
    if (n < 0) {
      const blocks: Uint8Array[] = [];
      for (;;) {
        const b = yield* this.read(this.limit);
        if (b.length === 0) break;
        blocks.push(b);
      }
      return concat(blocks);
    }
    if (this.size === 0 && !this.eof) yield* this.wait();
    if (this.exc !== null && this.size === 0) throw this.exc;
    const data = this.take(Math.min(n, this.size));
    this.maybeResume();
    return data;
  }

  *readexactly(n: number): Generator<"wait", Uint8Array, void> {
    if (this.exc !== null) throw this.exc;
    if (n === 0) return new Uint8Array(0);
    while (this.size < n) {
      if (this.eof) throw new IncompleteReadError(this.take(this.size), n);
      yield* this.wait();
      if (this.exc !== null) throw this.exc;
    }
    const data = this.take(n);
    this.maybeResume();
    return data;
  }
}

/** Stands in for the socket: records pause/resume (and refuses a double pause/resume). */
class FakeTransport implements asyncio.ReaderTransport {
  paused = false;
  pauses = 0;
  pauseReading(): void {
    if (this.paused) throw new Error("paused twice");
    this.paused = true;
    this.pauses++;
  }
  resumeReading(): void {
    if (!this.paused) throw new Error("resumed while not paused");
    this.paused = false;
  }
}

type ReadOp =
  | { kind: "readline" }
  | { kind: "readuntil"; sep: string | Uint8Array | (string | Uint8Array)[] }
  | { kind: "readexactly"; n: number }
  | { kind: "read"; n: number };

const SEPARATORS: readonly (string | Uint8Array | (string | Uint8Array)[])[] = [
  "\n", "\r\n", "ab", ["\n", "\r\n"], ["ab", "b\n", "\r"], new Uint8Array([0, 0xff]), ["\u00ff", "aaaa"], "abab",
];
const MAX_SEPARATOR = 4;
const ALPHABET = [10, 13, 0x61, 0x62, 0x00, 0xff, 0xc3, 0xbf];

function sepBytes(sep: string | Uint8Array | (string | Uint8Array)[]): Uint8Array[] {
  const list = Array.isArray(sep) ? sep : [sep];
  return list.map((s) => (typeof s === "string" ? new TextEncoder().encode(s) : s));
}

function randomOp(rnd: Rnd, limit: number, willEnd: boolean): ReadOp {
  const r = rnd();
  if (r < 0.3) return { kind: "readline" };
  if (r < 0.6) return { kind: "readuntil", sep: pick(rnd, SEPARATORS) };
  if (r < 0.75) return { kind: "readexactly", n: rnd() < 0.1 ? 0 : int(rnd, 1, 2 * limit) };
  // read(-1) only when the stream will end: it reads until EOF.
  return { kind: "read", n: willEnd && rnd() < 0.05 ? -1 : rnd() < 0.05 ? 0 : int(rnd, 1, 2 * limit) };
}

type Outcome = { ok: Uint8Array } | { error: unknown };

function describeOutcome(o: Outcome): string {
  if ("ok" in o) return `ok ${hex(o.ok)}`;
  const e = o.error;
  if (e instanceof IncompleteReadError) return `IncompleteReadError(${hex(e.partial)}, ${e.expected})`;
  if (e instanceof LimitOverrunError) return `LimitOverrunError(${e.message}, ${e.consumed})`;
  if (e instanceof RangeError && e.cause instanceof LimitOverrunError) return `RangeError(${e.message}, ${e.cause.consumed})`;
  return `${(e as Error).name}: ${(e as Error).message}`;
}

interface ReaderFuzzStats {
  scenarios: number;
  operations: number;
  bytesFed: number;
  maxBuffered: number;
  pauses: number;
  limitOverruns: number;
  incompleteReads: number;
}

/** The StreamReader's buffered byte count (private; read for the memory bound only). */
function buffered(reader: asyncio.StreamReader): number {
  return (reader as unknown as { _buffer: { length: number } })._buffer.length;
}

/**
 * One scenario: random operations, each stepped by hand (a read is a generator; when it waits,
 * the driver feeds a chunk, EOF or an error, then steps it again), on the real reader and on the
 * model in lockstep. Between operations the feeder adds chunks unless the reader paused it.
 */
function readerScenario(core: asyncio.CoreKind, loop: asyncio.EventLoop, rnd: Rnd, stats: ReaderFuzzStats): void {
  const limit = pick(rnd, [1, 2, 3, 5, 8, 16, 64, 300, 4096]);
  const maxChunk = pick(rnd, [1, 2, 7, 64, 3 * limit + 5]);
  const budget = int(rnd, 0, Math.min(20 * limit + 200, 300 * maxChunk + 50)); // bytes before EOF
  const willEnd = rnd() < 0.9;
  const failAt = rnd() < 0.08 ? int(rnd, 0, budget) : -1;
  const failure = new Error(`connection failed (${core})`);
  const transport = new FakeTransport();
  const reader = new asyncio.StreamReader({ limit, loop });
  reader.setTransport(transport);
  const model = new ModelReader(limit);
  let fed = 0;
  let ended = false;
  let failed = false;
  const chunk = (): Uint8Array => {
    const n = rnd() < 0.05 ? 0 : int(rnd, 1, Math.min(maxChunk, Math.max(1, budget - fed)));
    const c = new Uint8Array(n);
    for (let i = 0; i < n; i++) c[i] = pick(rnd, ALPHABET);
    return c;
  };
  // The memory bound: a feeder that honours pauseReading never leaves more than twice the limit
  // (readexactly may ask for up to 2 * limit here), or the limit plus a separator's length for
  // readuntil, plus the one chunk that crossed it.
  const bound = Math.max(2 * limit, limit + MAX_SEPARATOR - 1) + maxChunk;
  const check = (where: string): void => {
    const n = buffered(reader);
    // (plain comparisons: this runs millions of times; expect() only on a failure)
    if (transport.paused !== model.paused) expect(transport.paused, `paused state after ${where}`).toBe(model.paused);
    if (n !== model.size) expect(n, `buffered after ${where}`).toBe(model.size);
    if (n > bound) expect(n, `buffered after ${where}`).toBeLessThanOrEqual(bound);
    if (n > stats.maxBuffered) stats.maxBuffered = n;
  };
  /** Delivers one event; returns whether it wakes a waiting read. */
  const event = (): boolean => {
    if (!failed && failAt >= 0 && fed >= failAt) {
      failed = true;
      reader.setException(failure);
      model.setException(failure);
      return true;
    }
    if (fed >= budget || ended) {
      if (!willEnd && !ended) {
        // A stream that never ends: fail it instead so the waiting read finishes.
        failed = true;
        reader.setException(failure);
        model.setException(failure);
        return true;
      }
      ended = true;
      reader.feedEof();
      model.feedEof();
      return true;
    }
    const c = chunk();
    fed += c.length;
    stats.bytesFed += c.length;
    reader.feedData(c);
    model.feed(c);
    return c.length > 0;
  };

  const ops = int(rnd, 1, 40);
  for (let k = 0; k < ops; k++) {
    // Feed between operations, as a socket would, unless the reader paused it.
    while (!ended && !failed && fed < budget && !transport.paused && rnd() < 0.5) {
      event();
      check("a feed");
    }
    const op = randomOp(rnd, limit, willEnd);
    const real = op.kind === "readline" ? reader.readline()
      : op.kind === "readuntil" ? reader.readuntil(op.sep)
      : op.kind === "readexactly" ? reader.readexactly(op.n) : reader.read(op.n);
    const ref = op.kind === "readline" ? model.readline()
      : op.kind === "readuntil" ? model.readuntil(sepBytes(op.sep))
      : op.kind === "readexactly" ? model.readexactly(op.n) : model.read(op.n);
    let a: Outcome | null = null;
    let b: Outcome | null = null;
    for (let steps = 0; a === null || b === null; steps++) {
      if (steps > 100_000) throw new Error("a read never finished");
      let aWaits = false;
      let bWaits = false;
      try {
        const r = real.next();
        if (r.done) a = { ok: r.value };
        else aWaits = true;
      } catch (e) {
        a = { error: e };
      }
      try {
        const r = ref.next();
        if (r.done) b = { ok: r.value };
        else bWaits = true;
      } catch (e) {
        b = { error: e };
      }
      if (aWaits !== bWaits) {
        throw new Error(`reader and model disagree on waiting in ${JSON.stringify(op)}: reader ${aWaits ? "waits" : describeOutcome(a!)}, model ${bWaits ? "waits" : describeOutcome(b!)}`);
      }
      if (aWaits) {
        check("a wait");
        while (!event()) check("an empty feed");
        check("a wake-up");
      }
    }
    stats.operations++;
    const da = describeOutcome(a);
    const db = describeOutcome(b);
    if (da !== db) expect({ op, reader: da }).toEqual({ op, reader: db });
    if ("error" in a) {
      const e = a.error;
      // Only the documented errors, or the connection's own.
      const known = e === failure || e instanceof IncompleteReadError || e instanceof LimitOverrunError || (e instanceof RangeError && e.cause instanceof LimitOverrunError);
      expect(known, `unexpected error ${String(e)}`).toBe(true);
      if (e instanceof IncompleteReadError) stats.incompleteReads++;
      if (e instanceof LimitOverrunError || e instanceof RangeError) stats.limitOverruns++;
    }
    check(op.kind);
    if (failed && rnd() < 0.5) break;
  }
  expect(reader.atEof()).toBe(model.eof && model.size === 0);
  stats.pauses += transport.pauses;
  stats.scenarios++;
}

const READER_SCENARIOS = 15_000;
const READER_SECONDS = 20;

describe.each(CORES)("StreamReader fuzz on the %s core", (core) => {
  it(`${READER_SCENARIOS} seeded scenarios agree with the model; the buffer stays bounded`, { timeout: 60_000 }, () => {
    const loop = new asyncio.EventLoop({ core });
    const rnd = prng(core === "wasm" ? 0x5157 : 0x5158);
    const stats: ReaderFuzzStats = { scenarios: 0, operations: 0, bytesFed: 0, maxBuffered: 0, pauses: 0, limitOverruns: 0, incompleteReads: 0 };
    const started = performance.now();
    for (let s = 0; s < READER_SCENARIOS && performance.now() - started < READER_SECONDS * 1000; s++) {
      readerScenario(core, loop, rnd, stats);
    }
    const seconds = (performance.now() - started) / 1000;
    loop.close();
    // Coverage: the interesting paths were all taken many times.
    expect(stats.scenarios).toBeGreaterThanOrEqual(READER_SCENARIOS / 5);
    expect(stats.limitOverruns).toBeGreaterThan(100);
    expect(stats.incompleteReads).toBeGreaterThan(100);
    expect(stats.pauses).toBeGreaterThan(100);
    record(`streamreader_fuzz_${core}`, { ...stats, seconds: +seconds.toFixed(2) });
  });
});

// ---------------------------------------------------------------------------------------------
// Frame parsers: malicious lengths

/** Length-field values that sit on or past a boundary of the field or of the options. */
function maliciousValues(o: ResolvedFraming, fieldBytes: number): bigint[] {
  const max = o.sizeCode === 0 ? 2n ** 70n : 2n ** BigInt(8 * fieldBytes) - 1n;
  const hdr = BigInt(o.offset + fieldBytes);
  const fit = BigInt(o.maxFrameSize) - hdr - BigInt(o.adjustment); // the largest allowed
  const vals = [
    0n, 1n, max, max - 1n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n,
    fit, fit + 1n, fit - 1n, -BigInt(o.adjustment), -BigInt(o.adjustment) - 1n, BigInt(o.strip) - hdr - BigInt(o.adjustment) - 1n,
  ];
  return vals.filter((v) => v >= 0n && v <= max);
}

function encodeField(o: ResolvedFraming, v: bigint, rnd: Rnd): number[] {
  if (o.sizeCode === 0) {
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) return Array.from({ length: int(rnd, 1, 12) }, () => 0xff); // endless varint
    const f = varint(Number(v));
    // sometimes an over-long (padded) encoding of the same value
    return rnd() < 0.2 ? [...f.slice(0, -1), f[f.length - 1]! | 0x80, 0x80, 0x00] : f;
  }
  return lengthField(v, o.sizeCode as 1 | 2 | 3 | 4 | 8, o.bigEndian);
}

/** A frame whose length field is `v`, with as much body as the field claims (capped). */
function frameWith(o: ResolvedFraming, v: bigint, rnd: Rnd): Uint8Array {
  const field = encodeField(o, v, rnd);
  const pre = Array.from({ length: o.offset }, () => int(rnd, 0, 255));
  const claimed = v + BigInt(o.adjustment);
  const body = claimed > 0n ? Number(claimed > 600n ? BigInt(int(rnd, 0, 600)) : claimed) : 0;
  const b = new Uint8Array(pre.length + field.length + body);
  b.set(pre, 0);
  b.set(field, pre.length);
  for (let i = pre.length + field.length; i < b.length; i++) b[i] = int(rnd, 0, 255);
  return b;
}

function maliciousConfig(rnd: Rnd): FramingOptions {
  const maxFrameSize = pick(rnd, [16, 100, 255, 256, 1000, 4096, 65536]);
  const r = rnd();
  if (r < 0.1) return { preset: pick(rnd, ["postgres", "mysql", "http2", "kafka", "mqtt"] as const), maxFrameSize: Math.max(maxFrameSize, 16) };
  if (r < 0.25) {
    const delimiters: (string | number[])[] = ["\n", "\r\n", [0, 0, 0, 0, 0, 0, 0, 0], "ab"];
    return { delimiter: pick(rnd, delimiters), maxFrameSize, initialCapacity: 16 };
  }
  const size = pick(rnd, [1, 2, 3, 4, 8, "varint"] as const);
  const offset = int(rnd, 0, 3);
  return {
    maxFrameSize: Math.max(maxFrameSize, offset + (size === "varint" ? 1 : size)),
    initialCapacity: 16,
    lengthField: { size, offset, endian: rnd() < 0.5 ? "big" : "little", adjustment: pick(rnd, [0, -4, -1, 1, 6, -(2 ** 20), 2 ** 20]), strip: int(rnd, 0, 6) },
  };
}

function maliciousStream(o: ResolvedFraming, rnd: Rnd): Uint8Array {
  const parts: Uint8Array[] = [];
  const n = int(rnd, 1, 5);
  for (let i = 0; i < n; i++) {
    if (o.mode === "delimiter") {
      // a run of bytes without the delimiter, around the limit
      const len = pick(rnd, [0, 1, o.maxFrameSize - 1, o.maxFrameSize, o.maxFrameSize + 1, o.maxFrameSize + o.delimiter.length + 3]);
      const body = new Uint8Array(Math.max(0, len)).map(() => pick(rnd, [0x41, o.delimiter[0]!]));
      parts.push(rnd() < 0.7 ? concat([body, o.delimiter]) : body);
    } else {
      const fieldBytes = o.sizeCode === 0 ? 1 : o.sizeCode;
      parts.push(frameWith(o, pick(rnd, maliciousValues(o, fieldBytes)), rnd));
    }
  }
  return concat(parts);
}

interface ParserFuzzStats {
  inputs: number;
  frames: number;
  frameErrors: number;
  bytes: number;
  maxCapacityRatio: number;
}

/**
 * Runs one parser over `data` in random pieces, through getBuffer/bufferUpdated (random commit
 * sizes) or feed, draining with nextFrame or readBatch. Anything thrown that is not a FrameError
 * (a WASM trap, a RangeError, a TypeError) fails the test.
 */
function runParser(p: FrameParser, o: ResolvedFraming, data: Uint8Array, rnd: Rnd, stats: ParserFuzzStats): ParseResult {
  const out: ParseResult = { frames: [], error: null };
  const batch = rnd() < 0.5;
  const zero = rnd() < 0.6;
  const drainAll = (): boolean => {
    try {
      if (batch) {
        for (let n = p.readBatch(); n > 0; n = p.readBatch()) {
          const t = p.frameTable;
          const b = p.bytes;
          for (let i = 0; i < n; i++) out.frames.push(b.slice(t[2 * i]!, t[2 * i]! + t[2 * i + 1]!));
        }
      } else {
        for (let f = p.nextFrame(); f !== null; f = p.nextFrame()) out.frames.push(f.slice());
      }
      return true;
    } catch (e) {
      if (!(e instanceof FrameError)) throw e;
      out.error = e.message;
      // Documented: the same error again on every later call, until reset().
      let again: unknown = null;
      try {
        if (batch) p.readBatch();
        else p.nextFrame();
      } catch (e2) {
        again = e2;
      }
      expect(again).toBeInstanceOf(FrameError);
      expect((again as FrameError).message).toBe(e.message);
      return false;
    }
  };
  let off = 0;
  while (off < data.length) {
    if (zero) {
      const region = p.getBuffer(pick(rnd, [-1, 0, 1, 7, 1 << 20, 2 ** 31, Number.MAX_SAFE_INTEGER]));
      if (region.length === 0) throw new Error("ring full with every frame drained");
      const n = Math.min(region.length, data.length - off, int(rnd, 1, 700));
      region.set(data.subarray(off, off + n));
      p.bufferUpdated(n);
      off += n;
    } else {
      const n = p.feed(data.subarray(off, off + int(rnd, 1, 700)));
      if (n === 0) throw new Error("feed took nothing with every frame drained");
      off += n;
    }
    expect(p.capacity).toBeLessThanOrEqual(o.maxCapacity);
    stats.maxCapacityRatio = Math.max(stats.maxCapacityRatio, p.capacity / o.maxCapacity);
    if (!drainAll()) break;
  }
  return out;
}

const PARSER_INPUTS = 30_000;
const PARSER_SECONDS = 25;

describe.each(["wasm", "js"] as const)("frame parser (%s) under malicious lengths", (kind) => {
  it(`${PARSER_INPUTS} hostile inputs: the reference frames, FrameError only, bounded rings and memory`, { timeout: 90_000 }, () => {
    const seed = kind === "wasm" ? 0xbad1 : 0xbad2;
    // A fresh instance, so its memory measures this test alone; canaries hold partial frames in it.
    const inst = createFramingInstance();
    const make = (options: FramingOptions): FrameParser => (kind === "wasm" ? asyncio.createFrameParser(options, "wasm", { instance: inst }) : asyncio.createFrameParser(options, "js"));
    const canaryMsg = concat([new Uint8Array([0, 0, 0, 40]), new Uint8Array(40).map((_, i) => i * 7)]);
    const canary = asyncio.createFrameParser({ preset: "kafka", initialCapacity: 16 }, "wasm", { instance: inst });
    canary.feed(canaryMsg.subarray(0, 20));
    const stats: ParserFuzzStats = { inputs: 0, frames: 0, frameErrors: 0, bytes: 0, maxCapacityRatio: 0 };
    const memoryAfterRound: number[] = [];
    const started = performance.now();
    // Rounds 0..7 are fresh inputs; rounds 8..11 repeat round 7 exactly (same seed): repeating
    // work the memory already served may not grow it (a leak of rings or of parser state would).
    const ROUNDS = 12;
    const FRESH = 8;
    const configRnd = prng(1);
    const configs = Array.from({ length: 40 }, () => maliciousConfig(configRnd));
    for (let round = 0; round < ROUNDS; round++) {
      const rnd = prng(seed + Math.min(round, FRESH - 1));
      for (const options of configs) {
        const o = resolveFramingOptions(options);
        const p = make(options);
        for (let k = 0; k < PARSER_INPUTS / ROUNDS / configs.length; k++) {
          const data = maliciousStream(o, rnd);
          let got: ParseResult;
          try {
            got = runParser(p, o, data, rnd, stats);
          } catch (e) {
            throw new Error(`${kind} parser crashed on ${JSON.stringify(options)} ${hex(data)}`, { cause: e });
          }
          const want = referenceParse(o, data);
          // The reference sees the whole stream; the parser stops at the first error, like it.
          if (got.error !== want.error || got.frames.length !== want.frames.length || !got.frames.every((f, i) => equalBytes(f, want.frames[i]!))) {
            expect({ options, data: hex(data), got: show(got) }).toEqual({ options, data: hex(data), got: show(want) });
          }
          stats.inputs++;
          stats.bytes += data.length;
          stats.frames += got.frames.length;
          if (got.error !== null) stats.frameErrors++;
          p.reset();
        }
        p.close();
      }
      memoryAfterRound.push(inst.byteLength);
    }
    const seconds = (performance.now() - started) / 1000;
    // The canary, in the same WASM memory the whole time, is intact.
    canary.feed(canaryMsg.subarray(20));
    expect(canary.nextFrame()).toEqual(canaryMsg);
    canary.close();
    // No unbounded growth: after the first round, repeating the same work grows nothing.
    expect(memoryAfterRound.slice(FRESH), `WASM memory after each round: ${memoryAfterRound.join(", ")}`).toEqual(Array(ROUNDS - FRESH).fill(memoryAfterRound[FRESH - 1]));
    // And bounded overall: a few of the largest rings (64 KiB + a delimiter), not the claims.
    expect(memoryAfterRound[ROUNDS - 1]).toBeLessThanOrEqual(1 << 20);
    expect(stats.maxCapacityRatio).toBeLessThanOrEqual(1);
    expect(stats.frameErrors).toBeGreaterThan(stats.inputs / 10);
    expect(stats.frames).toBeGreaterThan(stats.inputs / 10);
    record(`parser_malicious_${kind}`, {
      ...stats,
      maxCapacityRatio: +stats.maxCapacityRatio.toFixed(3),
      ...(kind === "wasm" ? { wasmMemoryBytes: memoryAfterRound[memoryAfterRound.length - 1]! } : {}),
      seconds: +seconds.toFixed(2),
    });
    expect(seconds).toBeLessThan(PARSER_SECONDS * 2);
  });
});

describe("frame parser memory under hostile length claims", () => {
  it("a length field claiming the largest allowed frame grows the ring only to maxCapacity; past it is a FrameError at once", () => {
    for (const kind of ["wasm", "js"] as const) {
      const inst = createFramingInstance();
      const before = inst.byteLength;
      // Default maxFrameSize (16 MiB): a kafka header claiming 2 GiB is refused without allocating.
      const p = kind === "wasm" ? asyncio.createFrameParser({ preset: "kafka" }, "wasm", { instance: inst }) : asyncio.createFrameParser({ preset: "kafka" }, "js");
      p.feed(new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
      expect(() => p.nextFrame()).toThrow(FrameError);
      expect(() => p.nextFrame()).toThrow(/exceeds maxFrameSize 16777216/);
      expect(p.capacity).toBeLessThanOrEqual(64 * 1024);
      if (kind === "wasm") expect(inst.byteLength - before).toBeLessThan(1 << 20);
      p.reset();
      // A claim just under the cap: the ring may grow toward the claimed frame, never past the cap.
      p.feed(new Uint8Array([0x00, 0xff, 0xff, 0xf0]));
      expect(p.nextFrame()).toBeNull();
      for (let i = 0; i < 40; i++) {
        const region = p.getBuffer(1 << 20);
        expect(region.length).toBeGreaterThan(0);
        p.bufferUpdated(Math.min(region.length, 256 * 1024));
        expect(p.capacity).toBeLessThanOrEqual(16 * 1024 * 1024);
      }
      p.close();
    }
  });
});
