// Faults, on both loop cores, each with healthy connections running in the same loop throughout
// that must come out intact: peers that reset mid-write, peers that never read (bounded write
// buffers, pauseWriting honoured, StreamWriter.drain waits), peers that half-close, a server
// closed under 1,000 connected clients, TLS peers that send garbage, and exceptions thrown from
// every protocol callback and from done callbacks (reported through the exception handler, the
// affected transport closed, the loop carrying on). Loopback only; every wait is bounded.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import * as net from "node:net";
import * as tls from "node:tls";
import * as asyncio from "../../src/index.js";
import type { Coroutine } from "../../src/index.js";
import { FramedProtocol } from "../../src/framed.js";
import { CORES } from "../helpers.js";
import { CollectProtocol, EchoProtocol, HOST, concat, firstDifference, pattern, portOf, runNet, text } from "../net-helpers.js";
import { record } from "./report.js";

const cert = readFileSync(new URL("../fixtures/tls-cert.pem", import.meta.url));
const key = readFileSync(new URL("../fixtures/tls-key.pem", import.meta.url));

type Lost = Error | null | undefined;
const codeOf = (e: unknown): string | undefined => (e as { code?: string } | null)?.code;

/** A promise as a loop future, bounded in time. */
function* settle<T>(p: Promise<T>, seconds = 10): Coroutine<T> {
  return yield* asyncio.waitFor(asyncio.fromPromise(p), seconds);
}

/**
 * Healthy clients of an echo server: each sends payloads of varying sizes, one at a time, and
 * checks every byte that comes back, until `stop` is done (and at least `minRounds` each).
 * Returns the bytes echoed.
 */
function* healthy(port: number, clients: number, stop: asyncio.Future<void>, options: { minRounds?: number; ssl?: tls.ConnectionOptions; prefix?: Uint8Array } = {}): Coroutine<number> {
  const loop = asyncio.getRunningLoop();
  const minRounds = options.minRounds ?? 3;
  function* one(i: number): Coroutine<number> {
    const [t, p] = yield* loop.createConnection(() => new CollectProtocol(), HOST, port, options.ssl ? { ssl: options.ssl } : {});
    const sent: Uint8Array[] = [];
    let total = 0;
    if (options.prefix) {
      t.write(options.prefix);
      sent.push(options.prefix);
      total += options.prefix.length;
    }
    for (let k = 0; k < minRounds || !stop.done(); k++) {
      if (k > 10_000) throw new Error("healthy client never told to stop");
      const data = pattern(1 + ((i * 7919 + k * 104729) % 30_000), 1 + i * 1000 + k);
      sent.push(data);
      total += data.length;
      t.write(data);
      yield* asyncio.waitFor(p.whenReceived(total), 10);
      yield* asyncio.sleep(0.002);
    }
    const diff = firstDifference(p.data(), concat(sent));
    if (diff !== -1) throw new Error(`healthy client ${i}: bytes differ at ${diff}`);
    if (p.closed.done()) throw new Error(`healthy client ${i} lost its connection: ${String(p.closed.result())}`);
    t.close();
    expect(yield* asyncio.waitFor(p.closed, 10)).toBeNull();
    return total;
  }
  const totals = yield* asyncio.gather(Array.from({ length: clients }, (_, i) => one(i)));
  return totals.reduce((a, b) => a + b, 0);
}

/** A thrown error that says where it was thrown. */
class Boom extends Error {
  constructor(readonly where: string) {
    super(`boom in ${where}`);
  }
}

/**
 * A server protocol whose first byte picks its behaviour: "E" echo; "D" throws in dataReceived;
 * "F" echoes, then throws in eofReceived; "L" echoes, then throws in connectionLost; "R" floods
 * the peer with 64 MiB (honouring pauseWriting) for a peer that resets mid-transfer.
 */
class Mixed extends asyncio.Protocol {
  static all: Mixed[] = [];
  transport: asyncio.Transport | null = null;
  mode = "";
  lost: Lost = undefined;
  flooded = 0;
  paused = false;
  writesAfterLoss = 0;
  constructor() {
    super();
    Mixed.all.push(this);
  }
  override connectionMade(t: asyncio.Transport): void {
    this.transport = t;
  }
  override dataReceived(data: Uint8Array): void {
    if (this.mode === "") this.mode = String.fromCharCode(data[0]!);
    if (this.mode === "D") throw new Boom("dataReceived");
    if (this.mode === "R") return this.flood();
    this.transport!.write(data);
  }
  private flood(): void {
    while (!this.paused && !this.transport!.isClosing() && this.flooded < 64 * 1024 * 1024) {
      this.transport!.write(pattern(256 * 1024, this.flooded));
      this.flooded += 256 * 1024;
    }
  }
  override pauseWriting(): void {
    this.paused = true;
  }
  override resumeWriting(): void {
    this.paused = false;
    this.flood();
  }
  override eofReceived(): boolean {
    if (this.mode === "F") throw new Boom("eofReceived");
    return false;
  }
  override connectionLost(exc: Error | null): void {
    this.lost = exc;
    if (this.mode === "R") {
      // Writing to a lost connection is dropped quietly, never thrown.
      this.transport!.write(text("after the end"));
      this.writesAfterLoss++;
    }
    if (this.mode === "L") throw new Boom("connectionLost");
  }
}

