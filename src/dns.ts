/**
 * Name resolution: asyncio's `loop.getaddrinfo` / `loop.getnameinfo` over `node:dns`
 * (`lookup` with `all: true`, and `lookupService`), which use the operating system's resolver
 * (getaddrinfo(3)/getnameinfo(3) on libuv's thread pool), the same resolver Python calls.
 *
 * Results have asyncio's shape: `getaddrinfo` gives `[family, type, proto, canonname, sockaddr]`
 * records. The socket constants are Linux's values (what Python prints on Linux), whatever the
 * host: JavaScript has no `socket` module to take them from, and the values only need to be
 * consistent within wasyncio.
 * @module
 */
import dns from "node:dns";
import { isIP } from "node:net";
import type { Address } from "./protocols.js";
import type { EventLoop } from "./loop.js";
import { fromPromise, type Coroutine } from "./tasks.js";
import { checkOptions } from "./net/options.js";

/** Address families (Linux values). */
export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
/** Socket types (Linux values). */
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
/** Protocols. */
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
/** getaddrinfo flags (Linux values). */
export const AI_PASSIVE = 0x1;
export const AI_CANONNAME = 0x2;
export const AI_NUMERICHOST = 0x4;
export const AI_V4MAPPED = 0x8;
export const AI_ALL = 0x10;
export const AI_ADDRCONFIG = 0x20;
export const AI_NUMERICSERV = 0x400;
/** getnameinfo flags (Linux values). */
export const NI_NUMERICHOST = 0x1;
export const NI_NUMERICSERV = 0x2;
export const NI_NOFQDN = 0x4;
export const NI_NAMEREQD = 0x8;
export const NI_DGRAM = 0x10;

/** One getaddrinfo result, in Python's order: `[family, type, proto, canonname, sockaddr]`. */
export type AddrInfo = [family: number, type: number, proto: number, canonname: string, sockaddr: Address];

/** `loop.getaddrinfo` keyword options (Python's `family=0, type=0, proto=0, flags=0`). */
export interface GetaddrinfoOptions {
  /** AF_UNSPEC (default), AF_INET or AF_INET6. */
  family?: number;
  /** 0 (every type, as getaddrinfo gives them), SOCK_STREAM, SOCK_DGRAM or SOCK_RAW. */
  type?: number;
  /** 0, IPPROTO_TCP or IPPROTO_UDP. */
  proto?: number;
  /** AI_* flags, or-ed. */
  flags?: number;
}

/** An error shaped like Python's `socket.gaierror`: `code` is the EAI_* name. */
function gaiError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, name: "GaiError" });
}

function checkInt(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) throw new TypeError(`${what} must be an integer, got ${value === null ? "null" : typeof value}`);
  return value;
}

