/**
 * Streams: asyncio's streams.py. `openConnection`/`startServer` (and the Unix twins) give a
 * StreamReader and a StreamWriter over a stream transport; both classes are reusable on their own
 * (a StreamReader fed by any transport or by hand, a StreamWriter over any write transport whose
 * protocol extends FlowControlMixin), which is how subprocess pipes use them.
 *
 * ```ts
 * function* client(): asyncio.Coroutine<void> {
 *   const [reader, writer] = yield* asyncio.openConnection("127.0.0.1", 8888);
 *   writer.write(new TextEncoder().encode("ping\n"));
 *   yield* writer.drain();
 *   const line = yield* reader.readline();
 *   writer.close();
 *   yield* writer.waitClosed();
 * }
 * ```
 * @module
 */
import { Buffer } from "node:buffer";
import { ByteQueue } from "./byte-queue.js";
import { isCoroutine, type Coroutine } from "./coroutines.js";
import { IncompleteReadError, LimitOverrunError } from "./errors.js";
import type { Future } from "./futures.js";
import type { EventLoop } from "./loop.js";
import { BaseProtocol } from "./protocols.js";
import { _currentLoop, getRunningLoop } from "./running.js";
import { ensureFuture, sleep } from "./tasks.js";
import type { BaseTransport, ExtraInfoName, Transport, WriteTransportMethods } from "./transports.js";
import { ConnectionResetError } from "./net/errors.js";
import type {
  CreateConnectionOptions,
  CreateServerOptions,
  CreateUnixConnectionOptions,
  CreateUnixServerOptions,
  SSLOption,
} from "./net/options.js";
import { checkOptions } from "./net/options.js";
import type { Server } from "./net/server.js";
import { toBytes } from "./net/transport.js";

/** asyncio's default StreamReader limit: 64 KiB. */
export const DEFAULT_LIMIT = 2 ** 16;

const encoder = new TextEncoder();
const NEWLINE = new Uint8Array([10]);
const EMPTY = new Uint8Array(0);

/** What a StreamReader pauses and resumes when its buffer fills and drains. */
export interface ReaderTransport {
  pauseReading(): void;
  resumeReading(): void;
}

/** What a StreamWriter writes to: any write transport (socket, pipe). */
export type WriterTransport = BaseTransport & Pick<WriteTransportMethods, "write" | "writelines" | "writeEof" | "canWriteEof">;

/** A separator for `readuntil`: bytes, a string (UTF-8), or a list of them (the shortest match wins). */
export type Separator = Uint8Array | string | readonly (Uint8Array | string)[];

function checkLimit(limit: unknown): number {
  if (limit === undefined || limit === null) return DEFAULT_LIMIT;
  if (typeof limit !== "number" || Number.isNaN(limit)) throw new TypeError(`limit must be a number of bytes, got ${typeof limit}`);
  if (limit <= 0) throw new RangeError("Limit cannot be <= 0");
  return limit;
}

export interface StreamReaderOptions {
  /** Buffer limit in bytes (default 64 KiB): readline/readuntil fail past it, reading pauses past twice it. */
  limit?: number;
  loop?: EventLoop;
}

/**
 * Buffered reading from a stream, fed by a protocol (`feedData`, `feedEof`, `setException`).
 * The transport is paused when more than twice `limit` bytes are buffered, and resumed when the
 * buffer drops to `limit`.
 */
export class StreamReader {
  private readonly _limit: number;
  private readonly _loop: EventLoop;
  private readonly _buffer = new ByteQueue();
  private _eof = false;
  private _waiter: Future<null> | null = null;
  private _exception: unknown = null;
  /** @internal */ _transport: ReaderTransport | null = null;
  private _paused = false;

  /** `new StreamReader(limit?, loop?)` as asyncio, or `new StreamReader({ limit, loop })`. */
  constructor(limit?: number | StreamReaderOptions | null, loop?: EventLoop) {
    let lim: unknown = limit;
    let lp = loop;
    if (limit !== null && typeof limit === "object") {
      lim = limit.limit;
      lp = limit.loop ?? loop;
    }
    this._limit = checkLimit(lim);
    this._loop = lp ?? _currentLoop();
  }

  /** The buffer limit in bytes. */
  get limit(): number {
    return this._limit;
  }

  /** The exception set by `setException`, or null. */
  exception(): unknown {
    return this._exception;
  }

