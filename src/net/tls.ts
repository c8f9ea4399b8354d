/**
 * TLS on the host's `node:tls`: turning asyncio's `ssl` argument (here `true`, a SecureContext or
 * an options object) into host options, and `loop.startTls` (upgrading a plain transport in place).
 *
 * Server-side TLS wraps each accepted socket in a `tls.TLSSocket` (rather than using
 * `tls.Server`), so a SecureContext can be used as it is, the handshake timeout is the loop's, and
 * plain and TLS servers share one accept path. The protocol's `connectionMade` comes after the
 * handshake, as with asyncio's SSLProtocol.
 * @module
 */
import * as tls from "node:tls";
import type { Coroutine } from "../coroutines.js";
import type { EventLoop } from "../loop.js";
import type { BaseProtocol } from "../protocols.js";
import type { Transport } from "../transports.js";
import { NotSupportedError } from "../errors.js";
import { hostRuntime, releaseTlsControl } from "../host/node.js";
import { ConnectionAbortedError, toTlsError } from "./errors.js";
import { SSL_HANDSHAKE_TIMEOUT, checkBoolean, checkOptions, checkTimeout, describeValue, type SSLOption, type StartTlsOptions } from "./options.js";
import type { ServerTlsConfig } from "./server.js";
import { StreamTransport, checkProtocol } from "./transport.js";

let secureContextClass: (new (...args: never[]) => tls.SecureContext) | null = null;

/** Whether `value` is a SecureContext made by `tls.createSecureContext()`. */
export function isSecureContext(value: unknown): value is tls.SecureContext {
  if (value === null || typeof value !== "object") return false;
  // The class is not exported; take it from an instance (made once, without loading CA roots).
  secureContextClass ??= tls.createSecureContext().constructor as new (...args: never[]) => tls.SecureContext;
  return value instanceof secureContextClass;
}

/** Whether an `ssl` option asks for TLS. */
export function wantsTls(ssl: SSLOption | undefined): boolean {
  return ssl !== undefined && ssl !== null && ssl !== false;
}

function checkSslType(ssl: unknown, method: string): void {
  if (ssl === true || isSecureContext(ssl)) return;
  if (ssl === null || typeof ssl !== "object" || Array.isArray(ssl)) {
    throw new TypeError(`${method}() ssl must be true, a tls.SecureContext or a TLS options object, got ${describeValue(ssl)}`);
  }
}

/** Client-side TLS settings: what `tls.connect` gets besides the address. @internal */
export interface ClientTlsConfig {
  options: tls.ConnectionOptions;
  secureContext: tls.SecureContext;
  handshakeTimeout: number;
}

/**
 * Client TLS settings. `serverHostname` (default: `host` when it is a name) is sent as SNI and
 * checked against the certificate; `""` turns the host name check off (asyncio's
 * `server_hostname=''`). An IP `host` is checked against the certificate's IP addresses.
 */
export function clientTlsConfig(
  ssl: SSLOption | undefined,
  serverHostname: string | null | undefined,
  host: string | null,
  handshakeTimeout: unknown,
  method: string,
): ClientTlsConfig {
  checkSslType(ssl, method);
  const options: tls.ConnectionOptions =
    ssl === true ? {} : isSecureContext(ssl) ? {} : { ...(ssl as tls.ConnectionOptions) };
  for (const key of ["host", "port", "path", "socket", "onread"] as const) delete (options as Record<string, unknown>)[key];
  const secureContext = isSecureContext(ssl) ? ssl : (options.secureContext ?? tls.createSecureContext(ssl === true ? {} : (options as tls.SecureContextOptions)));
  options.secureContext = secureContext;
  if (serverHostname !== undefined && serverHostname !== null && typeof serverHostname !== "string") {
    throw new TypeError(`${method}() serverHostname must be a string, got ${describeValue(serverHostname)}`);
  }
  const name = serverHostname ?? host;
  if (name === "") {
    options.checkServerIdentity = () => undefined;
  } else if (name !== null) {
    if (!isIpLiteral(name)) {
      // SNI takes names only (RFC 6066); Node checks the certificate against servername.
      options.servername = name;
    } else {
      const check = options.checkServerIdentity ?? tls.checkServerIdentity;
      options.checkServerIdentity = (_host, cert) => check(name, cert);
    }
  }
  return { options, secureContext, handshakeTimeout: checkTimeout(handshakeTimeout, "sslHandshakeTimeout", SSL_HANDSHAKE_TIMEOUT) };
}

/** Server TLS settings: a SecureContext, or options with `key` and `cert` (`true` is not enough). */
export function serverTlsConfig(ssl: SSLOption | undefined, handshakeTimeout: unknown, method: string): ServerTlsConfig {
  checkSslType(ssl, method);
  if (ssl === true) throw new TypeError(`${method}() ssl=true cannot serve: pass a tls.SecureContext or options with key and cert`);
  const timeout = checkTimeout(handshakeTimeout, "sslHandshakeTimeout", SSL_HANDSHAKE_TIMEOUT);
  if (isSecureContext(ssl)) return { secureContext: ssl, socketOptions: {}, handshakeTimeout: timeout };
  const opts = ssl as tls.TlsOptions;
  const secureContext = tls.createSecureContext(opts);
  const socketOptions: tls.TLSSocketOptions = {};
  if (opts.requestCert !== undefined) socketOptions.requestCert = opts.requestCert;
  if (opts.rejectUnauthorized !== undefined) socketOptions.rejectUnauthorized = opts.rejectUnauthorized;
  if (opts.ALPNProtocols !== undefined) socketOptions.ALPNProtocols = opts.ALPNProtocols;
  if (opts.SNICallback !== undefined) socketOptions.SNICallback = opts.SNICallback;
  if (opts.enableTrace !== undefined) socketOptions.enableTrace = opts.enableTrace;
  return { secureContext, socketOptions, handshakeTimeout: timeout };
}

