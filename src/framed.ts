/**
 * FramedProtocol: a BufferedProtocol whose read buffer is a frame parser's ring. The transport
 * reads into the ring (straight from the kernel where the host allows, see docs/framing.md), the
 * parser finds whole frames without creating objects, and `frameReceived(view)` gets each frame,
 * in order, as a view into the ring that is valid during the call (`view.slice()` keeps it).
 * Bad input (a frame over `maxFrameSize`, a malformed length, no delimiter within the limit)
 * reaches `frameError(err)` once, after every whole frame before it was delivered; by default
 * that closes the connection.
 *
 * Flow control: `pauseFrames()` holds frames in the ring (no copy); bytes keep arriving into it
 * until it is full at its capacity cap (`maxCapacity`), then the transport's reading is paused
 * instead of dropping bytes or growing past the cap. `resumeFrames()` delivers what is held and
 * resumes reading.
 * @module
 */
import { FrameError } from "./errors.js";
import { createFrameParser, createFramingInstance, type FrameParser, type FramingInstance, type FramingOptions } from "./framing/index.js";
import type { EventLoop } from "./loop.js";
import { BufferedProtocol } from "./protocols.js";
import { _getRunningLoop } from "./running.js";
import type { Transport } from "./transports.js";

/** The framing (length field, preset or delimiter, with `maxFrameSize`), plus the parser's core. */
export type FramedProtocolOptions = FramingOptions & {
  /** "wasm" (default) or "js", the TypeScript twin of the parser. */
  core?: "wasm" | "js";
};

/**
 * framing.wasm instances for read rings: one per connection. A socket reading with `onread` holds
 * the raw address of the region `getBuffer()` returned until its next read, and memory growth
 * detaches every view of that memory. If connections shared an instance, one ring growing (or
 * a new connection's ring being allocated) would detach the region every other idle connection
 * is waiting on, and their transports would close ("read buffer detached"). With an instance
 * per connection, memory grows only inside that connection's own `getBuffer()`, which the host
 * calls between two of its reads: safe. Instances of closed connections are reused (their freed
 * rings are reused too), up to {@link POOL_MAX} kept, and only if their memory stayed small.
 * They are also kept apart from the instance WriteBuffers use by default: a reply composed
 * inside `frameReceived` may grow that memory, which must not detach the frame being read.
 */
const pool: FramingInstance[] = [];
const POOL_MAX = 64;
const POOL_MAX_BYTES = 4 * 1024 * 1024;

function takeInstance(): FramingInstance {
  return pool.pop() ?? createFramingInstance();
}

function returnInstance(instance: FramingInstance): void {
  if (pool.length < POOL_MAX && instance.byteLength <= POOL_MAX_BYTES) pool.push(instance);
}

/** @internal Empties the instance pool (tests: make the next connections start from fresh memory). */
export function _clearInstancePool(): void {
  pool.length = 0;
}

/** Smallest side buffer for bytes that arrive while the ring is full. */
const OVERFLOW_MIN = 16 * 1024;

export class FramedProtocol extends BufferedProtocol {
  /** The connection, from `connectionMade` on. */
  transport: Transport | null = null;
  private readonly _parser: FrameParser;
  private _instance: FramingInstance | null;
  private _loop: EventLoop | null = null;
  /** pauseFrames() is in effect. */
  private _paused = false;
  /** The ring may hold bytes not yet delivered as frames (set while paused). */
  private _held = false;
  /** Inside _deliver (frameReceived may call pauseFrames/resumeFrames). */
  private _delivering = false;
  private _resumeScheduled = false;
  /** We paused the transport's reading because the ring was full. */
  private _pausedTransport = false;
  /** The last getBuffer() region is a side buffer (the ring was full), not the ring. */
  private _side: Uint8Array | null = null;
  /** Bytes that arrived while the ring was full, in order; they go in before any later read. */
  private _overflow: Uint8Array[] | null = null;
  /** A FrameError was reported: the stream cannot be resynchronised, later bytes are dropped. */
  private _failed = false;
  /** EOF arrived while frames were held: close once they are delivered. */
  private _closeWhenDrained = false;
  /**
   * The ArrayBuffer of the last getBuffer() region. The transport copies a write that is a view
   * of it (the next read would overwrite it), so a frame echoed with `transport.write(frame)` is
   * safe. A frame from any other buffer (the ring after it grew in feed(), or while the last
   * region was a side buffer) is handed over as a copy instead, so that stays true.
   */
  private _readBuffer: ArrayBufferLike | null = null;

  constructor(options: FramedProtocolOptions) {
    super();
    if (options === null || typeof options !== "object") throw new TypeError("FramedProtocol needs framing options: { lengthField }, { preset } or { delimiter }");
    const { core = "wasm", ...framing } = options;
    if (core !== "wasm" && core !== "js") throw new RangeError(`FramedProtocol core must be "wasm" or "js", got ${JSON.stringify(core)}`);
    if (core === "js") {
      this._instance = null;
      this._parser = createFrameParser(framing as FramingOptions, "js");
    } else {
      const instance = takeInstance();
      try {
        this._parser = createFrameParser(framing as FramingOptions, "wasm", { instance });
      } catch (error) {
        returnInstance(instance);
        throw error;
      }
      this._instance = instance;
    }
  }

  /** A whole frame, valid during the call; `frame.slice()` keeps a copy. Override this. */
  frameReceived(_frame: Uint8Array): void {}

  /**
   * Bad framing on the wire, reported once, after every whole frame before it. The default
   * closes the connection. Bytes received after the error are discarded (a stream cannot be
   * resynchronised); an override may still write (e.g. an error reply) and should close.
   */
  frameError(_error: FrameError): void {
    this.transport?.close();
  }

