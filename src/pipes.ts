/**
 * Pipe transports: asyncio's `connect_read_pipe` / `connect_write_pipe` over Node streams.
 *
 * asyncio wraps a pipe's file descriptor; a JavaScript host hands out streams instead
 * (`process.stdin`, a child's stdio, `fs` streams, a `PassThrough`), so the transports here wrap
 * a Node `Readable` or `Writable`. The subprocess transports use the same classes for the
 * child's stdin/stdout/stderr, as asyncio's do.
 *
 * Also here: the "not supported on this host" error for the fd-level loop methods
 * (`addReader`, `sockRecv`, ...), since their replacement is usually a pipe or a transport.
 * @module
 */
import type { Readable, Writable } from "node:stream";
import { NotSupportedError } from "./errors.js";
import { logger } from "./log.js";
import type { Future } from "./futures.js";
import type { EventLoop } from "./loop.js";
import type { BaseProtocol, Protocol } from "./protocols.js";
import { ReadTransport, WriteTransport, type ExtraInfoName } from "./transports.js";
import type { Coroutine } from "./tasks.js";

/** asyncio's defaults for a write transport's flow-control marks. */
const DEFAULT_HIGH_WATER = 64 * 1024;
/** asyncio's LOG_THRESHOLD_FOR_CONNLOST_WRITES: dropped writes after which each one warns. */
const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

// ---- shared helpers (also used by udp.ts and subprocess.ts) ----------------------------------

/**
 * @internal Waits for a new transport's `waiter` (resolved once its protocol's `connectionMade`
 * ran) and gives `[transport, protocol]`; if the wait fails or is cancelled, `shut` closes the
 * transport before the error propagates, as asyncio's `_make_*_transport` callers do.
 */
export function* _connected<T, P>(waiter: Future<void>, transport: T, protocol: P, shut: (transport: T) => void): Coroutine<[T, P]> {
  try {
    yield* waiter;
  } catch (error) {
    shut(transport);
    throw error;
  }
  return [transport, protocol];
}

/**
 * @internal Calls a protocol method from a host callback. A protocol bug must not crash the
 * process (host callbacks run outside the loop's own error handling), so exceptions go to the
 * loop's exception handler, as asyncio reports errors raised in its I/O callbacks.
 */
export function _callProtocol(loop: EventLoop, what: string, transport: unknown, protocol: unknown, fn: () => void): void {
  try {
    fn();
  } catch (exception) {
    _report(loop, `Exception in ${what}`, exception, transport, protocol);
  }
}

/** @internal Hands an error to the loop's exception handler (or the default one if the loop is closed). */
export function _report(loop: EventLoop, message: string, exception: unknown, transport: unknown, protocol: unknown): void {
  const context = { message, exception, transport, protocol };
  if (loop.isClosed()) loop.defaultExceptionHandler(context);
  else loop.callExceptionHandler(context);
}

/** @internal callSoon that is a no-op on a closed loop: host events can outlive the loop. */
export function _callSoonIfOpen<A extends unknown[]>(loop: EventLoop, callback: (...args: A) => unknown, ...args: A): void {
  if (!loop.isClosed()) loop.callSoon(callback, ...args);
}

/** @internal Whether `error` is an operating-system error (has an `E...` code), which asyncio logs only in debug mode. */
export function _isOsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^E[A-Z]/.test(code);
}

/** @internal Coerces what a Node stream emits (a Buffer, or a string after setEncoding) to bytes. */
export function _toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  throw new TypeError(`a pipe transport carries bytes, got ${chunk === null ? "null" : typeof chunk} (object-mode streams are not supported)`);
}

/** @internal Validates the bytes given to write()/sendto(). */
export function _checkBytes(data: unknown, method: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError(`${method}() argument must be a Uint8Array (bytes-like object), got ${data === null ? "null" : typeof data}`);
}

/** @internal Validates flow-control marks the way asyncio's `_set_write_buffer_limits` does. */
export function _writeBufferLimits(high: number | null | undefined, low: number | null | undefined): [low: number, high: number] {
  if (high !== null && high !== undefined && (typeof high !== "number" || Number.isNaN(high))) throw new TypeError("high must be a number or null");
  if (low !== null && low !== undefined && (typeof low !== "number" || Number.isNaN(low))) throw new TypeError("low must be a number or null");
  let hi = high ?? null;
  let lo = low ?? null;
  if (hi === null) hi = lo === null ? DEFAULT_HIGH_WATER : 4 * lo;
  if (lo === null) lo = Math.floor(hi / 4);
  if (!(hi >= lo && lo >= 0)) throw new RangeError(`high (${hi}) must be >= low (${lo}) must be >= 0`);
  return [lo, hi];
}

