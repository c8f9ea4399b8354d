/**
 * StreamTransport: asyncio's socket transport (TCP, Unix, TLS) over a host `net.Socket`.
 *
 * Host socket events call the protocol directly, as uvloop does from its libuv callbacks: no loop
 * round trip per read. Only `connectionLost` goes through `callSoon`, so it comes after whatever
 * the loop already had queued and never from inside `close()`. Three things keep that safe:
 *
 * * every protocol call is guarded: an exception goes to `loop.callExceptionHandler` with
 *   `{message, exception, transport, protocol}` and the transport is closed (asyncio's
 *   `_fatal_error`); nothing a protocol throws reaches the host's uncaught-exception path;
 * * events that arrive while the transport's loop is not running (between two
 *   `runUntilComplete` calls) are queued and delivered through `callSoon` when it runs again, with
 *   host reading paused meanwhile, so protocol code always runs where `getRunningLoop()` works;
 * * sockets are `unref`'d: the running loop keeps the process alive, a stopped loop holds nothing.
 *
 * Reads take one of two paths (see src/host/node.ts): `direct` (`onread`: a Protocol gets a copy
 * of the read buffer, a BufferedProtocol gets the bytes straight in its own buffer) or `copy`
 * (`'data'` events: a Protocol gets the stream's Buffer, a BufferedProtocol one copy of it).
 * @module
 */
import { Buffer } from "node:buffer";
import type * as net from "node:net";
import type * as tls from "node:tls";
import type { EventLoop } from "../loop.js";
import { logger } from "../log.js";
import { Transport, type ExtraInfoName } from "../transports.js";
import type { BaseProtocol } from "../protocols.js";
import { clearArray } from "../arrays.js";
import { socketFd, writeNow, writevNow, type OnReadOptions, type ReadPath } from "../host/node.js";
import { describeValue } from "./options.js";

/** The protocol methods a stream transport calls (a Protocol or a BufferedProtocol, duck-typed). */
export interface StreamProtocolLike {
  connectionMade?(transport: Transport): void;
  connectionLost?(exc: Error | null): void;
  pauseWriting?(): void;
  resumeWriting?(): void;
  dataReceived?(data: Uint8Array): void;
  getBuffer?(sizeHint: number): Uint8Array;
  bufferUpdated?(nbytes: number): void;
  eofReceived?(): boolean | void;
}

/** What a transport tells the Server it belongs to. */
export interface TransportOwner {
  _attach(transport: StreamTransport): void;
  _detach(transport: StreamTransport): void;
}

/** TLS details of a transport, for `getExtraInfo`. */
export interface TlsInfo {
  secureContext: tls.SecureContext | null;
}

/** @internal How a transport is set up. */
export interface StreamTransportInit {
  readPath: ReadPath;
  server?: TransportOwner | null;
  tls?: TlsInfo | null;
  /** Unix sockets: the path for sockname (server side) or peername (client side). */
  unixPath?: { sockname: string; peername: string } | null;
  /** Reads that arrived before the transport existed (copies). */
  early?: Uint8Array[] | null;
}

/** Bytes in the shared read buffer: one read is at most this much (as libuv's 64 KiB suggestion). */
const READ_SIZE = 65536;
/**
 * The read buffer for `direct` reads of Protocol transports, shared by every socket: a read is
 * copied out before the next one can start, and JS is single-threaded. A plain (never-growing,
 * never-detached) ArrayBuffer, so the pointer the host hands the kernel stays valid.
 */
const SCRATCH: Buffer = Buffer.allocUnsafeSlow(READ_SIZE);
/**
 * A Protocol's read at least this large makes the connection read into a buffer of its own,
 * which it then hands to dataReceived whole instead of copying (see _onRead).
 */
const OWN_READ_MIN = READ_SIZE / 2;
/**
 * Writes from a BufferedProtocol's read buffer at least this large go to the kernel at once (see
 * _sendFromReadBuffer); smaller ones after the first of a read are copied into the batch, which
 * costs less than a syscall of their own.
 */
const DIRECT_WRITE_MIN = 4096;
/**
 * Other writes (and batches) up to this size go to the descriptor when nothing is queued (see
 * _sendNow). Larger ones take the socket's route: its JS costs little beside their syscalls, and
 * the 100 KiB echo measured slower with them sent directly.
 */
const DIRECT_SEND_MAX = 16384;
/** asyncio's LOG_THRESHOLD_FOR_CONNLOST_WRITES. */
const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;
const EMPTY = Buffer.alloc(0);
/** Queued EOF (a pending item). */
const EOF_MARK: unique symbol = Symbol("eof");
/** Queued connection loss (a pending item). */
const LOST_MARK: unique symbol = Symbol("lost");
/** A queued event: owned data, a direct read of n bytes (bufferUpdated), EOF, or the loss. */
type PendingItem = Uint8Array | number | typeof EOF_MARK | typeof LOST_MARK;

function copyScratch(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  out.set(n === READ_SIZE ? SCRATCH : SCRATCH.subarray(0, n));
  return out;
}

/**
 * A copy of `bytes` the caller owns. `Buffer.allocUnsafe` (pooled below 4 KiB, never zero-filled)
 * measured twice as fast as `Uint8Array.prototype.slice` for 64 KiB echo chunks.
 */
