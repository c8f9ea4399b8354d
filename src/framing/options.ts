/**
 * Frame parser options: the three forms `FramedProtocol` and the parsers accept, their
 * validation (TypeError for a wrong kind of value, RangeError for a value out of range) and the
 * presets.
 *
 * Sizes: `maxFrameSize` bounds a length-field frame's size on the wire (header included, before
 * `strip`), and a delimited frame's size without its delimiter. The read ring starts at
 * `initialCapacity` and grows on demand up to `maxCapacity`, which must hold the largest frame
 * (`maxFrameSize`, plus the delimiter's length in delimiter mode).
 * @module
 */

/** Byte order of a fixed-size length field. */
export type Endian = "big" | "little";

/** Size of the length field in bytes, or `"varint"` (LEB128, as MQTT's remaining length). */
export type LengthFieldSize = 1 | 2 | 3 | 4 | 8 | "varint";

/**
 * Length-field framing. The frame's size on the wire is
 * `offset + fieldBytes + length + adjustment`, where `length` is the field's unsigned value and
 * `fieldBytes` its size (for a varint, the bytes it took). The delivered frame is the wire frame
 * minus its first `strip` bytes.
 */
export interface LengthFieldOptions {
  /** Bytes before the length field (default 0). */
  offset?: number;
  /** Field size (required). */
  size: LengthFieldSize;
  /** Byte order of a fixed-size field (default `"big"`); ignored for 1-byte fields and varints. */
  endian?: Endian;
  /** Added to the field's value to get the bytes after the field (default 0; may be negative). */
  adjustment?: number;
  /** Bytes cut from the front of the delivered frame (default 0). */
  strip?: number;
  /**
   * Longest varint accepted, 1..10 bytes (default 10; MQTT uses 4). Only with `size: "varint"`.
   * Capped at `maxFrameSize - offset` (a longer header cannot start a valid frame).
   */
  varintMaxBytes?: number;
}

/** Names of the built-in framings; each delivers whole messages, header included (`lines` strips `\r\n`). */
export type PresetName = "postgres" | "mysql" | "http2" | "kafka" | "mqtt" | "lines";

/** Limits shared by every form. */
export interface FrameSizeOptions {
  /** Largest frame accepted (default {@link DEFAULT_MAX_FRAME_SIZE}); a larger one is a FrameError. */
  maxFrameSize?: number;
  /** Read ring's starting capacity in bytes (default 64 KiB, at most `maxCapacity`). */
  initialCapacity?: number;
  /**
   * Read ring's capacity cap in bytes: at least the largest frame plus its delimiter (the
   * default, or 64 KiB if that is more, so one read can bring many small frames).
   */
  maxCapacity?: number;
}

/** `{ lengthField: {...}, maxFrameSize }` */
export interface LengthFieldFraming extends FrameSizeOptions {
  lengthField: LengthFieldOptions;
}
/** `{ preset: "postgres", maxFrameSize }` */
export interface PresetFraming extends FrameSizeOptions {
  preset: PresetName;
}
/** `{ delimiter: "\r\n", maxFrameSize }`: 1..8 bytes; a string is UTF-8 encoded. */
export interface DelimiterFraming extends FrameSizeOptions {
  delimiter: string | Uint8Array | readonly number[];
}

/** The options a frame parser (and `FramedProtocol`) takes: exactly one of the three forms. */
export type FramingOptions = LengthFieldFraming | PresetFraming | DelimiterFraming;

/** Default `maxFrameSize`: 16 MiB. */
export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;
/** Default `initialCapacity`: 64 KiB. */
export const DEFAULT_INITIAL_CAPACITY = 64 * 1024;
/** Largest ring capacity (1 GiB); `maxFrameSize` plus a delimiter must fit in it. */
export const MAX_RING_CAPACITY = 1 << 30;

/** Options after validation, in the form both parser implementations consume. */
export interface ResolvedFraming {
  readonly mode: "length" | "delimiter";
  /** Length mode: field offset. */
  readonly offset: number;
  /** Length mode: 1, 2, 3, 4, 8, or 0 for a varint. */
  readonly sizeCode: number;
  readonly bigEndian: boolean;
  readonly adjustment: number;
  readonly strip: number;
  readonly varintMaxBytes: number;
  /** Delimiter mode: the delimiter bytes (empty in length mode). */
  readonly delimiter: Uint8Array;
  readonly maxFrameSize: number;
  readonly initialCapacity: number;
  readonly maxCapacity: number;
}

