/**
 * UDP: asyncio's `loop.create_datagram_endpoint` over `node:dgram`.
 *
 * Received datagrams go straight from the socket's 'message' event to
 * `protocol.datagramReceived(data, addr)` (as uvloop calls protocols from libuv callbacks);
 * `connectionMade`/`connectionLost` run through the loop, as in asyncio. `sendto` hands the bytes
 * to the socket at once; a datagram counts in `getWriteBufferSize()` until its send callback
 * reports it done, and the protocol's `pauseWriting`/`resumeWriting` follow that count.
 * @module
 */
import dgram from "node:dgram";
import dns from "node:dns";
import { isIP } from "node:net";
import { NotSupportedError } from "../errors.js";
import type { Future } from "../futures.js";
import { logger } from "../log.js";
import type { EventLoop } from "../loop.js";
import type { Address, DatagramProtocol } from "../protocols.js";
import { fromPromise, type Coroutine } from "../tasks.js";
import { DatagramTransport, type ExtraInfoName } from "../transports.js";
import { AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC, _sockaddr } from "../dns.js";
import { _callProtocol, _callSoonIfOpen, _checkBytes, _connected, _writeBufferLimits } from "../pipes.js";
import { checkBoolean, checkOptions, describeValue } from "./options.js";
import type { BaseProtocol } from "../protocols.js";

/** `loop.createDatagramEndpoint` keyword options (Python's names, camelCase). */
export interface DatagramEndpointOptions {
  /** `[host, port]` to bind; host null or "" binds the wildcard address. */
  localAddr?: readonly [host: string | null, port: number, ...rest: number[]] | null;
  /** `[host, port]` to connect to: `sendto` then takes no address, and only that peer is heard. */
  remoteAddr?: readonly [host: string, port: number, ...rest: number[]] | null;
  /** AF_INET, AF_INET6 or AF_UNSPEC (default: taken from the addresses). AF_UNIX is not supported. */
  family?: number;
  /** Accepted for asyncio compatibility; UDP needs no protocol number. */
  proto?: number;
  /** Accepted for asyncio compatibility (getaddrinfo flags for the addresses). */
  flags?: number;
  /** SO_REUSEPORT; needs a host whose node:dgram supports it (Node >= 22.12). */
  reusePort?: boolean;
  /** SO_BROADCAST: allow sending to broadcast addresses. */
  allowBroadcast?: boolean;
  /** An existing `dgram.Socket` to wrap instead (no other socket option may be given then). */
  sock?: dgram.Socket | null;
}

/** How many bytes of datagrams are held while the loop is not running (about a Linux receive buffer). */
const HELD_LIMIT = 256 * 1024;

/** asyncio's LOG_THRESHOLD_FOR_CONNLOST_WRITES. */
const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

/** asyncio counts this much per queued datagram on top of its bytes (the header). */
const DATAGRAM_OVERHEAD = 8;

/** Node >= 22.12 / 23.1 supports `reusePort` on dgram; earlier ones would silently ignore it. */
function reusePortSupported(): boolean {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined || g.Bun !== undefined) return false;
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

interface DenoPermissions {
  querySync(descriptor: { name: "net"; host: string }): { state: string };
  requestSync(descriptor: { name: "net"; host: string }): { state: string };
}

/**
 * Deno checks net permissions inside node:dgram's bind and throws an uncaught error from a later
 * tick (not through the socket's 'error' event), which ends the process. Ask first, so a missing
 * `--allow-net` is an ordinary exception from createDatagramEndpoint.
 */
function checkDenoNetPermission(address: string, port: number): void {
  const deno = (globalThis as { Deno?: { permissions?: DenoPermissions; errors?: Record<string, ErrorConstructor> } }).Deno;
  const permissions = deno?.permissions;
  if (permissions === undefined || typeof permissions.querySync !== "function") return;
  const host = `${address.includes(":") ? `[${address}]` : address}:${port}`;
  if (permissions.querySync({ name: "net", host }).state === "granted") return;
  if (permissions.requestSync({ name: "net", host }).state === "granted") return;
  const NotCapable = deno?.errors?.NotCapable ?? Error;
  throw new NotCapable(`Deno denies network access to ${host}: run with --allow-net (an endpoint without localAddr binds the wildcard address)`);
}

