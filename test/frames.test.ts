// The frame parser: presets, length-field and delimiter modes, splits, errors, ring behaviour.
// Every suite runs on both implementations (WASM and the TS twin) and checks against the
// reference parser in framing-helpers.ts.
import { describe, expect, it } from "vitest";
import { FrameError } from "../src/errors.js";
import { resolveFramingOptions, type FramingOptions } from "../src/framing/options.js";
import { BATCH_FRAMES } from "../src/framing/parser.js";
import { WasmFrameParser } from "../src/framing/wasm-parser.js";
import { JsFrameParser } from "../src/framing/js-parser.js";
import { createFramingInstance } from "../src/framing/wasm-module.js";
import {
  IMPLEMENTATIONS, bytes, concat, drive, lengthField, prng, randomChunks, referenceParse, sameResult, show,
  splitAt, text, utf8, varint, type ParseResult,
} from "./framing-helpers.js";

const pg = (type: string, body: Uint8Array): Uint8Array =>
  concat([bytes(type.charCodeAt(0)), bytes(...lengthField(body.length + 4, 4, true)), body]);
const mysql = (seq: number, payload: Uint8Array): Uint8Array =>
  concat([bytes(...lengthField(payload.length, 3, false), seq), payload]);
const h2 = (type: number, flags: number, stream: number, payload: Uint8Array): Uint8Array =>
  concat([bytes(...lengthField(payload.length, 3, true), type, flags, ...lengthField(stream, 4, true)), payload]);
