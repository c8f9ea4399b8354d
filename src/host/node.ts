/**
 * Host socket facts, in one place. wasyncio's stream transports run on `node:net`/`node:tls`,
 * which Node, Deno and Bun all provide, but they differ in how bytes reach JS:
 *
 * * **direct** (`onread`): the socket reads straight into a buffer we hand it
 *   (`net.connect({ onread: { buffer, callback } })`), skipping the Readable stream machinery.
 *   Client sockets take it on every runtime. Accepted (server) sockets ignore it; the only way to
 *   get it there is private API: the server runs with `pauseOnConnect` and we re-wrap the accepted
 *   socket's `_handle` in a new `net.Socket` that has `onread` ({@link adoptAccepted}). That works
 *   on Node and Deno; Bun has no `_handle`, so it is feature-detected and skipped there.
 * * **copy** (`'data'` events): the stream delivers fresh Buffers; a BufferedProtocol then gets one
 *   copy into the buffer `getBuffer()` returns. It is the fallback everywhere, and the path of TLS
 *   server sockets and of sockets upgraded by `startTls` (both ignore `onread`).
 *
 * Small writes on Node (plain sockets, not TLS; see DIRECT_SEND_MAX in src/net/transport.ts) go
 * straight to the descriptor when nothing waits in the socket's write queue ({@link writeNow},
 * {@link writevNow}): uvloop's `uv_try_write`, where a socket's own write would go through the
 * Writable machinery and allocate a write request. Only what the kernel did not take goes through
 * the socket, which keeps it until it is sent; so a view of a BufferedProtocol's read buffer, which
 * the next read overwrites, is copied only then.
 *
 * This is the only module that touches private Node API (`_handle`, `_handle.fd`, `manualStart`,
 * `_server`).
 * @module
 */
import { writeSync, writevSync } from "node:fs";
import * as net from "node:net";
import type * as tls from "node:tls";

/** The JS runtime under `node:net`. */
export type HostRuntime = "node" | "deno" | "bun";

interface RuntimeGlobals {
  Bun?: unknown;
  Deno?: unknown;
}

/** Which runtime this is (Deno and Bun both also define `process`). */
export const hostRuntime: HostRuntime = detectRuntime();

function detectRuntime(): HostRuntime {
  const g = globalThis as RuntimeGlobals;
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}

/** How a socket's bytes reach the protocol. */
export type ReadPath = "direct" | "copy";

/** The `onread` option of `net.Socket` / `net.connect` (function form of `buffer`). */
export interface OnReadOptions {
  /** Called before each read (and once when the handle is set up): where the next read lands. */
  buffer: () => Uint8Array;
  /** `nread` bytes landed at the start of `buf`. */
  callback: (nread: number, buf: Uint8Array) => void;
}

let forceCopy = false;

/**
 * Forces the copy path (`'data'` events) for every socket created from now on, as on a runtime
 * that ignores `onread`. For tests of the fallback; `false` restores feature detection.
 */
export function setForceCopyPath(force: boolean): void {
  forceCopy = Boolean(force);
}

/** Whether the copy path is forced (see {@link setForceCopyPath}). */
export function isCopyPathForced(): boolean {
  return forceCopy;
}

/**
 * Whether client sockets (`net.connect`, `tls.connect`) should get `onread`. Every runtime here
 * accepts it (Bun copies into the buffer internally, which still saves the stream machinery); a
 * runtime that ignores it still emits `'data'`, which the transport also listens to.
 */
export function clientOnread(): boolean {
  return !forceCopy;
}

/** The private parts of an accepted socket that re-wrapping needs. */
interface AcceptedSocketInternals {
  _handle?: { readStart?: unknown; readStop?: unknown; useUserBuffer?: unknown; reading?: boolean } | null;
  _server?: net.Server | null;
  server?: net.Server | null;
}

/** Options of `net.Socket` that Node's own internals use and @types/node does not list. */
interface InternalSocketOptions extends net.SocketConstructorOpts {
  handle?: unknown;
  manualStart?: boolean;
  onread?: OnReadOptions;
}

let rewrapBroken = false;

