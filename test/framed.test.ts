// FramedProtocol over real sockets on 127.0.0.1: frames whole and in order whatever the read
// boundaries, every framing mode, large frames, flow control when the ring is full, FrameError
// ordering, exceptions in frameReceived, WASM memory growth during traffic with many
// connections, and request/response with WriteBuffer + flush(transport). Every combination of
// loop core (wasm, js) and parser core (wasm, js).
import { afterEach, describe, expect, it } from "vitest";
import * as asyncio from "../src/index.js";
import { setForceCopyPath } from "../src/host/node.js";
import { _clearInstancePool } from "../src/framed.js";
import { createFramingInstance, type FramingInstance } from "../src/framing/index.js";
import { CORES } from "./helpers.js";
import { prng } from "./framing-helpers.js";
import { CollectProtocol, HOST, concat, firstDifference, pattern, portOf, runNet, until } from "./net-helpers.js";

type ParserCore = "wasm" | "js";
const PARSERS: ParserCore[] = ["wasm", "js"];

const te = new TextEncoder();
const td = new TextDecoder();

// ---- wire encodings -------------------------------------------------------------------------

/** [tag][u16 LE length][payload]: the framing of LF below (delivers the payload). */
function tagged(tag: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(3 + payload.length);
  out[0] = tag;
  out[1] = payload.length & 0xff;
  out[2] = payload.length >>> 8;
  out.set(payload, 3);
  return out;
}
const LF = { lengthField: { offset: 1, size: 2, endian: "little", strip: 3 }, maxFrameSize: 70_000 } as const;

/** PostgreSQL v3 message: type byte, int32 BE length counting itself, body. */
function pg(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = type.charCodeAt(0);
  new DataView(out.buffer).setUint32(1, 4 + body.length);
  out.set(body, 5);
  return out;
}

/** MySQL packet: int24 LE payload length, sequence byte, payload. */
function mysql(seq: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  out[0] = payload.length & 0xff;
  out[1] = (payload.length >>> 8) & 0xff;
  out[2] = payload.length >>> 16;
  out[3] = seq;
  out.set(payload, 4);
  return out;
}

/** int32 BE length (excluding itself), payload: `{ lengthField: { size: 4 } }` (kafka). */
function be32(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(payload, 4);
  return out;
}

// ---- protocols ------------------------------------------------------------------------------

/** Keeps a copy of every frame; records frames and errors in order; futures for waiting. */
class FrameSink extends asyncio.FramedProtocol {
  frames: Uint8Array[] = [];
  events: string[] = [];
  errors: asyncio.FrameError[] = [];
  /** Largest ring capacity seen during a frameReceived call. */
  maxRing = 0;
  /** Call the default frameError (closes the connection). */
  closeOnError = true;
  onFrame: ((p: FrameSink, frame: Uint8Array) => void) | null = null;
  readonly closed: asyncio.Future<Error | null>;
  private want: [number, asyncio.Future<void>][] = [];

  constructor(options: asyncio.FramedProtocolOptions) {
    super(options);
    this.closed = asyncio.getRunningLoop().createFuture();
  }
  override frameReceived(frame: Uint8Array): void {
    this.frames.push(frame.slice());
    this.events.push("frame");
    if (this.ringCapacity > this.maxRing) this.maxRing = this.ringCapacity;
    this.onFrame?.(this, frame);
    const n = this.frames.length;
    this.want = this.want.filter(([k, f]) => (n >= k ? (f.done() || f.setResult(undefined), false) : true));
  }
  override frameError(error: asyncio.FrameError): void {
    this.errors.push(error);
    this.events.push("error");
    if (this.closeOnError) super.frameError(error);
  }
  override connectionLost(exc: Error | null): void {
    super.connectionLost(exc);
    for (const [, f] of this.want) if (!f.done()) f.setException(exc ?? new Error(`closed after ${this.frames.length} frames`));
    this.want = [];
    if (!this.closed.done()) this.closed.setResult(exc);
  }
  whenFrames(n: number): asyncio.Future<void> {
    const f = asyncio.getRunningLoop().createFuture<void>();
    if (this.frames.length >= n) f.setResult(undefined);
    else this.want.push([n, f]);
    return f;
  }
}