const kafka = (payload: Uint8Array): Uint8Array => concat([bytes(...lengthField(payload.length, 4, true)), payload]);
const mqtt = (fixed: number, payload: Uint8Array): Uint8Array => concat([bytes(fixed, ...varint(payload.length)), payload]);
const filled = (n: number, seed = n): Uint8Array => {
  const r = prng(seed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
};

describe.each(IMPLEMENTATIONS)("%s frame parser", (_name, make) => {
  /** Runs one parser over chunks and checks it against the reference for the whole stream. */
  function check(options: FramingOptions, chunks: readonly Uint8Array[], path: "feed" | "zero" = "feed", drainMode: "next" | "batch" = "next"): ParseResult {
    const p = make(options);
    try {
      const got = drive(p, chunks, { path, drain: drainMode });
      const want = referenceParse(resolveFramingOptions(options), concat(chunks));
      expect(show(got)).toEqual(show(want));
      return got;
    } finally {
      p.close();
    }
  }

  describe("presets against hand-built messages", () => {
    it("postgres delivers whole messages, header included", () => {
      const msgs = [pg("R", bytes(0, 0, 0, 0)), pg("S", utf8("client_encoding\0UTF8\0")), pg("Z", bytes(0x49)), pg("C", new Uint8Array(0))];
      const got = check({ preset: "postgres" }, [concat(msgs)]);
      expect(got.frames).toEqual(msgs);
      expect(got.error).toBe(null);
    });

    it("mysql: int24 LE length + sequence byte, length excludes the header", () => {
      const msgs = [mysql(0, utf8("\x0a8.0.36\0")), mysql(1, new Uint8Array(0)), mysql(2, filled(300))];
      expect(check({ preset: "mysql" }, [concat(msgs)]).frames).toEqual(msgs);
    });

    it("http2: 9-byte headers, int24 BE length", () => {
      const msgs = [h2(4, 0, 0, new Uint8Array(0)), h2(1, 4, 1, filled(100)), h2(0, 1, 1, filled(16384))];
      expect(check({ preset: "http2" }, [concat(msgs)]).frames).toEqual(msgs);
    });

    it("kafka: int32 BE size prefix excluding itself", () => {
      const msgs = [kafka(filled(10)), kafka(new Uint8Array(0)), kafka(filled(1000))];
      expect(check({ preset: "kafka" }, [concat(msgs)]).frames).toEqual(msgs);
    });

    it("mqtt: varint remaining length at every size boundary", () => {
      const sizes = [0, 1, 127, 128, 16383, 16384, 2097151, 2097152];
      const msgs = sizes.map((n, i) => mqtt(0x30 | (i & 0xf), filled(n)));
      const got = check({ preset: "mqtt", maxFrameSize: 4 << 20 }, [concat(msgs)]);
      expect(got.frames.length).toBe(sizes.length);
      got.frames.forEach((f, i) => expect(Buffer.compare(f, msgs[i]!)).toBe(0));
    });

    it("mqtt: a 5-byte remaining length is an error (MQTT allows 4)", () => {
      const ok = mqtt(0x30, utf8("hi"));
      const got = check({ preset: "mqtt" }, [concat([ok, bytes(0x30, 0x80, 0x80, 0x80, 0x80, 0x01)])]);
      expect(got.frames).toEqual([ok]);
      expect(got.error).toMatch(/varint longer than 4 bytes/);
    });

    it("lines: CRLF delimited, delimiter stripped, empty lines kept, partial line held", () => {
      const got = check({ preset: "lines" }, [utf8("a\r\nbb\r"), utf8("\n\r\n"), utf8("tail")]);
      expect(got.frames.map(text)).toEqual(["a", "bb", ""]);
    });
  });

  describe("length-field mode", () => {
    const sizes = [1, 2, 3, 4, 8] as const;
    for (const size of sizes) {
      for (const endian of ["big", "little"] as const) {
        it(`size ${size} ${endian} endian with offset, adjustment and strip`, () => {
          const offset = 2;
          const adjustment = -1;
          const strip = 3;
          const frames: Uint8Array[] = [];
          for (const bodyLen of [1, 2, 5, 40, 200]) {
            const L = bodyLen - adjustment;
            frames.push(concat([bytes(0xaa, 0xbb), bytes(...lengthField(L, size, endian === "big")), filled(bodyLen, bodyLen + size)]));
          }
          const options: FramingOptions = { lengthField: { offset, size, endian, adjustment, strip }, maxFrameSize: 1000 };
          const got = check(options, [concat(frames)]);
          expect(got.frames).toEqual(frames.map((f) => f.subarray(strip)));
        });
      }
    }

    it("generic varint up to 10 bytes", () => {
      const frames = [0, 5, 300].map((n) => concat([bytes(...varint(n)), filled(n)]));
      const padded = concat([bytes(0x85, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), filled(5, 9)]); // 5 in 10 bytes
      const got = check({ lengthField: { size: "varint" }, maxFrameSize: 1000 }, [concat([...frames, padded])]);
      expect(got.frames).toEqual([...frames, padded]);
    });

    it("strip removes a header (length-prefixed payloads)", () => {
      const got = check({ lengthField: { size: 2, strip: 2 }, maxFrameSize: 100 }, [bytes(0, 3, 1, 2, 3, 0, 0, 0, 1, 9)]);
      expect(got.frames).toEqual([bytes(1, 2, 3), bytes(), bytes(9)]);
    });
  });

  describe("delimiter mode", () => {
    it("1-byte NUL delimiter", () => {
      expect(check({ delimiter: "\0", maxFrameSize: 10 }, [utf8("a\0\0bc\0d")]).frames.map(text)).toEqual(["a", "", "bc"]);
    });

    it("8-byte delimiter, also split across chunks", () => {
      const d = bytes(1, 2, 3, 4, 5, 6, 7, 8);
      const data = concat([utf8("xx"), d, utf8("yyy"), d, d, bytes(1, 2, 3), utf8("z"), d]);
      const all = check({ delimiter: d, maxFrameSize: 20 }, [data]);
      expect(all.frames.map(text)).toEqual(["xx", "yyy", "", "\x01\x02\x03z"]);
      for (let cut = 0; cut <= data.length; cut++) check({ delimiter: d, maxFrameSize: 20 }, splitAt(data, [cut]));
    });

    it("self-overlapping delimiter", () => {
      const got = check({ delimiter: "aab", maxFrameSize: 50 }, [utf8("aaab"), utf8("xaa"), utf8("aab")]);
      expect(got.frames.map(text)).toEqual(["a", "xaa"]);
    });

    it("accepts a frame of exactly maxFrameSize bytes", () => {
      const got = check({ delimiter: "\n", maxFrameSize: 5 }, [utf8("12345\n1234"), utf8("5\n")]);
      expect(got.frames.map(text)).toEqual(["12345", "12345"]);
      expect(got.error).toBe(null);
    });

    it("delimiters given as byte arrays", () => {
      expect(check({ delimiter: [13, 10], maxFrameSize: 5 }, [utf8("ab\r\n")]).frames.map(text)).toEqual(["ab"]);
    });
  });

  describe("splits", () => {
    const streams: Array<[string, FramingOptions, Uint8Array]> = [
      ["postgres", { preset: "postgres" }, concat([pg("Q", utf8("select 1\0")), pg("X", new Uint8Array(0)), pg("D", filled(70))])],
      ["mysql", { preset: "mysql" }, concat([mysql(0, utf8("hello")), mysql(1, new Uint8Array(0)), mysql(2, filled(33))])],
      ["http2", { preset: "http2" }, concat([h2(4, 0, 0, new Uint8Array(0)), h2(0, 1, 3, filled(21))])],
      ["kafka", { preset: "kafka" }, concat([kafka(filled(3)), kafka(filled(0)), kafka(filled(50))])],
      ["mqtt", { preset: "mqtt" }, concat([mqtt(0x10, filled(200)), mqtt(0xc0, new Uint8Array(0)), mqtt(0x30, filled(5))])],
      ["lines", { preset: "lines" }, utf8("GET / HTTP/1.1\r\nHost: x\r\n\r\nbody")],
      ["u64 le", { lengthField: { size: 8, endian: "little", strip: 8 }, maxFrameSize: 100 }, concat([bytes(...lengthField(3, 8, false), 7, 8, 9), bytes(...lengthField(0, 8, false))])],
    ];
    for (const [name, options, data] of streams) {
      it(`${name}: every 2-way split, both paths`, () => {
        for (let cut = 0; cut <= data.length; cut++) {
          check(options, splitAt(data, [cut]), "feed", "next");
          check(options, splitAt(data, [cut]), "zero", "batch");
        }
      });
      it(`${name}: one byte at a time`, () => {
        const ones = Array.from(data, (b) => bytes(b));
        check(options, ones, "feed", "batch");
        check(options, ones, "zero", "next");
      });
      it(`${name}: random splits`, () => {
        const rnd = prng(name.length * 7919);
        for (let i = 0; i < 50; i++) check(options, randomChunks(data, rnd, 1 + Math.floor(rnd() * 40)), rnd() < 0.5 ? "feed" : "zero", rnd() < 0.5 ? "next" : "batch");
      });
    }
  });

  describe("bad input", () => {
    it("oversize frame: error after every earlier whole frame", () => {
      const ok = kafka(filled(10));
      const got = check({ preset: "kafka", maxFrameSize: 100 }, [concat([ok, ok, kafka(filled(97))])]);
      expect(got.frames).toEqual([ok, ok]);
      expect(got.error).toBe("frame of 101 bytes exceeds maxFrameSize 100");
    });

    it("oversize is reported once the header is complete, before the body arrives", () => {
      const p = make({ preset: "kafka", maxFrameSize: 100 });
      p.feed(bytes(0, 0, 1));
      expect(p.nextFrame()).toBe(null);
      p.feed(bytes(0));
      expect(() => p.nextFrame()).toThrow(FrameError);
      p.close();
    });

    it("postgres length < 4 is a negative frame length", () => {
      for (const L of [0, 1, 3]) {
        const got = check({ preset: "postgres" }, [concat([pg("Z", bytes(0x49)), bytes(0x45, ...lengthField(L, 4, true))])]);
        expect(got.frames.length).toBe(1);
        expect(got.error).toBe(`bad length field: frame of ${L + 1} bytes is shorter than its 5-byte header`);
      }
      expect(check({ preset: "postgres" }, [bytes(0x45, 0xff, 0xff, 0xff, 0xff)]).error).toBe(`frame of ${0xffffffff + 1} bytes exceeds maxFrameSize ${16 << 20}`);
    });

    it("8-byte lengths above 2^53 - 1 overflow; 2^53 - 1 itself is merely too large", () => {
      const o: FramingOptions = { lengthField: { size: 8 }, maxFrameSize: 1000 };
      expect(check(o, [bytes(...lengthField(2n ** 53n, 8, true))]).error).toBe("bad length field: value above 2^53 - 1");
      expect(check(o, [bytes(...lengthField(2n ** 64n - 1n, 8, true))]).error).toBe("bad length field: value above 2^53 - 1");
      expect(check(o, [bytes(...lengthField(2n ** 53n - 1n, 8, true))]).error).toBe(`frame of ${2 ** 53 + 7} bytes exceeds maxFrameSize 1000`);
      expect(check({ lengthField: { size: 8, endian: "little" }, maxFrameSize: 1000 }, [bytes(...lengthField(2n ** 60n, 8, false))]).error).toMatch(/above 2\^53/);
    });

    it("varint overflow and over-long varints", () => {
      const o: FramingOptions = { lengthField: { size: "varint" }, maxFrameSize: 1000 };
      expect(check(o, [bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10)]).error).toMatch(/above 2\^53/); // 2^60
      expect(check(o, [bytes(...Array(10).fill(0x80))]).error).toBe("bad length field: varint longer than 10 bytes");
      expect(check({ ...o, maxFrameSize: 3 }, [bytes(0x80, 0x80, 0x80)]).error).toBe("bad length field: varint longer than 3 bytes");
    });

    it("a frame shorter than the bytes to strip", () => {
      const got = check({ lengthField: { size: 1, adjustment: -1, strip: 2 }, maxFrameSize: 10 }, [bytes(2, 1, 1, 0)]);
      expect(got.frames).toEqual([bytes()]);
      expect(got.error).toBe("bad length field: frame of 1 bytes is shorter than the 2 bytes to strip");
      const neg = check({ lengthField: { size: 1, adjustment: -1 }, maxFrameSize: 10 }, [bytes(1, 0)]);
      expect(neg.frames).toEqual([bytes(1)]);
      expect(neg.error).toBe("bad length field: frame of 0 bytes is shorter than its 1-byte header");
      const got2 = check({ lengthField: { size: 1, strip: 4 }, maxFrameSize: 10 }, [bytes(2, 1, 1)]);
      expect(got2.error).toBe("bad length field: frame of 3 bytes is shorter than the 4 bytes to strip");
    });

    it("unterminated delimited frame: error only after the earlier frames, only past the window", () => {
      const options: FramingOptions = { delimiter: "\r\n", maxFrameSize: 8 };
      const p = make(options);
      p.feed(utf8("one\r\ntwo\r\n123456789"));
      expect(text(p.nextFrame()!)).toBe("one");
      expect(text(p.nextFrame()!)).toBe("two");
      expect(p.nextFrame()).toBe(null); // 9 bytes < 8 + 2: the delimiter may still come
      p.feed(utf8("\r")); // 10 bytes = maxFrameSize + delimiter, and no delimiter in them
      expect(() => p.nextFrame()).toThrow("no delimiter within maxFrameSize 8 bytes");
      expect(() => p.nextFrame()).toThrow(FrameError); // sticky
      p.reset();
      p.feed(utf8("ok\r\n"));
      expect(text(p.nextFrame()!)).toBe("ok");
      p.close();
      const got = check(options, [utf8("a\r\n"), utf8("0123456789")]);
      expect(got.frames.map(text)).toEqual(["a"]);
      expect(got.error).toMatch(/no delimiter/);
    });

    it("frames before the error are delivered even across batches", () => {
      const n = BATCH_FRAMES * 2 + 7;
      const frames = Array.from({ length: n }, (_, i) => kafka(bytes(i & 0xff)));
      const got = check({ preset: "kafka", maxFrameSize: 100 }, [concat([...frames, bytes(0x7f, 0, 0, 0)])]);
      expect(got.frames.length).toBe(n);
      expect(got.error).toMatch(/exceeds/);
    });
  });

  describe("ring", () => {
    it("getBuffer returns a contiguous region the size hint fits in; bufferUpdated commits", () => {
      const p = make({ preset: "kafka", initialCapacity: 64 });
      const r = p.getBuffer(10);
      expect(r.length).toBeGreaterThanOrEqual(10);
      r.set(kafka(bytes(1, 2)));
      p.bufferUpdated(6);
      expect(p.nextFrame()).toEqual(kafka(bytes(1, 2)));
      expect(() => p.bufferUpdated(1)).toThrow(RangeError); // no region outstanding
      expect(() => { p.getBuffer(); p.bufferUpdated(1e9); }).toThrow(RangeError);
      p.close();
    });

    it("grows for a frame larger than the buffer, up to maxCapacity", () => {
      const p = make({ preset: "kafka", initialCapacity: 16, maxFrameSize: 5000 });
      expect(p.capacity).toBe(16);
      const big = kafka(filled(4000));
      const got = drive(p, randomChunks(big, prng(3), 700), { path: "zero" });
      expect(got.frames).toEqual([big]);
      expect(p.capacity).toBeLessThanOrEqual(5000);
      expect(p.capacity).toBeGreaterThanOrEqual(4004);
      p.close();
    });

    it("reports full (empty region) at the cap when frames are not consumed, then resumes", () => {
      const p = make({ preset: "kafka", initialCapacity: 16, maxFrameSize: 64, maxCapacity: 64 });
      const f = kafka(filled(12)); // 16 bytes
      const stream = concat([f, f, f, f, f, f]); // 96 bytes > 64
      const took = p.feed(stream);
      expect(took).toBe(64);
      expect(p.getBuffer().length).toBe(0); // full: 4 whole frames wait
      const seen: Uint8Array[] = [];
      for (let x = p.nextFrame(); x; x = p.nextFrame()) seen.push(x.slice());
      expect(p.feed(stream.subarray(took))).toBe(32);
      for (let x = p.nextFrame(); x; x = p.nextFrame()) seen.push(x.slice());
      expect(seen).toEqual([f, f, f, f, f, f]);
      p.close();
    });

    it("frames left undelivered before getBuffer/readBatch are not lost", () => {
      const n = BATCH_FRAMES + 100;
      const frames = Array.from({ length: n }, (_, i) => kafka(bytes(i & 0xff, i >> 8)));
      const p = make({ preset: "kafka", initialCapacity: 16 });
      p.feed(concat(frames.slice(0, 600)));
      const seen: Uint8Array[] = [];
      for (let i = 0; i < 3; i++) seen.push(p.nextFrame()!.slice());
      p.feed(concat(frames.slice(600))); // getBuffer path with 493 frames undelivered
      for (let i = 0; i < 5; i++) seen.push(p.nextFrame()!.slice());
      // switch to the batch API mid-batch
      for (let k = p.readBatch(); k > 0; k = p.readBatch()) {
        for (let i = 0; i < k; i++) seen.push(p.bytes.slice(p.frameTable[2 * i]!, p.frameTable[2 * i]! + p.frameTable[2 * i + 1]!));
      }
      expect(seen.length).toBe(n);
      expect(seen).toEqual(frames);
      p.close();
    });

    it("reset and close", () => {
      const p = make({ preset: "lines" });
      p.feed(utf8("partial"));
      expect(p.buffered).toBe(7);
      p.reset();
      expect(p.buffered).toBe(0);
      p.close();
      expect(p.closed).toBe(true);
      expect(p.nextFrame()).toBe(null);
      expect(() => p.getBuffer()).toThrow(/closed/);
      expect(() => p.feed(bytes(1))).toThrow(/closed/);
      p.close();
    });
  });

  describe("options", () => {
    it("rejects bad options with TypeError / RangeError", () => {
      const bad: Array<[unknown, typeof TypeError | typeof RangeError]> = [
        [{}, TypeError],
        [{ preset: "postgres", delimiter: "\n" }, TypeError],
        [{ preset: "nope" }, TypeError],
        [{ delimiter: "" }, RangeError],
        [{ delimiter: "123456789" }, RangeError],
        [{ delimiter: [300] }, RangeError],
        [{ delimiter: 5 }, TypeError],
        [{ lengthField: { size: 5 } }, RangeError],
        [{ lengthField: { size: "4" } }, TypeError],
        [{ lengthField: {} }, TypeError],
        [{ lengthField: { size: 4, endian: "middle" } }, TypeError],
        [{ lengthField: { size: 4, offset: -1 } }, RangeError],
        [{ lengthField: { size: 4, offset: 1.5 } }, TypeError],
        [{ lengthField: { size: 4, sise: 1 } }, TypeError],
        [{ lengthField: { size: 4, varintMaxBytes: 4 } }, TypeError],
        [{ lengthField: { size: "varint", varintMaxBytes: 11 } }, RangeError],
        [{ lengthField: { size: 4, offset: 10 }, maxFrameSize: 12 }, RangeError],
        [{ preset: "kafka", maxFrameSize: 0 }, RangeError],
        [{ preset: "kafka", maxFrameSize: 2 ** 31 }, RangeError],
        [{ preset: "kafka", maxFrameSize: 100, maxCapacity: 50 }, RangeError],
        [{ preset: "kafka", maxFrameSize: 100, maxCapacity: 100, initialCapacity: 200 }, RangeError],
        [{ preset: "kafka", maxFrameSiz: 100 }, TypeError],
        [null, TypeError],
      ];
      for (const [o, E] of bad) expect(() => make(o as FramingOptions), JSON.stringify(o)).toThrow(E);
    });
  });
});