/**
 * @internal The error the fd-level loop methods throw: JavaScript runtimes give user code no raw
 * file descriptors or sockets to poll, so these asyncio methods cannot exist here.
 */
export function _notSupported(method: string, instead: string): NotSupportedError {
  return new NotSupportedError(
    `loop.${method}() is not supported on this host: JavaScript runtimes do not expose raw file descriptors to user code; use ${instead} instead`,
  );
}

// ---- the read side ----------------------------------------------------------------------------

/** A protocol that receives data from a read pipe (asyncio's `Protocol` events). */
export type ReadPipeProtocol = BaseProtocol & Partial<Pick<Protocol, "dataReceived" | "eofReceived">>;

/**
 * A ReadTransport over a Node `Readable` (asyncio's `_UnixReadPipeTransport`). Data goes to
 * `protocol.dataReceived` as it arrives; EOF gives `eofReceived()` then `connectionLost(null)`;
 * a stream error gives `connectionLost(error)`. `pauseReading()` pauses the stream, so the
 * producer sees backpressure through the pipe.
 */
export class ReadPipeTransport extends ReadTransport {
  private _protocol: ReadPipeProtocol;
  private _closing = false;
  private _paused = false;
  /** The protocol gets data only after connectionMade has run (asyncio adds the reader after it). */
  private _started = false;
  /**
   * What arrived before that (or while a pre-start pause holds it). The stream is read from the
   * start, never left without a 'data' listener: Node, Deno and Bun resume an exited child's
   * unread stdio and drop what it wrote.
   */
  private _pending: Uint8Array[] = [];
  private _pendingEof = false;
  private _holdScheduled = false;
  private _lost = false;
  private readonly _onData = (chunk: unknown): void => this._dataReceived(chunk);
  private readonly _onEnd = (): void => {
    if (this._started && this._pending.length === 0) this._eof();
    else this._pendingEof = true;
  };
  private readonly _onError = (error: Error): void => this._fatalError(error, "Fatal read error on pipe transport");
  private readonly _onClose = (): void => {
    // Destroyed from outside without 'end' or 'error': the pipe is gone.
    if (!this._closing && !this._pendingEof) this._close(null);
  };

  /** @internal Use `loop.connectReadPipe()`. */
  constructor(
    private readonly _loop: EventLoop,
    private _pipe: Readable | null,
    protocol: ReadPipeProtocol,
    waiter: Future<void> | null,
    private readonly _extra: Record<string, unknown> = {},
  ) {
    super();
    this._protocol = protocol;
    this._extra.pipe ??= _pipe;
    const pipe = _pipe!;
    pipe.on("error", this._onError);
    if (pipe.readableEnded) this._pendingEof = true;
    else if (pipe.destroyed) _callSoonIfOpen(_loop, () => this._close(null));
    else {
      pipe.on("end", this._onEnd);
      pipe.on("close", this._onClose);
      pipe.on("data", this._onData); // flowing from now on; chunks wait in _pending until started
    }
    _loop.callSoon(() => _callProtocol(_loop, "connectionMade()", this, this._protocol, () => this._protocol.connectionMade(this)));
    _loop.callSoon(() => this._start());
    if (waiter !== null) _loop.callSoon(() => void (waiter.done() || waiter.setResult(undefined)));
  }

  private _start(): void {
    if (this._closing) return;
    this._started = true;
    this._flushPending();
  }

  /** Delivers what waited (until a pause), then a waiting EOF. */
  private _flushPending(): void {
    const pending = this._pending;
    while (pending.length > 0 && !this._paused && !this._closing) this._deliver(pending.shift()!);
    if (pending.length === 0 && this._pendingEof) this._eof();
  }

