// Streams: StreamReader edge cases (fed by hand), and openConnection/startServer over sockets.
import { describe, expect, it } from "vitest";
import * as net from "node:net";
import * as asyncio from "../src/index.js";
import { CORES } from "./helpers.js";
import { HOST, concat, firstDifference, pattern, portOf, runNet, str, text, until } from "./net-helpers.js";

function* catching(coro: asyncio.Coroutine<unknown> | asyncio.Future<unknown>): asyncio.Coroutine<unknown> {
  try {
    yield* coro as asyncio.Coroutine<unknown>;
  } catch (error) {
    return error;
  }
  throw new Error("expected an exception");
}

/** Feeds `chunks` one per loop iteration, then EOF if asked. */
function feeder(reader: asyncio.StreamReader, chunks: (string | Uint8Array)[], eof = true): asyncio.Task<void> {
  return asyncio.createTask(
    (function* () {
      for (const c of chunks) {
        yield* asyncio.sleep(0);
        reader.feedData(typeof c === "string" ? text(c) : c);
      }
      if (eof) {
        yield* asyncio.sleep(0);
        reader.feedEof();
      }
    })(),
  );
}

class FakeTransport {
  paused = 0;
  resumed = 0;
  pauseReading(): void {
    this.paused++;
  }
  resumeReading(): void {
    this.resumed++;
  }
}