export function copyBytes(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  out.set(bytes);
  return out;
}

/** Coerces bytes-like `data` (Uint8Array, any ArrayBufferView, ArrayBuffer) to a Uint8Array. */
export function toBytes(data: unknown, what: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError(`${what} argument must be a bytes-like object (Uint8Array), not ${describeValue(data)}`);
}

/**
 * Forwards a socket's `onread` to its transport, which does not exist yet when the socket is
 * created. Reads before the transport is attached are copied and handed over at attach time.
 * @internal
 */
export class ReadRelay implements OnReadOptions {
  target: StreamTransport | null = null;
  early: Uint8Array[] | null = null;
  readonly buffer = (): Uint8Array => (this.target !== null ? this.target._nextBuffer() : SCRATCH);
  readonly callback = (nread: number, buf: Uint8Array): void => {
    const target = this.target;
    if (target !== null) target._onRead(nread, buf);
    else if (nread > 0) (this.early ??= []).push(buf === SCRATCH ? copyScratch(nread) : copyBytes(buf.subarray(0, nread)));
  };
}

/** `[host, port]` (IPv6: `[host, port, flowinfo, scopeid]`) as asyncio gives addresses. */
function inetAddress(address: string | undefined, port: number | undefined, family: string | number | undefined): [string, number, ...number[]] | null {
  if (address === undefined || port === undefined) return null;
  return family === "IPv6" || family === 6 ? [address, port, 0, 0] : [address, port];
}

function isSocketLike(value: unknown): value is net.Socket {
  return value !== null && typeof value === "object" && typeof (value as net.Socket).write === "function" && typeof (value as net.Socket).on === "function";
}

/**
 * A stream transport (asyncio's `_SelectorSocketTransport` / uvloop's `TCPTransport`) over a host
 * `net.Socket` or `tls.TLSSocket`. Made by `createConnection`, `createServer`, their Unix twins
 * and `startTls`; it also works over any connected `net.Socket`-like duplex (pipes use it).
 */
export class StreamTransport extends Transport {
  /** @internal */ readonly _loop: EventLoop;
  /** @internal */ _sock: net.Socket;
  private _protocol: StreamProtocolLike;
  private _buffered: boolean;
  private readonly _readPath: ReadPath;
  private readonly _extra: Record<string, unknown>;
  private _server: TransportOwner | null;
  private readonly _isTls: boolean;

  /** connectionMade was called: reads may reach the protocol. */
  private _ready = false;
  /** close(), abort(), a fatal error or the socket closing: no more reads reach the protocol. */
  private _closing = false;
  /** The host socket emitted 'close'. */
  private _sockClosed = false;
  private _lostCalled = false;
  /** The error connectionLost will get (first one wins); undefined: none yet. */
  private _lostError: Error | undefined = undefined;
  /** asyncio's `_conn_lost`: writes dropped after the connection went away. */
  private _connLost = 0;
  /** writeEof() was called. */
  private _eof = false;
  private _readPaused = false;
  /** Host reading paused (by us: pauseReading, pending events, closing). */
  private _hostPaused = false;
  private _protocolPaused = false;
  private _high = 64 * 1024;
  private _low = 16 * 1024;
  /** An empty write is queued behind the data: its completion re-checks the low-water mark. */
  private _markerInFlight = false;
  /** Events that could not be delivered yet, in order; null when none. */
  private _pending: PendingItem[] | null = null;
  private _drainScheduled = false;
  /**
   * The ArrayBuffer of the last getBuffer() result: the next read overwrites it, so a write from it
   * is never left with the socket (see _sendFromReadBuffer).
   */
  private _readBacking: ArrayBufferLike | null = null;
  /**
   * A Protocol connection that reads large chunks reads into a buffer of its own: the host asks
   * for the next read's buffer right after each read callback, per socket, so a buffer handed to
   * dataReceived is never read into again. Null: reads land in the shared SCRATCH and are copied.
   */
  private _ownRead: Buffer | null = null;
  /** startTls moved the connection to this transport. */
  private _upgradedTo: StreamTransport | null = null;
  /** @internal Reads that landed in the protocol's own buffer. */
  _directReads = 0;
  /** @internal Reads that were copied (into a new chunk, or into the protocol's buffer). */
  _copiedReads = 0;
  /** @internal Writes from the read buffer that went to the kernel at once (see _sendFromReadBuffer). */
  _directWrites = 0;
  /**
   * Writes made while the protocol handles one host event, sent together when it returns (see
   * _asHostIo): one writev, as uvloop sends an iteration's writes together.
   */
  private _batch: Uint8Array[] = [];
  private _batchBytes = 0;
  private _batching = false;
  /** A write was made since the batch started (even one that went to the kernel at once). */
  private _batchWritten = false;
  /**
   * The socket's OS descriptor, where writes can skip the host's write queue (see _sendNow); -1:
   * none here (TLS, Deno, Bun, a duplex without one), -2: not looked up yet.
   */
  private _fd = -2;

