/**
 * Options and argument checks of the network methods (createConnection, createServer, their Unix
 * twins, startTls): asyncio's keyword arguments as camelCase option objects, checked up front so a
 * typo or a bad value is a TypeError/RangeError at the call, not a hang.
 * @module
 */
import type * as tls from "node:tls";

/**
 * The `ssl` option: `true` (client: the default context, system CAs, host name checked), a
 * `SecureContext` from `tls.createSecureContext()`, or an options object (`tls.ConnectionOptions`
 * for clients: `ca`, `rejectUnauthorized`, `checkServerIdentity`, ...; `tls.TlsOptions` for
 * servers: `key`, `cert`, `requestCert`, ...). `false`/`null`/omitted: plain TCP.
 */
export type SSLOption = boolean | tls.SecureContext | tls.ConnectionOptions | tls.TlsOptions | null;

/** `loop.createConnection` options (asyncio's keyword arguments). */
export interface CreateConnectionOptions {
  /** TLS: see {@link SSLOption}. */
  ssl?: SSLOption;
  /** Host name for SNI and certificate checks (default: `host`); `""` turns the host name check off. Only with `ssl`. */
  serverHostname?: string | null;
  /** Bind the client socket to `[host, port]` first. */
  localAddr?: readonly [host: string, port: number] | null;
  /** Address family to resolve `host` to: 0 (any), 4 or 6. */
  family?: 0 | 4 | 6;
  /** Seconds the TLS handshake may take (default 60). */
  sslHandshakeTimeout?: number | null;
  /** Accepted for asyncio compatibility; the host's TLS shutdown is not time-limited. */
  sslShutdownTimeout?: number | null;
  /** Accepted for asyncio compatibility; the host resolves and connects (no Happy Eyeballs control). */
  happyEyeballsDelay?: number | null;
  /** Accepted for asyncio compatibility (see happyEyeballsDelay). */
  interleave?: number | null;
}

/** `loop.createServer` options. */
export interface CreateServerOptions {
  /** TLS: a SecureContext or server options (`key`, `cert`, ...). */
  ssl?: SSLOption;
  /** Listen backlog (default 511, the host's; asyncio's is 100). */
  backlog?: number;
  /** Address family for `host` names: 0 (any), 4 or 6. */
  family?: 0 | 4 | 6;
  /** SO_REUSEADDR: always on for TCP listeners on these hosts; `false` cannot be honoured and is ignored. */
  reuseAddress?: boolean | null;
  /** SO_REUSEPORT: needs a host that supports it (Node 22.12+, Bun); otherwise NotSupportedError. */
  reusePort?: boolean | null;
  /** Accept connections at once (default true); else from `startServing()`/`serveForever()`. */
  startServing?: boolean;
  /** Seconds the TLS handshake of an incoming connection may take (default 60). */
  sslHandshakeTimeout?: number | null;
  /** Accepted for asyncio compatibility. */
  sslShutdownTimeout?: number | null;
  /** Enable TCP keep-alive on accepted connections. */
  keepAlive?: boolean;
}

/** `loop.createUnixConnection` options. */
export interface CreateUnixConnectionOptions {
  ssl?: SSLOption;
  /** Required with `ssl` (there is no host to take it from). */
  serverHostname?: string | null;
  sslHandshakeTimeout?: number | null;
  sslShutdownTimeout?: number | null;
}

/** `loop.createUnixServer` options. */
export interface CreateUnixServerOptions {
  ssl?: SSLOption;
  backlog?: number;
  startServing?: boolean;
  /** Remove the socket file when the server closes (default true, as Python 3.13). */
  cleanupSocket?: boolean;
  sslHandshakeTimeout?: number | null;
  sslShutdownTimeout?: number | null;
}

/** `loop.startTls` options. */
export interface StartTlsOptions {
  /** Act as the TLS server (default false: client). */
  serverSide?: boolean;
  /** Client side: host name for SNI and the certificate check; `""` turns the check off. */
  serverHostname?: string | null;
  sslHandshakeTimeout?: number | null;
  sslShutdownTimeout?: number | null;
}

/** asyncio's default TLS handshake timeout, seconds. */
export const SSL_HANDSHAKE_TIMEOUT = 60;
/** Listen backlog when none is given: the hosts' default (SOMAXCONN). */
export const DEFAULT_BACKLOG = 511;

export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  if (typeof value === "string") return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 37) + "..." : value)}`;
  return typeof value;
}

/** Throws TypeError for option names the method does not know (catches typos like `sslcontext`). */
export function checkOptions<T extends object>(options: T | undefined | null, allowed: readonly (keyof T & string)[], method: string): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`${method}() options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!(allowed as readonly string[]).includes(key)) {
      throw new TypeError(`${method}() got an unexpected option ${JSON.stringify(key)} (known: ${allowed.join(", ")})`);
    }
  }
  return options;
}