/** Echo over a BufferedProtocol; the first byte "G" makes the next getBuffer throw, "B" bufferUpdated. */
class BufferedMixed extends asyncio.BufferedProtocol {
  transport: asyncio.Transport | null = null;
  private readonly buf = new Uint8Array(64 * 1024);
  mode = "";
  lost: Lost = undefined;
  override connectionMade(t: asyncio.Transport): void {
    this.transport = t;
  }
  override getBuffer(): Uint8Array {
    if (this.mode === "G") throw new Boom("getBuffer");
    return this.buf;
  }
  override bufferUpdated(n: number): void {
    if (this.mode === "" && n > 0) this.mode = String.fromCharCode(this.buf[0]!);
    if (this.mode === "B") throw new Boom("bufferUpdated");
    this.transport!.write(this.buf.slice(0, n));
  }
  override connectionLost(exc: Error | null): void {
    this.lost = exc;
  }
}

/** Lines echoed back; the line "boom" throws in frameReceived. */
class FramedEcho extends FramedProtocol {
  lost: Lost = undefined;
  constructor(core: "wasm" | "js") {
    super({ delimiter: "\n", maxFrameSize: 64 * 1024, core });
  }
  override frameReceived(frame: Uint8Array): void {
    if (frame.length === 4 && new TextDecoder().decode(frame) === "boom") throw new Boom("frameReceived");
    this.transport!.write(concat([frame, text("\n")]));
  }
  override connectionLost(exc: Error | null): void {
    super.connectionLost(exc);
    this.lost = exc;
  }
}

/** A raw node:net client (the misbehaving peer). */
function rawConnect(port: number, options: net.TcpNetConnectOpts | object = {}): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: HOST, ...options }, () => resolve(s));
    s.once("error", reject);
  });
}

/** Resolves when the socket has closed (any way), with whether it saw an error. Reads (and drops) what arrives. */
function closedOf(s: net.Socket): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.destroyed && s.closed) resolve(false);
    let errored = false;
    s.on("error", () => (errored = true));
    s.once("close", () => resolve(errored));
    s.resume(); // else the peer's FIN is never read and "close" never comes
  });
}