  private _dataReceived(chunk: unknown): void {
    if (this._closing) return;
    let data: Uint8Array;
    try {
      data = _toBytes(chunk);
    } catch (error) {
      return this._fatalError(error as Error, "Fatal read error on pipe transport");
    }
    if (data.length === 0) return;
    // Paused yet given data: a host resumed the stream itself (Node, Deno and Bun resume an exited
    // child's stdio); hold it until resumeReading(). The loop not running: hold it (and pause the
    // stream) until it runs, so protocol code always runs where getRunningLoop() works.
    if (!this._started || this._paused || this._pending.length > 0 || !this._loop.isRunning()) {
      this._pending.push(data);
      if (this._started && !this._paused) this._holdUntilRunning();
    } else this._deliver(data);
  }

  private _holdUntilRunning(): void {
    if (this._holdScheduled || this._loop.isClosed()) return;
    this._holdScheduled = true;
    this._pipe?.pause();
    this._loop.callSoon(() => {
      this._holdScheduled = false;
      this._flushPending();
      if (!this._paused && !this._closing) this._pipe?.resume();
    });
  }

  private _deliver(data: Uint8Array): void {
    const protocol = this._protocol;
    if (protocol.dataReceived !== undefined) {
      _callProtocol(this._loop, "protocol.dataReceived()", this, protocol, () => protocol.dataReceived!(data));
    }
  }

  private _eof(): void {
    if (this._closing) return;
    this._closing = true;
    this._pendingEof = false;
    this._detach();
    const protocol = this._protocol;
    _callSoonIfOpen(this._loop, () => {
      if (protocol.eofReceived !== undefined) _callProtocol(this._loop, "protocol.eofReceived()", this, protocol, () => protocol.eofReceived!());
    });
    _callSoonIfOpen(this._loop, () => this._connectionLost(null));
  }

  private _fatalError(error: Error, message: string): void {
    // Broken pipes and resets are expected ends of a pipe; asyncio logs only other errors.
    if (!_isOsError(error)) _report(this._loop, message, error, this, this._protocol);
    this._close(error);
  }

  private _close(exc: Error | null): void {
    if (this._lost) return;
    this._closing = true;
    this._detach();
    _callSoonIfOpen(this._loop, () => this._connectionLost(exc));
  }

  private _detach(): void {
    const pipe = this._pipe;
    if (pipe === null) return;
    pipe.off("data", this._onData);
    pipe.off("end", this._onEnd);
    pipe.off("close", this._onClose);
  }

  private _connectionLost(exc: Error | null): void {
    if (this._lost) return;
    this._lost = true;
    const pipe = this._pipe;
    this._pipe = null;
    _callProtocol(this._loop, "protocol.connectionLost()", this, this._protocol, () => this._protocol.connectionLost(exc));
    if (pipe !== null) {
      // Closing our end of the pipe, as asyncio does; errors after this point have no one to go to.
      pipe.off("error", this._onError);
      pipe.on("error", noop);
      if (!pipe.destroyed) pipe.destroy();
    }
  }

  getExtraInfo<T = unknown>(name: ExtraInfoName, defaultValue?: T): T | undefined {
    return name in this._extra ? (this._extra[name] as T) : defaultValue;
  }

  isClosing(): boolean {
    return this._closing;
  }

  isReading(): boolean {
    return !this._paused && !this._closing;
  }

  pauseReading(): void {
    if (this._closing || this._paused) return;
    this._paused = true;
    this._pipe?.pause();
  }

  resumeReading(): void {
    if (this._closing || !this._paused) return;
    this._paused = false;
    if (this._started) this._flushPending();
    if (!this._paused && !this._closing) this._pipe?.resume();
  }

  /** Stops reading and closes the stream; `connectionLost(null)` follows. */
  close(): void {
    if (!this._closing) this._close(null);
  }

  setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol as ReadPipeProtocol;
  }

  getProtocol(): BaseProtocol {
    return this._protocol;
  }

  override toString(): string {
    return `<ReadPipeTransport ${this._closing ? "closing" : this._paused ? "paused" : "open"}>`;
  }
}

// ---- the write side ---------------------------------------------------------------------------

/**
 * A WriteTransport over a Node `Writable` (asyncio's `_UnixWritePipeTransport`). Bytes are copied
 * when written (the caller may reuse its buffer at once, as with asyncio). The buffered size is
 * the stream's `writableLength`; above the high-water mark the protocol gets `pauseWriting()`,
 * and `resumeWriting()` once a completed write brings it to the low-water mark or below.
 * `writeEof()` and `close()` end the stream after flushing; `connectionLost(null)` follows.
 */
