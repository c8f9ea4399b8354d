/**
 * What both frame parsers (WASM and the TS twin) implement, and the FrameError messages they
 * share, so the two behave identically down to the error text.
 * @module
 */
import { FrameError } from "../errors.js";
import type { ResolvedFraming } from "./options.js";

/**
 * A frame parser over its own read ring.
 *
 * Data path (zero copy): `getBuffer(hint)` returns the ring's free region, the socket writes into
 * it, `bufferUpdated(n)` commits n bytes; then `nextFrame()` until it returns null (or the batch
 * API: `readBatch()` + `frameTable` + `bytes`). Convenience: `feed(bytes)` copies bytes in.
 *
 * View lifetimes: a frame view (and the batch table's offsets) stays valid until the next
 * `getBuffer`, `feed`, `reset` or `close` of this parser (those may compact or grow the ring),
 * and, with the WASM parser, until memory grows (another ring of the same instance growing).
 * Keep a frame with `view.slice()`. The region from `getBuffer` must be written before any other
 * call on this parser or any ring of its instance.
 *
 * Errors: a bad frame makes `nextFrame`/`readBatch` throw {@link FrameError} once every whole
 * frame before it was returned, and again on every later call, until `reset()`.
 */
export interface FrameParser {
  /**
   * The ring's free region for the next read (all of the free tail): at least the bytes the
   * pending frame still needs (growing the ring up to its cap for that, never for the hint);
   * the ring compacts first when the tail is shorter than min(sizeHint, capacity / 4) and the
   * move is cheap. An empty array means "full": the ring is at its capacity cap; consume frames
   * before reading more. Frames returned earlier become invalid. May grow memory.
   * @param sizeHint bytes the caller would like to read; <= 0 or omitted: as many as possible.
   */
  getBuffer(sizeHint?: number): Uint8Array;
  /** Commits `nbytes` written at the start of the last `getBuffer` region. */
  bufferUpdated(nbytes: number): void;
  /**
   * Copies `data` into the ring (the one-copy path). Returns how many bytes were taken: all of
   * them unless the ring filled up with frames not yet read; then read frames and feed the rest.
   */
  feed(data: Uint8Array): number;
  /** The next whole frame as a view into the ring, or null if none is buffered. @throws FrameError */
  nextFrame(): Uint8Array | null;
  /**
   * Parses the next batch of whole frames without creating views: returns how many (0: none).
   * Frame i is `bytes.subarray(frameTable[2*i], frameTable[2*i] + frameTable[2*i+1])`.
   * Frames not yet returned by `nextFrame` are included. @throws FrameError
   */
  readBatch(): number;
  /** [offset, length] pairs of the last `readBatch`, offsets into {@link bytes}. */
  readonly frameTable: Int32Array;
  /** The memory the frames live in (re-read after every call; it changes when memory grows). */
  readonly bytes: Uint8Array;
  /** Bytes received and not yet parsed into frames. */
  readonly buffered: number;
  /** Current ring capacity in bytes. */
  readonly capacity: number;
  /** Drops buffered bytes and any error; the parser can be used for a new stream. */
  reset(): void;
  /** Frees the ring. Further use throws (nextFrame returns null). */
  close(): void;
  readonly closed: boolean;
}

/** Error codes shared by assembly/frames.ts and the TS twin. */
export const ERR_TOO_LARGE = 1;
export const ERR_NEGATIVE = 2;
export const ERR_OVERFLOW = 3;
export const ERR_VARINT = 4;
export const ERR_NO_DELIM = 5;
export const ERR_SHORT = 6;

/** Frames per batch (the results table's size), equal to assembly/frames.ts RES_CAP. */
export const BATCH_FRAMES = 496;

/** The FrameError for an error state; identical text for both parsers. */
export function frameError(code: number, value: number, aux: number, o: ResolvedFraming): FrameError {
  switch (code) {
    case ERR_TOO_LARGE:
      return new FrameError(`frame of ${value} bytes exceeds maxFrameSize ${o.maxFrameSize}`);
    case ERR_NEGATIVE:
      return new FrameError(`bad length field: frame of ${value} bytes is shorter than its ${aux}-byte header`);
    case ERR_OVERFLOW:
      return new FrameError("bad length field: value above 2^53 - 1");
    case ERR_VARINT:
      return new FrameError(`bad length field: varint longer than ${aux} bytes`);
    case ERR_NO_DELIM:
      return new FrameError(`no delimiter within maxFrameSize ${o.maxFrameSize} bytes`);
    case ERR_SHORT:
      return new FrameError(`bad length field: frame of ${value} bytes is shorter than the ${aux} bytes to strip`);
    default:
      return new FrameError(`frame parser error ${code}`);
  }
}

/** TypeError unless `data` is a Uint8Array (feed() would otherwise copy garbage or nothing). */
export function checkFeedData(data: unknown): void {
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(`feed() needs a Uint8Array, got ${data === null ? "null" : typeof data === "object" ? (data as object).constructor?.name ?? "object" : typeof data}`);
  }
}

/** RangeError for a bad bufferUpdated() count. */
export function badCommit(n: number, region: number): RangeError {
  return new RangeError(`bufferUpdated(${n}): expected an integer between 0 and ${region} (the last getBuffer region)`);
}
