/**
 * Server: asyncio's `Server` (what `loop.createServer`/`createUnixServer` return) over one host
 * `net.Server` per listening address.
 *
 * Listeners run with `pauseOnConnect`, so an accepted socket reads nothing until its transport
 * exists: that is what lets src/host/node.ts re-wrap it for `onread`, and what holds connections
 * accepted before `startServing()` (the host cannot bind without listening, so a server created
 * with `startServing: false` listens at once and keeps the connections it accepts until it
 * serves, like a listen backlog).
 * @module
 */
import * as fs from "node:fs";
import type * as net from "node:net";
import * as tls from "node:tls";
import type { Coroutine } from "../coroutines.js";
import type { Future } from "../futures.js";
import type { EventLoop } from "../loop.js";
import { logger } from "../log.js";
import type { BaseProtocol } from "../protocols.js";
import { adoptAccepted, releaseTlsControl } from "../host/node.js";
import { ConnectionAbortedError } from "./errors.js";
import { ReadRelay, StreamTransport, checkProtocol, type TransportOwner } from "./transport.js";

/** TLS settings of a server (see src/net/tls.ts). @internal */
export interface ServerTlsConfig {
  secureContext: tls.SecureContext;
  socketOptions: tls.TLSSocketOptions;
  /** Seconds. */
  handshakeTimeout: number;
}

/** @internal */
export interface ServerInit {
  protocolFactory: () => BaseProtocol;
  tls: ServerTlsConfig | null;
  /** Unix servers: the socket path, and whether to remove it on close. */
  unix: { path: string; cleanup: boolean } | null;
  keepAlive: boolean;
}

/** A listening socket as `Server.sockets` lists it (asyncio's TransportSocket, the part that applies). */
export class ServerSocket {
  /** @internal */
  constructor(
    private readonly _name: [string, number, ...number[]] | string,
    /** "AF_INET", "AF_INET6" or "AF_UNIX". */
    readonly family: "AF_INET" | "AF_INET6" | "AF_UNIX",
  ) {}

  /** `[host, port]` (IPv6: `[host, port, flowinfo, scopeid]`), or the path of a Unix socket. */
  getsockname(): [string, number, ...number[]] | string {
    return Array.isArray(this._name) ? [...this._name] as [string, number, ...number[]] : this._name;
  }

  /** Host sockets have no file descriptor visible to JS: always -1. */
  fileno(): number {
    return -1;
  }

  toString(): string {
    return `<ServerSocket family=${this.family} laddr=${JSON.stringify(this._name)}>`;
  }
}

/** @internal Describes what a listener is bound to. */
export function serverSocketOf(listener: net.Server, unixPath: string | null): ServerSocket {
  if (unixPath !== null) return new ServerSocket(unixPath, "AF_UNIX");
  const address = listener.address();
  if (address === null || typeof address === "string") return new ServerSocket(address ?? "", "AF_UNIX");
  const v6 = address.family === "IPv6" || (address.family as unknown) === 6;
  return new ServerSocket(v6 ? [address.address, address.port, 0, 0] : [address.address, address.port], v6 ? "AF_INET6" : "AF_INET");
}

export class Server implements TransportOwner {
  private readonly _loop: EventLoop;
  private readonly _init: ServerInit;
  /** null once closed. */
  private _listeners: net.Server[] | null = [];
  private _sockets: ServerSocket[] = [];
  private _serving = false;
  private readonly _transports = new Set<StreamTransport>();
  /** TLS connections still in their handshake (counted as active, as asyncio does). */
  private readonly _handshakes = new Set<net.Socket>();
  /** Connections accepted before the server started serving. */
  private readonly _held = new Set<net.Socket>();
  /** waitClosed() futures; null once closed with no connection left. */
  private _waiters: Future<void>[] | null = [];
  private _servingForeverFut: Future<void> | null = null;
  private _unixIno: number | null = null;

  /** @internal Made by createServer/createUnixServer. */
  constructor(loop: EventLoop, init: ServerInit) {
    this._loop = loop;
    this._init = init;
  }