function addressOf(rinfo: dgram.RemoteInfo): Address {
  const v6 = rinfo.family === "IPv6" || (rinfo.family as unknown) === 6;
  return _sockaddr(rinfo.address, rinfo.port, v6 ? AF_INET6 : AF_INET);
}

function checkAddress(addr: unknown, what: string): [string | null, number] {
  if (!Array.isArray(addr) || addr.length < 2) throw new TypeError(`${what} must be an array [host, port], got ${addr === null ? "null" : typeof addr}`);
  const [host, port] = addr as unknown[];
  if (host !== null && typeof host !== "string") throw new TypeError(`${what} host must be a string, got ${typeof host}`);
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`${what} port must be an integer 0-65535, got ${String(port)}`);
  return [host as string | null, port];
}

/**
 * The DatagramTransport of `createDatagramEndpoint`. Extra info: `sockname`, `peername` (when
 * connected), `socket` (the `dgram.Socket`).
 */
export class UdpTransport extends DatagramTransport {
  private _protocol: DatagramProtocol;
  private _sock: dgram.Socket | null;
  private _closing = false;
  private _lost = false;
  /**
   * Datagrams held for the protocol: those that arrived before connectionMade ran (asyncio starts
   * reading after it) or while the loop was not running (protocol code always runs where
   * getRunningLoop() works). Bounded like a socket's receive buffer: past it, datagrams drop.
   */
  private _held: [Uint8Array, Address][] = [];
  private _heldBytes = 0;
  private _started = false;
  private _drainScheduled = false;
  private _buffered = 0;
  private _protocolPaused = false;
  private _low: number;
  private _high: number;
  private _connLost = 0;
  private readonly _extra: Record<string, unknown>;
  private readonly _onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => this._received(msg, addressOf(rinfo));
  private readonly _onError = (error: Error): void => this._errorReceived(error);
  private readonly _onClose = (): void => {
    // Closed under us (someone called socket.close()).
    if (!this._lost) this._forceClose(null);
  };

  /** @internal Use `loop.createDatagramEndpoint()`. */
  constructor(
    private readonly _loop: EventLoop,
    sock: dgram.Socket,
    protocol: DatagramProtocol,
    /** The connected peer, as given and as resolved (either is accepted by sendto). */
    private readonly _address: readonly Address[] | null,
    waiter: Future<void> | null,
  ) {
    super();
    this._sock = sock;
    this._protocol = protocol;
    [this._low, this._high] = _writeBufferLimits(null, null);
    this._extra = { socket: sock };
    try {
      const local = sock.address();
      this._extra.sockname = _sockaddr(local.address, local.port, local.family === "IPv6" ? AF_INET6 : AF_INET);
    } catch {
      // not bound (a wrapped socket that was never bound): no sockname, as getsockname would fail
    }
    if (_address !== null) {
      try {
        const remote = sock.remoteAddress();
        this._extra.peername = _sockaddr(remote.address, remote.port, remote.family === "IPv6" ? AF_INET6 : AF_INET);
      } catch {
        this._extra.peername = _address[_address.length - 1];
      }
    }
    sock.on("message", this._onMessage);
    sock.on("error", this._onError);
    sock.on("close", this._onClose);
    // A stopped loop holds nothing (the running loop keeps the process alive).
    sock.unref();
    _loop.callSoon(() => {
      _callProtocol(_loop, "connectionMade()", this, this._protocol, () => this._protocol.connectionMade(this));
      this._started = true;
      this._drainHeld();
    });
    if (waiter !== null) _loop.callSoon(() => void (waiter.done() || waiter.setResult(undefined)));
  }

  private _received(data: Uint8Array, addr: Address): void {
    if (this._closing) return;
    if (!this._started || this._held.length > 0 || !this._loop.isRunning()) {
      if (this._heldBytes + data.length > HELD_LIMIT) return; // a full receive buffer drops
      this._held.push([data, addr]);
      this._heldBytes += data.length;
      if (this._started) this._scheduleDrain();
      return;
    }
    const protocol = this._protocol;
    _callProtocol(this._loop, "protocol.datagramReceived()", this, protocol, () => protocol.datagramReceived(data, addr));
  }

