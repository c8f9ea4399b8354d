/**
 * WriteBuffer: outgoing messages composed in a WASM write ring (assembly/ring.ts) and handed to
 * the socket as views of WASM memory, without a JS copy.
 *
 * Bytes go through three states: *composed* (written, not yet taken; `view()` shows them),
 * *in flight* (returned by `take()`/`flush()`, owned by the writer until it reports the write
 * done) and *released* (`release(n)`, oldest first: space reusable). In-flight bytes never move
 * and are never overwritten; composed bytes may move (when the ring wraps or grows), which is
 * why positions are tracked relative to the start of the composed bytes.
 *
 * Integer writes take an integer (TypeError for a non-number, RangeError for NaN, ±Infinity or a
 * fraction, which DataView would silently write as 0 or truncate) modulo 2^n, as DataView does
 * (e.g. `writeUint8(256)` writes 0). Float writes take any number (TypeError otherwise).
 * 64-bit writes take a bigint (also modulo 2^64, as DataView's setBigInt64) or a number, which
 * must be a safe integer (|v| <= 2^53 - 1; RangeError otherwise, since a larger number has
 * already lost precision); negative numbers are written as two's complement.
 * @module
 */
import { sharedFramingInstance, type FramingExports, type FramingInstance } from "./wasm-module.js";

/** Where `flush()` hands composed bytes: a socket-like writer that reports completion. */
export interface WriteSink {
  /**
   * Writes `data` (a view of WASM memory: valid until `done` is called, unless memory grows;
   * copy it with `data.slice()` if it is kept past a call that may grow memory). Calls `done`
   * once the bytes are no longer needed. Writes complete in the order they were made.
   */
  write(data: Uint8Array, done: () => void): void;
}

/**
 * A stream transport of this library (TCP, Unix, TLS): it can write bytes it does not own and
 * report when the socket no longer needs them.
 */
interface BorrowingTransport {
  _writeBorrowed(data: Uint8Array, done: () => void): void;
  getWriteBufferSize(): number;
  write(data: Uint8Array): void;
}

/** What {@link WriteBuffer.flush} writes to: a {@link WriteSink} or a transport (`write(data)`). */
export type FlushTarget = WriteSink | { write(data: Uint8Array): void };

function isBorrowingTransport(x: FlushTarget): x is FlushTarget & BorrowingTransport {
  const t = x as Partial<BorrowingTransport>;
  return typeof t._writeBorrowed === "function" && typeof t.getWriteBufferSize === "function";
}

/** Options of {@link WriteBuffer}. */
export interface WriteBufferOptions {
  /** Starting ring capacity in bytes (default 16 KiB). */
  initialCapacity?: number;
  /** Capacity cap in bytes (default 64 MiB, at most 1 GiB); writing past it throws RangeError. */
  maxCapacity?: number;
  /** framing.wasm instance (default: the shared one). */
  instance?: FramingInstance;
}

/** A block handed over by flush(): its size, and whether the writer is done with it. */
interface Flight {
  readonly n: number;
  done: boolean;
}

const TWO32 = 4294967296;
const noop = (): void => {};
const encoder = new TextEncoder();
const OPTION_KEYS = new Set(["initialCapacity", "maxCapacity", "instance"]);

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v === "string" ? `string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + "..." : v)}` : `${typeof v} ${String(v)}`;
}

/** The error for a value an integer write refuses (not an integer: a string, NaN, 1.5, ...). */
function badInt(method: string, v: unknown): Error {
  return typeof v === "number" ? new RangeError(`${method}() needs an integer, got ${v}`) : new TypeError(`${method}() needs an integer, got ${kindOf(v)}`);
}

function badFloat(method: string, v: unknown): TypeError {
  return new TypeError(`${method}() needs a number, got ${kindOf(v)}`);
}

function capOption(v: number | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`${name} must be an integer, got ${kindOf(v)}`);
  if (v < 16 || v > 1 << 30) throw new RangeError(`${name} must be between 16 and ${1 << 30}, got ${v}`);
  return v;
}