  /** @internal A listener is listening: remember it and what it is bound to. */
  _addListener(listener: net.Server): void {
    this._listeners?.push(listener);
    const unix = this._init.unix;
    this._sockets.push(serverSocketOf(listener, unix?.path ?? null));
    if (unix !== null) {
      try {
        this._unixIno = fs.statSync(unix.path).ino;
      } catch {
        this._unixIno = null;
      }
    }
    // The running loop keeps the process alive; a stopped loop holds nothing.
    listener.unref();
  }

  /** @internal The host accepted `sock` (paused). */
  readonly _onConnection = (sock: net.Socket): void => {
    sock.unref?.();
    if (this._listeners === null || this._loop.isClosed()) {
      sock.destroy();
      return;
    }
    if (!this._serving) {
      this._held.add(sock);
      sock.once("close", () => this._held.delete(sock));
      return;
    }
    if (!this._loop.isRunning()) {
      // Create the transport inside the loop (the socket stays paused meanwhile).
      this._loop.callSoon(() => this._accept(sock));
      return;
    }
    this._accept(sock);
  };

  private _accept(sock: net.Socket): void {
    if (this._listeners === null || sock.destroyed) {
      sock.destroy();
      return;
    }
    if (this._init.keepAlive) sock.setKeepAlive(true);
    if (this._init.tls !== null) {
      this._handshake(sock, this._init.tls);
      return;
    }
    const protocol = this._makeProtocol(sock);
    if (protocol === null) return;
    const relay = new ReadRelay();
    const adopted = adoptAccepted(sock, relay);
    const transport = new StreamTransport(this._loop, adopted ?? sock, protocol, {
      readPath: adopted !== null ? "direct" : "copy",
      server: this,
      unixPath: this._init.unix !== null ? { sockname: this._init.unix.path, peername: "" } : null,
    });
    relay.target = transport;
    transport._start();
  }

  private _makeProtocol(sock: net.Socket): BaseProtocol | null {
    try {
      const protocol = this._init.protocolFactory();
      checkProtocol(protocol);
      return protocol;
    } catch (error) {
      this._loop.callExceptionHandler({ message: "Error on transport creation for incoming connection", exception: error, socket: sock });
      sock.destroy();
      return null;
    }
  }

  /** Server side of TLS: wrap the accepted socket, and make the transport once the handshake is done. */
  private _handshake(raw: net.Socket, config: ServerTlsConfig): void {
    const loop = this._loop;
    const tlsSock = new tls.TLSSocket(raw, { ...config.socketOptions, isServer: true, secureContext: config.secureContext });
    this._handshakes.add(tlsSock);
    const timer = loop.callLater(config.handshakeTimeout, () => {
      tlsSock.destroy(new ConnectionAbortedError(`SSL handshake is taking longer than ${config.handshakeTimeout} seconds: aborting the connection`));
    });
    const done = (): void => {
      timer.cancel();
      this._handshakes.delete(tlsSock);
      tlsSock.off("error", onError);
      tlsSock.off("close", onClose);
    };
    const onError = (error: Error): void => {
      // asyncio reports failed server-side handshakes only in debug mode (they are the peer's).
      if (loop.getDebug()) logger.debug("SSL handshake failed on an incoming connection", error);
    };
    const onClose = (): void => {
      done();
      this._checkWakeup();
    };
    tlsSock.on("error", onError);
    tlsSock.once("close", onClose);
    tlsSock.once("secure", () => {
      done();
      releaseTlsControl(tlsSock);
      if (loop.isClosed()) {
        tlsSock.destroy();
        return;
      }
      const finish = (): void => {
        if (tlsSock.destroyed) {
          this._checkWakeup();
          return;
        }
        const protocol = this._makeProtocol(tlsSock);
        if (protocol === null) {
          this._checkWakeup();
          return;
        }
        const transport = new StreamTransport(loop, tlsSock, protocol, {
          readPath: "copy",
          server: this,
          tls: { secureContext: config.secureContext },
          unixPath: this._init.unix !== null ? { sockname: this._init.unix.path, peername: "" } : null,
        });
        transport._start();
      };
      if (loop.isRunning()) finish();
      else loop.callSoon(finish);
    });
    tlsSock.unref?.();
    raw.resume();
  }