  /** @internal Use createConnection/createServer; `sock` is connected. */
  constructor(loop: EventLoop, sock: net.Socket, protocol: BaseProtocol, init: StreamTransportInit) {
    super();
    if (!isSocketLike(sock)) throw new TypeError(`StreamTransport needs a connected net.Socket, got ${describeValue(sock)}`);
    this._loop = loop;
    this._sock = sock;
    this._protocol = protocol as StreamProtocolLike;
    this._buffered = checkProtocol(protocol);
    this._readPath = init.readPath;
    this._server = init.server ?? null;
    this._isTls = init.tls !== undefined && init.tls !== null;
    this._extra = collectExtra(sock, init);
    if (init.early) for (const chunk of init.early) this._queue(chunk);
    this._listen();
    this._server?._attach(this);
  }

  // ---- setup ------------------------------------------------------------------------------

  private _listen(): void {
    const sock = this._sock;
    // 'data' also in the direct path: a runtime that ignored `onread` still delivers here.
    sock.on("data", this._onData);
    sock.on("end", this._onEnd);
    sock.on("error", this._onError);
    sock.on("close", this._onClose);
    // The running loop keeps the process alive (a stopped loop holds nothing, as in Python).
    sock.unref?.();
  }

  /**
   * @internal Calls connectionMade and starts reading (asyncio: connection_made, then add_reader).
   * Called from the host event that completed the connection.
   */
  _start(): void {
    this._asHostIo(this._startNow, undefined);
  }

  private _startNow(): void {
    const sock = this._sock;
    if (typeof sock.setNoDelay === "function" && !sock.destroyed) sock.setNoDelay(true);
    this._ready = true;
    try {
      this._protocol.connectionMade?.(this);
    } catch (error) {
      this._fatalError(error, "Fatal error: protocol.connectionMade() call failed.");
      return;
    }
    if (this._closing) return;
    if (this._pending !== null) this._scheduleDrain();
    else if (!this._readPaused) this._hostResume();
  }

  /** @internal startTls: the protocol already had connectionMade; start delivering. */
  _startUpgraded(): void {
    this._ready = true;
    if (this._pending !== null) this._scheduleDrain();
    else if (!this._readPaused) this._hostResume();
  }

  // ---- reads (host events) ----------------------------------------------------------------

  /** @internal `onread` buffer: where the next read lands. */
  _nextBuffer(): Uint8Array {
    if (!this._buffered) return this._ownRead ?? SCRATCH;
    if (!this._ready || this._closing || this._pending !== null || !this._loop.isRunning()) return SCRATCH;
    let buf: unknown;
    try {
      buf = this._protocol.getBuffer!(-1);
      checkBuffer(buf);
    } catch (error) {
      // Inside the host's read machinery: close from a microtask, read into SCRATCH meanwhile.
      this._closing = true;
      queueMicrotask(() => this._fatalError(error, "Fatal error: protocol.getBuffer() call failed."));
      return SCRATCH;
    }
    this._readBacking = buf.buffer;
    return buf;
  }

  /** @internal `onread` callback. */
  _onRead(nread: number, buf: Uint8Array): void {
    if (buf === SCRATCH) {
      this._copiedReads++;
      // Large reads: copying them costs more than a buffer of this connection's own.
      if (nread >= OWN_READ_MIN && !this._buffered) this._ownRead = Buffer.allocUnsafeSlow(READ_SIZE);
      this._received(copyScratch(nread));
      return;
    }
    if (buf === this._ownRead) {
      if (nread >= OWN_READ_MIN) {
        // Handed over as it landed; the next read gets a fresh buffer.
        this._directReads++;
        this._ownRead = Buffer.allocUnsafeSlow(READ_SIZE);
        this._received(buf.subarray(0, nread));
      } else {
        // Copied, and the connection goes back to the shared buffer.
        this._copiedReads++;
        this._ownRead = null;
        this._received(copyBytes(buf.subarray(0, nread)));
      }
      return;
    }
    this._directReads++;
    if (buf.byteLength === 0) {
      // Detached between getBuffer() and the read (WebAssembly memory grew): the bytes went to
      // the old address. Nothing can be trusted; close rather than deliver garbage.
      this._fatalError(
        new Error("the buffer returned by getBuffer() was detached before the read completed (did WebAssembly memory grow?)"),
        "Fatal error: read buffer detached.",
      );
      return;
    }
    if (this._closing) return;
    if (this._pending !== null || !this._loop.isRunning()) {
      this._queue(nread);
      return;
    }
    this._asHostIo(this._deliverDirect, nread);
  }

  private _deliverDirect(nread: number): void {
    try {
      this._protocol.bufferUpdated!(nread);
    } catch (error) {
      this._fatalError(error, "Fatal error: protocol.bufferUpdated() call failed.");
    }
  }

  /**
   * Runs a delivery from a host I/O callback: flagged as such, so that loop work it schedules runs
   * right after this callback rather than a host task later (see EventLoop._wake); and batched, so
   * that the small writes the protocol makes in it (a reply per frame of a read, say) leave in one
   * writev when it returns, as uvloop sends an iteration's writes together. Past the low-water
   * mark the batch is sent at once (_maybePauseProtocol): flow control then sees what it saw
   * before.
   */
  private _asHostIo<A>(deliver: (this: this, arg: A) => void, arg: A): void {
    const loop = this._loop;
    const outer = loop._inHostIo;
    const opened = this._openBatch();
    loop._inHostIo = true;
    try {
      deliver.call(this, arg);
    } finally {
      loop._inHostIo = outer;
      this._closeBatch(opened);
    }
  }