/** The presets as length-field or delimiter options. */
export const PRESETS: Readonly<Record<PresetName, Readonly<LengthFieldOptions> | { readonly delimiter: string }>> = Object.freeze({
  /** PostgreSQL v3: 1 type byte, int32 BE length counting itself (not the type byte). */
  postgres: Object.freeze({ offset: 1, size: 4, endian: "big", adjustment: -4, strip: 0 }),
  /** MySQL: int24 LE payload length + 1 sequence byte; the length excludes the 4-byte header. */
  mysql: Object.freeze({ offset: 0, size: 3, endian: "little", adjustment: 1, strip: 0 }),
  /** HTTP/2: int24 BE payload length, then type, flags and stream id: a 9-byte header. */
  http2: Object.freeze({ offset: 0, size: 3, endian: "big", adjustment: 6, strip: 0 }),
  /** Kafka: int32 BE size prefix, excluding itself. */
  kafka: Object.freeze({ offset: 0, size: 4, endian: "big", adjustment: 0, strip: 0 }),
  /** MQTT: 1 fixed-header byte, then the remaining length as a varint of at most 4 bytes. */
  mqtt: Object.freeze({ offset: 1, size: "varint", adjustment: 0, strip: 0, varintMaxBytes: 4 }),
  /** Text lines ending in CRLF; the delimiter is not delivered. */
  lines: Object.freeze({ delimiter: "\r\n" }),
} as const);

const LENGTH_KEYS = new Set(["offset", "size", "endian", "adjustment", "strip", "varintMaxBytes"]);
const TOP_KEYS = new Set(["lengthField", "preset", "delimiter", "maxFrameSize", "initialCapacity", "maxCapacity"]);

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);
}

function intOption(value: unknown, name: string, min: number, max: number, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) throw new RangeError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function describe(x: unknown): string {
  if (typeof x === "string") return JSON.stringify(x);
  if (typeof x === "number" || typeof x === "boolean" || typeof x === "bigint" || x == null) return String(x);
  return typeof x;
}

function delimiterBytes(d: unknown): Uint8Array {
  let bytes: Uint8Array;
  if (typeof d === "string") bytes = new TextEncoder().encode(d);
  else if (d instanceof Uint8Array) bytes = new Uint8Array(d);
  else if (Array.isArray(d)) {
    bytes = new Uint8Array(d.length);
    d.forEach((b: unknown, i) => {
      if (typeof b !== "number" || !Number.isInteger(b) || b < 0 || b > 255) {
        throw new RangeError(`delimiter[${i}] must be a byte (0..255), got ${describe(b)}`);
      }
      bytes[i] = b;
    });
  } else throw new TypeError(`delimiter must be a string, a Uint8Array or an array of bytes, got ${describe(d)}`);
  if (bytes.length < 1 || bytes.length > 8) throw new RangeError(`delimiter must be 1 to 8 bytes long, got ${bytes.length}`);
  return bytes;
}

/**
 * Validates `options` and returns the resolved form.
 * @throws TypeError for a missing or wrongly typed option, RangeError for a value out of range.
 */
