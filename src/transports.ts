/**
 * Transports: asyncio's transports.py, the interfaces protocols see. The concrete transports
 * (TCP, Unix, TLS, UDP, pipes, subprocesses) live in their own modules.
 * @module
 */
import type { Address, BaseProtocol } from "./protocols.js";

/** What `getExtraInfo` may hold: `peername`, `sockname`, `socket`, `sslcontext`, `peercert`, `cipher`, ... */
export type ExtraInfoName = "peername" | "sockname" | "socket" | "sslcontext" | "peercert" | "cipher" | "pipe" | "subprocess" | (string & {});

export abstract class BaseTransport {
  /** Transport-specific information (asyncio names), or `defaultValue`. */
  abstract getExtraInfo<T = unknown>(name: ExtraInfoName, defaultValue?: T): T | undefined;
  /** Whether the transport is closing or closed. */
  abstract isClosing(): boolean;
  /** Closes after flushing buffered data; the protocol then gets `connectionLost(null)`. */
  abstract close(): void;
  abstract setProtocol(protocol: BaseProtocol): void;
  abstract getProtocol(): BaseProtocol;
}

/** The reading half of a stream transport. */
export interface ReadTransportMethods {
  isReading(): boolean;
  /** Stops delivering data to the protocol until `resumeReading()`. */
  pauseReading(): void;
  resumeReading(): void;
}

/** The writing half of a stream transport. */
export interface WriteTransportMethods {
  /** Flow-control marks in bytes: `pauseWriting()` above `high`, `resumeWriting()` at `low`. */
  setWriteBufferLimits(high?: number | null, low?: number | null): void;
  /** `[low, high]`, as asyncio gives them. */
  getWriteBufferLimits(): [low: number, high: number];
  getWriteBufferSize(): number;
  /** Queues `data` for sending; never blocks. */
  write(data: Uint8Array): void;
  /** Writes several buffers as one batch (corked: one syscall-sized write). */
  writelines(list: Iterable<Uint8Array>): void;
  /** Closes the write side after flushing (half-close), when `canWriteEof()`. */
  writeEof(): void;
  canWriteEof(): boolean;
  /** Closes at once, dropping buffered data; `connectionLost(null)` follows. */
  abort(): void;
}

export abstract class ReadTransport extends BaseTransport implements ReadTransportMethods {
  abstract isReading(): boolean;
  abstract pauseReading(): void;
  abstract resumeReading(): void;
}

export abstract class WriteTransport extends BaseTransport implements WriteTransportMethods {
  abstract setWriteBufferLimits(high?: number | null, low?: number | null): void;
  abstract getWriteBufferLimits(): [low: number, high: number];
  abstract getWriteBufferSize(): number;
  abstract write(data: Uint8Array): void;
  abstract writelines(list: Iterable<Uint8Array>): void;
  abstract writeEof(): void;
  abstract canWriteEof(): boolean;
  abstract abort(): void;
}

/** A bidirectional stream transport (TCP, Unix, TLS). */
export abstract class Transport extends BaseTransport implements ReadTransportMethods, WriteTransportMethods {
  abstract isReading(): boolean;
  abstract pauseReading(): void;
  abstract resumeReading(): void;
  abstract setWriteBufferLimits(high?: number | null, low?: number | null): void;
  abstract getWriteBufferLimits(): [low: number, high: number];
  abstract getWriteBufferSize(): number;
  abstract write(data: Uint8Array): void;
  abstract writelines(list: Iterable<Uint8Array>): void;
  abstract writeEof(): void;
  abstract canWriteEof(): boolean;
  abstract abort(): void;
}

/** A UDP endpoint. */
export abstract class DatagramTransport extends BaseTransport {
  /** Sends `data` to `addr` (or to the connected remote address when omitted). */
  abstract sendto(data: Uint8Array, addr?: Address | null): void;
  abstract abort(): void;
  abstract getWriteBufferSize(): number;
}

/** A child process with its pipes. */
export abstract class SubprocessTransport extends BaseTransport {
  abstract getPid(): number | undefined;
  /** The exit code, or null while running (negative: killed by that signal number). */
  abstract getReturncode(): number | null;
  /** The transport of fd 0, 1 or 2, or null when that pipe was not requested. */
  abstract getPipeTransport(fd: number): BaseTransport | null;
  abstract sendSignal(signal: NodeJS.Signals | number): void;
  abstract terminate(): void;
  abstract kill(): void;
}
