// BufferedProtocol: reads landing in the protocol's own buffer, through `onread` (direct) and
// through the one-copy fallback ('data' events), on both cores.
import { afterEach, describe, expect, it } from "vitest";
import * as asyncio from "../src/index.js";
import { setForceCopyPath, hostRuntime } from "../src/host/node.js";
import { CORES } from "./helpers.js";
import { CollectProtocol, EchoProtocol, HOST, concat, firstDifference, pattern, portOf, runNet, until } from "./net-helpers.js";

interface PathCounters {
  _path: "direct" | "copy";
  _directReads: number;
  _copiedReads: number;
  _directWrites: number;
}
const counters = (t: asyncio.Transport): PathCounters => t as unknown as PathCounters;

/** Collects into its own buffer of `size` bytes (copying each update out). */
class Sink extends asyncio.BufferedProtocol {
  readonly buf: Uint8Array;
  chunks: Uint8Array[] = [];
  received = 0;
  hints: number[] = [];
  transport: asyncio.Transport | null = null;
  readonly closed: asyncio.Future<Error | null>;
  private want: [number, asyncio.Future<void>][] = [];
  constructor(size = 4096) {
    super();
    this.buf = new Uint8Array(size);
    this.closed = asyncio.getRunningLoop().createFuture();
  }
  override connectionMade(t: asyncio.Transport): void {
    this.transport = t;
  }
  override getBuffer(hint: number): Uint8Array {
    this.hints.push(hint);
    return this.buf;
  }
  override bufferUpdated(n: number): void {
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(this.buf.length);
    this.chunks.push(this.buf.slice(0, n));
    this.received += n;
    this.want = this.want.filter(([k, f]) => (this.received >= k ? (f.setResult(undefined), false) : true));
  }
  override eofReceived(): boolean {
    return false;
  }
  override connectionLost(exc: Error | null): void {
    for (const [, f] of this.want) if (!f.done()) f.setException(exc ?? new Error("closed"));
    if (!this.closed.done()) this.closed.setResult(exc);
  }
  whenReceived(n: number): asyncio.Future<void> {
    const f = asyncio.getRunningLoop().createFuture<void>();
    if (this.received >= n) f.setResult(undefined);
    else this.want.push([n, f]);
    return f;
  }
}

/** Echo from its own read buffer: the transport must copy such writes (the next read overwrites it). */
class BufferedEcho extends asyncio.BufferedProtocol {
  private readonly buf = new Uint8Array(16 * 1024);
  transport: asyncio.Transport | null = null;
  override connectionMade(t: asyncio.Transport): void {
    this.transport = t;
  }
  override getBuffer(): Uint8Array {
    return this.buf;
  }
  override bufferUpdated(n: number): void {
    this.transport!.write(this.buf.subarray(0, n));
  }
  override eofReceived(): boolean {
    return false;
  }
}

afterEach(() => setForceCopyPath(false));