describe.each(CORES)("StreamReader on the %s core", (core) => {
  it("readline: whole lines, lines split across chunks, EOF mid-line, then empty", async () => {
    await runNet(core, function* () {
      const r = new asyncio.StreamReader();
      feeder(r, ["one\ntw", "o\n", "th", "r", "ee\nfour"]);
      expect(str(yield* r.readline())).toBe("one\n");
      expect(str(yield* r.readline())).toBe("two\n");
      expect(str(yield* r.readline())).toBe("three\n");
      expect(str(yield* r.readline())).toBe("four"); // EOF mid-line: the partial line
      expect(r.atEof()).toBe(true);
      expect(str(yield* r.readline())).toBe("");
      expect(str(yield* r.read())).toBe("");
    });
  });

  it("readuntil: a separator split across chunks, strings or bytes, lists (shortest match wins)", async () => {
    await runNet(core, function* () {
      const r = new asyncio.StreamReader();
      feeder(r, ["GET / HTTP/1.1\r", "\nHost: x\r\n\r", "\n", "a|b;c|"], false);
      expect(str(yield* r.readuntil("\r\n"))).toBe("GET / HTTP/1.1\r\n");
      expect(str(yield* r.readuntil(text("\r\n\r\n")))).toBe("Host: x\r\n\r\n");
      expect(str(yield* r.readuntil([";", "|"]))).toBe("a|");
      expect(str(yield* r.readuntil([text("|"), ";"]))).toBe("b;");
      expect(str(yield* r.readuntil("|"))).toBe("c|");
      expect(yield* catching(r.readuntil(""))).toBeInstanceOf(RangeError);
      expect(yield* catching(r.readuntil([]))).toBeInstanceOf(RangeError);
      r.feedEof();
      const e = (yield* catching(r.readuntil("x"))) as asyncio.IncompleteReadError;
      expect(e).toBeInstanceOf(asyncio.IncompleteReadError);
      expect(e.partial.length).toBe(0);
      expect(e.expected).toBeNull();
    });
  });

  it("readuntil: EOF before the separator gives the partial data, consumed", async () => {
    await runNet(core, function* () {
      const r = new asyncio.StreamReader();
      feeder(r, ["no separator ", "here"]);
      const e = (yield* catching(r.readuntil("\n\n"))) as asyncio.IncompleteReadError;
      expect(e).toBeInstanceOf(asyncio.IncompleteReadError);
      expect(str(e.partial)).toBe("no separator here");
      expect(e.message).toBe("17 bytes read on a total of undefined expected bytes");
      expect(r.atEof()).toBe(true);
    });
  });

  it("readuntil past the limit: LimitOverrunError, nothing consumed; readline: RangeError, data dropped", async () => {
    await runNet(core, function* () {
      const r = new asyncio.StreamReader(10);
      expect(r.limit).toBe(10);
      feeder(r, ["0123456", "789abcdef"], false);
      const e = (yield* catching(r.readuntil("\n"))) as asyncio.LimitOverrunError;
      expect(e).toBeInstanceOf(asyncio.LimitOverrunError);
      expect(e.message).toBe("Separator is not found, and chunk exceed the limit");
      expect(e.consumed).toBe(16);
      // nothing consumed: the bytes are still there
      expect(str(yield* r.read(16))).toBe("0123456789abcdef");

      r.feedData(text("xxxxxxxxxxxxxxx\nrest\n")); // separator found at 15 > limit 10
      const e2 = (yield* catching(r.readuntil("\n"))) as asyncio.LimitOverrunError;
      expect(e2.message).toBe("Separator is found, but chunk is longer than limit");
      expect(e2.consumed).toBe(15);
      // readline drops the long line including its separator, and raises ValueError's twin
      const e3 = yield* catching(r.readline());
      expect(e3).toBeInstanceOf(RangeError);
      expect((e3 as Error).cause).toBeInstanceOf(asyncio.LimitOverrunError);
      expect(str(yield* r.readline())).toBe("rest\n");
      // no separator at all: readline drops the whole buffer
      r.feedData(text("y".repeat(30)));
      expect(yield* catching(r.readline())).toBeInstanceOf(RangeError);
      r.feedData(text("ok\n"));
      expect(str(yield* r.readline())).toBe("ok\n");
    });
  });

  it("readexactly: exact, across chunks, 0, negative, and EOF first (IncompleteReadError)", async () => {
    await runNet(core, function* () {
      const r = new asyncio.StreamReader();
      feeder(r, ["ab", "cdef", "g", "hij"]);
      expect(str(yield* r.readexactly(3))).toBe("abc");
      expect(str(yield* r.readexactly(0))).toBe("");
      expect(str(yield* r.readexactly(4))).toBe("defg");
      expect(yield* catching(r.readexactly(-1))).toBeInstanceOf(RangeError);
      expect(yield* catching(r.readexactly(1.5))).toBeInstanceOf(TypeError);
      const e = (yield* catching(r.readexactly(10))) as asyncio.IncompleteReadError;
      expect(e).toBeInstanceOf(asyncio.IncompleteReadError);
      expect(str(e.partial)).toBe("hij");
      expect(e.expected).toBe(10);
      expect(r.atEof()).toBe(true);
    });
  });

  it("read(0) returns at once, read(n) at most n, read(-1) until EOF", async () => {
    await runNet(core, function* () {
      const r = new asyncio.StreamReader(4);
      expect((yield* r.read(0)).length).toBe(0); // no data yet, no wait
      feeder(r, ["hello", " ", "world", pattern(100, 1)]);
      expect(str(yield* r.read(3))).toBe("hel");
      expect(str(yield* r.read(100))).toBe("lo");
      const rest = yield* r.read(-1);
      expect(str(rest.subarray(0, 6))).toBe(" world");
      expect(firstDifference(rest.subarray(6), pattern(100, 1))).toBe(-1);
      expect((yield* r.read()).length).toBe(0);
      expect((yield* r.read(5)).length).toBe(0);
      expect(yield* catching(r.read(Number.NaN))).toBeInstanceOf(TypeError);
    });
  });

  it("returns whole received chunks without copying", async () => {
    await runNet(core, function* () {
      const r = new asyncio.StreamReader();
      const chunk = pattern(1000, 3);
      r.feedData(chunk);
      expect(yield* r.read(65536)).toBe(chunk);
    });
  });

  it("handles 100k one-byte chunks and a 1 MiB line without quadratic work", async () => {
    await runNet(core, function* () {
      const r = new asyncio.StreamReader(2 << 20);
      const one = text("z");
      for (let i = 0; i < 100_000; i++) r.feedData(one);
      r.feedData(text("\n"));
      const t0 = performance.now();
      const line = yield* r.readline();
      expect(line.length).toBe(100_001);
      // a long line arriving in many chunks, with a reader waiting on it all along
      const waiting = asyncio.createTask(r.readuntil("END"));
      for (let i = 0; i < 1024; i++) {
        r.feedData(pattern(1024, i).map((b) => (b === 69 ? 0 : b)));
        if (i % 64 === 0) yield* asyncio.sleep(0);
      }
      r.feedData(text("EN"));
      yield* asyncio.sleep(0);
      r.feedData(text("D"));
      expect((yield* waiting).length).toBe(1024 * 1024 + 3);
      expect(performance.now() - t0).toBeLessThan(5000); // quadratic would be minutes
    });
  });

  it("setException fails the pending read and later ones; one waiter at a time; feedData after EOF throws", async () => {
    await runNet(core, function* () {
      const r = new asyncio.StreamReader();
      const pending = asyncio.createTask(r.read(10));
      yield* asyncio.sleep(0);
      expect(yield* catching(r.readline())).toBeInstanceOf(Error); // a second waiter
      const boom = new Error("connection went away");
      r.setException(boom);
      expect(r.exception()).toBe(boom);
      expect(yield* catching(pending)).toBe(boom);
      expect(yield* catching(r.readexactly(1))).toBe(boom);
      const r2 = new asyncio.StreamReader();
      r2.feedEof();
      expect(() => r2.feedData(text("late"))).toThrow();
      expect(() => new asyncio.StreamReader(0)).toThrow(RangeError);
      expect(() => new asyncio.StreamReader({ limit: -5 })).toThrow(RangeError);
      expect(new asyncio.StreamReader({ limit: 7 }).limit).toBe(7);
      expect(String(r2)).toMatch(/eof/);
    });
  });

  it("a cancelled read lets the next read wait, and the data goes to that one", async () => {
    await runNet(core, function* () {
      const r = new asyncio.StreamReader();
      const first = asyncio.createTask(r.read(10));
      yield* asyncio.sleep(0);
      expect(String(r)).toMatch(/waiter/);
      first.cancel();
      expect(yield* catching(first)).toBeInstanceOf(asyncio.CancelledError);
      expect(String(r)).not.toMatch(/waiter/);
      const second = asyncio.createTask(r.readexactly(4));
      yield* asyncio.sleep(0);
      expect(yield* catching(r.read(1))).toBeInstanceOf(Error); // second is the waiter now
      r.feedData(text("data"));
      expect(str(yield* second)).toBe("data");
    });
  });

  it("has asyncio's 64 KiB default limit; a line exactly at the limit passes, one byte more fails", async () => {
    await runNet(core, function* () {
      const r = new asyncio.StreamReader();
      expect(r.limit).toBe(65536);
      expect(asyncio.DEFAULT_LIMIT).toBe(65536);
      r.feedData(new Uint8Array(65536).fill(120));
      r.feedData(text("\n"));
      expect((yield* r.readline()).length).toBe(65537); // separator at index 65536 = limit: allowed
      r.feedData(new Uint8Array(65537).fill(121));
      r.feedData(text("\nnext\n"));
      expect(yield* catching(r.readline())).toBeInstanceOf(RangeError);
      expect(str(yield* r.readline())).toBe("next\n");
      // readuntil at the limit with a multi-byte separator, then EOF on an exact read
      const small = new asyncio.StreamReader(4);
      small.feedData(text("abcd\r\nabcde\r\n"));
      expect(str(yield* small.readuntil("\r\n"))).toBe("abcd\r\n");
      const over = (yield* catching(small.readuntil("\r\n"))) as asyncio.LimitOverrunError;
      expect(over).toBeInstanceOf(asyncio.LimitOverrunError);
      expect(over.consumed).toBe(5);
      expect(str(yield* small.readexactly(7))).toBe("abcde\r\n");
      small.feedData(text("xy"));
      small.feedEof();
      expect(str(yield* small.readexactly(2))).toBe("xy"); // exactly what is left: no error
      expect(small.atEof()).toBe(true);
      const e = (yield* catching(small.readexactly(1))) as asyncio.IncompleteReadError;
      expect(e).toBeInstanceOf(asyncio.IncompleteReadError);
      expect(e.partial.length).toBe(0);
      expect(e.expected).toBe(1);
    });
  });

  it("pauses its transport past twice the limit and resumes at the limit", async () => {
    await runNet(core, function* () {
      const r = new asyncio.StreamReader(100);
      const t = new FakeTransport();
      r.setTransport(t);
      expect(() => r.setTransport(t)).toThrow();
      r.feedData(pattern(150, 1));
      r.feedData(pattern(50, 2));
      expect(t.paused).toBe(0); // 200 = 2 × limit: not past it
      r.feedData(pattern(1, 3));
      expect(t.paused).toBe(1);
      r.feedData(pattern(10, 4));
      expect(t.paused).toBe(1);
      yield* r.read(100); // 111 left
      expect(t.resumed).toBe(0);
      yield* r.read(11); // 100 left
      expect(t.resumed).toBe(1);
    });
  });
});

