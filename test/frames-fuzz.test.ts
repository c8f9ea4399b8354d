// Fuzzing the frame parsers: seeded random configurations, streams (mostly well-formed frames,
// some corrupt or plain random bytes) and chunkings. For every input the WASM parser, the TS twin
// and the reference parser must agree byte for byte (frames and error), the two rings must hand
// out the same regions, and nothing may crash. Canary parsers living in the same WASM instance
// throughout must still parse correctly at the end (no stray writes into their memory).
import { describe, expect, it } from "vitest";
import { resolveFramingOptions, type FrameSizeOptions, type FramingOptions, type PresetName, type ResolvedFraming } from "../src/framing/options.js";
import { WasmFrameParser } from "../src/framing/wasm-parser.js";
import { JsFrameParser } from "../src/framing/js-parser.js";
import { createFramingInstance } from "../src/framing/wasm-module.js";
import {
  concat, drive, lengthField, prng, randomChunks, referenceParse, sameResult, show, varint, type ParseResult,
} from "./framing-helpers.js";

const INPUTS = 100_000;
const INPUTS_PER_CONFIG = 200;
const PRESETS: PresetName[] = ["postgres", "mysql", "http2", "kafka", "mqtt", "lines"];

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}
const int = (rnd: () => number, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

function randomConfig(rnd: () => number): FramingOptions {
  const sizes: FrameSizeOptions = { maxFrameSize: int(rnd, 12, 300), initialCapacity: int(rnd, 16, 80) };
  const r = rnd();
  let o: FramingOptions;
  if (r < 0.15) {
    o = { ...sizes, preset: pick(rnd, PRESETS) };
  } else if (r < 0.4) {
    const n = int(rnd, 1, 8);
    // a small alphabet, so partial delimiter matches are common
    const d = Array.from({ length: n }, () => pick(rnd, [0, 10, 13, 0x61, 0x62, 0xff]));
    o = { ...sizes, delimiter: d };
  } else {
    const size = pick(rnd, [1, 2, 3, 4, 8, "varint"] as const);
    const offset = int(rnd, 0, 4);
    o = {
      ...sizes,
      lengthField: {
        size, offset,
        endian: rnd() < 0.5 ? "big" : "little",
        adjustment: int(rnd, -12, 12),
        strip: int(rnd, 0, 10),
        ...(size === "varint" && rnd() < 0.5 ? { varintMaxBytes: int(rnd, 1, 10) } : {}),
      },
    };
  }
  if (rnd() < 0.3) o.maxCapacity = int(rnd, 310, 700); // room for several frames
  return o;
}

function randomBytes(rnd: () => number, n: number, alphabet?: readonly number[]): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = alphabet ? pick(rnd, alphabet) : Math.floor(rnd() * 256);
  return b;
}

function randomFrame(rnd: () => number, o: ResolvedFraming): Uint8Array {
  if (o.mode === "delimiter") {
    const alphabet = [...o.delimiter, 0x41, 0x42];
    const n = rnd() < 0.9 ? int(rnd, 0, o.maxFrameSize) : int(rnd, o.maxFrameSize, o.maxFrameSize + 20);
    return rnd() < 0.9 ? concat([randomBytes(rnd, n, alphabet), o.delimiter]) : randomBytes(rnd, n, alphabet);
  }
  const fieldBytes = o.sizeCode === 0 ? 1 : o.sizeCode;
  const hdrMin = o.offset + fieldBytes;
  const total = rnd() < 0.9 ? int(rnd, Math.max(hdrMin, o.strip), o.maxFrameSize) : int(rnd, 0, o.maxFrameSize + 30);
  let field: number[];
  let hdrEnd = hdrMin;
  if (o.sizeCode === 0) {
    // a varint; its length depends on the value, so settle it by iterating once
    let L = Math.max(0, total - hdrMin - o.adjustment);
    field = varint(L);
    hdrEnd = o.offset + field.length;
    L = Math.max(0, total - hdrEnd - o.adjustment);
    field = varint(L);
    if (rnd() < 0.05) field = [...field.slice(0, -1).map((b) => b | 0x80), field[field.length - 1]! | 0x80, 0x80, 0]; // padded
    hdrEnd = o.offset + field.length;
  } else {
    const L = total - hdrEnd - o.adjustment;
    const max = 2 ** (8 * o.sizeCode);
    const v = L >= 0 && L < max ? L : Math.floor(rnd() * Math.min(max, 2 ** 40));
    field = lengthField(o.sizeCode === 8 && rnd() < 0.02 ? 2n ** 53n + BigInt(v) : v, o.sizeCode as 1 | 2 | 3 | 4 | 8, o.bigEndian);
  }
  const body = Math.max(0, total - hdrEnd);
  if (rnd() < 0.03) field = Array.from(randomBytes(rnd, field.length)); // corrupt the length
  return concat([randomBytes(rnd, o.offset), new Uint8Array(field), randomBytes(rnd, body)]);
}