describe.each(CORES)("BufferedProtocol on the %s core", (core) => {
  for (const forced of [false, true]) {
    const label = forced ? "the forced copy path" : "the host's best path";
    it(`client and server BufferedProtocols echo 16 MiB exactly on ${label}`, async () => {
      setForceCopyPath(forced);
      await runNet(core, function* () {
        const loop = asyncio.getRunningLoop();
        const serverTransports: asyncio.Transport[] = [];
        const server = yield* loop.createServer(
          () => {
            const p = new BufferedEcho();
            const made = p.connectionMade.bind(p);
            p.connectionMade = (t) => {
              serverTransports.push(t);
              made(t);
            };
            return p;
          },
          HOST,
          0,
        );
        const payload = pattern(16 << 20, 5);
        const [t, sink] = yield* loop.createConnection(() => new Sink(4096), HOST, portOf(server));
        // let the server's writes queue up while the client is not reading: a server that
        // reused its read buffer under queued writes would corrupt the echo
        t.pauseReading();
        t.write(payload);
        yield* asyncio.sleep(0.05);
        t.resumeReading();
        yield* sink.whenReceived(payload.length);
        expect(firstDifference(concat(sink.chunks), payload)).toBe(-1);
        const client = counters(t);
        const accepted = counters(serverTransports[0]!);
        if (forced) {
          expect(client._path).toBe("copy");
          expect(accepted._path).toBe("copy");
          expect(client._directReads + accepted._directReads).toBe(0);
        } else {
          expect(client._path).toBe("direct");
          expect(client._directReads).toBeGreaterThan(0);
          // re-wrapped accepted sockets: Node and Deno, not Bun
          expect(accepted._path).toBe(hostRuntime === "bun" ? "copy" : "direct");
          if (hostRuntime !== "bun") expect(accepted._directReads).toBeGreaterThan(0);
        }
        // asyncio: getBuffer(-1) on the socket path; the copy path hints the bytes pending
        if (!forced) expect(sink.hints.filter((h) => h === -1).length).toBeGreaterThan(0);
        else expect(sink.hints.every((h) => h > 0)).toBe(true);
        t.close();
        yield* sink.closed;
        server.close();
        yield* server.waitClosed();
      });
    });

    it(`splits reads across a small buffer on ${label}`, async () => {
      setForceCopyPath(forced);
      await runNet(core, function* () {
        const loop = asyncio.getRunningLoop();
        const server = yield* loop.createServer(() => new EchoProtocol(), HOST, 0);
        const [t, sink] = yield* loop.createConnection(() => new Sink(7), HOST, portOf(server));
        const payload = pattern(100_000, 2);
        t.write(payload);
        yield* sink.whenReceived(payload.length);
        expect(sink.chunks.every((c) => c.length <= 7)).toBe(true);
        expect(firstDifference(concat(sink.chunks), payload)).toBe(-1);
        t.close();
        server.close();
        yield* server.waitClosed();
      });
    });

    it(`closes with a report when getBuffer fails or returns nothing usable, on ${label}`, async () => {
      setForceCopyPath(forced);
      const reports: asyncio.ExceptionContext[] = [];
      await runNet(
        core,
        function* () {
          const loop = asyncio.getRunningLoop();
          const server = yield* loop.createServer(() => new EchoProtocol(), HOST, 0);
          const bad: [string, () => unknown][] = [
            ["empty", () => new Uint8Array(0)],
            ["not bytes", () => "nope"],
            ["throws", () => {
              throw new RangeError("no buffer");
            }],
          ];
          for (const [, getBuffer] of bad) {
            class Bad extends Sink {
              override getBuffer(): Uint8Array {
                return getBuffer() as Uint8Array;
              }
            }
            const [t, sink] = yield* loop.createConnection(() => new Bad(), HOST, portOf(server));
            t.write(pattern(10_000, 1));
            const exc = yield* sink.closed;
            expect(exc).toBeInstanceOf(Error);
          }
          expect(reports).toHaveLength(3);
          for (const r of reports) expect(r.message).toMatch(/getBuffer/);
          expect((reports[0]!.exception as Error).message).toMatch(/empty buffer/);
          expect(reports[1]!.exception).toBeInstanceOf(TypeError);
          expect(reports[2]!.exception).toBeInstanceOf(RangeError);
          server.close();
          server.abortClients();
          yield* server.waitClosed();
        },
        { reports },
      );
    });
  }

  it("reads into WebAssembly memory that grows during traffic (grown only inside bufferUpdated)", async () => {
    await runNet(core, function* () {
      const loop = asyncio.getRunningLoop();
      const server = yield* loop.createServer(() => new EchoProtocol(), HOST, 0);
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 64 });
      const got: Uint8Array[] = [];
      let grows = 0;
      let received = 0;
      const done = loop.createFuture<void>();
      const total = 3 << 20;
      class WasmSink extends asyncio.BufferedProtocol {
        private at = 0;
        override getBuffer(): Uint8Array {
          // re-derived from memory.buffer on every call: never a stale view
          return new Uint8Array(memory.buffer, this.at, 8192);
        }
        override bufferUpdated(n: number): void {
          got.push(new Uint8Array(memory.buffer, this.at, n).slice());
          received += n;
          // grow now and then, and move the read window into the new pages
          if (received > (grows + 1) * 256 * 1024 && grows < 10) {
            memory.grow(1);
            grows++;
            this.at = grows * 65536;
          }
          if (received >= total && !done.done()) done.setResult(undefined);
        }
      }
      const [t] = yield* loop.createConnection(() => new WasmSink(), HOST, portOf(server));
      const payload = pattern(total, 11);
      t.write(payload);
      yield* done;
      expect(grows).toBe(10);
      expect(firstDifference(concat(got), payload)).toBe(-1);
      t.close();
      server.close();
      yield* server.waitClosed();
    });
  });

  it("detects a read buffer detached by memory growth outside the callbacks and closes", async () => {
    const reports: asyncio.ExceptionContext[] = [];
    await runNet(
      core,
      function* () {
        const loop = asyncio.getRunningLoop();
        const server = yield* loop.createServer(() => new EchoProtocol(), HOST, 0);
        const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
        class Careless extends Sink {
          override getBuffer(): Uint8Array {
            return new Uint8Array(memory.buffer, 0, 4096);
          }
        }
        const [t, sink] = yield* loop.createConnection(() => new Careless(), HOST, portOf(server));
        t.write(pattern(100, 1));
        yield* until(() => counters(t)._directReads + counters(t)._copiedReads > 0);
        yield* asyncio.sleep(0.01);
        memory.grow(1); // detaches the view the socket will read into next
        t.write(pattern(100, 2));
        const exc = yield* sink.closed;
        if (counters(t)._path === "direct") {
          expect((exc as Error).message).toMatch(/detached/);
          expect(reports[0]!.message).toBe("Fatal error: read buffer detached.");
        } else {
          // the copy path asks getBuffer() afresh for every chunk: nothing can go stale
          expect(exc).toBeNull();
        }
        server.close();
        server.abortClients();
        yield* server.waitClosed();
      },
      { reports },
    );
  });

  it("a Protocol still gets data of its own (never a view that is overwritten)", async () => {
    await runNet(core, function* () {
      const loop = asyncio.getRunningLoop();
      const server = yield* loop.createServer(() => new EchoProtocol(), HOST, 0);
      const [t, p] = yield* loop.createConnection(() => new CollectProtocol(), HOST, portOf(server));
      const payload = pattern(1 << 20, 4);
      t.write(payload);
      yield* p.whenReceived(payload.length);
      // the chunks are kept as they came: if any shared memory with a reused buffer, this fails
      expect(firstDifference(concat(p.chunks), payload)).toBe(-1);
      expect(new Set(p.chunks.map((c) => c.buffer)).size).toBeGreaterThan(1);
      t.close();
      server.close();
      yield* server.waitClosed();
    });
  });

  describe("writes from the read buffer", () => {
    /**
     * On the first byte it receives, writes `before`, then the whole of its read buffer `big`
     * (whose first byte the read just set), then `after`, and at once fills `big` with zeros, as
     * the next read would overwrite it. The peer must still get every byte as it was at write().
     */
    class ReplyFromReadBuffer extends asyncio.BufferedProtocol {
      transport: asyncio.Transport | null = null;
      bufferedAfterWrite = -1;
      constructor(
        readonly big: Uint8Array,
        readonly before: Uint8Array,
        readonly after: Uint8Array,
      ) {
        super();
      }
      override connectionMade(t: asyncio.Transport): void {
        this.transport = t;
      }
      override getBuffer(): Uint8Array {
        return this.big;
      }
      override bufferUpdated(): void {
        const t = this.transport as asyncio.WriteTransport;
        t.write(this.before);
        t.write(this.big);
        this.bufferedAfterWrite = t.getWriteBufferSize();
        t.write(this.after);
        this.big.fill(0);
        t.close();
      }
    }

    async function replyOf(size: number, pauseClient: boolean): Promise<{ server: ReplyFromReadBuffer; transport: PathCounters }> {
      const big = pattern(size, 9);
      big[0] = 0x78; // the byte the client sends lands here
      const before = pattern(10, 10);
      const after = pattern(3000, 11);
      let server!: ReplyFromReadBuffer;
      let accepted!: asyncio.Transport;
      await runNet(core, function* () {
        const loop = asyncio.getRunningLoop();
        const srv = yield* loop.createServer(
          () => (server = new ReplyFromReadBuffer(big, before, after)),
          HOST,
          0,
        );
        const [t, sink] = yield* loop.createConnection(() => new Sink(65536), HOST, portOf(srv));
        if (pauseClient) t.pauseReading();
        t.write(new Uint8Array([0x78]));
        yield* until(() => server?.transport !== null && server.bufferedAfterWrite >= 0);
        accepted = server.transport!;
        if (pauseClient) {
          yield* asyncio.sleep(0.05);
          t.resumeReading();
        }
        yield* sink.closed;
        const want = concat([before, pattern(size, 9), after]);
        want[before.length] = 0x78;
        expect(sink.received).toBe(want.length);
        expect(firstDifference(concat(sink.chunks), want)).toBe(-1);
        srv.close();
        yield* srv.waitClosed();
      });
      return { server, transport: counters(accepted) };
    }

    it("go to the kernel without a copy when it takes them", async () => {
      const { server, transport } = await replyOf(48 * 1024, false);
      if (hostRuntime === "node" && transport._path === "direct") {
        expect(transport._directWrites).toBe(1);
        expect(server.bufferedAfterWrite).toBe(0);
      }
    });

    it("send an echo's small reply without a copy, and copy later small ones in the same read", async () => {
      // Each read is answered from the read buffer twice: the first write goes to the kernel as it
      // is, the second waits in the batch as a copy; then the buffer is overwritten before the
      // callback returns, as a protocol reusing it would. The peer gets both as they were.
      class TwoReplies extends asyncio.BufferedProtocol {
        transport: asyncio.Transport | null = null;
        readonly buf = new Uint8Array(1024);
        override connectionMade(t: asyncio.Transport): void {
          this.transport = t;
        }
        override getBuffer(): Uint8Array {
          return this.buf;
        }
        override bufferUpdated(n: number): void {
          const t = this.transport as asyncio.WriteTransport;
          t.write(this.buf.subarray(0, n));
          t.write(this.buf.subarray(0, n));
          this.buf.fill(0);
        }
      }
      let server!: TwoReplies;
      await runNet(core, function* () {
        const loop = asyncio.getRunningLoop();
        const srv = yield* loop.createServer(() => (server = new TwoReplies()), HOST, 0);
        const [t, sink] = yield* loop.createConnection(() => new Sink(65536), HOST, portOf(srv));
        const want: Uint8Array[] = [];
        for (let i = 0; i < 20; i++) {
          const request = pattern(100 + i, i);
          t.write(request);
          want.push(request, request);
          yield* sink.whenReceived(concat(want).length);
        }
        expect(firstDifference(concat(sink.chunks), concat(want))).toBe(-1);
        const accepted = counters(server.transport!);
        if (hostRuntime === "node" && accepted._path === "direct") expect(accepted._directWrites).toBe(accepted._directReads + accepted._copiedReads);
        t.close();
        srv.close();
        yield* srv.waitClosed();
      });
    });

    it("keep a copy of what the kernel did not take, so reusing the buffer corrupts nothing", async () => {
      // 32 MiB: more than the loopback socket buffers hold while the client is not reading
      const { server, transport } = await replyOf(32 << 20, true);
      expect(server.bufferedAfterWrite).toBeGreaterThan(0);
      if (hostRuntime === "node" && transport._path === "direct") expect(transport._directWrites).toBe(1);
    });
  });
});