  private readonly _onData = (chunk: Buffer): void => {
    this._copiedReads++;
    this._received(chunk);
  };

  /** Owned bytes arrived (a fresh 'data' Buffer or a copy of the read buffer). */
  private _received(data: Uint8Array): void {
    if (this._closing) return; // asyncio: nothing is delivered after close()
    if (this._pending !== null || this._readPaused || !this._ready || !this._loop.isRunning()) {
      this._queue(data);
      return;
    }
    this._asHostIo(this._deliver, data);
  }

  private _deliver(data: Uint8Array): void {
    if (!this._buffered) {
      try {
        this._protocol.dataReceived!(data);
      } catch (error) {
        this._fatalError(error, "Fatal error: protocol.dataReceived() call failed.");
      }
      return;
    }
    // One copy into the protocol's buffers (asyncio's _feed_data_to_buffered_proto).
    const protocol = this._protocol;
    const length = data.length;
    let offset = 0;
    try {
      while (offset < length && !this._closing) {
        const buf = protocol.getBuffer!(length - offset);
        checkBuffer(buf);
        this._readBacking = buf.buffer;
        const n = Math.min(buf.length, length - offset);
        buf.set(n === length ? data : data.subarray(offset, offset + n));
        offset += n;
        protocol.bufferUpdated!(n);
      }
    } catch (error) {
      this._fatalError(error, "Fatal error: protocol.getBuffer()/bufferUpdated() call failed.");
    }
  }

  private readonly _onEnd = (): void => {
    if (this._closing) return;
    if (this._pending !== null || this._readPaused || !this._ready || !this._loop.isRunning()) {
      this._queue(EOF_MARK);
      return;
    }
    this._asHostIo(this._eofReceived, undefined);
  };

  private _eofReceived(): void {
    let keepOpen: unknown;
    try {
      keepOpen = this._protocol.eofReceived?.();
    } catch (error) {
      this._fatalError(error, "Fatal error: protocol.eofReceived() call failed.");
      return;
    }
    if (keepOpen && this._isTls) {
      logger.warn("returning true from eofReceived() has no effect when using ssl");
      keepOpen = false;
    }
    // Kept open: the write side stays usable; the read side has ended anyway.
    if (!keepOpen) this.close();
  }

  private readonly _onError = (error: Error): void => {
    if (this._lostError === undefined) this._lostError = error;
    // A TLS socket emits errors after the handshake (a record that does not decrypt) without
    // destroying itself: close it (asyncio's _fatal_error), else "close" never comes.
    if (!this._sock.destroyed) this._sock.destroy();
    if (this._loop.getDebug()) logger.debug(`${this}: socket error`, error);
  };

  private readonly _onClose = (): void => {
    this._sockClosed = true;
    this._closing = true;
    this._connLost = Math.max(this._connLost, 1);
    if (this._upgradedTo !== null) return; // the TLS transport reports the loss
    if (this._loop.isClosed()) {
      this._finishLost();
      return;
    }
    const pending = this._pending;
    if (pending !== null && !this._readPaused && this._ready && pending[pending.length - 1] !== LOST_MARK) {
      // Events queued while the loop was not running: deliver them, then the loss.
      pending.push(LOST_MARK);
      this._scheduleDrain();
    } else {
      this._pending = null;
      this._loop.callSoon(this._callConnectionLost);
    }
  };

  // ---- pending events ---------------------------------------------------------------------

  /** Keeps an event for later and stops host reading until it is delivered. */
  private _queue(item: PendingItem): void {
    (this._pending ??= []).push(item);
    this._hostPause();
    if (this._ready && !this._readPaused) this._scheduleDrain();
  }

  private _scheduleDrain(): void {
    if (this._drainScheduled || this._loop.isClosed()) return;
    this._drainScheduled = true;
    this._loop.callSoon(this._drainPending);
  }

  /** Delivers queued events in order (from a loop callback: the loop is running). */
  private readonly _drainPending = (): void => {
    this._drainScheduled = false;
    const pending = this._pending;
    if (pending === null) return;
    let i = 0;
    while (i < pending.length) {
      const item = pending[i]!;
      if (item === LOST_MARK) {
        this._pending = null;
        this._callConnectionLost();
        return;
      }
      if (this._closing || this._readPaused) break;
      i++;
      if (item === EOF_MARK) this._eofReceived();
      else if (typeof item === "number") {
        try {
          this._protocol.bufferUpdated!(item);
        } catch (error) {
          this._fatalError(error, "Fatal error: protocol.bufferUpdated() call failed.");
        }
      } else this._deliver(item);
    }
    if (this._pending !== pending) return; // a LOST_MARK path replaced it
    pending.splice(0, i);
    if (pending.length > 0 && !this._closing) {
      if (pending[0] === LOST_MARK) this._scheduleDrain();
      return; // paused: resumeReading() drains the rest
    }
    this._pending = null;
    if (!this._closing && !this._readPaused) this._hostResume();
  };