export class WritePipeTransport extends WriteTransport {
  private _protocol: BaseProtocol;
  private _closing = false;
  private _lost = false;
  private _protocolPaused = false;
  private _low: number;
  private _high: number;
  /** Writes attempted after the pipe closed (asyncio counts them the same way). */
  private _connLost = 0;
  private readonly _afterWrite = (error?: Error | null): void => {
    if (error) return; // the stream's 'error' event reports it once
    // A host callback: resumeWriting runs inside the loop, so wait for it if it is not running.
    if (this._loop.isRunning()) this._maybeResumeProtocol();
    else _callSoonIfOpen(this._loop, () => this._maybeResumeProtocol());
  };
  private readonly _onError = (error: Error): void => this._fatalError(error, "Fatal write error on pipe transport");
  private readonly _onFinish = (): void => this._close(null);
  private readonly _onClose = (): void => {
    // Closed under us (e.g. destroyed): like asyncio seeing the read end close, an error only if data was lost.
    const pipe = this._pipe;
    if (pipe !== null && !this._lost) this._close(!this._closing && pipe.writableLength > 0 ? brokenPipe() : null);
  };

  /** @internal Use `loop.connectWritePipe()`. */
  constructor(
    private readonly _loop: EventLoop,
    private _pipe: Writable | null,
    protocol: BaseProtocol,
    waiter: Future<void> | null,
    private readonly _extra: Record<string, unknown> = {},
  ) {
    super();
    this._protocol = protocol;
    this._extra.pipe ??= _pipe;
    [this._low, this._high] = _writeBufferLimits(null, null);
    const pipe = _pipe!;
    pipe.on("error", this._onError);
    pipe.on("finish", this._onFinish);
    pipe.on("close", this._onClose);
    _loop.callSoon(() => _callProtocol(_loop, "connectionMade()", this, this._protocol, () => this._protocol.connectionMade(this)));
    // Already ended or destroyed: its 'finish'/'close' will not come again.
    if (pipe.writableFinished || pipe.destroyed) _loop.callSoon(() => this._close(null));
    if (waiter !== null) _loop.callSoon(() => void (waiter.done() || waiter.setResult(undefined)));
  }

  getExtraInfo<T = unknown>(name: ExtraInfoName, defaultValue?: T): T | undefined {
    return name in this._extra ? (this._extra[name] as T) : defaultValue;
  }

  isClosing(): boolean {
    return this._closing;
  }

  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    [this._low, this._high] = _writeBufferLimits(high, low);
    this._maybePauseProtocol();
  }

  getWriteBufferLimits(): [low: number, high: number] {
    return [this._low, this._high];
  }

  getWriteBufferSize(): number {
    return this._pipe?.writableLength ?? 0;
  }

  write(data: Uint8Array): void {
    const bytes = _checkBytes(data, "write");
    if (bytes.length === 0) return;
    const pipe = this._pipe;
    if (pipe === null || this._closing || this._lost) {
      // asyncio drops writes to a closed pipe, warning (its message) once 5 were dropped.
      if (this._connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) logger.warn("pipe closed by peer or os.write(pipe, data) raised exception.");
      this._connLost++;
      return;
    }
    // Copy: the stream keeps a reference until the kernel took the bytes.
    pipe.write(Buffer.from(bytes), this._afterWrite);
    this._maybePauseProtocol();
  }

  writelines(list: Iterable<Uint8Array>): void {
    if (list === null || typeof (list as Partial<Iterable<Uint8Array>> | undefined)?.[Symbol.iterator] !== "function") {
      throw new TypeError(`writelines() needs an iterable of bytes-like objects, got ${list === null ? "null" : typeof list}`);
    }
    // Check every item first, so a bad one writes nothing (as the socket transports do).
    const items = [...list].map((data) => _checkBytes(data, "writelines"));
    const pipe = this._pipe;
    const corked = pipe !== null && !this._closing;
    if (corked) pipe.cork();
    try {
      for (const data of items) this.write(data);
    } finally {
      // Uncork on the next tick, as Node recommends, so the batch goes down as one write.
      if (corked) process.nextTick(() => pipe.uncork());
    }
  }

  canWriteEof(): boolean {
    return true;
  }

  /** Ends the stream after flushing; for a pipe this closes the transport, as in asyncio. */
  writeEof(): void {
    const pipe = this._pipe;
    if (this._closing || pipe === null) return;
    this._closing = true;
    pipe.end();
  }

  close(): void {
    this.writeEof();
  }

  /** Closes at once, dropping unsent data; `connectionLost(null)` follows. */
  abort(): void {
    this._closing = true;
    this._close(null);
  }

  setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol;
  }

  getProtocol(): BaseProtocol {
    return this._protocol;
  }

  private _maybePauseProtocol(): void {
    if (this._protocolPaused || this.getWriteBufferSize() <= this._high) return;
    this._protocolPaused = true;
    const protocol = this._protocol;
    _callProtocol(this._loop, "protocol.pauseWriting()", this, protocol, () => protocol.pauseWriting());
  }

  private _maybeResumeProtocol(): void {
    if (this._lost || !this._protocolPaused || this.getWriteBufferSize() > this._low) return;
    this._protocolPaused = false;
    const protocol = this._protocol;
    _callProtocol(this._loop, "protocol.resumeWriting()", this, protocol, () => protocol.resumeWriting());
  }

  private _fatalError(error: Error, message: string): void {
    if (!_isOsError(error)) _report(this._loop, message, error, this, this._protocol);
    this._close(error);
  }

  private _close(exc: Error | null): void {
    const pipe = this._pipe;
    if (pipe === null || this._lost) return;
    this._closing = true;
    this._lost = true;
    this._pipe = null;
    pipe.off("finish", this._onFinish);
    pipe.off("close", this._onClose);
    pipe.off("error", this._onError);
    // Late errors (e.g. EPIPE for data already dropped) have no one left to go to.
    pipe.on("error", noop);
    if (exc !== null || !pipe.writableFinished) pipe.destroy();
    _callSoonIfOpen(this._loop, () => {
      _callProtocol(this._loop, "protocol.connectionLost()", this, this._protocol, () => this._protocol.connectionLost(exc));
    });
  }

  override toString(): string {
    return `<WritePipeTransport ${this._closing ? "closing" : "open"} bufsize=${this.getWriteBufferSize()}>`;
  }
}

