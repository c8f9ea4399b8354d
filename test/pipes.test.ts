import { describe, expect, it, vi } from "vitest";
import { spawn } from "node:child_process";
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable, Writable } from "node:stream";
import * as asyncio from "../src/index.js";
import type { Coroutine, ReadTransport } from "../src/index.js";
import { CORES, runOn } from "./helpers.js";

const { sleep, Protocol, BaseProtocol } = asyncio;
const text = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString();

/** Collects what a read pipe delivers, and the order of events. */
class Collect extends Protocol {
  chunks: Uint8Array[] = [];
  events: string[] = [];
  transport: ReadTransport | null = null;
  lost = asyncio.getRunningLoop().createFuture<Error | null>();
  override connectionMade(transport: ReadTransport): void {
    this.transport = transport;
    this.events.push("made");
  }
  override dataReceived(data: Uint8Array): void {
    this.chunks.push(data);
    if (this.events.at(-1) !== "data") this.events.push("data");
  }
  override eofReceived(): void {
    this.events.push("eof");
  }
  override connectionLost(exc: Error | null): void {
    this.events.push("lost");
    this.lost.setResult(exc);
  }
}

/** A write pipe's protocol: records flow control and loss. */
class Sink extends BaseProtocol {
  flow: string[] = [];
  lost = asyncio.getRunningLoop().createFuture<Error | null>();
  override pauseWriting(): void {
    this.flow.push("pause");
  }
  override resumeWriting(): void {
    this.flow.push("resume");
  }
  override connectionLost(exc: Error | null): void {
    this.lost.setResult(exc);
  }
}

