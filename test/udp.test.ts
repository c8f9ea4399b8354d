import { describe, expect, it, vi } from "vitest";
import dgram from "node:dgram";
import * as asyncio from "../src/index.js";
import type { Address, Coroutine, DatagramTransport } from "../src/index.js";
import { CORES, runOn } from "./helpers.js";

const { sleep, DatagramProtocol, NotSupportedError } = asyncio;
const LOCAL: [string, number] = ["127.0.0.1", 0];

/** Echoes every datagram to its sender. */
class Echo extends DatagramProtocol {
  transport: DatagramTransport | null = null;
  override connectionMade(transport: DatagramTransport): void {
    this.transport = transport;
  }
  override datagramReceived(data: Uint8Array, addr: Address): void {
    this.transport!.sendto(data, addr);
  }
}

/** Records events; `waitFor(n)` resolves when n datagrams arrived. */
class Recorder extends DatagramProtocol {
  events: string[] = [];
  received: [Uint8Array, Address][] = [];
  errors: Error[] = [];
  lost = asyncio.getRunningLoop().createFuture<Error | null>();
  private wanted = 0;
  private arrived: asyncio.Future<void> | null = null;
  override connectionMade(): void {
    this.events.push("made");
  }
  override datagramReceived(data: Uint8Array, addr: Address): void {
    this.received.push([data, addr]);
    if (this.arrived !== null && this.received.length >= this.wanted && !this.arrived.done()) this.arrived.setResult(undefined);
  }
  override errorReceived(exc: Error): void {
    this.errors.push(exc);
  }
  override connectionLost(exc: Error | null): void {
    this.events.push("lost");
    if (!this.lost.done()) this.lost.setResult(exc);
  }
  *waitFor(n: number, seconds = 5): Coroutine<void> {
    if (this.received.length >= n) return;
    this.wanted = n;
    this.arrived = asyncio.getRunningLoop().createFuture<void>();
    yield* asyncio.waitFor(this.arrived, seconds);
  }
}

