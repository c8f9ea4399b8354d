// WriteBuffer: integer/float writes against DataView, strings against TextEncoder, PostgreSQL-style
// length back-patching, take/release (in-flight bytes never move), growth, flush to a fake sink.
import { describe, expect, it } from "vitest";
import { WriteBuffer, type WriteSink } from "../src/framing/write-buffer.js";
import { createFramingInstance } from "../src/framing/wasm-module.js";
import { WasmFrameParser } from "../src/framing/wasm-parser.js";
import { prng } from "./framing-helpers.js";

type NumWrite = "writeUint8" | "writeInt8" | "writeUint16BE" | "writeUint16LE" | "writeInt16BE" | "writeInt16LE"
  | "writeUint32BE" | "writeUint32LE" | "writeInt32BE" | "writeInt32LE"
  | "writeFloat32BE" | "writeFloat32LE" | "writeFloat64BE" | "writeFloat64LE";

const CASES: Array<[NumWrite, number, (dv: DataView, v: number) => void]> = [
  ["writeUint8", 1, (dv, v) => dv.setUint8(0, v)],
  ["writeInt8", 1, (dv, v) => dv.setInt8(0, v)],
  ["writeUint16BE", 2, (dv, v) => dv.setUint16(0, v, false)],
  ["writeUint16LE", 2, (dv, v) => dv.setUint16(0, v, true)],
  ["writeInt16BE", 2, (dv, v) => dv.setInt16(0, v, false)],
  ["writeInt16LE", 2, (dv, v) => dv.setInt16(0, v, true)],
  ["writeUint32BE", 4, (dv, v) => dv.setUint32(0, v, false)],
  ["writeUint32LE", 4, (dv, v) => dv.setUint32(0, v, true)],
  ["writeInt32BE", 4, (dv, v) => dv.setInt32(0, v, false)],
  ["writeInt32LE", 4, (dv, v) => dv.setInt32(0, v, true)],
  ["writeFloat32BE", 4, (dv, v) => dv.setFloat32(0, v, false)],
  ["writeFloat32LE", 4, (dv, v) => dv.setFloat32(0, v, true)],
  ["writeFloat64BE", 8, (dv, v) => dv.setFloat64(0, v, false)],
  ["writeFloat64LE", 8, (dv, v) => dv.setFloat64(0, v, true)],
];

const VALUES = [0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, 65535, 65536, 2 ** 31 - 1, 2 ** 31, -(2 ** 31),
  2 ** 32 - 1, 2 ** 32, 1.5, -2.75, NaN, Infinity, 1e300, 123456789];

function expected(width: number, set: (dv: DataView, v: number) => void, v: number): Uint8Array {
  const b = new Uint8Array(width);
  set(new DataView(b.buffer), v);
  return b;
}