  private _scheduleDrain(): void {
    if (this._drainScheduled || this._loop.isClosed()) return;
    this._drainScheduled = true;
    this._loop.callSoon(() => {
      this._drainScheduled = false;
      this._drainHeld();
    });
  }

  /** Delivers held datagrams in arrival order (from a loop callback: the loop is running). */
  private _drainHeld(): void {
    const held = this._held;
    this._held = [];
    this._heldBytes = 0;
    const protocol = this._protocol;
    for (const [data, addr] of held) {
      if (this._closing) return;
      _callProtocol(this._loop, "protocol.datagramReceived()", this, protocol, () => protocol.datagramReceived(data, addr));
    }
  }

  /** Runs `fn` now if the loop is running, else once it runs (host callbacks can come between runs). */
  private _whenRunning(fn: () => void): void {
    if (this._loop.isRunning()) fn();
    else _callSoonIfOpen(this._loop, fn);
  }

  private _errorReceived(error: Error): void {
    this._whenRunning(() => {
      if (this._lost) return;
      const protocol = this._protocol;
      _callProtocol(this._loop, "protocol.errorReceived()", this, protocol, () => protocol.errorReceived(error));
    });
  }

  getExtraInfo<T = unknown>(name: ExtraInfoName, defaultValue?: T): T | undefined {
    return name in this._extra ? (this._extra[name] as T) : defaultValue;
  }

  isClosing(): boolean {
    return this._closing;
  }

  /** Bytes handed to the socket whose send has not completed (plus a per-datagram header, as asyncio counts). */
  getWriteBufferSize(): number {
    return this._buffered;
  }

  /** Flow-control marks, as on stream transports: `pauseWriting()` above `high`, `resumeWriting()` at `low`. */
  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    [this._low, this._high] = _writeBufferLimits(high, low);
    this._maybePauseProtocol();
  }

  getWriteBufferLimits(): [low: number, high: number] {
    return [this._low, this._high];
  }

  /**
   * Sends one datagram to `addr`, or to the connected peer (then `addr` must be omitted or be
   * that peer). The bytes are copied, so the caller may reuse its buffer. Send errors go to
   * `protocol.errorReceived`.
   */
  sendto(data: Uint8Array, addr?: Address | null): void {
    const bytes = _checkBytes(data, "sendto");
    let target: [string | null, number] | null = null;
    if (addr !== null && addr !== undefined) target = checkAddress(addr, "addr");
    const connected = this._address;
    if (connected !== null) {
      if (target !== null && !connected.some((a) => a[0] === target![0] && a[1] === target![1])) {
        throw new RangeError(`Invalid address: must be null or [${connected[0]![0]}, ${connected[0]![1]}]`);
      }
    } else if (target === null) {
      throw new TypeError("sendto() needs an address: this endpoint is not connected (no remoteAddr)");
    }
    const sock = this._sock;
    if (sock === null || this._closing) {
      // asyncio drops sends on a closed endpoint, with its warning from the 5th on (its
      // `_conn_lost` is 1 after close() and LOG_THRESHOLD_FOR_CONNLOST_WRITES is 5).
      if (++this._connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) logger.warn("socket.send() raised exception.");
      return;
    }
    const size = bytes.length + DATAGRAM_OVERHEAD;
    this._buffered += size;
    const done = (error: Error | null): void => this._sent(size, error);
    const copy = Buffer.from(bytes); // the socket may hold it until the send completes
    try {
      if (connected !== null) sock.send(copy, done);
      else sock.send(copy, target![1], target![0] ?? undefined, done);
    } catch (error) {
      // e.g. ERR_SOCKET_DGRAM_NOT_RUNNING: asyncio reports send failures to errorReceived
      this._sent(size, error as Error);
      return;
    }
    this._maybePauseProtocol();
  }

  private _sent(size: number, error: Error | null): void {
    this._buffered -= size;
    if (this._lost) return;
    if (error) this._errorReceived(error);
    this._whenRunning(() => this._maybeResumeProtocol());
    if (this._closing && this._buffered === 0) this._forceClose(null);
  }

  /** Stops receiving; closes once pending sends completed; `connectionLost(null)` follows. */
  close(): void {
    if (this._closing) return;
    this._closing = true;
    if (this._buffered === 0) this._forceClose(null);
  }

  /** Closes at once, dropping pending sends; `connectionLost(null)` follows. */
  abort(): void {
    this._closing = true;
    this._forceClose(null);
  }

  setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol as DatagramProtocol;
  }

  getProtocol(): BaseProtocol {
    return this._protocol;
  }

  private _forceClose(exc: Error | null): void {
    if (this._lost) return;
    this._lost = true;
    this._closing = true;
    const sock = this._sock;
    this._sock = null;
    if (sock !== null) {
      sock.off("message", this._onMessage);
      sock.off("close", this._onClose);
      sock.off("error", this._onError);
      sock.on("error", noop);
      try {
        sock.close();
      } catch {
        // already closed
      }
    }
    _callSoonIfOpen(this._loop, () => {
      _callProtocol(this._loop, "protocol.connectionLost()", this, this._protocol, () => this._protocol.connectionLost(exc));
    });
  }

  private _maybePauseProtocol(): void {
    if (this._protocolPaused || this._buffered <= this._high) return;
    this._protocolPaused = true;
    const protocol = this._protocol;
    _callProtocol(this._loop, "protocol.pauseWriting()", this, protocol, () => protocol.pauseWriting());
  }

  private _maybeResumeProtocol(): void {
    if (this._lost || !this._protocolPaused || this._buffered > this._low) return;
    this._protocolPaused = false;
    const protocol = this._protocol;
    _callProtocol(this._loop, "protocol.resumeWriting()", this, protocol, () => protocol.resumeWriting());
  }

  override toString(): string {
    return `<UdpTransport ${this._lost ? "closed" : this._closing ? "closing" : "open"} sockname=${JSON.stringify(this._extra.sockname ?? null)}>`;
  }
}