/** A server of FrameSinks; `protocols` in accept order. */
function* sinkServer(make: () => FrameSink): asyncio.Coroutine<{ server: asyncio.Server; protocols: FrameSink[] }> {
  const protocols: FrameSink[] = [];
  const server = yield* asyncio.getRunningLoop().createServer(
    () => {
      const p = make();
      protocols.push(p);
      return p;
    },
    HOST,
    0,
  );
  return { server, protocols };
}

/** A plain client for sending raw bytes. */
function* rawClient(port: number): asyncio.Coroutine<[asyncio.Transport, CollectProtocol]> {
  return yield* asyncio.getRunningLoop().createConnection(() => new CollectProtocol(), HOST, port);
}

/**
 * Writes `data` in pieces of 1..maxPiece bytes (seeded), yielding to host I/O now and then so the
 * peer reads at arbitrary boundaries (TCP_NODELAY: every write is its own segment).
 */
function* writeSplit(t: asyncio.Transport, data: Uint8Array, seed: number, maxPiece: number, pauses = 40): asyncio.Coroutine<void> {
  const rand = prng(seed);
  const pieces: number[] = [];
  for (let off = 0; off < data.length; ) {
    const n = Math.min(data.length - off, 1 + Math.floor(rand() * rand() * maxPiece));
    pieces.push(n);
    off += n;
  }
  const every = Math.max(1, Math.floor(pieces.length / pauses));
  let off = 0;
  for (let i = 0; i < pieces.length; i++) {
    t.write(data.slice(off, off + pieces[i]!));
    off += pieces[i]!;
    if (i % every === every - 1) yield* asyncio.sleep(0.001);
  }
}

function expectFrames(got: readonly Uint8Array[], want: readonly Uint8Array[]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (got[i]!.length !== want[i]!.length || firstDifference(got[i]!, want[i]!) !== -1) {
      throw new Error(`frame ${i} differs: got ${got[i]!.length} bytes, want ${want[i]!.length} (first difference at ${firstDifference(got[i]!, want[i]!)})`);
    }
  }
}

afterEach(() => setForceCopyPath(false));

