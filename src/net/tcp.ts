/**
 * `loop.createConnection` and `loop.createServer` (TCP, optionally TLS), and the connect/listen
 * machinery the Unix variants share.
 * @module
 */
import * as dns from "node:dns";
import * as net from "node:net";
import * as tls from "node:tls";
import type { Coroutine } from "../coroutines.js";
import { NotSupportedError } from "../errors.js";
import { fromPromise } from "../tasks.js";
import type { EventLoop } from "../loop.js";
import type { BaseProtocol } from "../protocols.js";
import type { Transport } from "../transports.js";
import { clientOnread, reusePortSupported } from "../host/node.js";
import { ConnectionAbortedError, toTlsError } from "./errors.js";
import {
  badHostError,
  checkBacklog,
  checkBoolean,
  checkFactory,
  checkFamily,
  checkHostType,
  checkLiteralFamily,
  checkOptionalDelay,
  checkOptions,
  checkPort,
  describeValue,
  isValidHostSyntax,
  type CreateConnectionOptions,
  type CreateServerOptions,
} from "./options.js";
import { Server, type ServerInit } from "./server.js";
import { clientTlsConfig, serverTlsConfig, wantsTls, type ClientTlsConfig } from "./tls.js";
import { ReadRelay, StreamTransport, checkProtocol } from "./transport.js";

/** Where to connect: a TCP address or a Unix socket path. @internal */
export type ConnectTarget =
  | { kind: "tcp"; host: string; port: number; family: 0 | 4 | 6; localAddress?: string; localPort?: number }
  | { kind: "unix"; path: string };

/**
 * Connects, then (in the host's connect event, uvloop-style) calls the factory, makes the
 * transport and calls connectionMade. Cancelling the awaiting task closes the socket.
 * @internal
 */
export function* connectStream<P extends BaseProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  target: ConnectTarget,
  tlsConfig: ClientTlsConfig | null,
): Coroutine<[Transport, P]> {
  const relay = clientOnread() ? new ReadRelay() : null;
  const address: net.NetConnectOpts =
    target.kind === "unix"
      ? { path: target.path }
      : {
          host: target.host,
          port: target.port,
          ...(target.family !== 0 ? { family: target.family } : {}),
          ...(target.localAddress !== undefined ? { localAddress: target.localAddress } : {}),
          ...(target.localPort !== undefined ? { localPort: target.localPort } : {}),
        };
  const common = { allowHalfOpen: true, ...(relay !== null ? { onread: relay } : {}) };
  const sock: net.Socket =
    tlsConfig !== null
      ? tls.connect({ ...tlsConfig.options, ...address, ...common } as tls.ConnectionOptions)
      : net.connect({ ...address, ...common } as net.NetConnectOpts);
  sock.unref?.();
  const fut = loop.createFuture<[Transport, P]>();
  const timer =
    tlsConfig !== null
      ? loop.callLater(tlsConfig.handshakeTimeout, () => {
          onError(new ConnectionAbortedError(`SSL handshake is taking longer than ${tlsConfig.handshakeTimeout} seconds: aborting the connection`));
        })
      : null;
  const cleanup = (): void => {
    timer?.cancel();
    sock.off("error", onError);
  };
  const onError = (error: Error): void => {
    cleanup();
    sock.destroy();
    if (!fut.done()) fut.setException(tlsConfig !== null ? toTlsError(error) : error);
  };
  const onConnect = (): void => {
    cleanup();
    if (fut.done() || loop.isClosed()) {
      sock.destroy(); // cancelled meanwhile
      return;
    }
    let protocol: P;
    try {
      protocol = protocolFactory();
      checkProtocol(protocol);
    } catch (error) {
      sock.destroy();
      fut.setException(error);
      return;
    }
    const transport = new StreamTransport(loop, sock, protocol, {
      readPath: relay !== null ? "direct" : "copy",
      tls: tlsConfig !== null ? { secureContext: tlsConfig.secureContext } : null,
      unixPath: target.kind === "unix" ? { sockname: "", peername: target.path } : null,
      early: relay?.early ?? null,
    });
    if (relay !== null) {
      relay.early = null;
      relay.target = transport;
    }
    transport._start();
    fut.setResult([transport, protocol]);
  };
  sock.on("error", onError);
  sock.once(tlsConfig !== null ? "secureConnect" : "connect", () => {
    // The protocol runs inside the loop: if it is not running now, connect when it runs.
    if (loop.isRunning() || loop.isClosed()) onConnect();
    else loop.callSoon(onConnect);
  });
  try {
    return yield* fut;
  } catch (error) {
    if (fut.cancelled() || !fut.done()) {
      cleanup();
      sock.destroy();
    } else if (fut.exception() === null) {
      // Connected, but the awaiting task was cancelled in the same breath: do not leak it.
      fut.result()[0].close();
    }
    throw error;
  }
}