/** Whether accepted sockets can be re-wrapped for `onread` here (feature detection, no socket needed). */
export function acceptedOnreadSupported(): boolean {
  return !forceCopy && !rewrapBroken && hostRuntime !== "bun";
}

/**
 * Re-wraps an accepted socket (from a server with `pauseOnConnect: true`) so that it reads with
 * `onread`. Returns the new socket, or null when this host cannot (no `_handle`, the handle is
 * already reading, or the constructor refused it); the caller then uses `socket` as it is.
 *
 * The new socket is created with `manualStart` (it does not read until `resume()`), takes over the
 * server's connection count (`_server`, so `server.close()` callbacks still fire), and the old
 * socket object is detached from the handle so it can never touch it again.
 */
export function adoptAccepted(socket: net.Socket, onread: OnReadOptions): net.Socket | null {
  if (!acceptedOnreadSupported()) return null;
  const old = socket as net.Socket & AcceptedSocketInternals;
  const handle = old._handle;
  if (
    handle === null ||
    handle === undefined ||
    typeof handle.readStart !== "function" ||
    typeof handle.useUserBuffer !== "function" ||
    handle.reading === true
  ) {
    return null;
  }
  let adopted: net.Socket & AcceptedSocketInternals;
  try {
    const options: InternalSocketOptions = { handle, allowHalfOpen: true, readable: true, writable: true, manualStart: true, onread };
    adopted = new net.Socket(options) as net.Socket & AcceptedSocketInternals;
  } catch {
    // A runtime whose Socket constructor rejects a foreign handle: never try again.
    rewrapBroken = true;
    return null;
  }
  const server = old._server ?? null;
  old._handle = null;
  old._server = null;
  old.server = null;
  adopted._server = server;
  adopted.server = server;
  return adopted;
}

/**
 * The OS descriptor of a plain (not TLS) socket, for {@link writeNow}; -1 where there is none to
 * write to (Deno's `fd` is not an OS descriptor, Bun has no `_handle`, nor has a closed socket,
 * and Windows reports -1).
 */
export function socketFd(sock: net.Socket): number {
  if (hostRuntime !== "node") return -1;
  const fd = (sock as net.Socket & { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === "number" && fd >= 0 ? fd : -1;
}

/**
 * Writes what the kernel takes of `data` to descriptor `fd` at once and returns how much that was,
 * leaving no reference to `data` behind: asyncio's selector transport (`send` now, buffer a copy
 * of the rest) where a Node socket's write keeps `data` until it is sent. 0 when the kernel's
 * buffer is full or the write failed: the caller writes a copy of the rest through the socket,
 * which reports any error as usual. Only with nothing queued or corked on the socket, or the
 * bytes would overtake what is.
 */
export function writeNow(fd: number, data: Uint8Array): number {
  try {
    return writeSync(fd, data, 0, data.length);
  } catch {
    return 0;
  }
}

/**
 * {@link writeNow} for several buffers in one `writev` syscall: how many bytes (from the start of
 * the first) the kernel took, 0 when it took none or the write failed.
 */
export function writevNow(fd: number, chunks: readonly Uint8Array[]): number {
  try {
    return writevSync(fd, chunks);
  } catch {
    return 0;
  }
}

/** Whether `reusePort` can be passed to `listen()` (Node 22.12+/23.1+, Bun). */
export function reusePortSupported(): boolean {
  if (hostRuntime === "bun") return true;
  if (hostRuntime === "deno") return false;
  const [major, minor] = (typeof process !== "undefined" ? process.versions.node : "0.0").split(".").map(Number) as [number, number];
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/**
 * A server-side TLSSocket made by hand (not by a tls.Server) keeps its "control" until released,
 * and until then swallows the TLS errors that come after the handshake (a record that does not
 * decrypt, a bad record): it neither emits "error" nor closes, so the connection hangs open.
 * tls.Server releases control once the socket is secure (onServerSocketSecure); so do we. Private
 * API, feature-detected: on a host without it nothing changes.
 */
export function releaseTlsControl(sock: tls.TLSSocket): void {
  (sock as unknown as { _releaseControl?: () => boolean })._releaseControl?.();
}