  // ---- TransportOwner ---------------------------------------------------------------------

  /** @internal */
  _attach(transport: StreamTransport): void {
    this._transports.add(transport);
  }

  /** @internal */
  _detach(transport: StreamTransport): void {
    this._transports.delete(transport);
    this._checkWakeup();
  }

  private _checkWakeup(): void {
    if (this._listeners !== null || this._transports.size > 0 || this._handshakes.size > 0) return;
    const waiters = this._waiters;
    if (waiters === null) return;
    this._waiters = null;
    for (const waiter of waiters) if (!waiter.done()) waiter.setResult(undefined);
  }

  // ---- asyncio's Server API ---------------------------------------------------------------

  getLoop(): EventLoop {
    return this._loop;
  }

  /** Whether the server accepts connections (false before startServing and after close). */
  isServing(): boolean {
    return this._serving;
  }

  /** The listening sockets (empty once closed). */
  get sockets(): ServerSocket[] {
    return this._listeners === null ? [] : [...this._sockets];
  }

  /**
   * Stops listening. Connections already made stay open (Python 3.12: use `closeClients()` or
   * `abortClients()` to end them); `waitClosed()` waits for them.
   */
  close(): void {
    const listeners = this._listeners;
    if (listeners === null) return;
    this._listeners = null;
    this._serving = false;
    for (const listener of listeners) listener.close();
    for (const sock of this._held) sock.destroy();
    this._held.clear();
    this._removeUnixSocket();
    const fut = this._servingForeverFut;
    if (fut !== null && !fut.done()) fut.cancel();
    this._servingForeverFut = null;
    this._checkWakeup();
  }

  private _removeUnixSocket(): void {
    const unix = this._init.unix;
    if (unix === null || !unix.cleanup || unix.path.startsWith("\0")) return;
    try {
      // Only the file this server made: another server may have replaced it meanwhile.
      if (this._unixIno !== null && fs.statSync(unix.path).ino === this._unixIno) fs.unlinkSync(unix.path);
    } catch {
      // already gone (the host removes it on close)
    }
  }

  /** Closes every connection (flushing what they buffered). */
  closeClients(): void {
    for (const transport of [...this._transports]) transport.close();
  }

  /** Aborts every connection (dropping what they buffered), and handshakes in progress. */
  abortClients(): void {
    for (const transport of [...this._transports]) transport.abort();
    for (const sock of [...this._handshakes]) sock.destroy();
  }

  /** Waits until the server is closed and every connection is gone (returns at once if so). */
  *waitClosed(): Coroutine<void> {
    if (this._waiters === null) return;
    const waiter = this._loop.createFuture<void>();
    this._waiters.push(waiter);
    yield* waiter;
  }

  /** Starts accepting connections (those held since creation first); a no-op when serving. */
  *startServing(): Coroutine<void> {
    this._startServing();
    // asyncio skips one loop iteration here.
    yield;
  }

  /** @internal */
  _startServing(): void {
    if (this._serving || this._listeners === null) return;
    this._serving = true;
    const held = [...this._held];
    this._held.clear();
    for (const sock of held) this._onConnection(sock);
  }

  /**
   * Serves until cancelled; cancelling it closes the server and waits for its connections.
   * Throws if the server is closed or another serveForever() is running.
   */
  *serveForever(): Coroutine<void> {
    if (this._servingForeverFut !== null) throw new Error(`server ${this} is already being awaited on serveForever()`);
    if (this._listeners === null) throw new Error(`server ${this} is closed`);
    this._startServing();
    const fut = this._loop.createFuture<void>();
    this._servingForeverFut = fut;
    try {
      yield* fut;
    } catch (error) {
      try {
        this.close();
        yield* this.waitClosed();
      } catch {
        // asyncio re-raises the original error (the cancellation) whatever happens here
      }
      throw error;
    } finally {
      this._servingForeverFut = null;
    }
  }

  toString(): string {
    return `<Server sockets=(${this.sockets.map(String).join(", ")})>`;
  }
}