/** Composes outgoing bytes in WASM memory. Every write method returns `this` (chainable). */
export class WriteBuffer {
  private readonly inst: FramingInstance;
  private readonly ex: FramingExports;
  private h: number;
  private readonly iBuf: number;
  private readonly iTaken: number;
  private readonly iTail: number;
  private readonly iLimit: number;
  private buf = 0; // absolute address of the ring block
  private base = 0; // absolute address of the first composed byte
  private pos = 0; // absolute address of the next byte to write
  private limit = 0; // absolute end of the writable space
  private msg = -1; // open message's length field, relative to base; -1: none
  private readonly flights: Flight[] = []; // flushed blocks not yet released, oldest first

  constructor(options: WriteBufferOptions = {}) {
    if (options === null || typeof options !== "object") throw new TypeError(`WriteBuffer options must be an object, got ${kindOf(options)}`);
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) throw new TypeError(`unknown WriteBuffer option ${JSON.stringify(key)}`);
    }
    const maxCap = capOption(options.maxCapacity, "maxCapacity", 64 * 1024 * 1024);
    const initCap = Math.min(capOption(options.initialCapacity, "initialCapacity", 16 * 1024), maxCap);
    this.inst = options.instance ?? sharedFramingInstance();
    this.ex = this.inst.exports;
    const L = this.inst.layout;
    let h: number;
    try {
      h = this.ex.wbufNew(initCap, maxCap) >>> 0;
    } catch (e) {
      throw new RangeError("framing.wasm: out of memory allocating a WriteBuffer", { cause: e });
    }
    this.inst.refresh();
    this.h = h;
    this.iBuf = (h + L.W_BUF) >>> 2;
    this.iTaken = (h + L.W_TAKEN) >>> 2;
    this.iTail = (h + L.W_TAIL) >>> 2;
    this.iLimit = (h + L.W_LIMIT) >>> 2;
    this.sync();
  }

  // Re-reads the ring's offsets after a call into WASM.
  private sync(): void {
    const i32 = this.inst.i32;
    const buf = i32[this.iBuf]! >>> 0;
    this.buf = buf;
    this.base = buf + i32[this.iTaken]!;
    this.pos = buf + i32[this.iTail]!;
    this.limit = buf + i32[this.iLimit]!;
  }

  private grow(n: number): void {
    if (this.h === 0) throw new Error("WriteBuffer is closed");
    let ok: number;
    try {
      ok = this.ex.wbufReserve(this.h, this.base - this.buf, this.pos - this.buf, n);
    } catch (e) {
      throw new RangeError("framing.wasm: out of memory growing a WriteBuffer", { cause: e });
    }
    if (ok === 0) throw new RangeError(`WriteBuffer: ${n} more bytes exceed maxCapacity`);
    this.inst.refresh();
    this.sync();
  }

  /** The framing.wasm instance the bytes live in. */
  get instance(): FramingInstance {
    return this.inst;
  }

  /** Composed bytes not yet taken. */
  get length(): number {
    return this.pos - this.base;
  }

  /** Bytes taken and not yet released. */
  get inflight(): number {
    return this.h === 0 ? 0 : this.ex.wbufInflight(this.h, this.base - this.buf);
  }

  /** Current ring capacity. */
  get capacity(): number {
    return this.h === 0 ? 0 : this.inst.i32[(this.h + this.inst.layout.W_CAP) >>> 2]!;
  }

  get closed(): boolean {
    return this.h === 0;
  }

  writeUint8(v: number): this {
    if (!Number.isInteger(v)) throw badInt("writeUint8", v);
    if (this.pos === this.limit) this.grow(1);
    this.inst.u8[this.pos++] = v;
    return this;
  }

  writeInt8(v: number): this {
    if (!Number.isInteger(v)) throw badInt("writeInt8", v);
    if (this.pos === this.limit) this.grow(1);
    this.inst.u8[this.pos++] = v;
    return this;
  }

  writeUint16BE(v: number): this {
    if (!Number.isInteger(v)) throw badInt("writeUint16BE", v);
    if (this.limit - this.pos < 2) this.grow(2);
    this.inst.dv.setUint16(this.pos, v, false);
    this.pos += 2;
    return this;
  }

  writeUint16LE(v: number): this {
    if (!Number.isInteger(v)) throw badInt("writeUint16LE", v);
    if (this.limit - this.pos < 2) this.grow(2);
    this.inst.dv.setUint16(this.pos, v, true);
    this.pos += 2;
    return this;
  }

  writeInt16BE(v: number): this {
    if (!Number.isInteger(v)) throw badInt("writeInt16BE", v);
    if (this.limit - this.pos < 2) this.grow(2);
    this.inst.dv.setInt16(this.pos, v, false);
    this.pos += 2;
    return this;
  }

  writeInt16LE(v: number): this {
    if (!Number.isInteger(v)) throw badInt("writeInt16LE", v);
    if (this.limit - this.pos < 2) this.grow(2);
    this.inst.dv.setInt16(this.pos, v, true);
    this.pos += 2;
    return this;
  }

  writeUint32BE(v: number): this {
    if (!Number.isInteger(v)) throw badInt("writeUint32BE", v);
    if (this.limit - this.pos < 4) this.grow(4);
    this.inst.dv.setUint32(this.pos, v, false);
    this.pos += 4;
    return this;
  }

  writeUint32LE(v: number): this {
    if (!Number.isInteger(v)) throw badInt("writeUint32LE", v);
    if (this.limit - this.pos < 4) this.grow(4);
    this.inst.dv.setUint32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  writeInt32BE(v: number): this {
    if (!Number.isInteger(v)) throw badInt("writeInt32BE", v);
    if (this.limit - this.pos < 4) this.grow(4);
    this.inst.dv.setInt32(this.pos, v, false);
    this.pos += 4;
    return this;
  }

  writeInt32LE(v: number): this {
    if (!Number.isInteger(v)) throw badInt("writeInt32LE", v);
    if (this.limit - this.pos < 4) this.grow(4);
    this.inst.dv.setInt32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  private write64(v: bigint | number, le: boolean): this {
    if (typeof v !== "bigint") {
      if (typeof v !== "number") throw new TypeError(`64-bit write needs a bigint or a safe integer, got ${kindOf(v)}`);
      if (!Number.isSafeInteger(v)) throw new RangeError(`64-bit write needs a bigint or a safe integer, got ${v}`);
    }
    if (this.limit - this.pos < 8) this.grow(8);
    const dv = this.inst.dv;
    if (typeof v === "bigint") {
      dv.setBigUint64(this.pos, BigInt.asUintN(64, v), le);
    } else {
      const hi = Math.floor(v / TWO32);
      const lo = v - hi * TWO32;
      dv.setInt32(le ? this.pos + 4 : this.pos, hi, le);
      dv.setUint32(le ? this.pos : this.pos + 4, lo, le);
    }
    this.pos += 8;
    return this;
  }

  /** 64-bit big endian: a bigint (mod 2^64) or a safe-integer number. */
  writeInt64BE(v: bigint | number): this {
    return this.write64(v, false);
  }

  /** 64-bit little endian: a bigint (mod 2^64) or a safe-integer number. */
  writeInt64LE(v: bigint | number): this {
    return this.write64(v, true);
  }

  /** 64-bit big endian: a bigint (mod 2^64) or a safe-integer number. */
  writeUint64BE(v: bigint | number): this {
    return this.write64(v, false);
  }

  /** 64-bit little endian: a bigint (mod 2^64) or a safe-integer number. */
  writeUint64LE(v: bigint | number): this {
    return this.write64(v, true);
  }

  writeFloat32BE(v: number): this {
    if (typeof v !== "number") throw badFloat("writeFloat32BE", v);
    if (this.limit - this.pos < 4) this.grow(4);
    this.inst.dv.setFloat32(this.pos, v, false);
    this.pos += 4;
    return this;
  }

  writeFloat32LE(v: number): this {
    if (typeof v !== "number") throw badFloat("writeFloat32LE", v);
    if (this.limit - this.pos < 4) this.grow(4);
    this.inst.dv.setFloat32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  writeFloat64BE(v: number): this {
    if (typeof v !== "number") throw badFloat("writeFloat64BE", v);
    if (this.limit - this.pos < 8) this.grow(8);
    this.inst.dv.setFloat64(this.pos, v, false);
    this.pos += 8;
    return this;
  }

  writeFloat64LE(v: number): this {
    if (typeof v !== "number") throw badFloat("writeFloat64LE", v);
    if (this.limit - this.pos < 8) this.grow(8);
    this.inst.dv.setFloat64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  /** Appends the bytes. */
  writeBytes(data: Uint8Array): this {
    if (!(data instanceof Uint8Array)) throw new TypeError(`writeBytes() needs a Uint8Array, got ${kindOf(data)}`);
    const n = data.length;
    if (this.limit - this.pos < n) this.grow(n);
    this.inst.u8.set(data, this.pos);
    this.pos += n;
    return this;
  }

  /**
   * Appends `s` UTF-8 encoded (lone surrogates become U+FFFD, as TextEncoder does).
   * @returns the number of bytes written.
   */
  writeUtf8(s: string): number {
    if (typeof s !== "string") throw new TypeError(`writeUtf8() needs a string, got ${kindOf(s)}`);
    const n = s.length;
    if (this.limit - this.pos < n) this.grow(n);
    const before = this.pos - this.base;
    if (n <= 32) {
      // Short strings: a plain loop beats encodeInto's call overhead while they are ASCII.
      const u8 = this.inst.u8;
      let p = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        u8[p++] = c;
      }
      this.pos = p;
      if (i === n) return p - this.base - before;
      s = s.slice(i);
    }
    let r = encoder.encodeInto(s, this.inst.u8.subarray(this.pos, this.limit));
    this.pos += r.written;
    if (r.read < s.length) {
      const rest = s.slice(r.read);
      this.grow(rest.length * 3);
      r = encoder.encodeInto(rest, this.inst.u8.subarray(this.pos, this.limit));
      this.pos += r.written;
    }
    return this.pos - this.base - before;
  }

  /**
   * Appends `s` UTF-8 encoded and a NUL byte (a C string, as PostgreSQL's protocol uses).
   * @throws TypeError if `s` contains a NUL character.
   */
  writeCString(s: string): this {
    if (typeof s !== "string") throw new TypeError(`writeCString() needs a string, got ${kindOf(s)}`);
    if (s.indexOf("\0") !== -1) throw new TypeError("writeCString: the string contains a NUL character");
    this.writeUtf8(s);
    return this.writeUint8(0);
  }

  /**
   * Starts a message, PostgreSQL style: the type byte (a number or a 1-character string; omit it
   * for the untyped startup message), then an int32 BE length that {@link endMessage} fills in,
   * counting itself and everything after it. Messages do not nest.
   */
  beginMessage(type?: number | string): this {
    if (this.msg !== -1) throw new Error("beginMessage: a message is already open");
    if (type !== undefined) {
      let code: number;
      if (typeof type === "string") {
        if (type.length !== 1 || type.charCodeAt(0) > 0xff) throw new TypeError(`message type must be one byte, got ${JSON.stringify(type)}`);
        code = type.charCodeAt(0);
      } else {
        if (typeof type !== "number") throw new TypeError(`message type must be a byte or a 1-character string, got ${kindOf(type)}`);
        if (!Number.isInteger(type) || type < 0 || type > 0xff) throw new RangeError(`message type must be a byte (0..255), got ${type}`);
        code = type;
      }
      this.writeUint8(code);
    }
    if (this.limit - this.pos < 4) this.grow(4);
    this.msg = this.pos - this.base;
    this.pos += 4;
    return this;
  }

  /** Ends the open message: back-patches its length field. */
  endMessage(): this {
    const at = this.msg;
    if (at === -1) throw new Error("endMessage: no message is open");
    const p = this.base + at;
    this.inst.dv.setInt32(p, this.pos - p, false);
    this.msg = -1;
    return this;
  }

  /** True between beginMessage() and endMessage(). */
  get inMessage(): boolean {
    return this.msg !== -1;
  }

  /** The composed bytes as a view of WASM memory (valid until the next write, take or grow). */
  view(): Uint8Array {
    return new Uint8Array(this.inst.buffer, this.base, this.pos - this.base);
  }

  /**
   * Takes the composed bytes: returns them as a view of WASM memory (no copy) and marks them in
   * flight; their space is reused only after {@link release}. @throws Error inside a message.
   */
  take(): Uint8Array {
    if (this.msg !== -1) throw new Error("take: a message is still open (call endMessage first)");
    const v = new Uint8Array(this.inst.buffer, this.base, this.pos - this.base);
    this.base = this.pos;
    return v;
  }

  /** Reports that the oldest `n` in-flight bytes were written: their space can be reused. */
  release(n: number): void {
    if (this.h === 0) return;
    if (!Number.isInteger(n) || this.ex.wbufRelease(this.h, this.base - this.buf, this.pos - this.buf, n) === 0) {
      throw new RangeError(`release(${n}): only ${this.inflight} bytes are in flight`);
    }
    this.sync();
  }

  /**
   * Takes the composed bytes and writes them to `sink`; returns the number of bytes handed over
   * (0: nothing composed, nothing written).
   *
   * * A stream transport of this library (`transport` of a Protocol, BufferedProtocol or
   *   FramedProtocol over TCP, Unix or TLS): when its write buffer is empty (the usual case) the
   *   socket gets a view of WASM memory, no JS copy, and the space is released when the host
   *   reports the write done. When writes are already queued it gets a copy and the space is
   *   released at once: a queued view would be detached, and its bytes lost, if this memory grew
   *   before the socket got to it (the kernel holds a written view by address, which growth
   *   leaves in place; a view waiting in the stream's queue is a JS object, which it detaches).
   * * A {@link WriteSink} (`write(data, done)`, two declared parameters): gets the view, and the
   *   space is released when it calls `done`.
   * * Anything else with `write(data)` (another Transport): gets a copy; released at once.
   */
  flush(sink: FlushTarget): number {
    const data = this.take();
    const n = data.length;
    if (n === 0) return 0;
    const flight: Flight = { n, done: false };
    this.flights.push(flight);
    if (isBorrowingTransport(sink)) {
      if (sink.getWriteBufferSize() === 0) {
        sink._writeBorrowed(data, () => this.settle(flight));
        return n;
      }
    } else if (sink.write.length >= 2) {
      (sink as WriteSink).write(data, () => this.settle(flight));
      return n;
    }
    const copy = data.slice();
    this.settle(flight);
    (sink as WriteSink).write(copy, noop); // a transport ignores the second argument
    return n;
  }

  /**
   * A flushed block is no longer needed. Space is released oldest first: a block settled before
   * an older one (a copy made while a borrowed write is still in flight) waits for it.
   */
  private settle(flight: Flight): void {
    if (flight.done) return;
    flight.done = true;
    const q = this.flights;
    let i = 0;
    let total = 0;
    while (i < q.length && q[i]!.done) total += q[i++]!.n;
    if (i === 0) return;
    if (i === q.length) q.length = 0;
    else q.splice(0, i);
    this.release(total);
  }

  /** Frees the ring (in-flight views become invalid). */
  close(): void {
    if (this.h === 0) return;
    this.ex.wbufFree(this.h);
    this.h = 0;
    this.flights.length = 0;
    this.buf = this.base = this.pos = this.limit = 0;
    this.msg = -1;
  }
}
