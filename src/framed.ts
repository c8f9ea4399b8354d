/**
 * FramedProtocol: a BufferedProtocol whose read buffer is a frame parser's ring. The transport
 * reads into the ring (straight from the kernel where the host allows, see docs/network.md), the
 * parser finds whole frames without creating objects, and `frameReceived(view)` gets each frame,
 * in order, as a view into the ring that is valid during the call (`view.slice()` keeps it).
 * Bad input (a frame over `maxFrameSize`, a malformed length, no delimiter within the limit)
 * reaches `frameError(err)` after every whole frame before it was delivered; by default that
 * closes the connection.
 * @module
 */
import { FrameError } from "./errors.js";
import { createFrameParser, createFramingInstance, type FrameParser, type FramingInstance, type FramingOptions } from "./framing/index.js";
import { BufferedProtocol } from "./protocols.js";
import type { Transport } from "./transports.js";

/** The framing (length field, preset or delimiter, with `maxFrameSize`), plus the parser's core. */
export type FramedProtocolOptions = FramingOptions & {
  /** "wasm" (default) or "js", the TypeScript twin of the parser. */
  core?: "wasm" | "js";
};

/**
 * The framing.wasm instance every FramedProtocol's read ring lives in. It is kept apart from the
 * instance WriteBuffers use (the shared default): a reply composed inside `frameReceived` may
 * grow its memory, and growth would detach the very frame view being read. Read rings grow only
 * in `getBuffer`, which the host calls between reads, never during a frame callback.
 */
let readInstance: FramingInstance | null = null;

export class FramedProtocol extends BufferedProtocol {
  /** The connection, from `connectionMade` on. */
  transport: Transport | null = null;
  private readonly _parser: FrameParser;

  constructor(options: FramedProtocolOptions) {
    super();
    if (options === null || typeof options !== "object") throw new TypeError("FramedProtocol needs framing options: { lengthField }, { preset } or { delimiter }");
    const { core = "wasm", ...framing } = options;
    if (core !== "wasm" && core !== "js") throw new RangeError(`FramedProtocol core must be "wasm" or "js", got ${JSON.stringify(core)}`);
    this._parser = core === "js" ? createFrameParser(framing as FramingOptions, "js") : createFrameParser(framing as FramingOptions, "wasm", { instance: (readInstance ??= createFramingInstance()) });
  }

  /** A whole frame, valid during the call; `frame.slice()` keeps a copy. Override this. */
  frameReceived(_frame: Uint8Array): void {}

  /** Bad framing on the wire. The default closes the connection. */
  frameError(_error: FrameError): void {
    this.transport?.close();
  }

  override connectionMade(transport: Transport): void {
    this.transport = transport;
  }

  override connectionLost(_exc: Error | null): void {
    this._parser.close();
  }

  /** @internal The ring's free space: the transport reads into it. */
  override getBuffer(sizeHint: number): Uint8Array {
    let region = this._parser.getBuffer(sizeHint);
    if (region.length === 0) {
      // Full: frames are delivered as soon as they arrive, so a full ring holds undelivered
      // frames only if a callback failed half-way. Deliver them, then ask again.
      this._deliver();
      region = this._parser.getBuffer(sizeHint);
      if (region.length === 0) throw new FrameError("frame ring is full and holds no whole frame");
    }
    return region;
  }

  /** @internal `nbytes` landed in the ring: deliver every whole frame. */
  override bufferUpdated(nbytes: number): void {
    this._parser.bufferUpdated(nbytes);
    this._deliver();
  }

  private _deliver(): void {
    const parser = this._parser;
    let frame: Uint8Array | null;
    for (;;) {
      try {
        frame = parser.nextFrame();
      } catch (error) {
        if (!(error instanceof FrameError)) throw error;
        this.frameError(error);
        return;
      }
      if (frame === null) return;
      this.frameReceived(frame);
      if (this.transport?.isClosing()) return;
    }
  }
}