export function checkFactory(factory: unknown, method: string): void {
  if (typeof factory !== "function") {
    throw new TypeError(`${method}() needs a protocol factory (a function returning a protocol), got ${describeValue(factory)}`);
  }
}

/** A port: an integer in [min, 65535], or a string of digits. */
export function checkPort(port: unknown, method: string, min: number): number {
  let value = port;
  if (typeof value === "string" && /^\d+$/.test(value)) value = Number(value);
  if (typeof value !== "number") throw new TypeError(`${method}() port must be an integer, got ${describeValue(port)}`);
  if (!Number.isInteger(value) || value < min || value > 65535) {
    throw new RangeError(`${method}() port must be an integer in [${min}, 65535], got ${String(port)}`);
  }
  return value;
}

// Host names per RFC 1123 (labels of letters, digits, '-', '_' in practice), IPv4, or IPv6 (with
// an optional %zone). Anything else never resolves; refusing it here avoids a DNS round trip.
const HOST_RE = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
const IPV6_RE = /^\[?[0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.-]+)?\]?$/;

/** Whether `host` can be a host name or address at all. */
export function isValidHostSyntax(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  return HOST_RE.test(host) || (host.includes(":") && IPV6_RE.test(host));
}

/**
 * An error like the one the resolver gives for a host that does not exist (code `ENOTFOUND`,
 * Python's socket.gaierror), for host strings that cannot be a host name.
 */
export function badHostError(host: string, method: string): Error {
  const error = new Error(`${method}(): getaddrinfo ENOTFOUND ${JSON.stringify(host)}: not a valid host name or address`) as Error & { code: string; hostname: string; syscall: string };
  error.code = "ENOTFOUND";
  error.hostname = host;
  error.syscall = "getaddrinfo";
  return error;
}

/**
 * An IP literal `host` with a `family` it is not of: the error getaddrinfo(3) gives there (Python's
 * `socket.gaierror`, "Address family for hostname not supported"), code `EAI_ADDRFAMILY`. The
 * hosts would otherwise connect or bind the literal and ignore `family`.
 */
export function checkLiteralFamily(host: string, ipVersion: number, family: 0 | 4 | 6, method: string): void {
  if (ipVersion === 0 || family === 0 || ipVersion === family) return;
  const error = new Error(`${method}(): Address family for hostname not supported: ${host} is IPv${ipVersion}, family is ${family}`) as Error & { code: string; hostname: string; syscall: string };
  error.code = "EAI_ADDRFAMILY";
  error.hostname = host;
  error.syscall = "getaddrinfo";
  throw error;
}

/** An optional number of seconds that has no effect here (asyncio compatibility): null/undefined or a number >= 0. */
export function checkOptionalDelay(value: unknown, name: string): void {
  if (value === undefined || value === null) return;
  if (typeof value !== "number" || Number.isNaN(value)) throw new TypeError(`${name} must be a number or null, got ${describeValue(value)}`);
  if (value < 0) throw new RangeError(`${name} must be >= 0, got ${value}`);
}

export function checkHostType(host: unknown, method: string): string {
  if (typeof host !== "string") throw new TypeError(`${method}() host must be a string, got ${describeValue(host)}`);
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** A timeout in seconds (positive number) or null/undefined for the default. */
export function checkTimeout(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || Number.isNaN(value)) throw new TypeError(`${name} must be a number of seconds, got ${describeValue(value)}`);
  if (value <= 0) throw new RangeError(`${name} must be a positive number (must be > 0), got ${value}`);
  return value;
}

export function checkFamily(value: unknown, method: string): 0 | 4 | 6 {
  if (value === undefined || value === null) return 0;
  if (value !== 0 && value !== 4 && value !== 6) throw new RangeError(`${method}() family must be 0, 4 or 6, got ${String(value)}`);
  return value;
}

export function checkBacklog(value: unknown, method: string): number {
  if (value === undefined || value === null) return DEFAULT_BACKLOG;
  if (typeof value !== "number" || !Number.isInteger(value)) throw new TypeError(`${method}() backlog must be an integer, got ${describeValue(value)}`);
  if (value < 0) throw new RangeError(`${method}() backlog must be >= 0, got ${value}`);
  return value;
}

export function checkUnixPath(path: unknown, method: string): string {
  if (typeof path !== "string") throw new TypeError(`${method}() path must be a string, got ${describeValue(path)}`);
  if (path.length === 0) throw new RangeError(`${method}() path must not be empty`);
  if (path.includes("\0") && !path.startsWith("\0")) throw new RangeError(`${method}() path must not contain NUL bytes`);
  return path;
}

export function checkBoolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean") throw new TypeError(`${name} must be a boolean, got ${describeValue(value)}`);
  return value;
}