describe.each(CORES)("pipe transports on the %s core", (core) => {
  const run = <T>(coro: Coroutine<T>) => runOn(core, coro);

  it("reads a stream: data, then eofReceived, then connectionLost(null)", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const stream = new PassThrough();
      stream.write("early "); // buffered before the transport exists: delivered after connectionMade
      const [transport, proto] = yield* loop.connectReadPipe(() => new Collect(), stream);
      expect(proto.transport).toBe(transport);
      expect(transport.getExtraInfo("pipe")).toBe(stream);
      stream.write("hello ");
      stream.end("world");
      expect(yield* proto.lost).toBeNull();
      expect(text(proto.chunks)).toBe("early hello world");
      expect(proto.events).toEqual(["made", "data", "eof", "lost"]);
      expect(transport.isClosing()).toBe(true);
    })());
  });

  it("pauseReading holds data back until resumeReading", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const stream = new PassThrough();
      const [transport, proto] = yield* loop.connectReadPipe(() => new Collect(), stream);
      stream.write("a");
      yield* sleep(0.01);
      expect(text(proto.chunks)).toBe("a");
      transport.pauseReading();
      expect(transport.isReading()).toBe(false);
      stream.write("b");
      yield* sleep(0.02);
      expect(text(proto.chunks)).toBe("a");
      transport.resumeReading();
      expect(transport.isReading()).toBe(true);
      yield* sleep(0.01);
      expect(text(proto.chunks)).toBe("ab");
      transport.close();
      expect(yield* proto.lost).toBeNull();
      expect(stream.destroyed).toBe(true);
    })());
  });

  it("holds data that arrives while the loop is stopped until it runs", async () => {
    const loop = new asyncio.EventLoop({ core });
    const seen: string[] = [];
    class InLoop extends Protocol {
      override dataReceived(data: Uint8Array): void {
        seen.push(`${Buffer.from(data).toString()}:${asyncio.getRunningLoop() === loop}`);
      }
    }
    try {
      const stream = new PassThrough();
      const [t] = await loop.runUntilComplete(loop.connectReadPipe(() => new InLoop(), stream));
      stream.write("while stopped");
      await new Promise((r) => setTimeout(r, 30));
      expect(seen).toEqual([]);
      await loop.runUntilComplete(sleep(0.01));
      expect(seen).toEqual(["while stopped:true"]);
      stream.write("running");
      await loop.runUntilComplete(sleep(0.01));
      expect(seen).toEqual(["while stopped:true", "running:true"]);
      t.close();
      await loop.runUntilComplete(sleep(0));
    } finally {
      loop.close();
    }
  });

  it("gives a stream error to connectionLost", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const stream = new Readable({ read() {} });
      const [, proto] = yield* loop.connectReadPipe(() => new Collect(), stream);
      const boom = Object.assign(new Error("read failed"), { code: "EIO" });
      stream.destroy(boom);
      expect(yield* proto.lost).toBe(boom);
    })());
  });

  it("writes with flow control driven by writableLength and completed writes", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const written: Buffer[] = [];
      const pending: (() => void)[] = [];
      // A slow device: each write completes only when the test says so.
      const slow = new Writable({
        highWaterMark: 1024,
        write(chunk: Buffer, _enc, done) {
          written.push(chunk);
          pending.push(done);
        },
      });
      const [transport, proto] = yield* loop.connectWritePipe(() => new Sink(), slow);
      expect(transport.canWriteEof()).toBe(true);
      transport.setWriteBufferLimits(300, 100);
      expect(transport.getWriteBufferLimits()).toEqual([100, 300]);
      const data = new Uint8Array(200).fill(1);
      transport.write(data);
      data.fill(9); // the transport copied the bytes: reusing the buffer is safe
      expect(proto.flow).toEqual([]);
      transport.write(data);
      expect(transport.getWriteBufferSize()).toBe(400);
      expect(proto.flow).toEqual(["pause"]);
      pending.shift()!(); // 200 left: still above the low mark
      yield* sleep(0.005);
      expect(proto.flow).toEqual(["pause"]);
      pending.shift()!();
      yield* sleep(0.005);
      expect(proto.flow).toEqual(["pause", "resume"]);
      expect(transport.getWriteBufferSize()).toBe(0);
      expect(written.map((b) => b[0])).toEqual([1, 9]);
      transport.writelines([new Uint8Array([1]), new Uint8Array([2])]);
      yield* sleep(0.005);
      while (pending.length > 0) pending.shift()!();
      transport.close();
      expect(transport.isClosing()).toBe(true);
      transport.write(new Uint8Array([3])); // dropped after close, as asyncio does
      yield* sleep(0.005);
      while (pending.length > 0) pending.shift()!();
      expect(yield* asyncio.waitFor(proto.lost, 5)).toBeNull();
      expect(Buffer.concat(written).length).toBe(402);
    })());
  });

  it("drops writes after close, warning from the 6th with asyncio's message", async () => {
    const warn = vi.spyOn(asyncio.logger, "warn").mockImplementation(() => {});
    try {
      await run((function* () {
        const loop = asyncio.getRunningLoop();
        const stream = new PassThrough();
        const [w, sink] = yield* loop.connectWritePipe(() => new Sink(), stream);
        w.write(new Uint8Array([1]));
        w.close();
        // asyncio's pipe transport counts from 0 after close(): writes 1-5 pass quietly
        for (let i = 0; i < 5; i++) w.write(new Uint8Array([2]));
        expect(warn).not.toHaveBeenCalled();
        w.write(new Uint8Array([3]));
        expect(warn.mock.calls.map((c) => c[0])).toEqual(["pipe closed by peer or os.write(pipe, data) raised exception."]);
        expect(yield* sink.lost).toBeNull();
        expect([...(stream.read() as Buffer)]).toEqual([1]);
      })());
    } finally {
      warn.mockRestore();
    }
  });

  it("round-trips through a child's stdin and stdout", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const child = spawn("cat", [], { stdio: ["pipe", "pipe", "ignore"] });
      const [writer, sink] = yield* loop.connectWritePipe(() => new Sink(), child.stdin);
      const [, reader] = yield* loop.connectReadPipe(() => new Collect(), child.stdout);
      writer.write(new TextEncoder().encode("through cat\n"));
      writer.writeEof(); // EOF for cat: it exits and its stdout ends
      expect(yield* sink.lost).toBeNull();
      expect(yield* asyncio.waitFor(reader.lost, 5)).toBeNull();
      expect(text(reader.chunks)).toBe("through cat\n");
      expect(reader.events).toEqual(["made", "data", "eof", "lost"]);
    })());
  });

  it("works over fs streams, and abort() drops unwritten data", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wasyncio-pipes-"));
    try {
      const file = join(dir, "out.bin");
      await run((function* () {
        const loop = asyncio.getRunningLoop();
        const [w, sink] = yield* loop.connectWritePipe(() => new Sink(), createWriteStream(file));
        for (let i = 0; i < 4; i++) w.write(new Uint8Array(1000).fill(65 + i));
        w.close();
        expect(yield* sink.lost).toBeNull();
        const [, reader] = yield* loop.connectReadPipe(() => new Collect(), createReadStream(file));
        expect(yield* reader.lost).toBeNull();
        const all = Buffer.concat(reader.chunks);
        expect(all.length).toBe(4000);
        expect(all[3999]).toBe(68);
        const [a, aborted] = yield* loop.connectWritePipe(() => new Sink(), new PassThrough());
        a.write(new Uint8Array(10));
        a.abort();
        expect(yield* aborted.lost).toBeNull();
      })());
      expect(readFileSync(file).length).toBe(4000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sendfile copies a file through a transport with flow control and restores its protocol", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wasyncio-sendfile-"));
    const path = join(dir, "src.bin");
    const content = Buffer.alloc(100_000);
    for (let i = 0; i < content.length; i++) content[i] = (i * 7) & 0xff;
    writeFileSync(path, content);
    const handle = await open(path, "r");
    const fd = openSync(path, "r");
    try {
      await run((function* () {
        const loop = asyncio.getRunningLoop();
        const received: Buffer[] = [];
        // A consumer slower than the copy loop: writes complete on a later host turn.
        const slow = new Writable({
          highWaterMark: 4096,
          write(chunk: Buffer, _enc, done) {
            received.push(chunk);
            setImmediate(done);
          },
        });
        const [transport, sink] = yield* loop.connectWritePipe(() => new Sink(), slow);
        transport.setWriteBufferLimits(20_000, 5_000);
        const sent = yield* loop.sendfile(transport, handle, 1000, 50_000);
        expect(sent).toBe(50_000);
        expect(transport.getProtocol()).toBe(sink);
        expect(sink.flow).toEqual([]); // flow control went to sendfile's stand-in protocol
        const rest = yield* loop.sendfile(transport, fd, 99_000);
        expect(rest).toBe(1000);
        transport.close();
        yield* sink.lost;
        expect(Buffer.concat(received).equals(Buffer.concat([content.subarray(1000, 51_000), content.subarray(99_000)]))).toBe(true);
        const [other] = yield* loop.connectWritePipe(() => new Sink(), new PassThrough());
        const fails = function* (coro: Coroutine<number>): Coroutine<unknown> {
          try {
            yield* coro;
          } catch (error) {
            return error;
          }
          return null;
        };
        expect(yield* fails(loop.sendfile(other, handle, 0, null, { fallback: false }))).toBeInstanceOf(asyncio.SendfileNotAvailableError);
        expect(yield* fails(loop.sendfile(other, handle, -1))).toBeInstanceOf(RangeError);
        expect(yield* fails(loop.sendfile(other, handle, 0, 0))).toBeInstanceOf(RangeError);
        expect(yield* fails(loop.sendfile(other, "path" as never))).toBeInstanceOf(TypeError);
        other.close();
        expect(String(yield* fails(loop.sendfile(other, handle)))).toContain("Transport is closing");
      })());
    } finally {
      await handle.close();
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("validates its arguments; the fd-level methods throw NotSupportedError", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      for (const bad of [null, 42, {}]) {
        expect(() => loop.connectReadPipe(() => new Collect(), bad as never).next()).toThrow(TypeError);
        expect(() => loop.connectWritePipe(() => new Sink(), bad as never).next()).toThrow(TypeError);
      }
      const [w] = yield* loop.connectWritePipe(() => new Sink(), new PassThrough());
      expect(() => w.write("text" as never)).toThrow(TypeError);
      expect(() => w.setWriteBufferLimits(10, 20)).toThrow(RangeError);
      expect(() => w.writelines(5 as never)).toThrow(TypeError);
      expect(() => w.writelines([new Uint8Array(1), "text" as never])).toThrow(TypeError);
      expect(w.getWriteBufferSize()).toBe(0); // a bad item writes nothing
      w.abort();
      const noop = () => {};
      const calls: [string, () => unknown][] = [
        ["addReader", () => loop.addReader(0, noop)],
        ["removeReader", () => loop.removeReader(0)],
        ["addWriter", () => loop.addWriter(1, noop)],
        ["removeWriter", () => loop.removeWriter(1)],
        ["sockRecv", () => loop.sockRecv({}, 10)],
        ["sockRecvInto", () => loop.sockRecvInto({}, new Uint8Array(1))],
        ["sockRecvfrom", () => loop.sockRecvfrom({}, 10)],
        ["sockRecvfromInto", () => loop.sockRecvfromInto({}, new Uint8Array(1))],
        ["sockSendto", () => loop.sockSendto({}, new Uint8Array(1), ["127.0.0.1", 1])],
        ["sockSendall", () => loop.sockSendall({}, new Uint8Array(1))],
        ["sockConnect", () => loop.sockConnect({}, ["127.0.0.1", 1])],
        ["sockAccept", () => loop.sockAccept({})],
        ["sockSendfile", () => loop.sockSendfile({}, {})],
        ["connectAcceptedSocket", () => loop.connectAcceptedSocket(() => new Collect(), {})],
      ];
      for (const [name, call] of calls) {
        let error: unknown = null;
        try {
          call();
        } catch (e) {
          error = e;
        }
        expect(error, name).toBeInstanceOf(asyncio.NotSupportedError);
        expect((error as Error).message).toContain(`loop.${name}() is not supported on this host`);
        expect((error as Error).message).toContain("use ");
      }
    })());
  });
});