  // ---- reading control --------------------------------------------------------------------

  private _hostPause(): void {
    if (this._hostPaused) return;
    this._hostPaused = true;
    if (!this._sock.destroyed) this._sock.pause();
  }

  private _hostResume(): void {
    if (!this._hostPaused && this._sock.readableFlowing === true) return;
    this._hostPaused = false;
    if (!this._sock.destroyed) this._sock.resume();
  }

  /** Whether the transport is delivering data (not paused, not closing). */
  isReading(): boolean {
    return !this._readPaused && !this._closing;
  }

  /** Stops delivering data to the protocol until `resumeReading()`; a no-op when closing or paused. */
  pauseReading(): void {
    if (this._closing || this._readPaused) return;
    this._readPaused = true;
    this._hostPause();
    if (this._loop.getDebug()) logger.debug(`${this} pauses reading`);
  }

  /** Resumes delivering data (anything held back comes first, from the loop). */
  resumeReading(): void {
    if (this._closing || !this._readPaused) return;
    this._readPaused = false;
    if (this._pending !== null) this._scheduleDrain();
    else if (this._ready) this._hostResume();
    if (this._loop.getDebug()) logger.debug(`${this} resumes reading`);
  }

  // ---- writing ----------------------------------------------------------------------------

  /**
   * Queues `data` for sending; never blocks. The socket may keep a reference to `data` until it is
   * sent: do not modify it afterwards (views of a BufferedProtocol's read buffer, which the next
   * read overwrites, are handled: what the kernel does not take at once is copied). After the
   * connection is gone writes are dropped, with a warning from the 5th on, as asyncio does.
   */
  write(data: Uint8Array): void {
    const bytes = toBytes(data, "data");
    if (!this._acceptsWrite("write", bytes.length)) return;
    if (this._readBacking !== null && bytes.buffer === this._readBacking) this._sendFromReadBuffer(bytes);
    else this._send(bytes);
    this._maybePauseProtocol();
  }

  /**
   * A view of the BufferedProtocol's read buffer: the next read overwrites it, so the socket must
   * not keep it. The first write of a read (an echo's only one) and large ones go to the kernel at
   * once, and only what it did not take is copied (no copy at all in the common case); later small
   * ones are copied into the batch, so that the replies to one read still leave in one writev.
   */
  private _sendFromReadBuffer(bytes: Uint8Array): void {
    let sent = 0;
    if (this._writeFd() >= 0 && (bytes.length >= DIRECT_WRITE_MIN || !this._batching || !this._batchWritten)) {
      this._batchWritten = true;
      this._flushBatch();
      sent = this._writeDirect(bytes);
      if (sent > 0) this._directWrites++;
    }
    if (sent < bytes.length) this._send(copyBytes(sent === 0 ? bytes : bytes.subarray(sent)));
  }

  /**
   * The checks every write shares: an error after writeEof() or an upgrade; false (nothing to
   * send) for an empty write, and for a write after the connection is gone, which is dropped.
   */
  private _acceptsWrite(method: string, length: number): boolean {
    if (this._eof) throw new Error(`Cannot call ${method}() after writeEof()`);
    if (this._upgradedTo !== null) throw new Error("this transport was upgraded by startTls(): write to the transport it returned");
    if (length === 0) return false;
    if (this._connLost > 0 || this._sockDead() || this._closing) {
      this._dropWrite();
      return false;
    }
    return true;
  }

  /** Writes the buffers as one batch (one writev). */
  writelines(list: Iterable<Uint8Array>): void {
    if (list === null || typeof (list as Partial<Iterable<Uint8Array>>)?.[Symbol.iterator] !== "function") {
      throw new TypeError(`writelines() needs an iterable of bytes-like objects, got ${describeValue(list)}`);
    }
    const chunks: Uint8Array[] = [];
    for (const item of list) chunks.push(toBytes(item, "writelines() item"));
    if (!this._acceptsWrite("writelines", chunks.length)) return;
    const backing = this._readBacking;
    const opened = this._openBatch();
    for (let chunk of chunks) {
      if (chunk.length === 0) continue;
      if (backing !== null && chunk.buffer === backing) chunk = copyBytes(chunk);
      this._send(chunk);
    }
    this._closeBatch(opened);
    this._maybePauseProtocol();
  }

  /**
   * @internal Writes `data` and calls `done` once the socket no longer needs it (the WriteSink
   * contract: FramedProtocol's WriteBuffer hands views of WASM memory without a copy).
   */
  _writeBorrowed(data: Uint8Array, done: () => void): void {
    if (this._connLost > 0 || this._sock.destroyed || this._closing || this._eof || data.length === 0) {
      if (data.length > 0) this._dropWrite();
      done();
      return;
    }
    // A view of WASM memory must reach the host's write queue at once: waiting in the batch (see
    // _asHostIo) it is a JS object, which memory growth would detach. The caller checked that
    // nothing is buffered, so the batch is empty; flushing it is only for order's sake.
    this._flushBatch();
    this._sock.write(data, () => done());
    this._maybePauseProtocol();
  }