describe.each(CORES)("streams over sockets on the %s core", (core) => {
  it("echo server with a generator callback: 1 byte to 4 MiB, each checked", async () => {
    await runNet(core, function* () {
      const server = yield* asyncio.startServer(
        function* (reader, writer) {
          for (;;) {
            const data = yield* reader.read(65536);
            if (data.length === 0) break;
            writer.write(data);
            yield* writer.drain();
          }
          writer.close();
          yield* writer.waitClosed();
        },
        HOST,
        0,
      );
      for (const size of [1, 1000, 65_536, 4 << 20]) {
        const [reader, writer] = yield* asyncio.openConnection(HOST, portOf(server));
        const payload = pattern(size, size);
        writer.write(payload);
        yield* writer.drain();
        expect(writer.canWriteEof()).toBe(true);
        writer.writeEof();
        const echoed = yield* reader.read(-1);
        expect(echoed.length).toBe(size);
        expect(firstDifference(echoed, payload)).toBe(-1);
        expect(writer.transport).toBeInstanceOf(asyncio.StreamTransport);
        expect(writer.isClosing()).toBe(false);
        writer.close();
        expect(writer.isClosing()).toBe(true);
        yield* writer.waitClosed();
      }
      server.close();
      yield* server.waitClosed();
    });
  });

  it("a plain-function callback works; a failing coroutine callback is reported and closes", async () => {
    const reports: asyncio.ExceptionContext[] = [];
    await runNet(
      core,
      function* () {
        const greeter = yield* asyncio.startServer(
          (_reader, writer) => {
            writer.write(text("hello\n"));
            writer.close();
          },
          HOST,
          0,
        );
        const [r1, w1] = yield* asyncio.openConnection(HOST, portOf(greeter));
        expect(str(yield* r1.readline())).toBe("hello\n");
        expect(str(yield* r1.read())).toBe("");
        w1.close();

        const failing = yield* asyncio.startServer(
          function* (reader) {
            yield* reader.readline();
            throw new Error("handler failed");
          },
          HOST,
          0,
        );
        const [r2, w2] = yield* asyncio.openConnection(HOST, portOf(failing));
        w2.write(text("go\n"));
        expect(str(yield* r2.read())).toBe("");
        yield* until(() => reports.length > 0);
        expect(reports[0]!.message).toBe("Unhandled exception in client_connected_cb");
        expect((reports[0]!.exception as Error).message).toBe("handler failed");
        w2.close();
        for (const s of [greeter, failing]) {
          s.close();
          yield* s.waitClosed();
        }
        expect(yield* catching(asyncio.startServer(5 as never, HOST, 0))).toBeInstanceOf(TypeError);
        expect(yield* catching(asyncio.openConnection(HOST, 1, { limit: 0 }))).toBeInstanceOf(RangeError);
      },
      { reports },
    );
  });

  it("StreamWriter: writelines, getExtraInfo, isClosing; argument checks", async () => {
    await runNet(core, function* () {
      const server = yield* asyncio.startServer(
        function* (reader, writer) {
          const data = yield* reader.read(-1);
          writer.writelines([text("got "), text(String(data.length)), text(" bytes")]);
          yield* writer.drain();
          writer.close();
          yield* writer.waitClosed();
        },
        HOST,
        0,
      );
      const port = portOf(server);
      const [reader, writer] = yield* asyncio.openConnection(HOST, port, { limit: 1024 });
      expect(writer.getExtraInfo("peername")).toEqual([HOST, port]);
      expect(writer.getExtraInfo<[string, number]>("sockname")![0]).toBe(HOST);
      expect(writer.getExtraInfo("socket")).toBeInstanceOf(net.Socket);
      expect(writer.getExtraInfo("sslcontext", "none")).toBe("none");
      writer.writelines([text("a"), pattern(5000, 2), new Uint8Array(0), text("z")]);
      writer.writelines(new Set([text("!")]));
      expect(() => writer.writelines([text("ok"), 5 as never])).toThrow(TypeError);
      expect(() => writer.write("text" as never)).toThrow(TypeError);
      yield* writer.drain();
      writer.writeEof();
      expect(str(yield* reader.read(-1))).toBe("got 5003 bytes");
      expect(writer.isClosing()).toBe(false);
      writer.close();
      expect(writer.isClosing()).toBe(true);
      yield* writer.waitClosed();
      // StreamWriter.startTls checks its options before touching the connection
      const [, w2] = yield* asyncio.openConnection(HOST, port);
      expect(yield* catching(w2.startTls(true, { server_hostname: "x" } as never))).toBeInstanceOf(TypeError);
      expect(w2.isClosing()).toBe(false);
      w2.close();
      yield* w2.waitClosed();
      expect(() => new asyncio.StreamWriter(null as never, null as never, null, asyncio.getRunningLoop())).toThrow(TypeError);
      expect(() => new asyncio.StreamWriter(w2.transport, {} as never, null, asyncio.getRunningLoop())).toThrow(TypeError);
      server.close();
      yield* server.waitClosed();
    });
  });

  it("drain() waits while the peer does not read, and nothing is lost", async () => {
    await runNet(core, function* () {
      const loop = asyncio.getRunningLoop();
      const got: Uint8Array[] = [];
      let startReading!: () => void;
      const go = new Promise<void>((resolve) => (startReading = resolve));
      const server = yield* asyncio.startServer(
        function* (reader, writer) {
          yield* asyncio.fromPromise(go);
          for (;;) {
            const d = yield* reader.read(65536);
            if (d.length === 0) break;
            got.push(d);
          }
          writer.close();
        },
        HOST,
        0,
      );
      const [, writer] = yield* asyncio.openConnection(HOST, portOf(server));
      const sent: Uint8Array[] = [];
      let drains = 0;
      let blocked = false;
      // write until drain() actually waits (the kernel buffers fill first)
      for (let i = 0; i < 2000 && !blocked; i++) {
        const piece = pattern(64 * 1024, i);
        sent.push(piece);
        writer.write(piece);
        const d = loop.createTask(writer.drain());
        yield* asyncio.sleep(0);
        yield* asyncio.sleep(0);
        if (!d.done()) {
          blocked = true;
          yield* asyncio.sleep(0.05);
          expect(d.done()).toBe(false);
          startReading();
          yield* d;
        }
        drains++;
      }
      expect(blocked).toBe(true);
      writer.write(text("end"));
      sent.push(text("end"));
      writer.writeEof();
      yield* until(() => concat(got).length === concat(sent).length);
      expect(firstDifference(concat(got), concat(sent))).toBe(-1);
      expect(drains).toBeGreaterThan(0);
      writer.close();
      server.close();
      yield* server.waitClosed();
    });
  });

  it("drain() and waitClosed() raise the connection's error after a reset", async () => {
    const raw = net.createServer((s) => {
      s.on("error", () => {});
      s.once("data", () => s.resetAndDestroy());
    });
    await new Promise<void>((resolve) => raw.listen(0, HOST, resolve));
    try {
      await runNet(core, function* () {
        const [reader, writer] = yield* asyncio.openConnection(HOST, (raw.address() as net.AddressInfo).port);
        writer.write(text("trigger"));
        const readError = yield* catching(reader.read());
        expect(["ECONNRESET", "EPIPE"]).toContain((readError as { code?: string }).code);
        const drainError = yield* catching(writer.drain());
        expect(drainError).toBe(readError);
        const closedError = yield* catching(writer.waitClosed());
        expect(closedError).toBe(readError);
        writer.write(text("ignored")); // dropped, like asyncio
        writer.close();
      });
    } finally {
      raw.close();
    }
  });

  it("drain() raises ConnectionResetError once the connection is lost cleanly", async () => {
    await runNet(core, function* () {
      const server = yield* asyncio.startServer((_r, w) => w.close(), HOST, 0);
      const [reader, writer] = yield* asyncio.openConnection(HOST, portOf(server));
      expect(str(yield* reader.read())).toBe("");
      writer.close();
      yield* writer.waitClosed();
      const e = yield* catching(writer.drain());
      expect(e).toBeInstanceOf(asyncio.ConnectionResetError);
      server.close();
      yield* server.waitClosed();
    });
  });

  it("a reader with a small limit pauses the socket under a flood and resumes as it reads", async () => {
    const chunk = pattern(16 * 1024, 1);
    const raw = net.createServer((s) => {
      s.on("error", () => {});
      let sent = 0;
      const pump = (): void => {
        while (!s.destroyed && sent < 2 << 20) {
          sent += chunk.length;
          if (!s.write(chunk)) return;
        }
        if (sent >= 2 << 20) s.end();
      };
      s.on("drain", pump);
      pump();
    });
    await new Promise<void>((resolve) => raw.listen(0, HOST, resolve));
    try {
      await runNet(core, function* () {
        const [reader, writer] = yield* asyncio.openConnection(HOST, (raw.address() as net.AddressInfo).port, { limit: 4096 });
        const transport = writer.transport as asyncio.Transport;
        yield* until(() => !transport.isReading());
        yield* asyncio.sleep(0.02);
        expect(transport.isReading()).toBe(false); // stays paused while nobody reads
        let total = 0;
        for (;;) {
          const d = yield* reader.read(4096);
          if (d.length === 0) break;
          total += d.length;
        }
        expect(total).toBe(2 << 20);
        writer.close();
      });
    } finally {
      raw.close();
    }
  });
});