function isIpLiteral(name: string): boolean {
  return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(name) || name.includes(":");
}

/**
 * `loop.startTls`: upgrades `transport` to TLS and returns the new transport, which delivers to
 * `protocol` (it gets no second connectionMade). The old transport must not be used afterwards:
 * its writes throw, its close/abort reach the new one. On failure the connection is closed, the
 * protocol gets `connectionLost(error)`, and the typed error (SSLError,
 * SSLCertVerificationError, ConnectionAbortedError on timeout) is raised.
 */
export function* startTls(
  loop: EventLoop,
  transport: Transport,
  protocol: BaseProtocol,
  sslcontext: SSLOption,
  options?: StartTlsOptions,
): Coroutine<Transport> {
  const opts = checkOptions(options, ["serverSide", "serverHostname", "sslHandshakeTimeout", "sslShutdownTimeout"], "startTls");
  if (!(transport instanceof StreamTransport)) {
    throw new TypeError(`transport ${describeValue(transport)} is not supported by startTls()`);
  }
  checkProtocol(protocol);
  if (!wantsTls(sslcontext)) throw new TypeError(`startTls() needs an sslcontext (true, a tls.SecureContext or TLS options), got ${describeValue(sslcontext)}`);
  if (transport._tls) throw new Error("startTls(): the transport already uses TLS");
  if (transport._loop !== loop) throw new Error("startTls(): the transport belongs to another loop");
  if (hostRuntime === "deno" && transport._path === "direct") {
    // Measured: Deno's TLSSocket never completes a handshake over a socket that used onread.
    throw new NotSupportedError("startTls() is not supported on Deno for transports reading with onread; see docs/network.md");
  }
  const serverSide = checkBoolean(opts.serverSide, "startTls() serverSide", false);
  let secureContext: tls.SecureContext;
  let handshakeTimeout: number;
  let tlsSock: tls.TLSSocket;
  const peer = transport.getExtraInfo<unknown>("peername");
  const unixPath = typeof transport.getExtraInfo<unknown>("sockname") === "string" || typeof peer === "string"
    ? { sockname: String(transport.getExtraInfo("sockname") ?? ""), peername: String(peer ?? "") }
    : null;
  if (serverSide) {
    if (opts.serverHostname !== undefined && opts.serverHostname !== null) throw new RangeError("startTls(): serverHostname is only meaningful on the client side");
    const config = serverTlsConfig(sslcontext, opts.sslHandshakeTimeout, "startTls");
    secureContext = config.secureContext;
    handshakeTimeout = config.handshakeTimeout;
    const raw = transport._detachForTls();
    tlsSock = new tls.TLSSocket(raw, { ...config.socketOptions, isServer: true, secureContext });
  } else {
    // Without a server name, check the certificate against the peer's address.
    const host = Array.isArray(peer) && typeof peer[0] === "string" ? peer[0] : null;
    const config = clientTlsConfig(sslcontext, opts.serverHostname, host, opts.sslHandshakeTimeout, "startTls");
    secureContext = config.secureContext;
    handshakeTimeout = config.handshakeTimeout;
    const raw = transport._detachForTls();
    tlsSock = tls.connect({ ...config.options, socket: raw });
  }
  const fut = loop.createFuture<StreamTransport>();
  const timer = loop.callLater(handshakeTimeout, () => {
    fail(new ConnectionAbortedError(`SSL handshake is taking longer than ${handshakeTimeout} seconds: aborting the connection`));
  });
  const cleanup = (): void => {
    timer.cancel();
    tlsSock.off("error", fail);
    tlsSock.off("close", onClose);
  };
  const fail = (error: Error): void => {
    cleanup();
    const typed = toTlsError(error) as Error;
    tlsSock.destroy();
    transport._abandon(typed);
    if (!fut.done()) fut.setException(typed);
  };
  const onClose = (): void => fail(new ConnectionAbortedError("the connection closed during the TLS handshake"));
  const onSecure = (): void => {
    cleanup();
    if (serverSide) releaseTlsControl(tlsSock);
    if (fut.done()) {
      tlsSock.destroy();
      return;
    }
    const next = new StreamTransport(loop, tlsSock, protocol, {
      readPath: "copy",
      server: transport._owner,
      tls: { secureContext },
      unixPath,
    });
    transport._upgraded(next);
    next._startUpgraded();
    fut.setResult(next);
  };
  tlsSock.on("error", fail);
  tlsSock.once("close", onClose);
  tlsSock.once(serverSide ? "secure" : "secureConnect", onSecure);
  tlsSock.unref?.();
  try {
    return yield* fut;
  } catch (error) {
    if (fut.cancelled()) fail(new ConnectionAbortedError("startTls() was cancelled"));
    throw error;
  }
}