  /** Makes every pending and future read raise `exc` (the connection failed). */
  setException(exc: unknown): void {
    this._exception = exc;
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = null;
      if (!waiter.cancelled()) waiter.setException(exc);
    }
  }

  private _wakeupWaiter(): void {
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = null;
      if (!waiter.cancelled()) waiter.setResult(null);
    }
  }

  /** Sets the transport to pause/resume (once). */
  setTransport(transport: ReaderTransport): void {
    if (this._transport !== null) throw new Error("Transport already set");
    this._transport = transport;
  }

  private _maybeResumeTransport(): void {
    if (this._paused && this._buffer.length <= this._limit) {
      this._paused = false;
      this._transport!.resumeReading();
    }
  }

  /** The stream ended: reads return what is left, then empty. */
  feedEof(): void {
    this._eof = true;
    this._wakeupWaiter();
  }

  /** Whether EOF was fed and the buffer is empty. */
  atEof(): boolean {
    return this._eof && this._buffer.length === 0;
  }

  /** Buffers `data` (kept by reference: it is the reader's from now on) and wakes a waiting read. */
  feedData(data: Uint8Array): void {
    if (this._eof) throw new Error("feedData after feedEof");
    const bytes = toBytes(data, "data");
    if (bytes.length === 0) return;
    this._buffer.push(bytes);
    this._wakeupWaiter();
    if (this._transport !== null && !this._paused && this._buffer.length > 2 * this._limit) {
      try {
        this._transport.pauseReading();
      } catch {
        // A transport that cannot pause (asyncio: NotImplementedError): stop asking.
        this._transport = null;
        return;
      }
      this._paused = true;
    }
  }

  /**
   * The future a read waits on until feedData, feedEof or setException: asyncio's
   * `_wait_for_data` as a plain call, so a read makes one generator and one level of `yield*`
   * fewer. A waiter is let go when it is woken; a cancelled one stays until the next replaces it.
   */
  private _dataWaiter(funcName: string): Future<null> {
    const pending = this._waiter;
    if (pending !== null && !pending.done()) throw new Error(`${funcName}() called while another coroutine is already waiting for incoming data`);
    if (this._eof) throw new Error(`${funcName}() waited after EOF`);
    // A paused transport would never feed us: resume it (the limit is a soft one).
    if (this._paused) {
      this._paused = false;
      this._transport!.resumeReading();
    }
    const waiter = this._loop.createFuture<null>();
    this._waiter = waiter;
    return waiter;
  }

  /**
   * Reads a line ending in `\n` (included). At EOF, returns the partial line (empty when none).
   * Past the limit: RangeError (asyncio's ValueError); the data up to and including the separator,
   * or the whole buffer when none was found, is dropped.
   */
  *readline(): Coroutine<Uint8Array> {
    try {
      return yield* this.readuntil(NEWLINE);
    } catch (error) {
      if (error instanceof IncompleteReadError) return error.partial;
      if (error instanceof LimitOverrunError) {
        if (this._buffer.startsWith(NEWLINE, error.consumed)) this._buffer.drop(error.consumed + NEWLINE.length);
        else this._buffer.clear();
        this._maybeResumeTransport();
        throw new RangeError(error.message, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Reads up to and including `separator` (bytes or a UTF-8 string; a list: the shortest match
   * wins). EOF first: IncompleteReadError with what was buffered (consumed). More than `limit` bytes
   * without the separator: LimitOverrunError (nothing consumed; `consumed` says how much to skip).
   */
  *readuntil(separator: Separator = NEWLINE): Coroutine<Uint8Array> {
    const seps = normalizeSeparators(separator);
    const minLen = seps[0]!.length;
    const maxLen = seps[seps.length - 1]!.length;
    if (this._exception !== null) throw this._exception;
    const buffer = this._buffer;
    // Bytes from the start known not to begin a match: each search starts where the last stopped.
    let offset = 0;
    let matchStart = -1;
    let matchEnd = -1;
    for (;;) {
      const buflen = buffer.length;
      if (buflen - offset >= minLen) {
        for (const sep of seps) {
          const at = buffer.indexOf(sep, offset);
          if (at !== -1 && (matchEnd === -1 || at + sep.length < matchEnd)) {
            matchStart = at;
            matchEnd = at + sep.length;
          }
        }
        if (matchEnd !== -1) break;
        offset = Math.max(0, buflen + 1 - maxLen);
        if (offset > this._limit) throw new LimitOverrunError("Separator is not found, and chunk exceed the limit", offset);
      }
      if (this._eof) {
        const chunk = buffer.take(buffer.length);
        throw new IncompleteReadError(chunk, null);
      }
      yield* this._dataWaiter("readuntil");
      if (this._exception !== null) throw this._exception;
    }
    if (matchStart > this._limit) throw new LimitOverrunError("Separator is found, but chunk is longer than limit", matchStart);
    const chunk = buffer.take(matchEnd);
    this._maybeResumeTransport();
    return chunk;
  }

  /**
   * Reads up to `n` bytes (at least one, unless at EOF: then empty). `n < 0` (the default) reads
   * until EOF; `n == 0` returns empty at once.
   */
  *read(n = -1): Coroutine<Uint8Array> {
    if (typeof n !== "number" || Number.isNaN(n)) throw new TypeError(`read() size must be a number, got ${typeof n}`);
    if (this._exception !== null) throw this._exception;
    if (n === 0) return EMPTY;
    if (n < 0) {
      // Whole-stream read: collect blocks of `limit` so the transport keeps flowing.
      const blocks: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const block = yield* this.read(this._limit);
        if (block.length === 0) break;
        blocks.push(block);
        total += block.length;
      }
      return concat(blocks, total);
    }
    if (this._buffer.length === 0 && !this._eof) yield* this._dataWaiter("read");
    if (this._exception !== null && this._buffer.length === 0) throw this._exception;
    const data = this._buffer.take(Math.min(Math.floor(n), this._buffer.length));
    this._maybeResumeTransport();
    return data;
  }

  /** Reads exactly `n` bytes; EOF first: IncompleteReadError(partial, n) (the partial bytes are consumed). */
  *readexactly(n: number): Coroutine<Uint8Array> {
    if (typeof n !== "number" || !Number.isInteger(n)) throw new TypeError(`readexactly() size must be an integer, got ${String(n)}`);
    if (n < 0) throw new RangeError("readexactly size can not be less than zero");
    if (this._exception !== null) throw this._exception;
    if (n === 0) return EMPTY;
    while (this._buffer.length < n) {
      if (this._eof) {
        const incomplete = this._buffer.take(this._buffer.length);
        throw new IncompleteReadError(incomplete, n);
      }
      yield* this._dataWaiter("readexactly");
      if (this._exception !== null) throw this._exception;
    }
    const data = this._buffer.take(n);
    this._maybeResumeTransport();
    return data;
  }

  toString(): string {
    const info = [`StreamReader`];
    if (this._buffer.length > 0) info.push(`${this._buffer.length} bytes`);
    if (this._eof) info.push("eof");
    if (this._limit !== DEFAULT_LIMIT) info.push(`limit=${this._limit}`);
    if (this._waiter !== null && !this._waiter.done()) info.push("waiter");
    if (this._exception !== null) info.push(`exception=${String(this._exception)}`);
    if (this._paused) info.push("paused");
    return `<${info.join(" ")}>`;
  }
}

function normalizeSeparators(separator: Separator): Uint8Array[] {
  const list = typeof separator === "string" || separator instanceof Uint8Array ? [separator] : separator;
  if (!Array.isArray(list) && !(typeof list === "object" && list !== null && Symbol.iterator in list)) {
    throw new TypeError("separator must be bytes, a string, or a list of them");
  }
  const seps = [...list].map((s) => (typeof s === "string" ? encoder.encode(s) : toBytes(s, "separator")));
  if (seps.length === 0) throw new RangeError("Separator should contain at least one element");
  seps.sort((a, b) => a.length - b.length);
  if (seps[0]!.length === 0) throw new RangeError("Separator should be at least one-byte string");
  return seps;
}

function concat(blocks: Uint8Array[], total: number): Uint8Array {
  if (blocks.length === 0) return EMPTY;
  if (blocks.length === 1) return blocks[0]!;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const block of blocks) {
    out.set(block, at);
    at += block.length;
  }
  return out;
}

/**
 * Write flow control for StreamWriter.drain(): tracks pauseWriting/resumeWriting and wakes
 * drain() waiters (asyncio's FlowControlMixin). Protocols used with a StreamWriter extend it and
 * implement `_getCloseWaiter`.
 */
export class FlowControlMixin extends BaseProtocol {
  /** @internal */ readonly _loop: EventLoop;
  private _paused = false;
  private readonly _drainWaiters: Future<void>[] = [];
  private _connectionLost = false;

  constructor(loop?: EventLoop | null) {
    super();
    this._loop = loop ?? _currentLoop();
  }

  override pauseWriting(): void {
    this._paused = true;
  }

  override resumeWriting(): void {
    this._paused = false;
    for (const waiter of this._drainWaiters) if (!waiter.done()) waiter.setResult(undefined);
  }

  override connectionLost(exc: Error | null): void {
    this._connectionLost = true;
    if (!this._paused) return;
    for (const waiter of this._drainWaiters) {
      if (waiter.done()) continue;
      if (exc === null) waiter.setResult(undefined);
      else waiter.setException(exc);
    }
  }

  /** @internal Whether `_drainHelper()` has anything to do; drain() skips making its generator otherwise. */
  _drainBlocked(): boolean {
    return this._paused || this._connectionLost;
  }

  /** @internal Waits while writing is paused; throws ConnectionResetError once the connection is lost. */
  *_drainHelper(): Coroutine<void> {
    if (this._connectionLost) throw new ConnectionResetError("Connection lost");
    if (!this._paused) return;
    const waiter = this._loop.createFuture<void>();
    this._drainWaiters.push(waiter);
    try {
      yield* waiter;
    } finally {
      const i = this._drainWaiters.indexOf(waiter);
      if (i >= 0) this._drainWaiters.splice(i, 1);
    }
  }

  /** @internal The future StreamWriter.waitClosed() waits on. */
  _getCloseWaiter(_stream: StreamWriter): Future<void> {
    throw new Error(`${this.constructor.name} must implement _getCloseWaiter()`);
  }
}

/** What `startServer` calls per connection: a plain function, or a generator function (run as a task). */
export type ClientConnectedCallback = (reader: StreamReader, writer: StreamWriter) => void | Coroutine<unknown> | PromiseLike<unknown>;

/** Adapts a Protocol to a StreamReader (and, for servers, makes the StreamWriter and calls back). */
export class StreamReaderProtocol extends FlowControlMixin {
  private _reader: StreamReader | null;
  private readonly _clientConnectedCb: ClientConnectedCallback | null;
  private _writer: StreamWriter | null = null;
  private _transport: Transport | null = null;
  private readonly _closed: Future<void>;
  private _overSsl = false;
  /** @internal The task running the client-connected callback, if it was a coroutine. */
  _task: Future<unknown> | null = null;

  constructor(streamReader: StreamReader, clientConnectedCb?: ClientConnectedCallback | null, loop?: EventLoop | null) {
    super(loop);
    if (!(streamReader instanceof StreamReader)) throw new TypeError("StreamReaderProtocol needs a StreamReader");
    if (clientConnectedCb !== undefined && clientConnectedCb !== null && typeof clientConnectedCb !== "function") {
      throw new TypeError("clientConnectedCb must be a function");
    }
    this._reader = streamReader;
    this._clientConnectedCb = clientConnectedCb ?? null;
    this._closed = this._loop.createFuture<void>();
  }

  /** @internal Whether this is the server side (startServer made it). */
  get _isServerSide(): boolean {
    return this._clientConnectedCb !== null;
  }

  /** @internal startTls replaced the transport. */
  _replaceTransport(transport: Transport): void {
    this._transport = transport;
    this._overSsl = transport.getExtraInfo("sslcontext") !== undefined && transport.getExtraInfo("sslcontext") !== null;
    if (this._reader !== null) this._reader._transport = transport;
  }

  override connectionMade(transport: Transport): void {
    this._transport = transport;
    const reader = this._reader;
    if (reader !== null) reader.setTransport(transport);
    const ctx = transport.getExtraInfo("sslcontext");
    this._overSsl = ctx !== undefined && ctx !== null;
    const cb = this._clientConnectedCb;
    if (cb === null || reader === null) return;
    const writer = new StreamWriter(transport, this, reader, this._loop);
    this._writer = writer;
    const result = cb(reader, writer);
    if (isCoroutine(result) || (result !== null && typeof result === "object" && typeof (result as PromiseLike<unknown>).then === "function")) {
      const task = isCoroutine(result) ? this._loop.createTask(result) : ensureFuture(result as PromiseLike<unknown>, this._loop);
      this._task = task;
      task.addDoneCallback((t) => {
        if (t.cancelled()) {
          transport.close();
          return;
        }
        const exc = t.exception();
        if (exc !== null) {
          this._loop.callExceptionHandler({ message: "Unhandled exception in client_connected_cb", exception: exc, transport });
          transport.close();
        }
      });
    }
  }

  override connectionLost(exc: Error | null): void {
    const reader = this._reader;
    if (reader !== null) {
      if (exc === null) reader.feedEof();
      else reader.setException(exc);
    }
    if (!this._closed.done()) {
      if (exc === null) this._closed.setResult(undefined);
      else {
        this._closed.setException(exc);
        // waitClosed() may never be called: the error is not "never retrieved".
        this._closed.exception();
      }
    }
    super.connectionLost(exc);
    this._reader = null;
    this._writer = null;
    this._transport = null;
  }

  dataReceived(data: Uint8Array): void {
    this._reader?.feedData(data);
  }

  /** Feeds EOF; keeps the transport open for writing (not over TLS, which cannot half-close). */
  eofReceived(): boolean {
    this._reader?.feedEof();
    return !this._overSsl;
  }

  /** @internal */
  override _getCloseWaiter(_stream: StreamWriter): Future<void> {
    return this._closed;
  }
}

/** Options of StreamWriter.startTls. */
export interface StreamStartTlsOptions {
  serverHostname?: string | null;
  sslHandshakeTimeout?: number | null;
  sslShutdownTimeout?: number | null;
}

/** Writes to a stream transport, with `drain()` for flow control. */
export class StreamWriter {
  private _transport: WriterTransport;
  private readonly _protocol: FlowControlMixin;
  private readonly _reader: StreamReader | null;
  private readonly _loop: EventLoop;

  constructor(transport: WriterTransport, protocol: FlowControlMixin, reader: StreamReader | null, loop: EventLoop) {
    if (transport === null || typeof transport !== "object" || typeof (transport as Partial<WriterTransport>).write !== "function") {
      throw new TypeError(`StreamWriter needs a write transport, got ${transport === null ? "null" : typeof transport}`);
    }
    if (!(protocol instanceof FlowControlMixin)) throw new TypeError("StreamWriter needs a protocol that extends FlowControlMixin (e.g. StreamReaderProtocol)");
    if (reader !== null && reader !== undefined && !(reader instanceof StreamReader)) throw new TypeError("StreamWriter reader must be a StreamReader or null");
    this._transport = transport;
    this._protocol = protocol;
    this._reader = reader ?? null;
    this._loop = loop;
  }

  /** The underlying transport. */
  get transport(): WriterTransport {
    return this._transport;
  }

  write(data: Uint8Array): void {
    this._transport.write(data);
  }

  writelines(data: Iterable<Uint8Array>): void {
    this._transport.writelines(data);
  }

  writeEof(): void {
    this._transport.writeEof();
  }

  canWriteEof(): boolean {
    return this._transport.canWriteEof();
  }

  /** Closes the transport (after flushing); `waitClosed()` waits for it. */
  close(): void {
    this._transport.close();
  }

  isClosing(): boolean {
    return this._transport.isClosing();
  }

  /** Waits until the connection is closed; raises the connection's error, if it had one. */
  *waitClosed(): Coroutine<void> {
    yield* this._protocol._getCloseWaiter(this);
  }

  getExtraInfo<T = unknown>(name: ExtraInfoName, defaultValue?: T): T | undefined {
    return this._transport.getExtraInfo<T>(name, defaultValue);
  }

  /**
   * Waits until the write buffer is below its low-water mark. Raises the reader's exception, or
   * ConnectionResetError once the connection is lost.
   */
  *drain(): Coroutine<void> {
    if (this._reader !== null) {
      const exc = this._reader.exception();
      if (exc !== null) throw exc;
    }
    if (this._transport.isClosing()) {
      // Let connectionLost run, so a write() + drain() loop sees the closed connection.
      yield* sleep(0);
    }
    const protocol = this._protocol;
    if (protocol._drainBlocked()) yield* protocol._drainHelper();
  }

  /** Upgrades the connection to TLS (server side for streams made by startServer). */
  *startTls(sslcontext: SSLOption, options?: StreamStartTlsOptions): Coroutine<void> {
    const protocol = this._protocol;
    if (!(protocol instanceof StreamReaderProtocol)) throw new TypeError("startTls() needs a StreamWriter made by openConnection/startServer");
    const opts = checkOptions(options, ["serverHostname", "sslHandshakeTimeout", "sslShutdownTimeout"], "StreamWriter.startTls");
    yield* this.drain();
    const next = yield* this._loop.startTls(this._transport as Transport, protocol, sslcontext, {
      serverSide: protocol._isServerSide,
      ...(opts.serverHostname !== undefined ? { serverHostname: opts.serverHostname } : {}),
      ...(opts.sslHandshakeTimeout !== undefined ? { sslHandshakeTimeout: opts.sslHandshakeTimeout } : {}),
      ...(opts.sslShutdownTimeout !== undefined ? { sslShutdownTimeout: opts.sslShutdownTimeout } : {}),
    });
    this._transport = next;
    protocol._replaceTransport(next);
  }

  toString(): string {
    return `<StreamWriter transport=${String(this._transport)}${this._reader !== null ? " reader=" + String(this._reader) : ""}>`;
  }
}

/** `openConnection` options: `limit` plus everything `loop.createConnection` takes. */
export interface OpenConnectionOptions extends CreateConnectionOptions {
  limit?: number;
}

/** `startServer` options: `limit` plus everything `loop.createServer` takes. */
export interface StartServerOptions extends CreateServerOptions {
  limit?: number;
}

export interface OpenUnixConnectionOptions extends CreateUnixConnectionOptions {
  limit?: number;
}

export interface StartUnixServerOptions extends CreateUnixServerOptions {
  limit?: number;
}

function splitLimit<T extends { limit?: number }>(options: T | undefined): [number, Omit<T, "limit">] {
  if (options === undefined || options === null) return [DEFAULT_LIMIT, {} as Omit<T, "limit">];
  if (typeof options !== "object") throw new TypeError(`options must be an object, got ${typeof options}`);
  const { limit, ...rest } = options;
  return [checkLimit(limit), rest];
}

function checkCallback(cb: unknown, method: string): void {
  if (typeof cb !== "function") throw new TypeError(`${method}() needs a client-connected callback function, got ${cb === null ? "null" : typeof cb}`);
}

/** Connects to `host:port`; returns `[reader, writer]`. */
export function* openConnection(host: string, port: number, options?: OpenConnectionOptions): Coroutine<[StreamReader, StreamWriter]> {
  const loop = getRunningLoop();
  const [limit, rest] = splitLimit(options);
  const reader = new StreamReader(limit, loop);
  const protocol = new StreamReaderProtocol(reader, null, loop);
  const [transport] = yield* loop.createConnection(() => protocol, host, port, rest);
  return [reader, new StreamWriter(transport, protocol, reader, loop)];
}

/**
 * Starts a server that calls `clientConnectedCb(reader, writer)` per connection; a generator
 * function runs as a task (an exception in it is reported and closes the connection).
 */
export function* startServer(
  clientConnectedCb: ClientConnectedCallback,
  host?: string | readonly string[] | null,
  port?: number | null,
  options?: StartServerOptions,
): Coroutine<Server> {
  const loop = getRunningLoop();
  checkCallback(clientConnectedCb, "startServer");
  const [limit, rest] = splitLimit(options);
  return yield* loop.createServer(() => new StreamReaderProtocol(new StreamReader(limit, loop), clientConnectedCb, loop), host, port, rest);
}

/** Connects to the Unix socket at `path`; returns `[reader, writer]`. */
export function* openUnixConnection(path: string, options?: OpenUnixConnectionOptions): Coroutine<[StreamReader, StreamWriter]> {
  const loop = getRunningLoop();
  const [limit, rest] = splitLimit(options);
  const reader = new StreamReader(limit, loop);
  const protocol = new StreamReaderProtocol(reader, null, loop);
  const [transport] = yield* loop.createUnixConnection(() => protocol, path, rest);
  return [reader, new StreamWriter(transport, protocol, reader, loop)];
}

/** startServer on a Unix socket path. */
export function* startUnixServer(clientConnectedCb: ClientConnectedCallback, path: string, options?: StartUnixServerOptions): Coroutine<Server> {
  const loop = getRunningLoop();
  checkCallback(clientConnectedCb, "startUnixServer");
  const [limit, rest] = splitLimit(options);
  return yield* loop.createUnixServer(() => new StreamReaderProtocol(new StreamReader(limit, loop), clientConnectedCb, loop), path, rest);
}