/** Validates createConnection's arguments and connects. @internal */
export function* createConnection<P extends BaseProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  host: string | null | undefined,
  port: number | string | null | undefined,
  options?: CreateConnectionOptions,
): Coroutine<[Transport, P]> {
  checkFactory(protocolFactory, "createConnection");
  const opts = checkOptions(
    options,
    ["ssl", "serverHostname", "localAddr", "family", "sslHandshakeTimeout", "sslShutdownTimeout", "happyEyeballsDelay", "interleave"],
    "createConnection",
  );
  if ((opts as { sock?: unknown }).sock !== undefined) throw new NotSupportedError("createConnection(): sock= (a raw socket) is not supported on this host");
  if (host === undefined || host === null) throw new TypeError("createConnection() needs a host and port (sock= is not supported on this host)");
  const h = checkHostType(host, "createConnection");
  const p = checkPort(port, "createConnection", 1);
  let family = checkFamily(opts.family, "createConnection");
  checkOptionalDelay(opts.happyEyeballsDelay, "happyEyeballsDelay");
  checkOptionalDelay(opts.interleave, "interleave");
  const hostVersion = net.isIP(h);
  if (hostVersion === 0 && !isValidHostSyntax(h)) throw badHostError(h, "createConnection");
  checkLiteralFamily(h, hostVersion, family, "createConnection");
  let localAddress: string | undefined;
  let localPort: number | undefined;
  if (opts.localAddr !== undefined && opts.localAddr !== null) {
    const la: unknown = opts.localAddr;
    if (!Array.isArray(la) || la.length < 2) throw new TypeError(`createConnection() localAddr must be [host, port], got ${describeValue(la)}`);
    localAddress = checkHostType(la[0], "createConnection localAddr");
    localPort = checkPort(la[1], "createConnection localAddr", 0);
    const wanted = family !== 0 ? family : hostVersion === 4 || hostVersion === 6 ? hostVersion : 0;
    const localVersion = net.isIP(localAddress);
    if (localVersion === 0) {
      // A name, as asyncio allows: resolve it (in the family of the remote address when known).
      if (!isValidHostSyntax(localAddress)) throw badHostError(localAddress, "createConnection localAddr");
      const found = yield* fromPromise(dns.promises.lookup(localAddress, { family: wanted }), loop);
      localAddress = found.address;
      // A remote name then resolves to the local address's family (the socket can only have one).
      if (family === 0 && hostVersion === 0) family = found.family === 6 ? 6 : 4;
    } else {
      checkLiteralFamily(localAddress, localVersion, wanted, "createConnection localAddr");
      if (family === 0 && hostVersion === 0) family = localVersion as 4 | 6;
    }
    if (localPort === 0) localPort = undefined;
  }
  const tlsConfig = clientTls(opts, h, "createConnection");
  const target: ConnectTarget = { kind: "tcp", host: h, port: p, family };
  if (localAddress !== undefined) target.localAddress = localAddress;
  if (localPort !== undefined) target.localPort = localPort;
  return yield* connectStream(loop, protocolFactory, target, tlsConfig);
}

/** The client TLS config from createConnection-style options, checking what only applies to TLS. @internal */
export function clientTls(
  opts: { ssl?: CreateConnectionOptions["ssl"]; serverHostname?: string | null; sslHandshakeTimeout?: number | null; sslShutdownTimeout?: number | null },
  host: string | null,
  method: string,
): ClientTlsConfig | null {
  if (!wantsTls(opts.ssl)) {
    if (opts.serverHostname !== undefined && opts.serverHostname !== null) throw new RangeError(`${method}(): serverHostname is only meaningful with ssl`);
    if (opts.sslHandshakeTimeout !== undefined && opts.sslHandshakeTimeout !== null) throw new RangeError(`${method}(): sslHandshakeTimeout is only meaningful with ssl`);
    if (opts.sslShutdownTimeout !== undefined && opts.sslShutdownTimeout !== null) throw new RangeError(`${method}(): sslShutdownTimeout is only meaningful with ssl`);
    return null;
  }
  if (host === null && (opts.serverHostname === undefined || opts.serverHostname === null)) {
    throw new RangeError(`${method}(): you must set serverHostname when using ssl without a host`);
  }
  return clientTlsConfig(opts.ssl, opts.serverHostname, host, opts.sslHandshakeTimeout, method);
}

/** The server TLS config, checking what only applies to TLS. @internal */
export function serverTls(opts: { ssl?: CreateServerOptions["ssl"]; sslHandshakeTimeout?: number | null; sslShutdownTimeout?: number | null }, method: string) {
  if (!wantsTls(opts.ssl)) {
    if (opts.sslHandshakeTimeout !== undefined && opts.sslHandshakeTimeout !== null) throw new RangeError(`${method}(): sslHandshakeTimeout is only meaningful with ssl`);
    if (opts.sslShutdownTimeout !== undefined && opts.sslShutdownTimeout !== null) throw new RangeError(`${method}(): sslShutdownTimeout is only meaningful with ssl`);
    return null;
  }
  return serverTlsConfig(opts.ssl, opts.sslHandshakeTimeout, method);
}

