/**
 * The framing toolkit: frame parsers over read rings (WASM and the TS twin), the WriteBuffer,
 * options and presets, and the framing.wasm instance helpers.
 * @module
 */
import type { FramingOptions } from "./options.js";
import type { FrameParser } from "./parser.js";
import { JsFrameParser } from "./js-parser.js";
import { WasmFrameParser, type WasmParserInit } from "./wasm-parser.js";

export { WasmFrameParser, type WasmParserInit } from "./wasm-parser.js";
export { JsFrameParser } from "./js-parser.js";
export { WriteBuffer, type WriteBufferOptions, type WriteSink, type FlushTarget } from "./write-buffer.js";
export { type FrameParser, BATCH_FRAMES } from "./parser.js";
export {
  resolveFramingOptions, PRESETS, DEFAULT_MAX_FRAME_SIZE, DEFAULT_INITIAL_CAPACITY, MAX_RING_CAPACITY,
  type FramingOptions, type LengthFieldFraming, type PresetFraming, type DelimiterFraming, type FrameSizeOptions,
  type LengthFieldOptions, type LengthFieldSize, type Endian, type PresetName, type ResolvedFraming,
} from "./options.js";
export { FramingInstance, sharedFramingInstance, createFramingInstance, loadFramingModule } from "./wasm-module.js";

/** A frame parser on the WASM core (default) or the TS twin (`"js"`). */
export function createFrameParser(options: FramingOptions, core: "wasm" | "js" = "wasm", init?: WasmParserInit): FrameParser {
  if (core !== "wasm" && core !== "js") throw new RangeError(`createFrameParser() core must be "wasm" or "js", got ${typeof core === "string" ? JSON.stringify(core) : typeof core}`);
  return core === "js" ? new JsFrameParser(options) : new WasmFrameParser(options, init);
}