function noop(): void {}

/** Resolves `host` to one address of `family` (0: any); IP literals need no lookup. */
function* resolve(loop: EventLoop, host: string, family: number): Coroutine<{ address: string; family: number }> {
  const literal = isIP(host);
  if (literal !== 0) {
    const af = literal === 6 ? AF_INET6 : AF_INET;
    if (family !== AF_UNSPEC && family !== af) throw new RangeError(`address ${host} does not match the requested family`);
    return { address: host, family: af };
  }
  const found = yield* fromPromise(dns.promises.lookup(host, { family: family === AF_INET ? 4 : family === AF_INET6 ? 6 : 0 }), loop);
  return { address: found.address, family: found.family === 6 ? AF_INET6 : AF_INET };
}

/** Runs a node:dgram operation that reports through a callback or the socket's 'error' event. */
function* socketOp(loop: EventLoop, sock: dgram.Socket, start: (done: (error?: Error | null) => void) => void): Coroutine<void> {
  let onError: ((error: Error) => void) | null = null;
  const promise = new Promise<void>((resolve, reject) => {
    onError = reject;
    sock.once("error", onError);
    start((error) => (error ? reject(error) : resolve()));
  });
  try {
    yield* fromPromise(promise, loop);
  } finally {
    sock.off("error", onError!);
  }
}

