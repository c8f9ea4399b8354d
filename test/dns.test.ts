import { describe, expect, it } from "vitest";
import * as asyncio from "../src/index.js";
import type { Coroutine } from "../src/index.js";
import { CORES, runOn } from "./helpers.js";

const { AF_INET, AF_INET6, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, IPPROTO_TCP, IPPROTO_UDP } = asyncio;

describe.each(CORES)("getaddrinfo / getnameinfo on the %s core", (core) => {
  const run = <T>(coro: Coroutine<T>) => runOn(core, coro);

  it("exports Linux's values for the socket constants", () => {
    expect([asyncio.AF_UNSPEC, AF_INET, AF_INET6, SOCK_STREAM, SOCK_DGRAM]).toEqual([0, 2, 10, 1, 2]);
  });

  it("resolves localhost to asyncio-shaped records", async () => {
    const infos = await run((function* () {
      return yield* asyncio.getRunningLoop().getaddrinfo("localhost", 8080, { family: AF_INET, type: SOCK_STREAM });
    })());
    expect(infos.length).toBeGreaterThan(0);
    expect(infos).toContainEqual([AF_INET, SOCK_STREAM, IPPROTO_TCP, "", ["127.0.0.1", 8080]]);
    for (const info of infos) expect(info[0]).toBe(AF_INET);
  });

  it("lists every socket type when no type is given, like getaddrinfo(3), and filters by proto", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const all = yield* loop.getaddrinfo("127.0.0.1", "53");
      expect(all).toEqual([
        [AF_INET, SOCK_STREAM, IPPROTO_TCP, "", ["127.0.0.1", 53]],
        [AF_INET, SOCK_DGRAM, IPPROTO_UDP, "", ["127.0.0.1", 53]],
        [AF_INET, SOCK_RAW, 0, "", ["127.0.0.1", 53]],
      ]);
      expect(yield* loop.getaddrinfo("127.0.0.1", 53, { proto: IPPROTO_UDP })).toEqual([[AF_INET, SOCK_DGRAM, IPPROTO_UDP, "", ["127.0.0.1", 53]]]);
      expect(yield* loop.getaddrinfo("::1", 1, { type: SOCK_DGRAM })).toEqual([[AF_INET6, SOCK_DGRAM, IPPROTO_UDP, "", ["::1", 1, 0, 0]]]);
      const passive = yield* loop.getaddrinfo(null, 80, { family: AF_INET, type: SOCK_STREAM, flags: asyncio.AI_PASSIVE });
      expect(passive).toEqual([[AF_INET, SOCK_STREAM, IPPROTO_TCP, "", ["0.0.0.0", 80]]]);
      const loopback = yield* loop.getaddrinfo(null, null, { family: AF_INET, type: SOCK_STREAM });
      expect(loopback).toEqual([[AF_INET, SOCK_STREAM, IPPROTO_TCP, "", ["127.0.0.1", 0]]]);
      const canon = yield* loop.getaddrinfo("localhost", 1, { family: AF_INET, type: SOCK_STREAM, flags: asyncio.AI_CANONNAME });
      expect(canon[0]![3]).toBe("localhost");
    })());
  });

  it("validates its arguments and reports resolver-style errors", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const fails = function* (coro: Coroutine<unknown>): Coroutine<Error & { code?: string }> {
        try {
          yield* coro;
        } catch (error) {
          return error as Error;
        }
        throw new Error("did not fail");
      };
      expect((yield* fails(loop.getaddrinfo("localhost", 1, { family: 99 }))).code).toBe("EAI_FAMILY");
      expect((yield* fails(loop.getaddrinfo("localhost", 1, { type: 99 }))).code).toBe("EAI_SOCKTYPE");
      expect((yield* fails(loop.getaddrinfo("localhost", "http"))).code).toBe("EAI_SERVICE");
      expect((yield* fails(loop.getaddrinfo("localhost", 1, { flags: asyncio.AI_NUMERICHOST }))).code).toBe("EAI_NONAME");
      expect((yield* fails(loop.getaddrinfo("127.0.0.1", 1, { family: AF_INET6 }))).code).toBe("EAI_ADDRFAMILY");
      expect(yield* fails(loop.getaddrinfo(5 as never, 1))).toBeInstanceOf(TypeError);
      expect(yield* fails(loop.getaddrinfo("localhost", 1, { socktype: asyncio.SOCK_STREAM } as never))).toBeInstanceOf(TypeError);
      expect(yield* fails(loop.getaddrinfo("localhost", 1, { type: "stream" } as never))).toBeInstanceOf(TypeError);
      expect(yield* fails(loop.getaddrinfo("localhost", 70000))).toBeInstanceOf(RangeError);
      expect((yield* fails(loop.getnameinfo(["localhost", 80]))).code).toBe("EAI_NONAME");
      expect(yield* fails(loop.getnameinfo("127.0.0.1" as never))).toBeInstanceOf(TypeError);
      expect(yield* fails(loop.getnameinfo(["127.0.0.1", -1]))).toBeInstanceOf(RangeError);
    })());
  });

  it("getnameinfo gives [host, service] for a numeric address", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      expect(yield* loop.getnameinfo(["127.0.0.1", 8080], asyncio.NI_NUMERICHOST | asyncio.NI_NUMERICSERV)).toEqual(["127.0.0.1", "8080"]);
      const [host, service] = yield* loop.getnameinfo(["127.0.0.1", 8080], asyncio.NI_NUMERICSERV);
      expect(typeof host).toBe("string");
      expect(host.length).toBeGreaterThan(0); // "localhost" from /etc/hosts, or the address itself
      expect(service).toBe("8080");
    })());
  });
});