function randomStream(rnd: () => number, o: ResolvedFraming): Uint8Array {
  if (rnd() < 0.08) return randomBytes(rnd, int(rnd, 0, 120));
  const parts: Uint8Array[] = [];
  const n = int(rnd, 0, 6);
  for (let i = 0; i < n; i++) parts.push(randomFrame(rnd, o));
  if (rnd() < 0.3) parts.push(randomBytes(rnd, int(rnd, 0, 12))); // trailing partial/garbage
  return concat(parts);
}

describe("frame parser fuzz", () => {
  it(`${INPUTS} random inputs: WASM, TS twin and reference agree; no crash`, { timeout: 60_000 }, () => {
    const rnd = prng(0x5eed_f00d);
    const inst = createFramingInstance();
    // Canaries: parsers in the same instance, holding partial frames for the whole run.
    const canaryMsg = concat([new Uint8Array([0, 0, 0, 40]), randomBytes(prng(1), 40)]);
    const canary = new WasmFrameParser({ preset: "kafka", initialCapacity: 16 }, { instance: inst });
    canary.feed(canaryMsg.subarray(0, 20));
    const canary2 = new WasmFrameParser({ delimiter: "\n", initialCapacity: 16 }, { instance: inst });
    canary2.feed(new TextEncoder().encode("hello canary"));

    const started = Date.now();
    let inputs = 0;
    let frames = 0;
    let errors = 0;
    while (inputs < INPUTS) {
      const options = randomConfig(rnd);
      const o = resolveFramingOptions(options);
      const wasm = new WasmFrameParser(options, { instance: inst });
      const js = new JsFrameParser(options);
      for (let k = 0; k < INPUTS_PER_CONFIG && inputs < INPUTS; k++, inputs++) {
        const data = randomStream(rnd, o);
        const chunks = rnd() < 0.2 ? [data] : randomChunks(data, rnd, int(rnd, 1, 64));
        const path = rnd() < 0.5 ? "feed" : "zero";
        const hints = [int(rnd, -1, 100), int(rnd, 1, 500)];
        const ra: number[] = [];
        const rb: number[] = [];
        let a: ParseResult;
        let b: ParseResult;
        try {
          a = drive(wasm, chunks, { path, drain: rnd() < 0.5 ? "next" : "batch", hints, regions: ra });
          b = drive(js, chunks, { path, drain: rnd() < 0.5 ? "next" : "batch", hints, regions: rb });
        } catch (e) {
          throw new Error(`crash on input ${inputs}: ${JSON.stringify(options)} ${Buffer.from(data).toString("hex")}`, { cause: e });
        }
        const ref = referenceParse(o, data);
        if (!sameResult(a, b) || !sameResult(a, ref) || ra.join() !== rb.join()) {
          expect({ input: inputs, options, data: Buffer.from(data).toString("hex"), wasm: show(a), js: show(b), regions: [ra, rb] })
            .toEqual({ input: inputs, options, data: Buffer.from(data).toString("hex"), wasm: show(ref), js: show(ref), regions: [rb, rb] });
        }
        frames += a.frames.length;
        if (a.error !== null) errors++;
        wasm.reset();
        js.reset();
      }
      wasm.close();
      js.close();
    }
    canary.feed(canaryMsg.subarray(20));
    expect(canary.nextFrame()).toEqual(canaryMsg);
    canary2.feed(new TextEncoder().encode("\n"));
    expect(new TextDecoder().decode(canary2.nextFrame()!)).toBe("hello canary");
    const ms = Date.now() - started;
    // Coverage sanity: plenty of frames and plenty of errors were exercised.
    expect(frames).toBeGreaterThan(INPUTS);
    expect(errors).toBeGreaterThan(INPUTS / 20);
    console.log(`fuzz: ${inputs} inputs, ${frames} frames, ${errors} errors, ${ms} ms`);
  });
});
