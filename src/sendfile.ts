/**
 * `loop.sendfile(transport, file, offset, count, { fallback })`: asyncio's read-and-write
 * fallback, the only path a JavaScript host has (sendfile(2) needs the socket's raw descriptor,
 * which no runtime exposes; `fallback: false` therefore raises SendfileNotAvailableError).
 *
 * As asyncio's `_sendfile_fallback`: the transport's protocol is swapped for one that pauses
 * reading and turns pauseWriting/resumeWriting into a drain the copy loop waits on; the file is
 * read in 16 KiB blocks (on libuv's thread pool, as `fs` reads are) and written to the transport;
 * the original protocol is restored at the end, whatever happens.
 * @module
 */
import type { FileHandle } from "node:fs/promises";
import { read as fsRead } from "node:fs";
import { SendfileNotAvailableError } from "./errors.js";
import type { Future } from "./futures.js";
import type { EventLoop } from "./loop.js";
import { Protocol, type BaseProtocol } from "./protocols.js";
import { fromPromise, type Coroutine } from "./tasks.js";
import type { BaseTransport } from "./transports.js";

/** A file for `sendfile`: an `fs.promises` FileHandle or a numeric file descriptor, opened for reading. */
export type SendfileSource = FileHandle | number;

export interface SendfileOptions {
  /** Read and write through the transport when native sendfile is unavailable (always, here). Default true. */
  fallback?: boolean;
}

/**
 * What sendfile needs of a transport: writable and protocol-swappable (a stream transport, or
 * a write pipe; the reading methods are used when present).
 */
interface SendfileTransport extends BaseTransport {
  write(data: Uint8Array): void;
  isReading?(): boolean;
  pauseReading?(): void;
  resumeReading?(): void;
  getWriteBufferSize?(): number;
  getWriteBufferLimits?(): [low: number, high: number];
}

const BLOCK_SIZE = 16 * 1024;

function isSendfileTransport(value: unknown): value is SendfileTransport {
  const t = value as Partial<SendfileTransport> | null;
  return (
    t !== null &&
    typeof t === "object" &&
    ["write", "setProtocol", "getProtocol", "isClosing"].every(
      (m) => typeof (t as Record<string, unknown>)[m] === "function",
    )
  );
}

/** asyncio's `_SendfileFallbackProtocol`: stands in for the protocol while the file is copied. */
class SendfileFallbackProtocol extends Protocol {
  private readonly _proto: BaseProtocol;
  private readonly _shouldResumeReading: boolean;
  private readonly _shouldResumeWriting: boolean;
  private _writeReady: Future<boolean> | null = null;

  constructor(
    private readonly _loop: EventLoop,
    private readonly _transport: SendfileTransport,
  ) {
    super();
    this._proto = _transport.getProtocol();
    this._shouldResumeReading = _transport.isReading?.() ?? false;
    // Whether the transport has the protocol paused now (asyncio reads its private flag).
    const high = _transport.getWriteBufferLimits?.()[1] ?? Infinity;
    this._shouldResumeWriting = (_transport.getWriteBufferSize?.() ?? 0) > high;
    if (this._shouldResumeReading) _transport.pauseReading?.();
    _transport.setProtocol(this);
    if (this._shouldResumeWriting) this._writeReady = _loop.createFuture<boolean>();
  }

  *drain(): Coroutine<void> {
    if (this._transport.isClosing()) throw Object.assign(new Error("Connection closed by peer"), { name: "ConnectionError" });
    const fut = this._writeReady;
    if (fut !== null) yield* fut;
  }

  override connectionMade(): void {
    throw new Error("Invalid state: connection should have been established already.");
  }

  override connectionLost(exc: Error | null): void {
    const fut = this._writeReady;
    if (fut !== null && !fut.done()) fut.setException(exc ?? Object.assign(new Error("Connection is closed by peer"), { name: "ConnectionError" }));
    this._proto.connectionLost(exc);
  }

  override pauseWriting(): void {
    if (this._writeReady === null) this._writeReady = this._loop.createFuture<boolean>();
  }

  override resumeWriting(): void {
    const fut = this._writeReady;
    if (fut === null) return;
    this._writeReady = null;
    if (!fut.done()) fut.setResult(false);
  }

  override dataReceived(): void {
    throw new Error("Invalid state: reading should be paused");
  }

  override eofReceived(): void {
    throw new Error("Invalid state: reading should be paused");
  }

  restore(): void {
    this._transport.setProtocol(this._proto);
    if (this._shouldResumeReading) this._transport.resumeReading?.();
    this._writeReady?.cancel();
    if (this._shouldResumeWriting) this._proto.resumeWriting();
  }
}

function readInto(file: SendfileSource, buffer: Uint8Array, length: number, position: number): Promise<number> {
  if (typeof file === "number") {
    return new Promise((resolve, reject) => fsRead(file, buffer, 0, length, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead))));
  }
  return file.read(buffer, 0, length, position).then((r) => r.bytesRead);
}

/** @internal `loop.sendfile`: gives the number of bytes sent. */
export function* sendfile(
  loop: EventLoop,
  transport: BaseTransport,
  file: SendfileSource,
  offset = 0,
  count: number | null = null,
  options: SendfileOptions = {},
): Coroutine<number> {
  if (typeof offset !== "number" || !Number.isInteger(offset)) throw new TypeError(`offset must be a non-negative integer (got ${String(offset)})`);
  if (offset < 0) throw new RangeError(`offset must be a non-negative integer (got ${offset})`);
  if (count !== null && count !== undefined) {
    if (typeof count !== "number" || !Number.isInteger(count)) throw new TypeError(`count must be a positive integer (got ${String(count)})`);
    if (count <= 0) throw new RangeError(`count must be a positive integer (got ${count})`);
  }
  if (typeof file !== "number" && (file === null || typeof file !== "object" || typeof (file as FileHandle).read !== "function")) {
    throw new TypeError("file must be an fs.promises FileHandle or a file descriptor number");
  }
  if (!isSendfileTransport(transport)) throw new Error(`sendfile is not supported for transport ${String(transport)}`);
  if (transport.isClosing()) throw new Error("Transport is closing");
  if (options.fallback === false) {
    throw new SendfileNotAvailableError("native sendfile is not available on this host (no raw socket descriptors); use fallback: true to read and write the file");
  }
  const limit = count ?? Infinity;
  const buffer = new Uint8Array(Math.min(BLOCK_SIZE, limit));
  const proto = new SendfileFallbackProtocol(loop, transport);
  let total = 0;
  try {
    for (;;) {
      const size = Math.min(buffer.length, limit - total);
      if (size <= 0) return total;
      const n = yield* fromPromise(readInto(file, buffer, size, offset + total), loop);
      if (n === 0) return total;
      yield* proto.drain();
      // A fresh copy per block: a transport may hold the bytes until the kernel takes them.
      transport.write(buffer.slice(0, n));
      total += n;
    }
  } finally {
    proto.restore();
  }
}