/** The port of a getaddrinfo call: a number, a numeric string, or null for 0. */
function parsePort(port: unknown, flags: number): number {
  if (port === null || port === undefined) return 0;
  if (typeof port === "number") {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be 0-65535, got ${port}`);
    return port;
  }
  if (typeof port === "string") {
    if (/^\d+$/.test(port) && Number(port) <= 65535) return Number(port);
    if (flags & AI_NUMERICSERV) throw gaiError("EAI_NONAME", `Name or service not known: ${JSON.stringify(port)} is not a numeric port`);
    // Node exposes no getservbyname(); a silent wrong answer would be worse than an error.
    throw gaiError("EAI_SERVICE", `Servname not supported: service names such as ${JSON.stringify(port)} are not resolved on this host; pass a port number`);
  }
  throw new TypeError(`port must be a number, a numeric string or null, got ${typeof port}`);
}

/** The (type, proto) pairs getaddrinfo(3) lists for a host on Linux, filtered by the hints. */
function socketKinds(type: number, proto: number): [number, number][] {
  const all: [number, number][] = [
    [SOCK_STREAM, IPPROTO_TCP],
    [SOCK_DGRAM, IPPROTO_UDP],
    [SOCK_RAW, 0],
  ];
  if (type === 0) return proto === 0 ? all : all.filter(([, p]) => p === proto);
  const defaultProto = type === SOCK_STREAM ? IPPROTO_TCP : type === SOCK_DGRAM ? IPPROTO_UDP : 0;
  return [[type, proto === 0 ? defaultProto : proto]];
}

/** Python's sockaddr: `[host, port]` for IPv4, `[host, port, flowinfo, scope_id]` for IPv6. */
export function _sockaddr(host: string, port: number, family: number): Address {
  return family === AF_INET6 ? [host, port, 0, 0] : [host, port];
}

/** @internal `loop.getaddrinfo`. */
export function* getaddrinfo(loop: EventLoop, host: string | null, port: number | string | null, options: GetaddrinfoOptions = {}): Coroutine<AddrInfo[]> {
  if (host !== null && host !== undefined && typeof host !== "string") throw new TypeError(`host must be a string or null, got ${typeof host}`);
  if (options === null || typeof options !== "object") throw new TypeError("getaddrinfo() options must be an object");
  checkOptions(options, ["family", "type", "proto", "flags"], "getaddrinfo");
  const family = checkInt(options.family ?? AF_UNSPEC, "family");
  const type = checkInt(options.type ?? 0, "type");
  const proto = checkInt(options.proto ?? 0, "proto");
  const flags = checkInt(options.flags ?? 0, "flags");
  if (family !== AF_UNSPEC && family !== AF_INET && family !== AF_INET6) throw gaiError("EAI_FAMILY", `ai_family not supported: ${family}`);
  if (type !== 0 && type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_RAW) throw gaiError("EAI_SOCKTYPE", `ai_socktype not supported: ${type}`);
  if (proto !== 0 && proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) throw gaiError("EAI_SERVICE", `protocol not supported: ${proto}`);
  const portNumber = parsePort(port, flags);
  if (loop.isClosed()) throw new Error("Event loop is closed");

  let addresses: { address: string; family: number }[];
  if (host === null || host === undefined || host === "") {
    // No host: the wildcard address for a server (AI_PASSIVE), else loopback, as getaddrinfo(3).
    const passive = (flags & AI_PASSIVE) !== 0;
    addresses = [];
    if (family !== AF_INET6) addresses.push({ address: passive ? "0.0.0.0" : "127.0.0.1", family: 4 });
    if (family !== AF_INET) addresses.push({ address: passive ? "::" : "::1", family: 6 });
  } else {
    const literal = isIP(host.replace(/^\[(.*)\]$/, "$1"));
    if (literal !== 0) {
      // An IP literal needs no resolver round trip (asyncio's _ipaddr_info fast path).
      if ((family === AF_INET && literal !== 4) || (family === AF_INET6 && literal !== 6)) {
        throw gaiError("EAI_ADDRFAMILY", `Address family for hostname not supported: ${host}`);
      }
      addresses = [{ address: host.replace(/^\[(.*)\]$/, "$1"), family: literal }];
    } else {
      if (flags & AI_NUMERICHOST) throw gaiError("EAI_NONAME", `Name or service not known: ${JSON.stringify(host)} is not a numeric address`);
      let hints = 0;
      if (flags & AI_ADDRCONFIG) hints |= dns.ADDRCONFIG;
      if (flags & AI_V4MAPPED) hints |= dns.V4MAPPED;
      if (flags & AI_ALL && dns.ALL !== undefined) hints |= dns.ALL;
      const lookupFamily = family === AF_INET ? 4 : family === AF_INET6 ? 6 : 0;
      addresses = yield* fromPromise(dns.promises.lookup(host, { all: true, family: lookupFamily, hints }), loop);
    }
  }
  const kinds = socketKinds(type, proto);
  const results: AddrInfo[] = [];
  for (const { address, family: ipVersion } of addresses) {
    const af = ipVersion === 6 ? AF_INET6 : AF_INET;
    for (const [sockType, sockProto] of kinds) {
      // node:dns gives no canonical name; with AI_CANONNAME the first record carries the name asked for.
      const canon = results.length === 0 && flags & AI_CANONNAME ? (host ?? "") : "";
      results.push([af, sockType, sockProto, canon, _sockaddr(address, portNumber, af)]);
    }
  }
  return results;
}

/** @internal `loop.getnameinfo`: `[host, service]` for a numeric sockaddr. */
export function* getnameinfo(loop: EventLoop, sockaddr: Address, flags = 0): Coroutine<[host: string, service: string]> {
  if (!Array.isArray(sockaddr) || sockaddr.length < 2) throw new TypeError("getnameinfo() argument 1 must be an address array [host, port]");
  const [host, port] = sockaddr;
  if (typeof host !== "string") throw new TypeError(`sockaddr host must be a string, got ${typeof host}`);
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`sockaddr port must be 0-65535, got ${String(port)}`);
  checkInt(flags, "flags");
  // Python's getnameinfo does no forward resolution (AI_NUMERICHOST): the host must be an address.
  if (isIP(host) === 0) throw gaiError("EAI_NONAME", `Name or service not known: getnameinfo() needs a numeric address, got ${JSON.stringify(host)}`);
  if (loop.isClosed()) throw new Error("Event loop is closed");
  if (flags & NI_NUMERICHOST && flags & NI_NUMERICSERV) return [host, String(port)];
  let hostname: string;
  let service: string;
  try {
    ({ hostname, service } = yield* fromPromise(dns.promises.lookupService(host, port), loop));
  } catch (error) {
    // No name for the address: numeric answers unless a name is required, as getnameinfo(3).
    if (flags & NI_NAMEREQD) throw error;
    hostname = host;
    service = String(port);
  }
  if (flags & NI_NUMERICHOST) hostname = host;
  else if (flags & NI_NOFQDN && isIP(hostname) === 0) hostname = hostname.split(".")[0]!;
  if (flags & NI_NUMERICSERV) service = String(port);
  return [hostname, service];
}