function brokenPipe(): Error {
  return Object.assign(new Error("the pipe was closed before its transport ended it"), { code: "EPIPE" });
}

function noop(): void {}

// ---- loop.connectReadPipe / loop.connectWritePipe ----------------------------------------------

function isReadable(value: unknown): value is Readable {
  return value !== null && typeof value === "object" && typeof (value as Readable).on === "function" && typeof (value as Readable).pause === "function" && typeof (value as Readable).resume === "function";
}

function isWritable(value: unknown): value is Writable {
  return value !== null && typeof value === "object" && typeof (value as Writable).on === "function" && typeof (value as Writable).write === "function" && typeof (value as Writable).end === "function";
}

/** @internal `loop.connectReadPipe`. */
export function* connectReadPipe<P extends ReadPipeProtocol>(loop: EventLoop, protocolFactory: () => P, pipe: Readable): Coroutine<[ReadPipeTransport, P]> {
  if (typeof protocolFactory !== "function") throw new TypeError("protocolFactory must be a function returning a protocol");
  if (!isReadable(pipe)) throw new TypeError("connectReadPipe() needs a Node Readable stream (e.g. process.stdin, child.stdout, fs.createReadStream())");
  if (loop.isClosed()) throw new Error("Event loop is closed");
  const protocol = protocolFactory();
  const waiter = loop.createFuture<void>();
  const transport = new ReadPipeTransport(loop, pipe, protocol, waiter);
  return yield* _connected(waiter, transport, protocol, (t) => t.close());
}

/** @internal `loop.connectWritePipe`. */
export function* connectWritePipe<P extends BaseProtocol>(loop: EventLoop, protocolFactory: () => P, pipe: Writable): Coroutine<[WritePipeTransport, P]> {
  if (typeof protocolFactory !== "function") throw new TypeError("protocolFactory must be a function returning a protocol");
  if (!isWritable(pipe)) throw new TypeError("connectWritePipe() needs a Node Writable stream (e.g. process.stdout, child.stdin, fs.createWriteStream())");
  if (loop.isClosed()) throw new Error("Event loop is closed");
  const protocol = protocolFactory();
  const waiter = loop.createFuture<void>();
  const transport = new WritePipeTransport(loop, pipe, protocol, waiter);
  return yield* _connected(waiter, transport, protocol, (t) => t.abort());
}
