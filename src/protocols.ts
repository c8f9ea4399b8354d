/**
 * Protocols: asyncio's protocols.py. Subclass one and override what you need; every method has a
 * do-nothing default, so a protocol implements only the events it cares about.
 * @module
 */
import type { BaseTransport, DatagramTransport, SubprocessTransport, Transport } from "./transports.js";

/** A network address as asyncio gives it: `[host, port]` (IPv6 may add flowinfo and scope id). */
export type Address = [host: string, port: number, ...rest: number[]];

/** Events every protocol receives. */
export class BaseProtocol {
  /** Called once, when the connection is made; `transport` is the protocol's to keep. */
  connectionMade(_transport: BaseTransport): void {}
  /** Called exactly once when the connection is lost: `exc` is null on a clean close/EOF. */
  connectionLost(_exc: Error | null): void {}
  /** The transport's write buffer passed its high-water mark: stop writing. */
  pauseWriting(): void {}
  /** The transport's write buffer drained to its low-water mark: write again. */
  resumeWriting(): void {}
}

/** A stream protocol: data arrives as Uint8Arrays that are the protocol's to keep. */
export class Protocol extends BaseProtocol {
  override connectionMade(_transport: Transport): void {}
  /** Bytes received; the array is the receiver's (no one else writes to it). */
  dataReceived(_data: Uint8Array): void {}
  /**
   * The peer sent EOF (half-close). Return true to keep the transport open for writing;
   * anything else closes it.
   */
  eofReceived(): boolean | void {}
}

/**
 * A stream protocol that provides the buffer reads land in: `getBuffer(sizeHint)` returns where
 * the next read goes, `bufferUpdated(n)` says n bytes arrived at its start. On Node client sockets
 * the kernel writes straight into that buffer (`onread`); see docs for where one copy remains.
 */
export class BufferedProtocol extends BaseProtocol {
  override connectionMade(_transport: Transport): void {}
  /** A buffer to read into (non-empty); `sizeHint` is a suggestion, -1 for no preference. */
  getBuffer(_sizeHint: number): Uint8Array {
    throw new Error(`${this.constructor.name} must implement getBuffer()`);
  }
  /** `nbytes` bytes were written at the start of the last buffer. */
  bufferUpdated(_nbytes: number): void {}
  eofReceived(): boolean | void {}
}

/** A datagram (UDP) protocol. */
export class DatagramProtocol extends BaseProtocol {
  override connectionMade(_transport: DatagramTransport): void {}
  datagramReceived(_data: Uint8Array, _addr: Address): void {}
  /** A send or receive failed (e.g. ICMP port unreachable); the transport stays open. */
  errorReceived(_exc: Error): void {}
}

/** A protocol for a child process's pipes. */
export class SubprocessProtocol extends BaseProtocol {
  override connectionMade(_transport: SubprocessTransport): void {}
  /** The child wrote `data` to its stdout (fd 1) or stderr (fd 2). */
  pipeDataReceived(_fd: number, _data: Uint8Array): void {}
  /** One of the child's pipes closed. */
  pipeConnectionLost(_fd: number, _exc: Error | null): void {}
  /** The child exited; `transport.getReturncode()` has the code. */
  processExited(): void {}
}