  /** Starts a batch unless one is open; returns whether it did (for _closeBatch). */
  private _openBatch(): boolean {
    if (this._batching) return false;
    this._batching = true;
    this._batchWritten = false;
    return true;
  }

  /** Ends and sends the batch if the matching _openBatch started it. */
  private _closeBatch(opened: boolean): void {
    if (!opened) return;
    this._batching = false;
    this._flushBatch();
  }

  /** Queues `bytes` (which the socket may keep) in the batch, or sends them now outside one. */
  private _send(bytes: Uint8Array): void {
    if (this._batching) {
      this._batch.push(bytes);
      this._batchBytes += bytes.length;
      this._batchWritten = true;
    } else {
      this._sendNow(bytes);
    }
  }

  /**
   * Hands `bytes` to the kernel: straight to the descriptor when nothing waits in the socket's
   * queue (as uvloop's `uv_try_write`; a Node socket's write would go through the Writable
   * machinery, allocate a write request and schedule its callback), and what the kernel did not
   * take through the socket, which keeps it until sent.
   */
  private _sendNow(bytes: Uint8Array): void {
    const sent = bytes.length <= DIRECT_SEND_MAX ? this._writeDirect(bytes) : 0;
    if (sent < bytes.length) this._sock.write(sent === 0 ? bytes : bytes.subarray(sent));
  }

  /**
   * Writes what the kernel takes of `bytes` to the descriptor and returns how much that was; 0
   * when a direct write may not happen now (see _directFd).
   */
  private _writeDirect(bytes: Uint8Array): number {
    const fd = this._directFd();
    return fd >= 0 ? writeNow(fd, bytes) : 0;
  }

  /**
   * The descriptor when a write may go to it now, else -1: none here, or bytes queued on the
   * socket that a direct write would overtake.
   */
  private _directFd(): number {
    const fd = this._writeFd();
    return fd >= 0 && this._sock.writableLength === 0 ? fd : -1;
  }

  /** Sends the batch: one writev to the descriptor, the rest (if any) corked through the socket. */
  private _flushBatch(): void {
    const batch = this._batch;
    const count = batch.length;
    if (count === 0) return;
    const total = this._batchBytes;
    this._batchBytes = 0;
    if (this._sock.destroyed) {
      // Destroyed by the host while the protocol ran (its write would fail): dropped, as writes
      // after the connection is gone are.
      clearArray(batch);
      return;
    }
    if (count === 1) {
      const only = batch.pop()!;
      this._sendNow(only);
      return;
    }
    const sock = this._sock;
    const fd = total <= DIRECT_SEND_MAX ? this._directFd() : -1;
    let sent = fd >= 0 ? writevNow(fd, batch) : 0;
    if (sent < total) {
      sock.cork();
      for (const chunk of batch) {
        if (sent >= chunk.length) {
          sent -= chunk.length;
          continue;
        }
        sock.write(sent === 0 ? chunk : chunk.subarray(sent));
        sent = 0;
      }
      sock.uncork();
    }
    clearArray(batch);
  }

  /** The descriptor for direct writes, or -1 (looked up once: it stays the socket's until closed). */
  private _writeFd(): number {
    if (this._fd === -2) this._fd = this._isTls ? -1 : socketFd(this._sock);
    return this._fd >= 0 && !this._sock.destroyed ? this._fd : -1;
  }

  private _dropWrite(): void {
    if (this._connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) logger.warn("socket.send() raised exception.");
    this._connLost++;
  }

  /**
   * After writes: above the low-water mark, queue an empty write (it completes once everything
   * before it is sent) to re-check the size then; above the high-water mark, pause the protocol.
   * Writes the kernel takes at once (the common case) cost no callback at all.
   */
  private _maybePauseProtocol(): void {
    let size = this._sock.writableLength + this._batchBytes;
    if (size <= this._low) return;
    if (this._batchBytes > 0) {
      // Coalescing is for small writes: hand the batch to the kernel, then judge.
      this._flushBatch();
      size = this._sock.writableLength;
      if (size <= this._low) return;
    }
    if (!this._markerInFlight) this._placeMarker();
    if (size <= this._high || this._protocolPaused) return;
    this._protocolPaused = true;
    try {
      this._protocol.pauseWriting?.();
    } catch (error) {
      this._loop.callExceptionHandler({ message: "protocol.pauseWriting() failed", exception: error, transport: this, protocol: this._protocol });
    }
  }

  private _placeMarker(): void {
    const sock = this._sock;
    if (sock.destroyed || sock.writableEnded) return;
    this._markerInFlight = true;
    sock.write(EMPTY, this._onMarker);
  }

  private readonly _onMarker = (): void => {
    this._markerInFlight = false;
    const size = this._sock.writableLength;
    if (size > this._low) this._placeMarker();
    else this._maybeResumeProtocol();
  };