describe("both implementations agree on ring policy", () => {
  it("same frames and the same getBuffer region sizes", () => {
    const rnd = prng(42);
    const data = concat(Array.from({ length: 300 }, (_, i) => kafka(filled(Math.floor(rnd() * 200), i))));
    const options: FramingOptions = { preset: "kafka", initialCapacity: 32, maxFrameSize: 256 };
    const chunks = randomChunks(data, rnd, 300);
    const hints = [-1, 1, 7, 100, 4096];
    const ra: number[] = [];
    const rb: number[] = [];
    const a = drive(new WasmFrameParser(options), chunks, { path: "zero", hints, regions: ra });
    const b = drive(new JsFrameParser(options), chunks, { path: "zero", hints, regions: rb });
    expect(sameResult(a, b)).toBe(true);
    expect(ra).toEqual(rb);
    expect(a.frames.length).toBe(300);
  });
});

describe("WASM memory growth during traffic", () => {
  it("frames delivered after memory.grow are correct; views are re-derived", () => {
    const inst = createFramingInstance();
    const a = new WasmFrameParser({ preset: "postgres", initialCapacity: 64 }, { instance: inst });
    const msgs = Array.from({ length: 40 }, (_, i) => pg("D", filled(10 + i * 3, i)));
    const stream = concat(msgs);
    const seen: Uint8Array[] = [];
    const half = 700;
    // first half through the zero-copy path, leaving a partial frame in the ring
    for (let off = 0; off < half;) {
      const r = a.getBuffer(50);
      const n = Math.min(r.length, half - off, 50);
      r.set(stream.subarray(off, off + n));
      a.bufferUpdated(n);
      off += n;
      for (let f = a.nextFrame(); f; f = a.nextFrame()) seen.push(f.slice());
    }
    const before = inst.byteLength;
    const oldBytes = a.bytes;
    const held = new WasmFrameParser({ preset: "kafka", initialCapacity: 8 << 20, maxFrameSize: 8 << 20 }, { instance: inst });
    expect(inst.byteLength).toBeGreaterThan(before); // memory grew
    expect(oldBytes.length).toBe(0); // the old view is detached
    // growth from a third party in the middle of a frame, then the rest of the stream
    for (let off = half; off < stream.length;) {
      const r = a.getBuffer(64);
      const n = Math.min(r.length, stream.length - off, 64);
      r.set(stream.subarray(off, off + n));
      a.bufferUpdated(n);
      off += n;
      const grower = new WasmFrameParser({ preset: "kafka", initialCapacity: 1 << 20, maxFrameSize: 1 << 20 }, { instance: inst });
      for (let f = a.nextFrame(); f; f = a.nextFrame()) seen.push(f.slice());
      grower.close();
    }
    expect(seen).toEqual(msgs);
    // the batch API after growth
    a.feed(concat(msgs.slice(0, 5)));
    new WasmFrameParser({ preset: "kafka", initialCapacity: 32 << 20, maxFrameSize: 32 << 20 }, { instance: inst });
    const k = a.readBatch();
    expect(k).toBe(5);
    const t = a.frameTable;
    for (let i = 0; i < k; i++) expect(a.bytes.slice(t[2 * i]!, t[2 * i]! + t[2 * i + 1]!)).toEqual(msgs[i]);
    held.close();
    a.close();
  });

  it("the ring's own growth mid-frame keeps the partial frame", () => {
    const inst = createFramingInstance();
    const p = new WasmFrameParser({ preset: "kafka", initialCapacity: 16, maxFrameSize: 1 << 22 }, { instance: inst });
    const big = kafka(filled(3 << 20));
    const got = drive(p, randomChunks(big, prng(9), 100_000), { path: "zero" });
    expect(got.frames.length).toBe(1);
    expect(Buffer.compare(got.frames[0]!, big)).toBe(0);
    p.close();
  });
});