describe("WriteBuffer", () => {
  it("every int/float width and endianness matches DataView (values taken modulo 2^n)", () => {
    const wb = new WriteBuffer({ initialCapacity: 16 });
    const rnd = prng(7);
    for (const [method, width, set] of CASES) {
      const isFloat = method.startsWith("writeFloat");
      const values = [...VALUES, ...Array.from({ length: 50 }, () => Math.floor((rnd() - 0.5) * 2 ** 34))];
      for (const v of values) {
        if (!isFloat && !Number.isInteger(v)) {
          // DataView would write NaN as 0 and truncate 1.5: an integer write refuses them.
          expect(() => wb[method](v), `${method}(${v})`).toThrow(RangeError);
          expect(wb.length).toBe(0);
          continue;
        }
        wb[method](v);
        const got = wb.take();
        expect(Array.from(got), `${method}(${v})`).toEqual(Array.from(expected(width, set, v)));
        wb.release(got.length);
      }
    }
    wb.close();
  });

  it("64-bit writes: bigint modulo 2^64 and safe-integer numbers, as setBigInt64/setBigUint64", () => {
    const wb = new WriteBuffer();
    const big = [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n, 2n ** 64n + 5n, -(2n ** 70n) - 3n, 0x0102030405060708n];
    const nums = [0, 1, -1, 2 ** 32, -(2 ** 32), 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1234567890123, -987654321012];
    for (const le of [false, true]) {
      for (const signed of [false, true]) {
        const m = `write${signed ? "Int" : "Uint"}64${le ? "LE" : "BE"}` as const;
        for (const v of [...big, ...nums]) {
          wb[m](v);
          const got = wb.take();
          const ref = new Uint8Array(8);
          new DataView(ref.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(v)), le);
          expect(Array.from(got), `${m}(${v})`).toEqual(Array.from(ref));
          wb.release(8);
        }
        expect(() => wb[m](2 ** 53)).toThrow(RangeError);
        expect(() => wb[m](1.5)).toThrow(RangeError);
        expect(() => wb[m](NaN)).toThrow(RangeError);
      }
    }
    expect(wb.length).toBe(0);
    wb.close();
  });

  it("writeUtf8 and writeCString match TextEncoder", () => {
    const wb = new WriteBuffer({ initialCapacity: 16 });
    const enc = new TextEncoder();
    const strings = ["", "a", "hello", "héllo", "日本語", "emoji 😀 pair", "lone \ud800 surrogate", "x".repeat(31) + "é",
      "y".repeat(40), "z".repeat(100) + "€" + "w".repeat(50), "€".repeat(1000), "😀".repeat(300)];
    for (const s of strings) {
      const n = wb.writeUtf8(s);
      const got = wb.take();
      expect(Array.from(got), s.slice(0, 20)).toEqual(Array.from(enc.encode(s)));
      expect(n).toBe(got.length);
      wb.release(got.length);
      wb.writeCString(s);
      const c = wb.take();
      expect(Array.from(c)).toEqual([...enc.encode(s), 0]);
      wb.release(c.length);
    }
    expect(() => wb.writeCString("a\0b")).toThrow(TypeError);
    wb.close();
  });

  it("back-patches PostgreSQL-style message lengths", () => {
    const wb = new WriteBuffer();
    wb.beginMessage("Q").writeCString("select 1").endMessage();
    wb.beginMessage().writeInt32BE(196608).writeCString("user").writeCString("me").writeUint8(0).endMessage(); // startup
    wb.beginMessage(0x58).endMessage(); // Terminate: no body
    const got = wb.take();
    const q = [0x51, 0, 0, 0, 13, ...new TextEncoder().encode("select 1"), 0];
    const startup = [0, 0, 0, 17, 0, 3, 0, 0, ...new TextEncoder().encode("user\0me\0"), 0];
    expect(Array.from(got)).toEqual([...q, ...startup, 0x58, 0, 0, 0, 4]);
    expect(() => wb.endMessage()).toThrow(/no message/);
    wb.beginMessage("P");
    expect(wb.inMessage).toBe(true);
    expect(() => wb.beginMessage("P")).toThrow(/already open/);
    expect(() => wb.take()).toThrow(/open/);
    wb.endMessage();
    expect(() => wb.beginMessage("PP")).toThrow(TypeError);
    expect(() => wb.beginMessage(256)).toThrow(RangeError);
    wb.close();
  });

  it("back-patching survives the message moving (wrap and growth mid-message)", () => {
    const wb = new WriteBuffer({ initialCapacity: 64 });
    wb.writeBytes(new Uint8Array(40).fill(7));
    const inflight = wb.take(); // 40 bytes in flight at the front
    const body = new Uint8Array(1000).map((_, i) => i & 0xff);
    wb.beginMessage("D").writeInt16BE(1).writeBytes(body).endMessage();
    const msg = wb.take();
    expect(msg.length).toBe(1 + 4 + 2 + 1000);
    expect(msg[0]).toBe(0x44);
    expect(new DataView(msg.buffer, msg.byteOffset).getInt32(1)).toBe(4 + 2 + 1000);
    expect(Array.from(msg.subarray(7))).toEqual(Array.from(body));
    expect(Array.from(inflight)).toEqual(new Array(40).fill(7));
    wb.release(inflight.length + msg.length);
    wb.close();
  });

  it("release makes space reusable: steady state does not grow", () => {
    const wb = new WriteBuffer({ initialCapacity: 256 });
    const cap = wb.capacity;
    for (let i = 0; i < 2000; i++) {
      wb.writeUint32BE(i).writeBytes(new Uint8Array(60).fill(i & 0xff));
      const v = wb.take();
      expect(v.length).toBe(64);
      expect(new DataView(v.buffer, v.byteOffset).getUint32(0)).toBe(i);
      wb.release(64);
    }
    // with two writes in flight at a time (the ring wraps around the older one)
    let prev = wb.take();
    for (let i = 0; i < 2000; i++) {
      wb.writeBytes(new Uint8Array(100).fill(i & 0xff));
      const v = wb.take();
      wb.release(prev.length);
      prev = v;
      expect(v[99]).toBe(i & 0xff);
    }
    wb.release(prev.length);
    expect(wb.inflight).toBe(0);
    expect(wb.capacity).toBe(cap);
    expect(() => wb.release(1)).toThrow(RangeError);
    wb.close();
  });

  it("in-flight bytes never move nor change while more is composed (wrap, growth, retired blocks)", () => {
    const wb = new WriteBuffer({ initialCapacity: 64 });
    const rnd = prng(11);
    const pending: Array<{ ptr: number; data: Uint8Array }> = [];
    let released = 0;
    let taken = 0;
    for (let step = 0; step < 3000; step++) {
      const r = rnd();
      if (r < 0.55) {
        const n = Math.floor(rnd() * (rnd() < 0.1 ? 3000 : 120));
        const data = new Uint8Array(n);
        for (let i = 0; i < n; i++) data[i] = Math.floor(rnd() * 256);
        wb.writeBytes(data);
      } else if (r < 0.8) {
        const before = wb.length;
        const v = wb.take();
        expect(v.length).toBe(before);
        if (v.length > 0) pending.push({ ptr: v.byteOffset, data: v.slice() });
        taken += v.length;
      } else if (pending.length > 0) {
        const p = pending.shift()!;
        wb.release(p.data.length);
        released += p.data.length;
      }
      // every in-flight byte is still where it was handed out
      const u8 = wb.instance.u8;
      for (const p of pending) expect(Buffer.compare(u8.subarray(p.ptr, p.ptr + p.data.length), p.data)).toBe(0);
      expect(wb.inflight).toBe(taken - released);
    }
    wb.close();
  });

  it("grows up to maxCapacity, then throws RangeError and keeps its contents", () => {
    const wb = new WriteBuffer({ initialCapacity: 16, maxCapacity: 1024 });
    wb.writeBytes(new Uint8Array(1000).fill(1));
    expect(wb.capacity).toBe(1024);
    expect(() => wb.writeBytes(new Uint8Array(100))).toThrow(RangeError);
    expect(wb.length).toBe(1000);
    expect(wb.view().every((b) => b === 1)).toBe(true);
    wb.close();
    expect(() => new WriteBuffer({ maxCapacity: 8 })).toThrow(RangeError);
    expect(() => new WriteBuffer({ initialCapacity: 1.5 })).toThrow(TypeError);
  });

  it("flush hands views to a sink and releases on done", () => {
    const wb = new WriteBuffer({ initialCapacity: 64 });
    const written: Array<{ data: Uint8Array; done: () => void }> = [];
    const sink: WriteSink = { write: (data, done) => written.push({ data, done }) };
    expect(wb.flush(sink)).toBe(0);
    wb.writeUint16BE(0x0102);
    expect(wb.flush(sink)).toBe(2);
    wb.beginMessage("S").endMessage();
    expect(wb.flush(sink)).toBe(5);
    expect(wb.inflight).toBe(7);
    expect(Array.from(written[0]!.data)).toEqual([1, 2]);
    expect(Array.from(written[1]!.data)).toEqual([0x53, 0, 0, 0, 4]);
    written[0]!.done();
    written[0]!.done(); // a second call is ignored
    expect(wb.inflight).toBe(5);
    written[1]!.done();
    expect(wb.inflight).toBe(0);
    // a synchronous sink
    wb.writeUint8(9);
    wb.flush({ write: (_d, done) => done() });
    expect(wb.inflight).toBe(0);
    wb.close();
    expect(wb.closed).toBe(true);
    expect(() => wb.writeUint8(1)).toThrow(/closed/);
  });

  it("memory growth by another ring mid-message: views re-derived, bytes intact", () => {
    const inst = createFramingInstance();
    const wb = new WriteBuffer({ instance: inst, initialCapacity: 64 });
    wb.beginMessage("B").writeCString("portal");
    const before = inst.byteLength;
    const big = new WasmFrameParser({ preset: "kafka", initialCapacity: 16 << 20, maxFrameSize: 16 << 20 }, { instance: inst });
    expect(inst.byteLength).toBeGreaterThan(before);
    wb.writeInt16BE(-2).writeUint64BE(2n ** 64n - 1n).endMessage();
    const v = wb.take();
    expect(Array.from(v)).toEqual([0x42, 0, 0, 0, 21, ...new TextEncoder().encode("portal"), 0, 0xff, 0xfe, 255, 255, 255, 255, 255, 255, 255, 255]);
    big.close();
    wb.close();
  });
});