describe.each(CORES)("FramedProtocol on the %s loop core", (core) => {
  describe.each(PARSERS)("with the %s parser", (parserCore) => {
    for (const forced of [false, true]) {
      const label = forced ? "the forced copy path" : "the host's best read path";
      it(`delivers whole frames in order whatever the read boundaries (length field, ${label})`, async () => {
        setForceCopyPath(forced);
        const reports: asyncio.ExceptionContext[] = [];
        await runNet(
          core,
          function* () {
            const { server, protocols } = yield* sinkServer(() => new FrameSink({ ...LF, core: parserCore }));
            const rand = prng(core === "wasm" ? 11 : 12);
            const payloads: Uint8Array[] = [];
            for (let i = 0; i < 600; i++) {
              // empty frames, tiny ones, and some above the ring's 64 KiB start
              const size = i % 97 === 0 ? 0 : i % 151 === 5 ? 40_000 + Math.floor(rand() * 25_000) : Math.floor(rand() * rand() * 3000);
              payloads.push(pattern(size, i + 1));
            }
            const wire = concat(payloads.map((p, i) => tagged(i & 0xff, p)));
            const [t] = yield* rawClient(portOf(server));
            // first half at arbitrary boundaries, second half as one write (many frames per read)
            const half = Math.floor(wire.length / 2) + 1;
            yield* writeSplit(t, wire.subarray(0, half), 7, 4096);
            t.write(wire.slice(half));
            yield* until(() => protocols.length === 1);
            yield* protocols[0]!.whenFrames(payloads.length);
            expectFrames(protocols[0]!.frames, payloads);
            expect(protocols[0]!.errors).toEqual([]);
            t.close();
            yield* protocols[0]!.closed;
            server.close();
            yield* server.waitClosed();
          },
          { reports },
        );
        expect(reports).toEqual([]);
      });
    }

    it("client side: a FramedProtocol client gets the server's frames split at arbitrary boundaries", async () => {
      await runNet(core, function* () {
        const loop = asyncio.getRunningLoop();
        const payloads = Array.from({ length: 300 }, (_, i) => pattern((i * 389) % 5000, i + 3));
        const wire = concat(payloads.map((p) => be32(p)));
        class Sender extends asyncio.Protocol {
          override connectionMade(t: asyncio.Transport): void {
            asyncio.createTask(writeSplit(t, wire, 99, 2000));
          }
        }
        const server = yield* loop.createServer(() => new Sender(), HOST, 0);
        const [t, client] = yield* loop.createConnection(() => new FrameSink({ lengthField: { size: 4, strip: 4 }, maxFrameSize: 8192, core: parserCore }), HOST, portOf(server));
        yield* client.whenFrames(payloads.length);
        expectFrames(client.frames, payloads);
        t.close();
        server.close();
      });
    });

    it("presets: postgres and mysql deliver whole messages, header included", async () => {
      await runNet(core, function* () {
        const pgMessages = [
          pg("R", new Uint8Array([0, 0, 0, 0])),
          pg("S", te.encode("client_encoding\0UTF8\0")),
          pg("Z", te.encode("I")),
          pg("D", pattern(30_000, 4)),
          pg("C", te.encode("SELECT 1\0")),
          pg("I", new Uint8Array(0)),
        ];
        const { server: pgServer, protocols: pgs } = yield* sinkServer(() => new FrameSink({ preset: "postgres", maxFrameSize: 1 << 16, core: parserCore }));
        const [t1] = yield* rawClient(portOf(pgServer));
        yield* writeSplit(t1, concat(pgMessages), 3, 64);
        yield* until(() => pgs.length === 1);
        yield* pgs[0]!.whenFrames(pgMessages.length);
        expectFrames(pgs[0]!.frames, pgMessages);
        expect(String.fromCharCode(pgs[0]!.frames[2]![0]!)).toBe("Z");

        const myPackets = [mysql(0, te.encode("\x0a8.0.36\0")), mysql(1, pattern(70_000, 8)), mysql(2, new Uint8Array(0)), mysql(3, te.encode("\x00\x00\x00\x02\x00"))];
        const { server: myServer, protocols: mys } = yield* sinkServer(() => new FrameSink({ preset: "mysql", maxFrameSize: 1 << 17, core: parserCore }));
        const [t2] = yield* rawClient(portOf(myServer));
        yield* writeSplit(t2, concat(myPackets), 5, 1500);
        yield* until(() => mys.length === 1);
        yield* mys[0]!.whenFrames(myPackets.length);
        expectFrames(mys[0]!.frames, myPackets);
        for (const t of [t1, t2]) t.close();
        for (const s of [pgServer, myServer]) s.close();
      });
    });

    it("delimiter mode strips the delimiter (\\r\\n and a NUL byte), empty frames included", async () => {
      await runNet(core, function* () {
        const lines = ["GET / HTTP/1.1", "Host: 127.0.0.1", "", "x".repeat(5000), "last \r line \n with strays"];
        const { server: s1, protocols: p1 } = yield* sinkServer(() => new FrameSink({ delimiter: "\r\n", maxFrameSize: 8192, core: parserCore }));
        const [t1] = yield* rawClient(portOf(s1));
        yield* writeSplit(t1, te.encode(lines.map((l) => l + "\r\n").join("")), 21, 7);
        yield* until(() => p1.length === 1);
        yield* p1[0]!.whenFrames(lines.length);
        expect(p1[0]!.frames.map((f) => td.decode(f))).toEqual(lines);

        const words = ["alpha", "", "beta", "gamma".repeat(300)];
        const { server: s2, protocols: p2 } = yield* sinkServer(() => new FrameSink({ delimiter: [0], maxFrameSize: 4096, core: parserCore }));
        const [t2] = yield* rawClient(portOf(s2));
        t2.write(te.encode(words.map((w) => w + "\0").join("")));
        yield* until(() => p2.length === 1);
        yield* p2[0]!.whenFrames(words.length);
        expect(p2[0]!.frames.map((f) => td.decode(f))).toEqual(words);
        for (const t of [t1, t2]) t.close();
        for (const s of [s1, s2]) s.close();
      });
    });

    it("a frame of exactly maxFrameSize (the ring's cap) arrives whole between small ones; one byte more is a FrameError", async () => {
      await runNet(core, function* () {
        const max = 1 << 20;
        // the length counts itself (adjustment -4: the field's value is the whole frame)
        const options = { lengthField: { size: 4, adjustment: -4, strip: 4 }, maxFrameSize: max, initialCapacity: 4096, core: parserCore } as const;
        const frame = (p: Uint8Array): Uint8Array => {
          const out = new Uint8Array(4 + p.length);
          new DataView(out.buffer).setUint32(0, 4 + p.length);
          out.set(p, 4);
          return out;
        };
        const payloads = [pattern(10, 1), pattern(max - 4, 2), pattern(3, 3), pattern(max - 4, 4), pattern(0, 5)];
        const { server, protocols } = yield* sinkServer(() => new FrameSink(options));
        const [t] = yield* rawClient(portOf(server));
        yield* writeSplit(t, concat(payloads.map(frame)), 8, 300_000, 20);
        yield* until(() => protocols.length === 1);
        const p = protocols[0]!;
        yield* p.whenFrames(payloads.length);
        expectFrames(p.frames, payloads);
        expect(p.maxRing).toBeLessThanOrEqual(max); // the cap: maxCapacity defaults to maxFrameSize
        expect(p.maxRing).toBeGreaterThanOrEqual(max);
        // one byte over the limit
        t.write(frame(pattern(max - 3, 6)));
        yield* p.closed;
        expect(p.events.slice(-2)).toEqual(["frame", "error"]);
        expect(p.errors[0]!.message).toBe(`frame of ${max + 1} bytes exceeds maxFrameSize ${max}`);
        server.close();
      });
    });

    it("a slow consumer: pauseFrames() holds frames in the ring, reading pauses when the ring is full at its cap, nothing is lost", async () => {
      await runNet(core, function* () {
        const cap = 64 * 1024;
        const { server, protocols } = yield* sinkServer(
          () => new FrameSink({ lengthField: { size: 4, strip: 4 }, maxFrameSize: 4096, maxCapacity: cap, initialCapacity: 1024, core: parserCore }),
        );
        const payloads = Array.from({ length: 1500 }, (_, i) => pattern(200 + ((i * 131) % 2000), i + 1));
        const total = payloads.reduce((n, p) => n + 4 + p.length, 0);
        expect(total).toBeGreaterThan(10 * cap);
        const [t, client] = yield* rawClient(portOf(server));
        yield* until(() => protocols.length === 1);
        const p = protocols[0]!;
        p.onFrame = (proto) => {
          if (proto.frames.length === 1) proto.pauseFrames();
        };
        t.write(concat(payloads.map(be32)));
        // the ring fills to its cap, then the transport stops reading; frames stay undelivered
        yield* until(() => !p.transport!.isReading());
        expect(p.frames.length).toBe(1);
        expect(p.framesPaused).toBe(true);
        expect(p.ringCapacity).toBe(cap);
        yield* asyncio.sleep(0.05);
        expect(p.frames.length).toBe(1);
        expect(p.ringCapacity).toBe(cap);
        // consume slowly: resume, take 100 frames, pause, let the ring fill again
        let pausesOfTransport = 1;
        p.onFrame = (proto) => {
          if (proto.frames.length % 100 === 0) proto.pauseFrames();
        };
        while (p.frames.length < payloads.length) {
          const before = p.frames.length;
          p.resumeFrames();
          yield* until(() => p.framesPaused || p.frames.length === payloads.length);
          expect(p.frames.length).toBeGreaterThan(before);
          yield* asyncio.sleep(0.002);
          if (!p.transport!.isReading()) pausesOfTransport++;
        }
        expectFrames(p.frames, payloads);
        expect(p.maxRing).toBeLessThanOrEqual(cap);
        expect(pausesOfTransport).toBeGreaterThan(1);
        // still a working connection afterwards, reading again
        p.onFrame = null;
        p.resumeFrames();
        t.write(be32(te.encode("after")));
        yield* p.whenFrames(payloads.length + 1);
        expect(td.decode(p.frames.at(-1)!)).toBe("after");
        expect(p.transport!.isReading()).toBe(true);
        t.close();
        yield* client.closed;
        server.close();
      });
    });

    it("echo with transport.write(frame) while frames are paused and resumed and the peer reads late: every echoed byte is right", async () => {
      await runNet(core, function* () {
        const { server, protocols } = yield* sinkServer(() => {
          const s = new FrameSink({ lengthField: { size: 4 }, maxFrameSize: 70_000, maxCapacity: 128 * 1024, initialCapacity: 1024, core: parserCore });
          s.onFrame = (proto, frame) => {
            proto.frames.length = 0;
            proto.transport!.write(frame); // a view of the ring: must not be sent as such if it queues
            if (++echoed % 40 === 0) {
              proto.pauseFrames();
              setTimeout(() => proto.resumeFrames(), 1);
            }
          };
          return s;
        });
        let echoed = 0;
        const payloads = Array.from({ length: 800 }, (_, i) => pattern(100 + ((i * 7919) % 60_000), i + 77));
        const wire = concat(payloads.map(be32));
        const [t, client] = yield* rawClient(portOf(server));
        t.pauseReading(); // the server's writes queue up behind a full socket
        t.write(wire);
        yield* until(() => protocols.length === 1);
        yield* asyncio.sleep(0.1);
        t.resumeReading();
        yield* client.whenReceived(wire.length);
        expect(echoed).toBe(payloads.length);
        expect(firstDifference(client.data(), wire)).toBe(-1);
        t.close();
        server.close();
      });
    });

    for (const maxCapacity of [4096, undefined]) {
      const fill = maxCapacity === undefined ? "the data fits the ring" : "the ring fills up first";
      it(`frames held by pauseFrames() are still delivered when the peer closes meanwhile, then the transport closes (${fill})`, async () => {
        await runNet(core, function* () {
          const { server, protocols } = yield* sinkServer(() => new FrameSink({ delimiter: "\n", maxFrameSize: 1024, maxCapacity, core: parserCore }));
          const lines = Array.from({ length: 500 }, (_, i) => `line ${i} ` + "=".repeat(i % 50));
          const [t] = yield* rawClient(portOf(server));
          yield* until(() => protocols.length === 1);
          const p = protocols[0]!;
          p.pauseFrames();
          t.write(te.encode(lines.join("\n") + "\n"));
          t.close(); // EOF right behind the data
          yield* asyncio.sleep(0.05);
          expect(p.frames.length).toBe(0);
          expect(p.closed.done()).toBe(false);
          p.resumeFrames();
          yield* p.closed;
          expect(p.frames.map((f) => td.decode(f))).toEqual(lines);
          server.close();
        });
      });
    }

    it("FrameError reaches frameError() once, after every whole frame before the bad one; the default closes the connection", async () => {
      await runNet(core, function* () {
        const good = [pg("Q", te.encode("SELECT 1\0")), pg("S", new Uint8Array(0)), pg("D", pattern(3000, 9))];
        const bad = new Uint8Array([0x51, 0, 0, 0, 2]); // a length of 2: shorter than the field itself
        const after = pg("X", new Uint8Array(0));
        for (const split of [false, true]) {
          const { server, protocols } = yield* sinkServer(() => new FrameSink({ preset: "postgres", maxFrameSize: 8192, core: parserCore }));
          const [t, client] = yield* rawClient(portOf(server));
          const wire = concat([...good, bad, after]);
          if (split) yield* writeSplit(t, wire, 33, 100);
          else t.write(wire);
          yield* until(() => protocols.length === 1);
          const p = protocols[0]!;
          // the default frameError closes: both sides see the connection end
          expect(yield* p.closed).toBe(null);
          yield* client.closed;
          expect(p.events).toEqual(["frame", "frame", "frame", "error"]);
          expectFrames(p.frames, good);
          expect(p.errors[0]).toBeInstanceOf(asyncio.FrameError);
          expect(p.errors[0]!.message).toBe("bad length field: frame of 3 bytes is shorter than its 5-byte header");
          server.close();
        }
        // delimiter mode: no delimiter within maxFrameSize; an override that keeps the connection
        // open still gets the error once, and later bytes are discarded
        const { server, protocols } = yield* sinkServer(() => {
          const s = new FrameSink({ delimiter: "\r\n", maxFrameSize: 100, core: parserCore });
          s.closeOnError = false;
          return s;
        });
        const [t] = yield* rawClient(portOf(server));
        t.write(te.encode("ok\r\n" + "z".repeat(150)));
        yield* until(() => protocols.length === 1 && protocols[0]!.errors.length === 1);
        const p = protocols[0]!;
        t.write(te.encode("more\r\nand more\r\n" + "q".repeat(5000)));
        yield* asyncio.sleep(0.03);
        expect(p.events).toEqual(["frame", "error"]);
        expect(p.errors[0]!.message).toBe("no delimiter within maxFrameSize 100 bytes");
        expect(p.transport!.isClosing()).toBe(false);
        t.close();
        yield* p.closed;
        server.close();
      });
    });

    it("an exception thrown from frameReceived goes to the loop's exception handler and closes that transport; the loop and server go on", async () => {
      const reports: asyncio.ExceptionContext[] = [];
      await runNet(
        core,
        function* () {
          const boom = new Error("boom in frameReceived");
          const { server, protocols } = yield* sinkServer(() => {
            const s = new FrameSink({ lengthField: { size: 2, strip: 2 }, maxFrameSize: 1024, core: parserCore });
            s.onFrame = (proto, frame) => {
              if (td.decode(frame) === "throw") throw boom;
            };
            return s;
          });
          const enc = (s: string): Uint8Array => {
            const b = te.encode(s);
            return concat([new Uint8Array([0, b.length]), b]);
          };
          const [t1, c1] = yield* rawClient(portOf(server));
          t1.write(concat(["one", "two", "throw", "never"].map(enc)));
          yield* c1.closed;
          const p1 = protocols[0]!;
          expect(yield* p1.closed).toBe(boom);
          expect(p1.frames.map((f) => td.decode(f))).toEqual(["one", "two", "throw"]);
          expect(reports.length).toBe(1);
          expect(reports[0]!.exception).toBe(boom);
          expect(reports[0]!.message).toMatch(/^Fatal error: protocol\.(getBuffer\(\)\/)?bufferUpdated\(\) call failed\./);
          expect(reports[0]!.protocol).toBe(p1);
          // the loop goes on, and so does the server
          yield* asyncio.sleep(0.001);
          const [t2] = yield* rawClient(portOf(server));
          t2.write(enc("fine"));
          yield* until(() => protocols.length === 2);
          yield* protocols[1]!.whenFrames(1);
          expect(td.decode(protocols[1]!.frames[0]!)).toBe("fine");
          t2.close();
          server.close();
        },
        { reports },
      );
    });

    it("WASM memory growth during traffic: 24 connections whose read rings grow while the others' reads are in flight; every byte verified", async () => {
      _clearInstancePool(); // every ring starts in fresh, small memory
      const reports: asyncio.ExceptionContext[] = [];
      const CONNS = 24;
      const sizes = [50, 3000, 20_000, 90_000, 250_000, 7, 180_000];
      await runNet(
        core,
        function* () {
          const loop = asyncio.getRunningLoop();
          const options = { lengthField: { size: 4, strip: 4 }, maxFrameSize: 1 << 20, initialCapacity: 256, core: parserCore } as const;
          // the server echoes each frame, composed in a WriteBuffer (the shared instance: it grows too)
          const startBytes: number[] = [];
          const servers: FrameSink[] = [];
          const allVerified = new asyncio.Barrier(CONNS);
          const server = yield* loop.createServer(
            () => {
              const s = new FrameSink(options);
              servers.push(s);
              if (parserCore === "wasm") startBytes.push(instanceOf(s).byteLength);
              const wb = new asyncio.WriteBuffer({ initialCapacity: 64 });
              s.onFrame = (proto, frame) => {
                proto.frames.length = 0; // the client verifies; keep memory flat
                wb.writeUint32BE(frame.length).writeBytes(frame);
                wb.flush(proto.transport!);
              };
              return s;
            },
            HOST,
            0,
          );
          function* client(c: number): asyncio.Coroutine<number> {
            const [t, p] = yield* loop.createConnection(() => new FrameSink(options), HOST, portOf(server));
            let verified = 0;
            for (let k = 0; k < sizes.length; k++) {
              const payload = pattern(sizes[(k + c) % sizes.length]!, c * 100 + k);
              t.write(be32(payload));
              yield* p.whenFrames(k + 1);
              const back = p.frames[k]!;
              if (back.length !== payload.length || firstDifference(back, payload) !== -1) throw new Error(`connection ${c}, frame ${k}: echo differs`);
              verified += back.length;
            }
            // nobody closes (and returns a ring's instance to the pool) before all have connected
            yield* allVerified.wait();
            t.close();
            yield* p.closed;
            return verified;
          }
          const tasks = Array.from({ length: CONNS }, (_, c) => asyncio.createTask(client(c)));
          const verified = yield* asyncio.gather(tasks);
          const expected = sizes.reduce((a, b) => a + b, 0);
          expect(verified).toEqual(Array.from({ length: CONNS }, () => expected));
          if (parserCore === "wasm") {
            // every server ring grew its memory during the traffic (fresh instances, 256-byte start)
            const grown = servers.filter((s, i) => grownBytes(s) > startBytes[i]!).length;
            expect(grown).toBe(CONNS);
          }
          for (const s of servers) expect(s.maxRing).toBeGreaterThanOrEqual(250_000);
          server.close();
          yield* server.waitClosed();
        },
        { reports, seconds: 20 },
      );
      expect(reports).toEqual([]);
    }, 30_000);

    it("request/response: the server composes replies with WriteBuffer and flush(transport); views go to the socket, space comes back when the host reports the write done", async () => {
      await runNet(core, function* () {
        const loop = asyncio.getRunningLoop();
        const buffers: asyncio.WriteBuffer[] = [];
        const afterFirstFlush: number[] = [];
        const server = yield* loop.createServer(
          () => {
            const s = new FrameSink({ preset: "postgres", maxFrameSize: 1 << 16, core: parserCore });
            const wb = new asyncio.WriteBuffer({ initialCapacity: 16384 });
            buffers.push(wb);
            s.onFrame = (proto, frame) => {
              // Query 'Q' <sql\0> -> DataRow 'D' [1 column: the sql reversed], CommandComplete 'C'
              const sql = td.decode(frame.subarray(5, frame.length - 1));
              const col = te.encode([...sql].reverse().join(""));
              wb.beginMessage("D").writeInt16BE(1).writeInt32BE(col.length).writeBytes(col).endMessage();
              wb.beginMessage("C").writeCString(`SELECT ${sql.length}`).endMessage();
              const n = wb.flush(proto.transport!);
              if (afterFirstFlush.length === 0) afterFirstFlush.push(n, wb.inflight);
            };
            return s;
          },
          HOST,
          0,
        );
        const [t, client] = yield* loop.createConnection(() => new FrameSink({ preset: "postgres", maxFrameSize: 1 << 16, core: parserCore }), HOST, portOf(server));
        const queries = Array.from({ length: 400 }, (_, i) => `select ${i} from t where x = '${"y".repeat(i % 40)}'`);
        for (let i = 0; i < queries.length; i++) {
          const q = queries[i]!;
          t.write(pg("Q", te.encode(q + "\0")));
          if (i % 50 === 49) yield* client.whenFrames(2 * (i + 1)); // some round trips, some pipelined
        }
        yield* client.whenFrames(2 * queries.length);
        for (let i = 0; i < queries.length; i++) {
          const d = client.frames[2 * i]!;
          const c = client.frames[2 * i + 1]!;
          const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
          expect(String.fromCharCode(d[0]!)).toBe("D");
          expect(dv.getUint32(1)).toBe(d.length - 1);
          expect(dv.getInt16(5)).toBe(1);
          expect(td.decode(d.subarray(11))).toBe([...queries[i]!].reverse().join(""));
          expect(String.fromCharCode(c[0]!)).toBe("C");
          expect(td.decode(c.subarray(5))).toBe(`SELECT ${queries[i]!.length}\0`);
        }
        // the first flush on an idle socket handed over a view: still in flight right after
        expect(afterFirstFlush[0]).toBeGreaterThan(0);
        expect(afterFirstFlush[1]).toBe(afterFirstFlush[0]);
        // every write was reported done and released; the ring was reused, never grown
        const wb = buffers[0]!;
        yield* until(() => wb.inflight === 0);
        expect(wb.capacity).toBe(16384);
        t.close();
        server.close();
      });
    });

    it("flush(transport) under backpressure: replies queue while the client does not read and the WriteBuffer's memory grows; every byte arrives", async () => {
      await runNet(core, function* () {
        const loop = asyncio.getRunningLoop();
        const instance: FramingInstance = createFramingInstance(); // its growth is this test's alone
        const startMemory = instance.byteLength;
        const REPLIES = 48;
        const replySize = (i: number): number => 20_000 + i * 9_000;
        let wb: asyncio.WriteBuffer | null = null;
        const server = yield* loop.createServer(
          () => {
            const s = new FrameSink({ lengthField: { size: 4, strip: 4 }, maxFrameSize: 64, core: parserCore });
            wb = new asyncio.WriteBuffer({ initialCapacity: 1024, instance });
            s.onFrame = (proto) => {
              for (let i = 0; i < REPLIES; i++) {
                // the kernel soon stops taking bytes: later replies queue on the socket while the
                // ring grows (memory.grow) to hold the ones still in flight
                const body = pattern(replySize(i), 500 + i);
                wb!.writeUint32BE(body.length).writeBytes(body);
                wb!.flush(proto.transport!);
              }
            };
            return s;
          },
          HOST,
          0,
        );
        const [t, client] = yield* loop.createConnection(() => new FrameSink({ lengthField: { size: 4, strip: 4 }, maxFrameSize: 1 << 20, core: parserCore }), HOST, portOf(server));
        t.pauseReading();
        t.write(be32(te.encode("go")));
        yield* asyncio.sleep(0.05); // the server composes and flushes every reply meanwhile
        t.resumeReading();
        yield* client.whenFrames(REPLIES);
        for (let i = 0; i < REPLIES; i++) {
          const want = pattern(replySize(i), 500 + i);
          if (firstDifference(client.frames[i]!, want) !== -1) throw new Error(`reply ${i} differs`);
        }
        yield* until(() => wb!.inflight === 0);
        expect(instance.byteLength).toBeGreaterThan(startMemory);
        t.close();
        server.close();
      });
    });
  });
});

/** The framing.wasm instance a wasm-parser FramedProtocol reads into (test access to internals). */
function instanceOf(p: asyncio.FramedProtocol): FramingInstance {
  return (p as unknown as { _parser: { instance: FramingInstance } })._parser.instance;
}

/** Memory size of that instance; after connectionLost the parser is closed but the instance remains. */
function grownBytes(p: asyncio.FramedProtocol): number {
  return instanceOf(p).byteLength;
}