/** @internal `loop.createDatagramEndpoint`. */
export function* createDatagramEndpoint<P extends DatagramProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  options: DatagramEndpointOptions = {},
): Coroutine<[UdpTransport, P]> {
  if (typeof protocolFactory !== "function") throw new TypeError("protocolFactory must be a function returning a DatagramProtocol");
  const opts = checkOptions(options, ["localAddr", "remoteAddr", "family", "proto", "flags", "reusePort", "allowBroadcast", "sock"], "createDatagramEndpoint");
  if (loop.isClosed()) throw new Error("Event loop is closed");
  const { localAddr = null, remoteAddr = null, family = AF_UNSPEC, sock: given = null } = opts;
  const reusePort = checkBoolean(opts.reusePort, "reusePort", false);
  const allowBroadcast = checkBoolean(opts.allowBroadcast, "allowBroadcast", false);
  for (const name of ["proto", "flags"] as const) {
    const value = opts[name];
    if (value !== undefined && value !== null && (typeof value !== "number" || !Number.isInteger(value))) throw new TypeError(`${name} must be an integer, got ${describeValue(value)}`);
  }
  let sock: dgram.Socket;
  let connected: Address[] | null = null;
  if (given !== null) {
    if (localAddr !== null || remoteAddr !== null || family !== AF_UNSPEC || reusePort || allowBroadcast) {
      throw new RangeError("socket modifier keyword arguments can not be used when sock is specified");
    }
    if (typeof (given as dgram.Socket).send !== "function" || typeof (given as dgram.Socket).address !== "function") {
      throw new TypeError("sock must be a node:dgram Socket");
    }
    sock = given;
    try {
      const remote = sock.remoteAddress();
      connected = [_sockaddr(remote.address, remote.port, remote.family === "IPv6" ? AF_INET6 : AF_INET)];
    } catch {
      connected = null; // not connected
    }
  } else {
    if (typeof family !== "number" || !Number.isInteger(family)) throw new TypeError("family must be an integer");
    if (family === AF_UNIX || typeof localAddr === "string" || typeof remoteAddr === "string") {
      throw new NotSupportedError("AF_UNIX datagram endpoints are not supported on this host: node:dgram has UDP sockets only");
    }
    if (family !== AF_UNSPEC && family !== AF_INET && family !== AF_INET6) throw new RangeError(`unexpected address family ${family}`);
    if (reusePort && !reusePortSupported()) throw new NotSupportedError("reusePort is not supported on this host: this runtime's node:dgram has no reusePort option (Node >= 22.12 has)");
    const local = localAddr !== null ? checkAddress(localAddr, "localAddr") : null;
    const remote = remoteAddr !== null ? checkAddress(remoteAddr, "remoteAddr") : null;
    if (remote !== null && (remote[0] === null || remote[0] === "")) throw new TypeError("remoteAddr needs a host");
    if (local === null && remote === null && family === AF_UNSPEC) throw new RangeError("unexpected address family: give family, localAddr or remoteAddr");

    // Resolve the remote first: a wildcard local address then takes the remote's family.
    let af = family;
    let remoteIp: string | null = null;
    if (remote !== null) {
      const r = yield* resolve(loop, remote[0]!, af);
      af = r.family;
      remoteIp = r.address;
    }
    let localIp: string | null = null;
    if (local !== null && local[0] !== null && local[0] !== "") {
      const l = yield* resolve(loop, local[0], af);
      if (af !== AF_UNSPEC && l.family !== af) throw new RangeError("localAddr and remoteAddr must be of the same address family");
      af = l.family;
      localIp = l.address;
    }
    if (af === AF_UNSPEC) af = AF_INET;
    if (loop.isClosed()) throw new Error("Event loop is closed");
    sock = dgram.createSocket({ type: af === AF_INET6 ? "udp6" : "udp4", ...(reusePort ? { reusePort: true } : {}) } as dgram.SocketOptions);
    try {
      // Always bound (to the wildcard address and port 0 when no localAddr): what the kernel does
      // on the first send anyway, and it gives the transport a sockname and lets it receive.
      const bindAddress = localIp ?? (af === AF_INET6 ? "::" : "0.0.0.0");
      const bindPort = local?.[1] ?? 0;
      checkDenoNetPermission(bindAddress, bindPort);
      yield* socketOp(loop, sock, (done) => sock.bind({ port: bindPort, address: bindAddress }, () => done()));
      if (remote !== null) {
        yield* socketOp(loop, sock, (done) => sock.connect(remote[1], remoteIp!, (error?: Error) => done(error)));
        connected = [[remote[0]!, remote[1]], _sockaddr(remoteIp!, remote[1], af)];
      }
      if (allowBroadcast) sock.setBroadcast(true);
    } catch (error) {
      sock.on("error", noop);
      try {
        sock.close();
      } catch {
        // never bound
      }
      throw error;
    }
  }
  let protocol: P;
  try {
    protocol = protocolFactory();
    if (protocol === null || typeof protocol !== "object" || typeof (protocol as Partial<DatagramProtocol>).datagramReceived !== "function") {
      throw new TypeError(`protocol factory must return a DatagramProtocol (datagramReceived), got ${describeValue(protocol)}`);
    }
  } catch (error) {
    if (given === null) {
      sock.on("error", noop);
      try {
        sock.close();
      } catch {
        // already closed
      }
    }
    throw error;
  }
  const waiter = loop.createFuture<void>();
  const transport = new UdpTransport(loop, sock, protocol, connected, waiter);
  return yield* _connected(waiter, transport, protocol, (t) => t.abort());
}