/** Starts one host listener and waits until it listens (or fails with a clear error). @internal */
export function* listen(loop: EventLoop, server: Server, listenOptions: net.ListenOptions, describeAddress: string): Coroutine<net.Server> {
  const listener = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
  listener.on("connection", server._onConnection);
  const fut = loop.createFuture<void>();
  const onError = (error: Error): void => {
    if (!fut.done()) fut.setException(bindError(error, describeAddress));
  };
  listener.once("error", onError);
  listener.once("listening", () => {
    listener.off("error", onError);
    // Later listener errors (rare: e.g. EMFILE on accept) must not crash the process.
    listener.on("error", () => {});
    if (!fut.done()) fut.setResult(undefined);
    else listener.close();
  });
  listener.listen(listenOptions);
  try {
    yield* fut;
  } catch (error) {
    listener.close();
    throw error;
  }
  return listener;
}

/** asyncio's message for bind failures, keeping the host's code/errno/syscall. */
function bindError(error: Error, address: string): Error {
  const e = error as Error & { code?: string; errno?: number; syscall?: string };
  const reason = e.code === "EADDRINUSE" ? "address already in use" : e.code === "EACCES" ? "permission denied" : e.code === "EADDRNOTAVAIL" ? "cannot assign requested address" : e.message;
  const wrapped = new Error(`error while attempting to bind on address ${address}: ${reason}`, { cause: error }) as Error & { code?: string; errno?: number; syscall?: string };
  if (e.code !== undefined) wrapped.code = e.code;
  if (e.errno !== undefined) wrapped.errno = e.errno;
  if (e.syscall !== undefined) wrapped.syscall = e.syscall;
  return wrapped;
}

/** Validates createServer's arguments, binds every address, and returns the Server. @internal */
export function* createServer(
  loop: EventLoop,
  protocolFactory: () => BaseProtocol,
  host: string | readonly string[] | null | undefined,
  port: number | string | null | undefined,
  options?: CreateServerOptions,
): Coroutine<Server> {
  checkFactory(protocolFactory, "createServer");
  const opts = checkOptions(
    options,
    ["ssl", "backlog", "family", "reuseAddress", "reusePort", "startServing", "sslHandshakeTimeout", "sslShutdownTimeout", "keepAlive"],
    "createServer",
  );
  if ((opts as { sock?: unknown }).sock !== undefined) throw new NotSupportedError("createServer(): sock= (a raw socket) is not supported on this host");
  const hosts = normalizeHosts(host);
  const p = port === undefined || port === null ? 0 : checkPort(port, "createServer", 0);
  const backlog = checkBacklog(opts.backlog, "createServer");
  const family = checkFamily(opts.family, "createServer");
  checkBoolean(opts.reuseAddress, "reuseAddress", true);
  const reusePort = checkBoolean(opts.reusePort, "reusePort", false);
  if (reusePort && !reusePortSupported()) throw new NotSupportedError("reusePort is not supported on this host (needs Node 22.12+ or Bun)");
  const startServing = checkBoolean(opts.startServing, "startServing", true);
  const keepAlive = checkBoolean(opts.keepAlive, "keepAlive", false);
  const tlsConfig = serverTls(opts, "createServer");

  // asyncio binds every address a name resolves to; literal addresses as is. "All interfaces"
  // is one dual-stack listener, or with a family that family's wildcard address only.
  const addresses: (string | null)[] = [];
  for (const h of hosts) {
    if (h === null) addresses.push(family === 4 ? "0.0.0.0" : family === 6 ? "::" : null);
    else if (net.isIP(h) !== 0) {
      checkLiteralFamily(h, net.isIP(h), family, "createServer");
      addresses.push(h);
    } else {
      if (!isValidHostSyntax(h)) throw badHostError(h, "createServer");
      const found = yield* fromPromise(dns.promises.lookup(h, { all: true, family }), loop);
      for (const entry of found) if (!addresses.includes(entry.address)) addresses.push(entry.address);
    }
  }
  const init: ServerInit = { protocolFactory, tls: tlsConfig, unix: null, keepAlive };
  const server = new Server(loop, init);
  try {
    for (const address of addresses) {
      const listenOptions: net.ListenOptions & { reusePort?: boolean } = { port: p, backlog };
      if (address !== null) listenOptions.host = address;
      // asyncio sets IPV6_V6ONLY on AF_INET6 listeners: family 6 means IPv6 only.
      if (family === 6) listenOptions.ipv6Only = true;
      if (reusePort) listenOptions.reusePort = true;
      const shown = address === null ? `('*', ${p})` : `('${address}', ${p})`;
      server._addListener(yield* listen(loop, server, listenOptions, shown));
    }
  } catch (error) {
    server.close();
    throw error;
  }
  if (startServing) server._startServing();
  return server;
}

function normalizeHosts(host: unknown): (string | null)[] {
  if (host === undefined || host === null || host === "") return [null];
  if (typeof host === "string") return [checkHostType(host, "createServer")];
  if (Array.isArray(host)) {
    if (host.length === 0) return [null];
    return host.map((h) => checkHostType(h, "createServer"));
  }
  throw new TypeError(`createServer() host must be a string, an array of strings or null, got ${describeValue(host)}`);
}
