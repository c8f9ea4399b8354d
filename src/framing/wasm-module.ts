/**
 * Loads `framing.wasm` (synchronously) and wraps an instance with views of its memory.
 *
 * Every parser and write buffer lives in a {@link FramingInstance}; by default they share one
 * ({@link sharedFramingInstance}). WASM memory growth detaches every view of the memory, and any
 * ring in the instance may grow it, so views are re-derived in {@link FramingInstance.refresh},
 * which every call that may grow memory is followed by. Code reading memory must take
 * `instance.u8` / `instance.i32` / `instance.dv` afresh after such a call, never keep its own.
 *
 * **Sockets holding raw pointers.** Node hands the kernel a raw pointer into this memory (`onread`
 * buffers, queued writes). If the memory grows while such a pointer is outstanding, the engine
 * may have moved it. Either size the memory up front with {@link FramingInstance.reserve} (and
 * rings with `initialCapacity`), or give such a connection its own instance
 * ({@link createFramingInstance}).
 * @module
 */
import { readFileSync } from "node:fs";

/** The raw exports of framing.wasm (see assembly/framing.ts). Handles and pointers are i32. */
export interface FramingExports {
  readonly memory: WebAssembly.Memory;
  parserNew(
    mode: number, offset: number, sizeCode: number, bigEndian: number, adjustment: number, strip: number,
    maxFrame: number, varmax: number, dlen: number, dlo: number, dhi: number, initCap: number, maxCap: number,
  ): number;
  parserFree(h: number): void;
  parserReset(h: number): void;
  parserWritable(h: number, sizeHint: number, undelivered: number): number;
  parserParse(h: number, undelivered: number): number;
  wbufNew(initCap: number, maxCap: number): number;
  wbufFree(h: number): void;
  wbufReserve(h: number, taken: number, tail: number, n: number): number;
  wbufRelease(h: number, taken: number, tail: number, n: number): number;
  wbufInflight(h: number, taken: number): number;
}

/** Struct field offsets and limits, read from the module's exported globals. */
export interface FramingLayout {
  readonly R_BUF: number;
  readonly R_CAP: number;
  readonly R_MAX: number;
  readonly R_START: number;
  readonly R_END: number;
  readonly P_SCAN: number;
  readonly P_PEND: number;
  readonly P_RCOUNT: number;
  readonly P_ERR: number;
  readonly P_ERRVAL: number;
  readonly P_ERRAUX: number;
  readonly P_RES: number;
  readonly RES_CAP: number;
  readonly MAX_CAPACITY: number;
  readonly W_BUF: number;
  readonly W_CAP: number;
  readonly W_TAKEN: number;
  readonly W_TAIL: number;
  readonly W_LIMIT: number;
}

const LAYOUT_NAMES = [
  "R_BUF", "R_CAP", "R_MAX", "R_START", "R_END", "P_SCAN", "P_PEND", "P_RCOUNT", "P_ERR", "P_ERRVAL",
  "P_ERRAUX", "P_RES", "RES_CAP", "MAX_CAPACITY", "W_BUF", "W_CAP", "W_TAKEN", "W_TAIL", "W_LIMIT",
] as const;

let cachedModule: WebAssembly.Module | null = null;

/**
 * The compiled framing.wasm, loaded once: first `./framing.wasm` next to this file (the bundled
 * dist/index.js), then `../../dist/framing.wasm` (running from source).
 */
export function loadFramingModule(): WebAssembly.Module {
  if (cachedModule !== null) return cachedModule;
  const candidates = [new URL("./framing.wasm", import.meta.url), new URL("../../dist/framing.wasm", import.meta.url)];
  let lastError: unknown = null;
  for (const url of candidates) {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = readFileSync(url);
    } catch (e) {
      lastError = e;
      continue;
    }
    cachedModule = new WebAssembly.Module(bytes);
    return cachedModule;
  }
  throw new Error(`framing.wasm not found (tried ${candidates.map(String).join(", ")}; run npm run build:wasm)`, { cause: lastError });
}

/** One instance of framing.wasm: its exports, layout and current memory views. */
export class FramingInstance {
  /** The module's exports. Calls that may grow memory must be followed by {@link refresh}. */
  readonly exports: FramingExports;
  /** Field offsets of the state structs. */
  readonly layout: FramingLayout;
  /** The whole memory as bytes (current after the last {@link refresh}). */
  u8!: Uint8Array;
  /** The whole memory as i32 (index = byte offset >> 2). */
  i32!: Int32Array;
  /** The whole memory as f64 (index = byte offset >> 3). */
  f64!: Float64Array;
  /** The whole memory as a DataView. */
  dv!: DataView;
  /** The memory's current ArrayBuffer. */
  buffer!: ArrayBuffer;

  constructor(module: WebAssembly.Module = loadFramingModule()) {
    const instance = new WebAssembly.Instance(module, {});
    const ex = instance.exports as unknown as FramingExports & Record<string, WebAssembly.Global>;
    this.exports = ex;
    const layout: Record<string, number> = {};
    for (const name of LAYOUT_NAMES) layout[name] = ex[name].value as number;
    this.layout = layout as unknown as FramingLayout;
    this.refresh();
  }

  /** Re-derives the views if memory grew (cheap when it did not). */
  refresh(): void {
    const b = this.exports.memory.buffer;
    if (b !== this.buffer) {
      this.buffer = b;
      this.u8 = new Uint8Array(b);
      this.i32 = new Int32Array(b);
      this.f64 = new Float64Array(b);
      this.dv = new DataView(b);
    }
  }

  /** Current memory size in bytes. */
  get byteLength(): number {
    return this.exports.memory.buffer.byteLength;
  }

  /**
   * Grows the memory now to at least `bytes`, so rings allocated later within that budget do
   * not grow it while a socket holds a pointer into it.
   */
  reserve(bytes: number): void {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`reserve() needs a byte count, got ${bytes}`);
    const have = this.exports.memory.buffer.byteLength;
    if (bytes > have) this.exports.memory.grow(Math.ceil((bytes - have) / 65536));
    this.refresh();
  }
}

let shared: FramingInstance | null = null;

/** The instance parsers and write buffers use unless given another. */
export function sharedFramingInstance(): FramingInstance {
  if (shared === null) shared = new FramingInstance();
  return shared;
}

/** A fresh instance with its own memory (e.g. one per connection whose socket holds pointers). */
export function createFramingInstance(): FramingInstance {
  return new FramingInstance();
}