  override connectionMade(transport: Transport): void {
    this.transport = transport;
    this._loop = _getRunningLoop();
  }

  override connectionLost(_exc: Error | null): void {
    this._parser.close();
    this._overflow = null;
    this._side = null;
    const instance = this._instance;
    this._instance = null;
    if (instance !== null) returnInstance(instance);
  }

  /**
   * Default: close the connection (false), unless frames are held by {@link pauseFrames}; then
   * the transport stays open until they are delivered, and closes after that. An override that
   * wants the same should return `super.eofReceived()` when it would otherwise return false.
   */
  override eofReceived(): boolean | void {
    if (this._paused && (this._held || this._overflow !== null)) {
      this._closeWhenDrained = true;
      return true;
    }
    return false;
  }

  /**
   * Stops delivering frames (after the current `frameReceived` returns). Bytes keep landing in
   * the ring; when it is full at its cap the transport's reading is paused.
   */
  pauseFrames(): void {
    this._paused = true;
  }

  /** Delivers the frames held since {@link pauseFrames} (from a loop callback), then reads on. */
  resumeFrames(): void {
    if (!this._paused) return;
    this._paused = false;
    if (this._delivering || this._resumeScheduled) return; // the running delivery goes on
    const loop = this._loop;
    if (loop === null || loop.isClosed()) return;
    this._resumeScheduled = true;
    loop.callSoon(this._resume);
  }

  /** Whether {@link pauseFrames} is in effect. */
  get framesPaused(): boolean {
    return this._paused;
  }

  /** The read ring's current capacity in bytes (it grows up to `maxCapacity`). */
  get ringCapacity(): number {
    return this._parser.capacity;
  }

  /** @internal The ring's free space: the transport reads into it. */
  override getBuffer(sizeHint: number): Uint8Array {
    const parser = this._parser;
    if (this._failed) {
      parser.reset(); // discard: nothing after a FrameError is parsed
      const region = parser.getBuffer(sizeHint);
      this._readBuffer = region.buffer;
      return region;
    }
    if (this._overflow === null) {
      const region = parser.getBuffer(sizeHint);
      if (region.length > 0) {
        this._side = null;
        this._readBuffer = region.buffer;
        return region;
      }
    }
    // The ring is full of frames held by pauseFrames() (it cannot fill otherwise: every frame
    // is delivered on arrival and the cap holds the largest frame), or older overflow bytes
    // must go in first. Stop reading; bytes already on their way land in a side buffer, to be
    // moved into the ring, in order, as frames are consumed.
    this._pauseTransport();
    const side = new Uint8Array(sizeHint > OVERFLOW_MIN ? sizeHint : OVERFLOW_MIN);
    this._side = side;
    this._readBuffer = side.buffer;
    return side;
  }

  /** @internal `nbytes` landed in the last getBuffer() region: deliver every whole frame. */
  override bufferUpdated(nbytes: number): void {
    const side = this._side;
    if (side !== null) {
      this._side = null;
      if (nbytes > 0 && !this._failed) (this._overflow ??= []).push(nbytes === side.length ? side : side.slice(0, nbytes));
      if (!this._paused) this._pump();
      return;
    }
    const parser = this._parser;
    parser.bufferUpdated(nbytes);
    if (this._failed) return;
    if (this._paused) {
      if (nbytes > 0) this._held = true;
      return;
    }
    this._deliver();
  }

  private readonly _resume = (): void => {
    this._resumeScheduled = false;
    if (this._paused || this._parser.closed) return;
    try {
      this._pump();
    } catch (error) {
      const transport = this.transport;
      this._loop?.callExceptionHandler({ message: "Fatal error: protocol.frameReceived() call failed.", exception: error, transport: transport ?? undefined, protocol: this });
      transport?.abort();
    }
  };

  /** Delivers held frames and moves overflow bytes into the ring until paused or done. */
  private _pump(): void {
    const parser = this._parser;
    for (;;) {
      this._deliver();
      if (this._paused || this._failed || parser.closed || this.transport?.isClosing()) return;
      const overflow = this._overflow;
      if (overflow === null) break;
      const chunk = overflow[0]!;
      const took = parser.feed(chunk);
      if (took === chunk.length) overflow.shift();
      else overflow[0] = chunk.subarray(took);
      if (overflow.length === 0) this._overflow = null;
      if (took === 0) {
        // Not paused and every frame delivered, so the ring holds at most a partial frame that
        // fits the cap: feed() always takes something. Guard against a loop all the same.
        this._deliver();
        if (parser.feed(chunk) === 0) throw new FrameError("frame ring is full and holds no whole frame");
      }
    }
    if (this._closeWhenDrained) {
      this._closeWhenDrained = false;
      this.transport?.close();
      return;
    }
    if (this._pausedTransport) {
      this._pausedTransport = false;
      this.transport?.resumeReading();
    }
  }

  private _pauseTransport(): void {
    const transport = this.transport;
    if (this._pausedTransport || transport === null || !transport.isReading()) return;
    this._pausedTransport = true;
    transport.pauseReading();
  }

  private _deliver(): void {
    const parser = this._parser;
    const transport = this.transport;
    this._delivering = true;
    try {
      for (;;) {
        if (this._paused) {
          this._held = true;
          return;
        }
        let frame: Uint8Array | null;
        try {
          frame = parser.nextFrame();
        } catch (error) {
          if (!(error instanceof FrameError)) throw error;
          this._failed = true;
          this._held = false;
          this._overflow = null;
          this.frameError(error);
          return;
        }
        if (frame === null) {
          this._held = false;
          return;
        }
        this.frameReceived(frame.buffer === this._readBuffer ? frame : frame.slice());
        if (transport !== null && transport.isClosing()) return;
      }
    } finally {
      this._delivering = false;
    }
  }
}
