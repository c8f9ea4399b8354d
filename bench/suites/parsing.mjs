// Parsing suite (DESIGN §7): frames/s and MiB/s of the frame parser — WASM,
// the TS twin, and a naive Buffer.concat/subarray parser — on a stream of
// length-prefixed frames (4-byte big-endian length, then the payload) cut
// into 64 KiB reads that do not line up with frame boundaries.

import { Buffer } from "node:buffer";
import { loadWasyncio } from "../support/wasyncio.mjs";

/** @typedef {import("../lib/types.mjs").Workload} Workload */
/** @typedef {import("../lib/types.mjs").Variant} Variant */

export const name = "parsing";
export const description = "Frame parser throughput: small and large length-prefixed frames.";

const READ_SIZE = 64 * 1024;
const STREAM_BYTES = 8 * 1024 * 1024;
const QUICK_STREAM_BYTES = 1024 * 1024;
const HEADER = 4;
/** The framing all variants parse: 4-byte BE length, header stripped. */
const FRAMING = { lengthField: { size: 4, endian: "big", strip: 4 }, maxFrameSize: 1 << 20 };

/**
 * The byte stream of `frames` frames of `size` payload bytes, cut into reads.
 * @param {number} frames
 * @param {number} size
 * @returns {Buffer[]}
 */
function makeReads(frames, size) {
  const all = Buffer.allocUnsafe(frames * (size + HEADER));
  let off = 0;
  for (let i = 0; i < frames; i++) {
    all.writeUInt32BE(size, off);
    all.fill(i & 0xff, off + HEADER, off + HEADER + size);
    off += size + HEADER;
  }
  /** @type {Buffer[]} */
  const reads = [];
  for (let o = 0; o < all.length; o += READ_SIZE) reads.push(all.subarray(o, Math.min(all.length, o + READ_SIZE)));
  return reads;
}

/**
 * @param {number} got
 * @param {number} want
 */
function check(got, want) {
  if (got !== want) throw new Error(`parsed ${got} frames, expected ${want}`);
}

/**
 * A wasyncio frame parser on the given core. Bytes go in with feed(), one copy into the ring (a
 * socket reading straight into the ring through onread would save it; the naive parser gets
 * each read as is), so this measures the parser conservatively.
 * @param {Record<string, any>} asyncio
 * @param {"js" | "wasm"} core
 */
function makeParser(asyncio, core) {
  return asyncio.createFrameParser(FRAMING, core);
}

/**
 * @param {"js" | "wasm"} core
 * @returns {Variant}
 */
function wasyncioParser(core) {
  return {
    name: core,
    description: core === "wasm" ? "wasyncio frame parser, WASM" : "wasyncio frame parser, TS twin",
    async setup(ctx) {
      const asyncio = await loadWasyncio(["createFrameParser"]);
      const parser = makeParser(asyncio, core);
      const size = /** @type {number} */ (ctx.params.size);
      return { parser, reads: makeReads(ctx.ops, size) };
    },
    fn(/** @type {any} */ s, ctx) {
      const p = s.parser;
      let frames = 0;
      let acc = 0;
      for (const r of s.reads) {
        let off = 0;
        while (off < r.length) {
          const n = p.feed(off === 0 ? r : r.subarray(off));
          off += n;
          let f;
          let took = 0;
          while ((f = p.nextFrame()) !== null) {
            frames++;
            acc += f.length;
            took++;
          }
          if (n === 0 && took === 0) throw new Error("parser took no bytes and had no frame");
        }
      }
      check(frames, ctx.ops);
      return acc;
    },
    teardown: (/** @type {any} */ s) => s.parser.close?.(),
  };
}

/** @type {Variant} */
const naive = {
  name: "naive",
  baseline: true,
  description: "Buffer.concat of the leftover and each read, subarray per frame",
  setup: (ctx) => ({ reads: makeReads(ctx.ops, /** @type {number} */ (ctx.params.size)) }),
  fn(/** @type {any} */ s, ctx) {
    /** @type {Buffer} */
    let buf = Buffer.alloc(0);
    let frames = 0;
    let acc = 0;
    for (const r of s.reads) {
      buf = buf.length === 0 ? r : Buffer.concat([buf, r]);
      while (buf.length >= HEADER) {
        const len = buf.readUInt32BE(0);
        if (buf.length < HEADER + len) break;
        const frame = buf.subarray(HEADER, HEADER + len);
        frames++;
        acc += frame.length;
        buf = buf.subarray(HEADER + len);
      }
    }
    check(frames, ctx.ops);
    return acc;
  },
};

/** @type {[string, number][]} */
const SIZES = [
  ["16b", 16],
  ["1k", 1024],
  ["64k", 64 * 1024],
];

/** @type {Workload[]} */
export const workloads = SIZES.map(([label, size]) => ({
  name: `frames_${label}`,
  description: `${size}-byte frames behind a 4-byte length, parsed from 64 KiB reads (${STREAM_BYTES / 1024 / 1024} MiB per iteration)`,
  unit: "frames/s",
  ops: Math.floor(STREAM_BYTES / (size + HEADER)),
  quickOps: Math.floor(QUICK_STREAM_BYTES / (size + HEADER)),
  bytesPerOp: size + HEADER,
  params: { size },
  extraUnits: { mibPerSec: "MiB/s" },
  variants: [naive, wasyncioParser("js"), wasyncioParser("wasm")],
}));