describe.each(CORES)("faults on the %s core", (core) => {
  it("peers that reset mid-write: connectionLost gets the error, writes after it are dropped, other connections untouched", async () => {
    const reports: asyncio.ExceptionContext[] = [];
    Mixed.all = [];
    await runNet(
      core,
      function* () {
        const loop = asyncio.getRunningLoop();
        const server = yield* loop.createServer(() => new Mixed(), HOST, 0);
        const port = portOf(server);
        const stop = loop.createFuture<void>();
        const traffic = loop.createTask(healthy(port, 10, stop, { prefix: text("E") }));
        // 20 peers ask for a flood and reset after a varying number of bytes (0: at once).
        const resets = Array.from({ length: 20 }, (_, i) =>
          (async (): Promise<number> => {
            const s = await rawConnect(port);
            const after = i === 0 ? 0 : i * 97_000;
            return new Promise<number>((resolve) => {
              let got = 0;
              s.on("error", () => {});
              const reset = (): void => {
                s.resetAndDestroy();
                resolve(got);
              };
              s.on("data", (d: Buffer) => {
                got += d.length;
                if (got >= after && !s.destroyed) reset();
              });
              s.write("R");
              if (after === 0) setTimeout(reset, 5);
            });
          })(),
        );
        const received = yield* settle(Promise.all(resets), 20);
        expect(received.length).toBe(20);
        const flooders = (): Mixed[] => Mixed.all.filter((m) => m.mode === "R");
        yield* asyncio.timeout(10, function* () {
          while (flooders().length < 20 || flooders().some((m) => m.lost === undefined)) yield* asyncio.sleep(0.005);
        });
        for (const m of flooders()) {
          expect(m.lost).toBeInstanceOf(Error);
          expect(["ECONNRESET", "EPIPE"]).toContain(codeOf(m.lost));
          expect(m.flooded).toBeLessThan(64 * 1024 * 1024); // it stopped writing
          expect(m.transport!.isClosing()).toBe(true);
          expect(m.writesAfterLoss).toBe(1);
        }
        // The other way round: wasyncio clients writing 32 MiB to peers that reset after a while.
        const raw = net.createServer((s) => {
          let got = 0;
          s.on("error", () => {});
          s.on("data", (d: Buffer) => {
            got += d.length;
            if (got > 300_000 && !s.destroyed) s.resetAndDestroy();
          });
        });
        yield* settle(new Promise<void>((r) => raw.listen(0, HOST, () => r())));
        const rawPort = (raw.address() as net.AddressInfo).port;
        const writers = yield* asyncio.gather(Array.from({ length: 10 }, () => loop.createConnection(() => new CollectProtocol(), HOST, rawPort)));
        const mib = pattern(1 << 20, 77);
        for (const [t] of writers) for (let k = 0; k < 32; k++) t.write(mib);
        for (const [t, p] of writers) {
          const exc = yield* asyncio.waitFor(p.closed, 20);
          expect(exc).toBeInstanceOf(Error);
          expect(["ECONNRESET", "EPIPE"]).toContain(codeOf(exc));
          expect(() => t.write(text("late"))).not.toThrow();
        }
        raw.close();
        stop.setResult(undefined);
        const echoed = yield* asyncio.waitFor(traffic, 30);
        expect(echoed).toBeGreaterThan(10 * 3 * 1000);
        server.close();
        yield* asyncio.waitFor(server.waitClosed(), 10);
        record(`fault_resets_${core}`, { resettingPeers: 30, healthyClients: 10, healthyBytesEchoed: echoed });
      },
      { seconds: 60, reports },
    );
    // A reset is the peer's doing, not a protocol failure: nothing goes to the exception handler.
    expect(reports.map((r) => r.message)).toEqual([]);
  });

  it("peers that never read: write buffers stay bounded, pauseWriting is honoured, drain() waits; nothing lost when they read", async () => {
    const reports: asyncio.ExceptionContext[] = [];
    await runNet(
      core,
      function* () {
        const loop = asyncio.getRunningLoop();
        const CHUNK = 64 * 1024;
        const HIGH = 64 * 1024;
        // Stream writers: write + drain in a loop to a peer that does not read.
        const progress: number[] = [];
        const maxBuffered: number[] = [];
        const writersDone: asyncio.Future<void>[] = [];
        const TOTAL = 24 * 1024 * 1024;
        const server = yield* asyncio.startServer(
          function* (_r: asyncio.StreamReader, w: asyncio.StreamWriter): Coroutine<void> {
            const i = progress.length;
            progress.push(0);
            maxBuffered.push(0);
            const finished = loop.createFuture<void>();
            writersDone.push(finished);
            const t = w.transport as asyncio.Transport;
            for (let sent = 0; sent < TOTAL; sent += CHUNK) {
              w.write(pattern(CHUNK, sent / CHUNK));
              maxBuffered[i] = Math.max(maxBuffered[i]!, t.getWriteBufferSize());
              yield* w.drain();
              progress[i] = sent + CHUNK;
            }
            w.close();
            yield* w.waitClosed();
            finished.setResult(undefined);
          },
          HOST,
          0,
        );
        // Protocol writers: write only while not paused.
        const protoState: { paused: number; resumed: number; written: number; maxBuffered: number }[] = [];
        class PoliteWriter extends asyncio.Protocol {
          transport: asyncio.Transport | null = null;
          readonly s = { paused: 0, resumed: 0, written: 0, maxBuffered: 0 };
          private isPaused = false;
          override connectionMade(t: asyncio.Transport): void {
            this.transport = t;
            protoState.push(this.s);
            this.pump();
          }
          private pump(): void {
            while (!this.isPaused && this.s.written < TOTAL) {
              this.transport!.write(pattern(CHUNK, this.s.written / CHUNK));
              this.s.written += CHUNK;
              this.s.maxBuffered = Math.max(this.s.maxBuffered, this.transport!.getWriteBufferSize());
            }
            if (this.s.written >= TOTAL) this.transport!.close();
          }
          override pauseWriting(): void {
            this.isPaused = true;
            this.s.paused++;
          }
          override resumeWriting(): void {
            this.isPaused = false;
            this.s.resumed++;
            this.pump();
          }
        }
        const protoServer = yield* loop.createServer(() => new PoliteWriter(), HOST, 0);
        // The stuck peers: raw sockets that stop reading at once.
        const peers: net.Socket[] = [];
        for (const port of [portOf(server), portOf(protoServer)]) {
          for (let i = 0; i < 5; i++) {
            const s = yield* settle(rawConnect(port));
            s.pause();
            peers.push(s);
          }
        }
        const stop = loop.createFuture<void>();
        const echo = yield* loop.createServer(() => new EchoProtocol(), HOST, 0);
        const traffic = loop.createTask(healthy(portOf(echo), 5, stop));
        yield* asyncio.sleep(0.3);
        // Stalled: nobody is writing any more, and each buffer is bounded.
        const stalled = [...progress];
        const stalledProto = protoState.map((s) => s.written);
        yield* asyncio.sleep(0.3);
        expect(progress).toHaveLength(5);
        expect(protoState).toHaveLength(5);
        expect(progress).toEqual(stalled);
        expect(protoState.map((s) => s.written)).toEqual(stalledProto);
        for (const p of progress) expect(p).toBeLessThan(TOTAL);
        for (const m of maxBuffered) expect(m).toBeLessThanOrEqual(HIGH + CHUNK);
        for (const s of protoState) {
          expect(s.paused).toBe(1);
          expect(s.resumed).toBe(0);
          expect(s.maxBuffered).toBeLessThanOrEqual(HIGH + CHUNK);
        }
        // Now they read: everything arrives, byte for byte.
        const received = peers.map((s) => {
          const chunks: Buffer[] = [];
          const ended = new Promise<Uint8Array>((resolve) => s.on("end", () => resolve(concat(chunks))));
          s.on("data", (d: Buffer) => chunks.push(d));
          s.resume();
          return ended;
        });
        const all = yield* settle(Promise.all(received), 60);
        const expected = concat(Array.from({ length: TOTAL / CHUNK }, (_, k) => pattern(CHUNK, k)));
        for (const got of all) {
          expect(got.length).toBe(TOTAL);
          expect(firstDifference(got, expected)).toBe(-1);
        }
        yield* asyncio.waitFor(asyncio.gather(writersDone), 10);
        for (const s of protoState) expect(s.resumed).toBeGreaterThan(0);
        stop.setResult(undefined);
        yield* asyncio.waitFor(traffic, 30);
        for (const s of peers) s.destroy();
        for (const srv of [server, protoServer, echo]) {
          srv.close();
          yield* asyncio.waitFor(srv.waitClosed(), 10);
        }
        record(`fault_slow_readers_${core}`, { stuckPeers: 10, bytesPerPeer: TOTAL, maxWriteBufferBytes: Math.max(...maxBuffered, ...protoState.map((s) => s.maxBuffered)) });
      },
      { seconds: 90, reports },
    );
    expect(reports.map((r) => r.message)).toEqual([]);
  });

  it("peers that half-close: the server reads to EOF, still answers, then closes", async () => {
    const reports: asyncio.ExceptionContext[] = [];
    await runNet(
      core,
      function* () {
        const loop = asyncio.getRunningLoop();
        const reverse = (b: Uint8Array): Uint8Array => b.slice().reverse();
        let served = 0;
        const server = yield* asyncio.startServer(
          function* (r: asyncio.StreamReader, w: asyncio.StreamWriter): Coroutine<void> {
            const request = yield* r.read(-1); // up to the peer's FIN
            expect(r.atEof()).toBe(true);
            w.write(reverse(request));
            yield* w.drain();
            w.close();
            yield* w.waitClosed();
            served++;
          },
          HOST,
          0,
        );
        const port = portOf(server);
        // 100 raw peers: write, end(), then read the answer until the server closes.
        const raws = Array.from({ length: 100 }, async (_, i): Promise<boolean> => {
          const s = await rawConnect(port, { allowHalfOpen: true });
          const request = pattern(1 + i * 523, i);
          const chunks: Buffer[] = [];
          s.on("data", (d: Buffer) => chunks.push(d));
          const done = new Promise<void>((resolve) => s.on("end", () => resolve()));
          s.end(request);
          await done;
          s.destroy();
          return firstDifference(concat(chunks), reverse(request)) === -1;
        });
        // 100 wasyncio peers: the same through writeEof().
        function* streamPeer(i: number): Coroutine<boolean> {
          const [r, w] = yield* asyncio.openConnection(HOST, port);
          expect(w.canWriteEof()).toBe(true);
          const request = pattern(1 + i * 331, 1000 + i);
          w.write(request);
          w.writeEof();
          const answer = yield* r.read(-1);
          w.close();
          yield* w.waitClosed();
          return firstDifference(answer, reverse(request)) === -1;
        }
        const streams = yield* asyncio.waitFor(asyncio.gather(Array.from({ length: 100 }, (_, i) => streamPeer(i))), 30);
        const rawOk = yield* settle(Promise.all(raws), 30);
        expect(streams.every(Boolean)).toBe(true);
        expect(rawOk.every(Boolean)).toBe(true);
        yield* asyncio.timeout(5, function* () {
          while (served < 200) yield* asyncio.sleep(0.005);
        });
        server.close();
        yield* asyncio.waitFor(server.waitClosed(), 10);
        void loop;
      },
      { seconds: 60, reports },
    );
    expect(reports.map((r) => r.message)).toEqual([]);
  });

  it("a server closed while 1,000 clients are connected: they keep being served until closeClients()/abortClients()", async () => {
    const reports: asyncio.ExceptionContext[] = [];
    await runNet(
      core,
      function* () {
        const loop = asyncio.getRunningLoop();
        const N = 1000;
        const gate = new asyncio.Semaphore(200);
        let serverLost = 0;
        class CountingEcho extends EchoProtocol {
          override connectionLost(exc: Error | null): void {
            super.connectionLost(exc);
            serverLost++;
          }
        }
        const server = yield* loop.createServer(() => new CountingEcho(), HOST, 0, { backlog: 1024 });
        const port = portOf(server);
        function* client(): Coroutine<[asyncio.Transport, CollectProtocol]> {
          yield* gate.acquire();
          try {
            const [t, p] = yield* loop.createConnection(() => new CollectProtocol(), HOST, port);
            t.write(text("a"));
            yield* asyncio.waitFor(p.whenReceived(1), 10);
            return [t, p];
          } finally {
            gate.release();
          }
        }
        const t0 = performance.now();
        const clients = yield* asyncio.gather(Array.from({ length: N }, () => client()));
        const connectSeconds = (performance.now() - t0) / 1000;
        let closed = false;
        const waiting = loop.createTask(
          (function* (): Coroutine<void> {
            yield* server.waitClosed();
            closed = true;
          })(),
        );
        server.close();
        expect(server.isServing()).toBe(false);
        expect(server.sockets).toEqual([]);
        // Nothing listens any more...
        let refused: unknown = null;
        try {
          yield* loop.createConnection(() => new CollectProtocol(), HOST, port);
        } catch (e) {
          refused = e;
        }
        expect(codeOf(refused)).toBe("ECONNREFUSED");
        // ...but every connected client is still served.
        for (const [t] of clients) t.write(text("b"));
        for (const [, p] of clients) yield* asyncio.waitFor(p.whenReceived(2), 10);
        for (const [, p] of clients) expect(new TextDecoder().decode(p.data())).toBe("ab");
        yield* asyncio.sleep(0.05);
        expect(closed).toBe(false);
        expect(serverLost).toBe(0);
        const t1 = performance.now();
        server.closeClients();
        for (const [, p] of clients) expect(yield* asyncio.waitFor(p.closed, 20)).toBeNull();
        yield* asyncio.waitFor(waiting, 10);
        const closeSeconds = (performance.now() - t1) / 1000;
        expect(closed).toBe(true);
        expect(serverLost).toBe(N);

        // abortClients, with stream clients.
        const server2 = yield* asyncio.startServer(
          function* (r: asyncio.StreamReader, w: asyncio.StreamWriter): Coroutine<void> {
            for (;;) {
              const line = yield* r.readline();
              if (line.length === 0) break;
              w.write(line);
            }
          },
          HOST,
          0,
          { backlog: 1024 },
        );
        const port2 = portOf(server2);
        function* streamClient(i: number): Coroutine<[asyncio.StreamReader, asyncio.StreamWriter]> {
          yield* gate.acquire();
          try {
            const [r, w] = yield* asyncio.openConnection(HOST, port2);
            w.write(text(`hello ${i}\n`));
            expect(new TextDecoder().decode(yield* asyncio.waitFor(r.readline(), 10))).toBe(`hello ${i}\n`);
            return [r, w];
          } finally {
            gate.release();
          }
        }
        const streams = yield* asyncio.gather(Array.from({ length: N }, (_, i) => streamClient(i)));
        server2.close();
        server2.abortClients();
        let eofs = 0;
        let resets = 0;
        for (const [r, w] of streams) {
          try {
            const rest = yield* asyncio.waitFor(r.read(), 20);
            expect(rest.length).toBe(0);
            eofs++;
          } catch (e) {
            expect(["ECONNRESET", "EPIPE"]).toContain(codeOf(e));
            resets++;
          }
          w.close();
        }
        expect(eofs + resets).toBe(N);
        yield* asyncio.waitFor(server2.waitClosed(), 20);
        record(`fault_server_close_${core}`, { clients: N, connectSeconds: +connectSeconds.toFixed(2), closeClientsSeconds: +closeSeconds.toFixed(2), abortedSawEof: eofs, abortedSawReset: resets });
      },
      { seconds: 120, reports },
    );
    expect(reports.map((r) => r.message)).toEqual([]);
  });

  it("TLS peers that send garbage: refused or closed, the server keeps serving, nothing leaks", async () => {
    const reports: asyncio.ExceptionContext[] = [];
    await runNet(
      core,
      function* () {
        const loop = asyncio.getRunningLoop();
        const lost: Lost[] = [];
        class TlsEcho extends EchoProtocol {
          override connectionLost(exc: Error | null): void {
            super.connectionLost(exc);
            lost.push(exc);
          }
        }
        const server = yield* loop.createServer(() => new TlsEcho(), HOST, 0, { ssl: { key, cert }, sslHandshakeTimeout: 1 });
        const port = portOf(server);
        const stop = loop.createFuture<void>();
        const traffic = loop.createTask(healthy(port, 5, stop, { ssl: { ca: cert } }));
        // Garbage before or instead of a handshake.
        const rnd = (n: number, seed: number): Buffer => Buffer.from(pattern(n, seed));
        const garbage: Buffer[] = [
          rnd(4096, 1), // random bytes
          Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff]), rnd(2000, 2)]), // a record claiming 64 KiB
          Buffer.from([0x16, 0x03, 0x03, 0x00, 0x05, 0x01, 0xff, 0xff, 0xff, 0xff]), // a ClientHello with an absurd length
          Buffer.from("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"), // plain text
          Buffer.from([0x80, 0x80, 0x01, 0x03, 0x01]), // SSLv2-style header
          Buffer.from([0x16, 0x03, 0x01]), // a partial header, then silence: the handshake timeout ends it
          Buffer.alloc(0), // nothing at all: the handshake timeout ends it
        ];
        const garbagePeers = garbage.map(async (g): Promise<boolean> => {
          const s = await rawConnect(port);
          const closed = closedOf(s);
          if (g.length > 0) s.write(g);
          await closed;
          return true;
        });
        // A real TLS client that completes the handshake through a relay, which then injects
        // garbage into the server's stream.
        const injected = (async (): Promise<boolean> => {
          let upstream: net.Socket | null = null;
          const relay = net.createServer((down) => {
            const up = net.connect(port, HOST);
            upstream = up;
            down.on("error", () => {});
            up.on("error", () => {});
            down.pipe(up);
            up.pipe(down);
          });
          await new Promise<void>((r) => relay.listen(0, HOST, () => r()));
          const secure = tls.connect({ port: (relay.address() as net.AddressInfo).port, host: HOST, ca: cert, servername: "localhost" });
          await new Promise<void>((resolve, reject) => {
            secure.once("secureConnect", () => resolve());
            secure.once("error", reject);
          });
          relay.close();
          secure.write("fine\n");
          await new Promise((r) => secure.once("data", r));
          // The server answers with an alert (the client errors) and closes.
          const closed = new Promise<void>((resolve) => {
            secure.once("error", () => resolve());
            secure.once("close", () => resolve());
            secure.resume();
          });
          // A whole application-data record of random bytes: it cannot decrypt, the server's TLS
          // layer must reject it. (A partial record would just be waited for, as by any TLS stack.)
          (upstream as unknown as net.Socket).write(Buffer.concat([Buffer.from([0x17, 0x03, 0x03, 0x02, 0x00]), rnd(512, 3)]));
          await closed;
          return true;
        })();
        const results = yield* settle(Promise.all([...garbagePeers, injected]), 20);
        expect(results.every(Boolean)).toBe(true);
        // The injected connection had reached the protocol: it was closed with an error.
        yield* asyncio.timeout(5, function* () {
          while (!lost.some((e) => e instanceof Error)) yield* asyncio.sleep(0.005);
        });
        // A wasyncio TLS client talking to a raw server that answers the ClientHello with garbage.
        const liar = net.createServer((s) => {
          s.on("error", () => {});
          s.once("data", () => s.write(rnd(1024, 4)));
        });
        yield* settle(new Promise<void>((r) => liar.listen(0, HOST, () => r())));
        let clientError: unknown = null;
        try {
          yield* loop.createConnection(() => new CollectProtocol(), HOST, (liar.address() as net.AddressInfo).port, { ssl: { ca: cert }, serverHostname: "localhost" });
        } catch (e) {
          clientError = e;
        }
        expect(clientError).toBeInstanceOf(asyncio.SSLError);
        liar.close();
        stop.setResult(undefined);
        const echoed = yield* asyncio.waitFor(traffic, 30);
        server.close();
        // Every connection, garbage ones included, is gone: waitClosed returns.
        yield* asyncio.waitFor(server.waitClosed(), 10);
        record(`fault_tls_garbage_${core}`, { garbagePeers: garbage.length + 1, healthyBytesEchoed: echoed, injectedCloseError: String(lost.find((e) => e instanceof Error)?.name ?? "none") });
      },
      { seconds: 60, reports },
    );
    // Failed handshakes are the peer's problem (asyncio logs them in debug mode only).
    expect(reports.map((r) => r.message)).toEqual([]);
  });

  it("an exception from every protocol callback and from done callbacks is reported; that transport closes; the rest carries on", async () => {
    const reports: asyncio.ExceptionContext[] = [];
    const K = 5;
    Mixed.all = [];
    await runNet(
      core,
      function* () {
        const loop = asyncio.getRunningLoop();
        const stop = loop.createFuture<void>();
        // One server per protocol kind; healthy clients on the same servers as the failing ones.
        const mixed = yield* loop.createServer(() => new Mixed(), HOST, 0);
        const buffered: BufferedMixed[] = [];
        const bufServer = yield* loop.createServer(() => {
          const p = new BufferedMixed();
          buffered.push(p);
          return p;
        }, HOST, 0);
        const framed: FramedEcho[] = [];
        const framedServer = yield* loop.createServer(() => {
          const p = new FramedEcho(core);
          framed.push(p);
          return p;
        }, HOST, 0);
        class BadMade extends asyncio.Protocol {
          override connectionMade(): void {
            throw new Boom("connectionMade");
          }
        }
        const badMadeServer = yield* loop.createServer(() => new BadMade(), HOST, 0);
        const traffic = [
          loop.createTask(healthy(portOf(mixed), 6, stop, { prefix: text("E") })),
          loop.createTask(healthy(portOf(bufServer), 4, stop, { prefix: text("E") })),
        ];
        // Framed healthy clients: lines out, the same lines back.
        function* framedClient(i: number): Coroutine<number> {
          const [r, w] = yield* asyncio.openConnection(HOST, portOf(framedServer));
          let n = 0;
          for (let k = 0; k < 3 || !stop.done(); k++) {
            const line = `line ${i} ${k} ${"x".repeat((i * 37 + k) % 500)}\n`;
            w.write(text(line));
            expect(new TextDecoder().decode(yield* asyncio.waitFor(r.readline(), 10))).toBe(line);
            n++;
            yield* asyncio.sleep(0.002);
          }
          w.close();
          yield* w.waitClosed();
          return n;
        }
        const framedTraffic = asyncio.gather(Array.from({ length: 4 }, (_, i) => loop.createTask(framedClient(i))));

        function* expectClosedBy(port: number, send: (t: asyncio.Transport, p: CollectProtocol) => Coroutine<void>): Coroutine<void> {
          const [t, p] = yield* loop.createConnection(() => new CollectProtocol(), HOST, port);
          yield* send(t, p);
          yield* asyncio.waitFor(p.closed, 10); // the server closed it
        }
        for (let i = 0; i < K; i++) {
          // dataReceived
          yield* expectClosedBy(portOf(mixed), function* (t) {
            t.write(text("D and more"));
          });
          // eofReceived
          yield* expectClosedBy(portOf(mixed), function* (t, p) {
            t.write(text("F"));
            yield* asyncio.waitFor(p.whenReceived(1), 10);
            t.writeEof();
          });
          // connectionLost (the client closes; the server's connectionLost throws)
          const [tl, pl] = yield* loop.createConnection(() => new CollectProtocol(), HOST, portOf(mixed));
          tl.write(text("L"));
          yield* asyncio.waitFor(pl.whenReceived(1), 10);
          tl.close();
          yield* asyncio.waitFor(pl.closed, 10);
          // connectionMade (server side)
          yield* expectClosedBy(portOf(badMadeServer), function* () {});
          // getBuffer / bufferUpdated (the "G" arrives in one read, the next getBuffer throws)
          yield* expectClosedBy(portOf(bufServer), function* (t) {
            t.write(text("B"));
          });
          yield* expectClosedBy(portOf(bufServer), function* (t, p) {
            t.write(text("G"));
            yield* asyncio.waitFor(p.whenReceived(1), 10);
            t.write(text("more"));
          });
          // FramedProtocol.frameReceived: the frames before it are echoed, none after
          yield* expectClosedBy(portOf(framedServer), function* (t, p) {
            t.write(text("one\ntwo\nboom\nthree\n"));
            yield* asyncio.waitFor(p.closed, 10);
            expect(new TextDecoder().decode(p.data())).toBe("one\ntwo\n");
          });
          // Client side: connectionMade and dataReceived throwing on a client connection.
          class ClientBadMade extends CollectProtocol {
            override connectionMade(t: asyncio.Transport): void {
              super.connectionMade(t);
              throw new Boom("client connectionMade");
            }
          }
          const [tm, pm] = yield* loop.createConnection(() => new ClientBadMade(), HOST, portOf(mixed));
          expect(tm.isClosing()).toBe(true);
          yield* asyncio.waitFor(pm.closed, 10);
          class ClientBadData extends CollectProtocol {
            override dataReceived(): void {
              throw new Boom("client dataReceived");
            }
          }
          const [td, pd] = yield* loop.createConnection(() => new ClientBadData(), HOST, portOf(mixed));
          td.write(text("E"));
          expect((yield* asyncio.waitFor(pd.closed, 10)) as Error).toBeInstanceOf(Boom);
        }

        // pauseWriting / resumeWriting throwing: reported, the transport stays open, nothing lost.
        let peer: net.Socket | null = null;
        const got: Buffer[] = [];
        const peerEnded = new Promise<void>((resolve) => {
          const raw = net.createServer({ pauseOnConnect: true }, (s) => {
            peer = s;
            s.on("data", (d: Buffer) => got.push(d));
            s.on("end", () => {
              s.end();
              resolve();
            });
            raw.close();
          });
          raw.listen(0, HOST, () => rawPort.setResult((raw.address() as net.AddressInfo).port));
        });
        const rawPort = loop.createFuture<number>();
        class BadFlow extends CollectProtocol {
          override pauseWriting(): void {
            throw new Boom("pauseWriting");
          }
          override resumeWriting(): void {
            throw new Boom("resumeWriting");
          }
        }
        const [tf, pf] = yield* loop.createConnection(() => new BadFlow(), HOST, yield* asyncio.waitFor(rawPort, 5));
        const flowData = concat(Array.from({ length: 64 }, (_, k) => pattern(64 * 1024, 500 + k)));
        for (let k = 0; k < 64; k++) tf.write(flowData.subarray(k * 65536, (k + 1) * 65536));
        yield* asyncio.sleep(0.05);
        expect(tf.isClosing()).toBe(false);
        yield* asyncio.timeout(5, function* () {
          while (peer === null) yield* asyncio.sleep(0.005);
        });
        (peer as unknown as net.Socket).resume();
        yield* asyncio.timeout(10, function* () {
          while (tf.getWriteBufferSize() > 0) yield* asyncio.sleep(0.005);
        });
        tf.writeEof();
        yield* settle(peerEnded);
        expect(firstDifference(concat(got), flowData)).toBe(-1);
        yield* asyncio.waitFor(pf.closed, 10);

        // Done callbacks and plain callbacks throwing, while all of the above carries on.
        let ran = 0;
        for (let i = 0; i < 100; i++) {
          const fut = loop.createFuture<number>();
          fut.addDoneCallback(() => {
            throw new Boom("future done callback");
          });
          fut.addDoneCallback(() => ran++);
          loop.callSoon(() => fut.setResult(i));
          const task = loop.createTask(asyncio.sleep(0.001, i));
          task.addDoneCallback(() => {
            throw new Boom("task done callback");
          });
          task.addDoneCallback(() => ran++);
          loop.callLater(0.001, () => {
            throw new Boom("timer callback");
          });
        }
        yield* asyncio.sleep(0.05);
        expect(ran).toBe(200);

        stop.setResult(undefined);
        const echoed = (yield* asyncio.waitFor(asyncio.gather(traffic), 30)).reduce((a, b) => a + b, 0);
        const lines = (yield* asyncio.waitFor(framedTraffic, 30)).reduce((a, b) => a + b, 0);
        // Every failing server-side transport was closed, each exactly once.
        for (const m of Mixed.all.filter((x) => x.mode === "D" || x.mode === "F")) {
          expect(m.lost).toBeInstanceOf(Boom);
          expect(m.transport!.isClosing()).toBe(true);
        }
        for (const b of buffered.filter((x) => x.mode === "B" || x.mode === "G")) expect(b.lost).toBeInstanceOf(Boom);
        expect(framed.filter((f) => f.lost instanceof Boom)).toHaveLength(K);
        for (const srv of [mixed, bufServer, framedServer, badMadeServer]) {
          srv.close();
          yield* asyncio.waitFor(srv.waitClosed(), 10);
        }
        record(`fault_callbacks_${core}`, { failingConnections: 9 * K + 1, callbackFaults: 300, healthyBytesEchoed: echoed, healthyFramedLines: lines });
      },
      { seconds: 90, reports },
    );
    // Exactly the failures thrown, each reported once, with asyncio's messages.
    const booms = reports.filter((r) => r.exception instanceof Boom);
    expect(reports.filter((r) => !(r.exception instanceof Boom)).map((r) => `${r.message}: ${String(r.exception)}`)).toEqual([]);
    const count = (where: string): number => booms.filter((r) => (r.exception as Boom).where === where).length;
    const messages = (where: string): string[] => [...new Set(booms.filter((r) => (r.exception as Boom).where === where).map((r) => r.message))];
    expect(count("dataReceived")).toBe(K);
    expect(messages("dataReceived")).toEqual(["Fatal error: protocol.dataReceived() call failed."]);
    expect(count("eofReceived")).toBe(K);
    expect(messages("eofReceived")).toEqual(["Fatal error: protocol.eofReceived() call failed."]);
    expect(count("connectionLost")).toBe(K);
    expect(messages("connectionLost")).toEqual(["Exception in callback protocol.connectionLost()"]);
    expect(count("connectionMade")).toBe(K);
    expect(messages("connectionMade")).toEqual(["Fatal error: protocol.connectionMade() call failed."]);
    expect(count("client connectionMade")).toBe(K);
    expect(count("client dataReceived")).toBe(K);
    expect(count("getBuffer")).toBe(K);
    expect(messages("getBuffer")[0]).toMatch(/getBuffer/);
    expect(count("bufferUpdated")).toBe(K);
    expect(messages("bufferUpdated")[0]).toMatch(/bufferUpdated/);
    expect(count("frameReceived")).toBe(K);
    expect(messages("frameReceived")[0]).toMatch(/bufferUpdated\(\) call failed/);
    expect(count("pauseWriting")).toBe(1);
    expect(messages("pauseWriting")).toEqual(["protocol.pauseWriting() failed"]);
    expect(count("resumeWriting")).toBe(1);
    expect(messages("resumeWriting")).toEqual(["protocol.resumeWriting() failed"]);
    for (const where of ["future done callback", "task done callback", "timer callback"]) {
      expect(count(where)).toBe(100);
      expect(messages(where)[0]).toMatch(/^Exception in callback/);
    }
    // Reports about a transport name it and its protocol.
    for (const r of booms.filter((b) => !/callback$/.test((b.exception as Boom).where))) {
      expect(r.transport).toBeDefined();
      expect(r.protocol).toBeDefined();
    }
  });
});