export function resolveFramingOptions(options: FramingOptions): ResolvedFraming {
  if (!isPlainObject(options)) throw new TypeError("framing options must be an object");
  for (const key of Object.keys(options)) {
    if (!TOP_KEYS.has(key)) throw new TypeError(`unknown framing option ${JSON.stringify(key)}`);
  }
  const forms = ["lengthField", "preset", "delimiter"].filter((k) => options[k as keyof FramingOptions] !== undefined);
  if (forms.length !== 1) {
    throw new TypeError(`framing options need exactly one of lengthField, preset or delimiter, got ${forms.length === 0 ? "none" : forms.join(" and ")}`);
  }
  const maxFrameSize = intOption(options.maxFrameSize, "maxFrameSize", 1, MAX_RING_CAPACITY - 8, DEFAULT_MAX_FRAME_SIZE);

  let lf: Record<string, unknown> | null = null;
  let delim: unknown = undefined;
  if ("preset" in options && options.preset !== undefined) {
    const name = options.preset;
    if (typeof name !== "string" || !Object.prototype.hasOwnProperty.call(PRESETS, name)) {
      throw new TypeError(`unknown preset ${describe(name)} (expected one of ${Object.keys(PRESETS).join(", ")})`);
    }
    const p = PRESETS[name as PresetName];
    if ("delimiter" in p) delim = p.delimiter;
    else lf = p as unknown as Record<string, unknown>;
  } else if ("lengthField" in options && options.lengthField !== undefined) {
    if (!isPlainObject(options.lengthField)) throw new TypeError("lengthField must be an object");
    lf = options.lengthField as unknown as Record<string, unknown>;
  } else {
    delim = (options as DelimiterFraming).delimiter;
  }

  let resolved: Omit<ResolvedFraming, "initialCapacity" | "maxCapacity">;
  let maxWire: number;
  if (lf !== null) {
    for (const key of Object.keys(lf)) {
      if (!LENGTH_KEYS.has(key)) throw new TypeError(`unknown lengthField option ${JSON.stringify(key)}`);
    }
    const size = lf.size;
    let sizeCode: number;
    if (size === "varint") sizeCode = 0;
    else if (size === 1 || size === 2 || size === 3 || size === 4 || size === 8) sizeCode = size;
    else if (size === undefined) throw new TypeError("lengthField.size is required (1, 2, 3, 4, 8 or \"varint\")");
    else if (typeof size === "number") throw new RangeError(`lengthField.size must be 1, 2, 3, 4, 8 or "varint", got ${size}`);
    else throw new TypeError(`lengthField.size must be 1, 2, 3, 4, 8 or "varint", got ${describe(size)}`);
    const endian = lf.endian ?? "big";
    if (endian !== "big" && endian !== "little") throw new TypeError(`lengthField.endian must be "big" or "little", got ${describe(endian)}`);
    const offset = intOption(lf.offset, "lengthField.offset", 0, maxFrameSize, 0);
    const adjustment = intOption(lf.adjustment, "lengthField.adjustment", -MAX_RING_CAPACITY, MAX_RING_CAPACITY, 0);
    const strip = intOption(lf.strip, "lengthField.strip", 0, maxFrameSize, 0);
    if (lf.varintMaxBytes !== undefined && sizeCode !== 0) throw new TypeError("lengthField.varintMaxBytes needs size \"varint\"");
    const varintMaxBytes = intOption(lf.varintMaxBytes, "lengthField.varintMaxBytes", 1, 10, 10);
    const minHeader = offset + (sizeCode === 0 ? 1 : sizeCode);
    if (minHeader > maxFrameSize) {
      throw new RangeError(`maxFrameSize ${maxFrameSize} is smaller than the length field's end (${minHeader} bytes)`);
    }
    // A varint reaching past maxFrameSize can never start a valid frame: capping its length there
    // lets the parser report it as soon as it is that long (the ring may hold no more than that).
    resolved = {
      mode: "length", offset, sizeCode, bigEndian: endian === "big", adjustment, strip,
      varintMaxBytes: Math.min(varintMaxBytes, maxFrameSize - offset),
      delimiter: new Uint8Array(0), maxFrameSize,
    };
    maxWire = maxFrameSize;
  } else {
    const delimiter = delimiterBytes(delim);
    resolved = {
      mode: "delimiter", offset: 0, sizeCode: 0, bigEndian: false, adjustment: 0, strip: 0, varintMaxBytes: 0,
      delimiter, maxFrameSize,
    };
    maxWire = maxFrameSize + delimiter.length;
  }
  const maxCapacity = intOption(options.maxCapacity, "maxCapacity", maxWire, MAX_RING_CAPACITY, Math.max(maxWire, DEFAULT_INITIAL_CAPACITY));
  const initialCapacity = intOption(options.initialCapacity, "initialCapacity", 16, MAX_RING_CAPACITY, Math.min(DEFAULT_INITIAL_CAPACITY, maxCapacity));
  if (initialCapacity > maxCapacity) throw new RangeError(`initialCapacity ${initialCapacity} exceeds maxCapacity ${maxCapacity}`);
  return { ...resolved, initialCapacity, maxCapacity };
}