describe.each(CORES)("UDP on the %s core", (core) => {
  const run = <T>(coro: Coroutine<T>, reports?: asyncio.ExceptionContext[]) => runOn(core, coro, reports);

  it("echoes 1,000 datagrams over loopback, none lost, in bounded time", async () => {
    const got = await run((function* () {
      const loop = asyncio.getRunningLoop();
      const [server] = yield* loop.createDatagramEndpoint(() => new Echo(), { localAddr: LOCAL });
      const port = server.getExtraInfo<Address>("sockname")![1];
      const [client, proto] = yield* loop.createDatagramEndpoint(() => new Recorder(), { remoteAddr: ["127.0.0.1", port] });
      const total = 1000;
      // A window keeps the burst inside the kernel's socket buffers: loopback does not drop then.
      const window = 64;
      let sent = 0;
      yield* asyncio.timeout(10, function* () {
        while (sent < total) {
          while (sent < total && sent - proto.received.length < window) {
            const msg = new Uint8Array(32);
            new DataView(msg.buffer).setUint32(0, sent);
            client.sendto(msg);
            sent++;
          }
          yield* proto.waitFor(Math.max(proto.received.length + 1, sent - window / 2));
        }
        yield* proto.waitFor(total);
      });
      const ids = new Set(proto.received.map(([data]) => new DataView(data.buffer, data.byteOffset).getUint32(0)));
      client.close();
      server.close();
      yield* proto.lost;
      return { count: proto.received.length, distinct: ids.size, from: proto.received[0]![1] };
    })());
    expect(got.count).toBe(1000);
    expect(got.distinct).toBe(1000);
    expect(got.from).toEqual(["127.0.0.1", expect.any(Number)]);
  });

  it("gives sockname, peername and the socket; connectionMade first, connectionLost(null) once after close", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const [server, sproto] = yield* loop.createDatagramEndpoint(() => new Recorder(), { localAddr: LOCAL });
      const saddr = server.getExtraInfo<Address>("sockname")!;
      expect(saddr[0]).toBe("127.0.0.1");
      expect(saddr[1]).toBeGreaterThan(0);
      expect(server.getExtraInfo("peername")).toBeUndefined();
      expect(server.getExtraInfo("socket")).toBeInstanceOf(dgram.Socket);
      expect(server.getExtraInfo("nope", 7)).toBe(7);
      expect(sproto.events).toEqual(["made"]);
      const [client, cproto] = yield* loop.createDatagramEndpoint(() => new Recorder(), { remoteAddr: ["localhost", saddr[1]], family: asyncio.AF_INET });
      expect(client.getExtraInfo<Address>("peername")).toEqual(["127.0.0.1", saddr[1]]);
      const csock = client.getExtraInfo<Address>("sockname")!;
      client.sendto(new TextEncoder().encode("ping"));
      yield* sproto.waitFor(1);
      const [data, from] = sproto.received[0]!;
      expect(new TextDecoder().decode(data)).toBe("ping");
      expect(from).toEqual(["127.0.0.1", csock[1]]);
      // A reply through the unconnected server endpoint, addressed explicitly.
      server.sendto(new TextEncoder().encode("pong"), from);
      yield* cproto.waitFor(1);
      expect(new TextDecoder().decode(cproto.received[0]![0])).toBe("pong");
      client.close();
      expect(client.isClosing()).toBe(true);
      client.close();
      expect(yield* cproto.lost).toBeNull();
      client.sendto(new Uint8Array([1])); // dropped after close, as asyncio does (no warning yet)
      client.abort();
      yield* sleep(0.01);
      expect(cproto.events).toEqual(["made", "lost"]);
      server.abort();
      yield* sproto.lost;
    })());
  });

  it("counts sends not yet completed in getWriteBufferSize, and calls pause/resumeWriting around the marks", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const [server, sproto] = yield* loop.createDatagramEndpoint(() => new Recorder(), { localAddr: LOCAL });
      const port = server.getExtraInfo<Address>("sockname")![1];
      const flow: string[] = [];
      class Flow extends Recorder {
        override pauseWriting(): void {
          flow.push("pause");
        }
        override resumeWriting(): void {
          flow.push("resume");
        }
      }
      const [endpoint] = yield* loop.createDatagramEndpoint(() => new Flow(), { remoteAddr: ["127.0.0.1", port] });
      const client = endpoint as asyncio.UdpTransport;
      client.setWriteBufferLimits(100, 0);
      expect(client.getWriteBufferLimits()).toEqual([0, 100]);
      expect(client.getWriteBufferSize()).toBe(0);
      const payload = new Uint8Array(60);
      client.sendto(payload);
      // node:dgram reports every send from a later callback: until then the bytes count.
      expect(client.getWriteBufferSize()).toBeGreaterThanOrEqual(60);
      client.sendto(payload);
      expect(flow).toEqual(["pause"]);
      yield* sproto.waitFor(2);
      yield* sleep(0.01);
      expect(client.getWriteBufferSize()).toBe(0);
      expect(flow).toEqual(["pause", "resume"]);
      client.close();
      server.close();
    })());
  });

  it("reports send errors to errorReceived and keeps the endpoint open", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const [t, proto] = yield* loop.createDatagramEndpoint(() => new Recorder(), { localAddr: LOCAL });
      const port = t.getExtraInfo<Address>("sockname")![1];
      // Over the 65,507-byte UDP payload limit: EMSGSIZE from the kernel.
      t.sendto(new Uint8Array(70_000), ["127.0.0.1", port]);
      for (let i = 0; i < 100 && proto.errors.length === 0; i++) yield* sleep(0.005);
      expect(proto.errors.length).toBe(1);
      expect((proto.errors[0] as Error & { code?: string }).code).toBe("EMSGSIZE");
      expect(t.getWriteBufferSize()).toBe(0);
      expect(t.isClosing()).toBe(false);
      t.sendto(new Uint8Array([7]), ["127.0.0.1", port]);
      yield* proto.waitFor(1);
      t.close();
    })());
  });

  it("sends exceptions from protocol callbacks to the loop's exception handler, never crashing", async () => {
    const reports: asyncio.ExceptionContext[] = [];
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      class Faulty extends Recorder {
        override datagramReceived(data: Uint8Array, addr: Address): void {
          super.datagramReceived(data, addr);
          throw new Error("boom in datagramReceived");
        }
      }
      const [server, proto] = yield* loop.createDatagramEndpoint(() => new Faulty(), { localAddr: LOCAL });
      const [client] = yield* loop.createDatagramEndpoint(() => new Recorder(), { remoteAddr: ["127.0.0.1", server.getExtraInfo<Address>("sockname")![1]] });
      client.sendto(new Uint8Array([1]));
      yield* proto.waitFor(1);
      client.sendto(new Uint8Array([2]));
      yield* proto.waitFor(2);
      client.close();
      server.close();
    })(), reports);
    expect(reports.length).toBe(2);
    expect(reports[0]!.message).toContain("datagramReceived");
    expect((reports[0]!.exception as Error).message).toBe("boom in datagramReceived");
    expect(reports[0]!.transport).toBeDefined();
  });

  it("wraps an existing dgram socket and allows broadcast", async () => {
    const sock = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", resolve));
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const [t, proto] = yield* loop.createDatagramEndpoint(() => new Recorder(), { sock });
      expect(t.getExtraInfo("socket")).toBe(sock);
      expect(t.getExtraInfo<Address>("sockname")).toEqual(["127.0.0.1", sock.address().port]);
      t.sendto(new Uint8Array([9]), ["127.0.0.1", sock.address().port]);
      yield* proto.waitFor(1);
      t.close();
      yield* proto.lost;
      const broadcast = vi.spyOn(dgram.Socket.prototype, "setBroadcast");
      try {
        const [b] = yield* loop.createDatagramEndpoint(() => new Recorder(), { localAddr: LOCAL, allowBroadcast: true });
        expect(broadcast).toHaveBeenCalledWith(true);
        expect(broadcast.mock.contexts.at(-1)).toBe(b.getExtraInfo("socket"));
        b.close();
        broadcast.mockClear();
        const [n] = yield* loop.createDatagramEndpoint(() => new Recorder(), { localAddr: LOCAL });
        expect(broadcast).not.toHaveBeenCalled(); // SO_BROADCAST only when asked for
        n.close();
      } finally {
        broadcast.mockRestore();
      }
    })());
  });

  it("holds datagrams that arrive while the loop is stopped and delivers them when it runs", async () => {
    const loop = new asyncio.EventLoop({ core });
    const seen: string[] = [];
    class InLoop extends DatagramProtocol {
      override datagramReceived(data: Uint8Array): void {
        seen.push(`${new TextDecoder().decode(data)}:${asyncio.getRunningLoop() === loop}`);
      }
    }
    try {
      const [t] = await loop.runUntilComplete(loop.createDatagramEndpoint(() => new InLoop(), { localAddr: LOCAL }));
      const port = t.getExtraInfo<Address>("sockname")![1];
      const sender = dgram.createSocket("udp4");
      for (const word of ["one", "two"]) await new Promise<void>((resolve, reject) => sender.send(word, port, "127.0.0.1", (e) => (e ? reject(e) : resolve())));
      sender.close();
      await new Promise((r) => setTimeout(r, 30));
      expect(seen).toEqual([]); // the loop is stopped: nothing reaches the protocol
      await loop.runUntilComplete((function* () {
        for (let i = 0; i < 100 && seen.length < 2; i++) yield* sleep(0.005);
      })());
      expect(seen).toEqual(["one:true", "two:true"]);
      t.close();
      await loop.runUntilComplete(sleep(0.01));
    } finally {
      loop.close();
    }
  });

  it("drops sends after close, warning from the 5th with asyncio's message", async () => {
    const warn = vi.spyOn(asyncio.logger, "warn").mockImplementation(() => {});
    try {
      await run((function* () {
        const loop = asyncio.getRunningLoop();
        const [server, sproto] = yield* loop.createDatagramEndpoint(() => new Recorder(), { localAddr: LOCAL });
        const [client, cproto] = yield* loop.createDatagramEndpoint(() => new Recorder(), { remoteAddr: ["127.0.0.1", server.getExtraInfo<Address>("sockname")![1]] });
        client.close();
        yield* cproto.lost;
        for (let i = 0; i < 4; i++) client.sendto(new Uint8Array([i]));
        expect(warn).not.toHaveBeenCalled();
        client.sendto(new Uint8Array([5]));
        client.sendto(new Uint8Array([6]));
        expect(warn.mock.calls.map((c) => c[0])).toEqual(["socket.send() raised exception.", "socket.send() raised exception."]);
        yield* sleep(0.02);
        expect(sproto.received).toHaveLength(0);
        server.close();
      })());
    } finally {
      warn.mockRestore();
    }
  });

  it("validates its arguments the way asyncio does", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const factory = () => new Recorder();
      const fails = function* (options: asyncio.DatagramEndpointOptions): Coroutine<unknown> {
        try {
          yield* loop.createDatagramEndpoint(factory, options);
        } catch (error) {
          return error;
        }
        throw new Error("did not fail");
      };
      expect(yield* fails({})).toBeInstanceOf(RangeError); // no family and no address
      expect(yield* fails({ localAddr: "x" as never })).toBeInstanceOf(NotSupportedError);
      expect(yield* fails({ family: asyncio.AF_UNIX })).toBeInstanceOf(NotSupportedError);
      expect(yield* fails({ localAddr: ["127.0.0.1", 70000] })).toBeInstanceOf(RangeError);
      expect(yield* fails({ localAddr: [5 as never, 0] })).toBeInstanceOf(TypeError);
      expect(yield* fails({ remoteAddr: ["::1", 9], family: asyncio.AF_INET })).toBeInstanceOf(RangeError);
      const spare = dgram.createSocket("udp4");
      expect(yield* fails({ sock: spare, localAddr: LOCAL })).toBeInstanceOf(RangeError);
      spare.close();
      if (Number(process.versions.node.split(".")[0]) < 22) {
        expect(yield* fails({ localAddr: LOCAL, reusePort: true })).toBeInstanceOf(NotSupportedError);
      }
      // option names and types: a typo or a removed asyncio option is a TypeError
      expect(yield* fails({ localAddr: LOCAL, reuseAddress: true } as never)).toBeInstanceOf(TypeError);
      expect(yield* fails({ local_addr: LOCAL } as never)).toBeInstanceOf(TypeError);
      expect(yield* fails({ localAddr: LOCAL, allowBroadcast: "yes" as never })).toBeInstanceOf(TypeError);
      expect(yield* fails({ localAddr: LOCAL, reusePort: 1 as never })).toBeInstanceOf(TypeError);
      expect(yield* fails({ localAddr: LOCAL, proto: "udp" as never })).toBeInstanceOf(TypeError);
      expect(yield* fails(5 as never)).toBeInstanceOf(TypeError);
      // a factory that gives no DatagramProtocol: TypeError, and the socket is not left open
      let madeSock: dgram.Socket | null = null;
      const closes = vi.spyOn(dgram.Socket.prototype, "close");
      try {
        const bad = (yield* (function* () {
          try {
            yield* loop.createDatagramEndpoint(() => ({}) as never, { localAddr: LOCAL });
          } catch (error) {
            return error;
          }
          throw new Error("did not fail");
        })()) as Error;
        expect(bad).toBeInstanceOf(TypeError);
        expect(bad.message).toMatch(/DatagramProtocol/);
        madeSock = closes.mock.contexts.at(-1) as dgram.Socket;
      } finally {
        closes.mockRestore();
      }
      expect(madeSock).toBeInstanceOf(dgram.Socket);
      expect(() => madeSock!.address()).toThrow(); // closed: not bound any more
      const [t, proto] = yield* loop.createDatagramEndpoint(factory, { localAddr: LOCAL });
      expect(() => t.sendto("text" as never, ["127.0.0.1", 9])).toThrow(TypeError);
      expect(() => t.sendto(new Uint8Array(1))).toThrow(TypeError); // not connected: an address is needed
      expect(() => t.sendto(new Uint8Array(1), ["127.0.0.1", -1])).toThrow(RangeError);
      t.close();
      yield* proto.lost;
      const [c] = yield* loop.createDatagramEndpoint(factory, { remoteAddr: ["127.0.0.1", 9] });
      expect(() => c.sendto(new Uint8Array(1), ["127.0.0.1", 10])).toThrow(RangeError); // not the connected peer
      c.close();
      // A port in use: the bind error surfaces from the coroutine.
      const port = (c.getExtraInfo<Address>("sockname") ?? LOCAL)[1];
      const [busy] = yield* loop.createDatagramEndpoint(factory, { localAddr: ["127.0.0.1", 0] });
      const busyPort = busy.getExtraInfo<Address>("sockname")![1];
      const err = (yield* fails({ localAddr: ["127.0.0.1", busyPort] })) as Error & { code?: string };
      expect(err.code).toBe("EADDRINUSE");
      expect(port).toBeGreaterThan(0);
      busy.close();
    })());
  });
});