  private _maybeResumeProtocol(): void {
    // A lost connection is not resumed (its pending writes failed, they did not drain): asyncio
    // never calls resume_writing after a fatal error either.
    if (!this._protocolPaused || this._sockDead() || this._sock.writableLength > this._low) return;
    if (!this._loop.isRunning() && !this._loop.isClosed()) {
      // Wait for the loop so that resumeWriting runs inside it.
      this._loop.callSoon(() => this._maybeResumeProtocol());
      return;
    }
    this._protocolPaused = false;
    try {
      this._protocol.resumeWriting?.();
    } catch (error) {
      this._loop.callExceptionHandler({ message: "protocol.resumeWriting() failed", exception: error, transport: this, protocol: this._protocol });
    }
  }

  /** Flow-control marks (asyncio's rules): high defaults to 64 KiB or 4 × low, low to high / 4. */
  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    for (const [name, value] of [
      ["high", high],
      ["low", low],
    ] as const) {
      if (value !== undefined && value !== null && (typeof value !== "number" || Number.isNaN(value))) {
        throw new TypeError(`${name} must be a number of bytes or null, got ${describeValue(value)}`);
      }
    }
    let h = high ?? null;
    let l = low ?? null;
    if (h === null) h = l === null ? 64 * 1024 : 4 * l;
    if (l === null) l = Math.floor(h / 4);
    if (!(h >= l && l >= 0)) throw new RangeError(`high (${h}) must be >= low (${l}) must be >= 0`);
    this._high = h;
    this._low = l;
    this._maybePauseProtocol();
  }

  /** `[low, high]`, as asyncio gives them. */
  getWriteBufferLimits(): [low: number, high: number] {
    return [this._low, this._high];
  }

  /** Bytes written but not yet handed to the kernel. */
  getWriteBufferSize(): number {
    return (this._sock.writableLength ?? 0) + this._batchBytes;
  }

  /** Half-closes: sends EOF after the buffered data; the transport can still read. */
  writeEof(): void {
    if (this._isTls) throw new Error("TLS transports do not support half-close (writeEof); canWriteEof() is false");
    if (this._closing || this._eof) return;
    this._eof = true;
    this._flushBatch();
    this._sock.end();
  }

  /** True for TCP and Unix sockets; false for TLS (as asyncio's SSL transport). */
  canWriteEof(): boolean {
    return !this._isTls;
  }

  // ---- closing ----------------------------------------------------------------------------

  isClosing(): boolean {
    // (errored: see _sockDead; a socket the host closed after both directions were shut down is
    // not "closing" until close(), as in asyncio)
    return this._closing || this._sock.errored != null || this._upgradedTo !== null;
  }

  /**
   * The socket failed or is gone, though its "error"/"close" events may not have come yet: a
   * write the kernel refused (reset, broken pipe) marks the host socket errored at once and
   * destroys it only later. asyncio's write() calls _fatal_error right then (is_closing() true,
   * writes dropped, no more resume_writing), and so do we from here.
   */
  private _sockDead(): boolean {
    return this._sock.destroyed || this._sock.errored != null;
  }

  /** Stops reading, flushes what is buffered, then closes; the protocol gets `connectionLost(null)`. */
  close(): void {
    if (this._upgradedTo !== null) {
      this._upgradedTo.close();
      return;
    }
    if (this._closing) return;
    this._closing = true;
    this._connLost = Math.max(this._connLost, 1);
    this._pending = null;
    this._hostPause();
    this._flushBatch();
    const sock = this._sock;
    if (sock.destroyed) return;
    if (!this._eof) sock.end();
    if (sock.writableFinished) sock.destroy();
    else sock.once("finish", () => sock.destroy());
  }

  /** Closes at once, dropping buffered data; the protocol gets `connectionLost(null)`. */
  abort(): void {
    if (this._upgradedTo !== null) {
      this._upgradedTo.abort();
      return;
    }
    this._forceClose(undefined);
  }

  private _forceClose(error: Error | undefined): void {
    if (this._sockClosed) return;
    if (error !== undefined && this._lostError === undefined) this._lostError = error;
    this._closing = true;
    this._connLost = Math.max(this._connLost, 1);
    this._pending = null;
    // Writes made earlier in this host callback would have reached the kernel without the batch.
    this._flushBatch();
    if (!this._sock.destroyed) this._sock.destroy();
  }

  /** asyncio's `_fatal_error`: report a protocol failure and close with it. */
  private _fatalError(error: unknown, message: string): void {
    if (!this._loop.isClosed()) {
      this._loop.callExceptionHandler({ message, exception: error, transport: this, protocol: this._protocol });
    }
    this._forceClose(error instanceof Error ? error : new Error(String(error)));
  }

  private readonly _callConnectionLost = (): void => {
    if (this._lostCalled) return;
    this._lostCalled = true;
    const error = this._lostError ?? null;
    try {
      this._protocol.connectionLost?.(error);
    } catch (thrown) {
      this._loop.callExceptionHandler({
        message: "Exception in callback protocol.connectionLost()",
        exception: thrown,
        transport: this,
        protocol: this._protocol,
      });
    } finally {
      this._finishLost();
    }
  };

  private _finishLost(): void {
    this._lostCalled = true;
    const server = this._server;
    this._server = null;
    server?._detach(this);
  }

  // ---- startTls support -------------------------------------------------------------------

  /** @internal Whether this transport runs TLS. */
  get _tls(): boolean {
    return this._isTls;
  }

  /** @internal The server this transport belongs to, if any. */
  get _owner(): TransportOwner | null {
    return this._server;
  }

  /**
   * @internal Hands the socket over to startTls: stops reading, stops listening to it, and from
   * now on forwards close/abort to `next` (set with `_upgraded`). Fails if data is queued.
   */
  _detachForTls(): net.Socket {
    if (this._closing || this._sock.destroyed) throw new Error("startTls(): the transport is closing");
    if (this._pending !== null) throw new Error("startTls(): the transport has undelivered data");
    this._flushBatch();
    this._hostPause();
    const sock = this._sock;
    sock.off("data", this._onData);
    sock.off("end", this._onEnd);
    sock.off("error", this._onError);
    sock.off("close", this._onClose);
    return sock;
  }

  /** @internal startTls finished: `next` carries the connection (and the server membership). */
  _upgraded(next: StreamTransport): void {
    this._upgradedTo = next;
    this._closing = true;
    this._lostCalled = true; // the new transport reports connectionLost
    const server = this._server;
    this._server = null;
    server?._detach(this);
  }

  /** @internal startTls failed before handing over: this transport is done too. */
  _abandon(error: Error): void {
    this._lostError ??= error;
    this._closing = true;
    this._sockClosed = true;
    if (!this._loop.isClosed()) this._loop.callSoon(this._callConnectionLost);
    else this._finishLost();
  }

  // ---- the rest of the Transport interface ------------------------------------------------

  getExtraInfo<T = unknown>(name: ExtraInfoName, defaultValue?: T): T | undefined {
    return name in this._extra ? (this._extra[name] as T) : defaultValue;
  }

  /** Replaces the protocol (asyncio's set_protocol); the new one gets no connectionMade. */
  setProtocol(protocol: BaseProtocol): void {
    this._buffered = checkProtocol(protocol);
    this._protocol = protocol as StreamProtocolLike;
    this._readBacking = null;
  }

  getProtocol(): BaseProtocol {
    return this._protocol as BaseProtocol;
  }

  /** @internal `direct` (onread) or `copy` ('data' events). */
  get _path(): ReadPath {
    return this._readPath;
  }

  override toString(): string {
    const state = this._sockClosed ? "closed" : this._closing ? "closing" : "open";
    const peer = this._extra.peername;
    return `<${this._isTls ? "TLS" : ""}StreamTransport ${state}${peer !== undefined && peer !== null ? " peer=" + JSON.stringify(peer) : ""}>`;
  }
}

/** True for a BufferedProtocol (getBuffer + bufferUpdated), false for a Protocol (dataReceived). */
export function checkProtocol(protocol: unknown): boolean {
  if (protocol === null || (typeof protocol !== "object" && typeof protocol !== "function")) {
    throw new TypeError(`protocol factory must return a Protocol or BufferedProtocol, got ${describeValue(protocol)}`);
  }
  const p = protocol as StreamProtocolLike;
  if (typeof p.getBuffer === "function" && typeof p.bufferUpdated === "function") return true;
  if (typeof p.dataReceived === "function") return false;
  throw new TypeError(
    `protocol factory must return a Protocol (dataReceived) or BufferedProtocol (getBuffer, bufferUpdated), got ${describeValue(protocol)}`,
  );
}

function checkBuffer(buf: unknown): asserts buf is Uint8Array {
  if (!(buf instanceof Uint8Array)) throw new TypeError(`getBuffer() must return a Uint8Array, got ${describeValue(buf)}`);
  if (buf.length === 0) throw new Error("getBuffer() returned an empty buffer");
}

function collectExtra(sock: net.Socket, init: StreamTransportInit): Record<string, unknown> {
  const extra: Record<string, unknown> = { socket: sock };
  if (init.unixPath) {
    extra.sockname = init.unixPath.sockname;
    extra.peername = init.unixPath.peername;
  } else {
    extra.peername = inetAddress(sock.remoteAddress, sock.remotePort, sock.remoteFamily);
    const local = typeof sock.address === "function" ? sock.address() : {};
    const info = local as Partial<net.AddressInfo>;
    extra.sockname = inetAddress(info.address, info.port, info.family);
  }
  if (init.tls) {
    const t = sock as tls.TLSSocket;
    extra.sslcontext = init.tls.secureContext;
    extra.ssl_object = t;
    const cert = typeof t.getPeerCertificate === "function" ? t.getPeerCertificate() : null;
    extra.peercert = cert !== null && cert !== undefined && Object.keys(cert).length > 0 ? cert : null;
    const cipher = typeof t.getCipher === "function" ? t.getCipher() : null;
    extra.cipher = cipher ? [cipher.name, cipher.version, cipherBits(cipher.name)] : null;
    extra.compression = null;
  }
  return extra;
}

/** Secret bits of a cipher suite, from its name (asyncio's cipher() tuple has them). */
function cipherBits(name: string): number | null {
  if (/CHACHA20/i.test(name)) return 256;
  const m = /AES_?(128|256)|CAMELLIA_?(128|256)|ARIA_?(128|256)/i.exec(name);
  if (m) return Number(m[1] ?? m[2] ?? m[3]);
  return null;
}
