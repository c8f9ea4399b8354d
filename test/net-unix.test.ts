// Unix sockets in a temporary directory: servers, connections, streams, the socket file's life.
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, statSync, writeFileSync } from "node:fs";
import * as asyncio from "../src/index.js";
import { CORES } from "./helpers.js";
import { CollectProtocol, EchoProtocol, firstDifference, pattern, runNet, str, tempDir, text } from "./net-helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let counter = 0;
const fresh = (): string => tmp.path(`s${++counter}.sock`);

function* catching(coro: asyncio.Coroutine<unknown>): asyncio.Coroutine<unknown> {
  try {
    yield* coro;
  } catch (error) {
    return error;
  }
  throw new Error("expected an exception");
}

describe.each(CORES)("Unix sockets on the %s core", (core) => {
  it("echoes with a Protocol and a BufferedProtocol; extra info has the path", async () => {
    await runNet(core, function* () {
      const loop = asyncio.getRunningLoop();
      const path = fresh();
      const serverSide = loop.createFuture<asyncio.Transport>();
      const server = yield* loop.createUnixServer(() => {
        const p = new EchoProtocol();
        p.connectionMade = (t) => {
          p.transport = t;
          if (!serverSide.done()) serverSide.setResult(t);
        };
        return p;
      }, path);
      expect(statSync(path).isSocket()).toBe(true);
      expect(server.sockets[0]!.getsockname()).toBe(path);
      expect(server.sockets[0]!.family).toBe("AF_UNIX");
      const [t, p] = yield* loop.createUnixConnection(() => new CollectProtocol(), path);
      const payload = pattern(3 << 20, 8);
      t.write(payload);
      yield* p.whenReceived(payload.length);
      expect(firstDifference(p.data(), payload)).toBe(-1);
      expect(t.getExtraInfo("peername")).toBe(path);
      const st = yield* serverSide;
      expect(st.getExtraInfo("sockname")).toBe(path);
      t.close();
      yield* p.closed;

      class Buffered extends asyncio.BufferedProtocol {
        buf = new Uint8Array(1000);
        got: Uint8Array[] = [];
        n = 0;
        override getBuffer(): Uint8Array {
          return this.buf;
        }
        override bufferUpdated(n: number): void {
          this.got.push(this.buf.slice(0, n));
          this.n += n;
        }
      }
      const [bt, bp] = yield* loop.createUnixConnection(() => new Buffered(), path);
      bt.write(pattern(50_000, 1));
      while (bp.n < 50_000) yield* asyncio.sleep(0.001);
      let at = 0;
      const want = pattern(50_000, 1);
      for (const c of bp.got) {
        expect(firstDifference(c, want.subarray(at, at + c.length))).toBe(-1);
        at += c.length;
      }
      bt.close();
      server.close();
      yield* server.waitClosed();
      expect(existsSync(path)).toBe(false); // removed on close
    });
  });

  it("removes a stale socket file first, but never a regular file", async () => {
    await runNet(core, function* () {
      const loop = asyncio.getRunningLoop();
      const path = fresh();
      // a process that exits without closing its server leaves the socket file behind
      const r = spawnSync(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
      expect(r.status).toBe(0);
      expect(statSync(path).isSocket()).toBe(true);
      const server = yield* loop.createUnixServer(() => new EchoProtocol(), path);
      const [t, p] = yield* loop.createUnixConnection(() => new CollectProtocol(), path);
      t.write(text("fresh"));
      yield* p.whenReceived(5);
      t.close();
      server.close();
      yield* server.waitClosed();

      const file = fresh();
      writeFileSync(file, "not a socket");
      const error = yield* catching(loop.createUnixServer(() => new EchoProtocol(), file));
      expect((error as { code?: string }).code).toBe("EADDRINUSE");
      expect(existsSync(file)).toBe(true);
    });
  });

  it("streams: startUnixServer / openUnixConnection", async () => {
    await runNet(core, function* () {
      const path = fresh();
      const server = yield* asyncio.startUnixServer(function* (reader, writer) {
        for (;;) {
          const line = yield* reader.readline();
          if (line.length === 0) break;
          writer.write(text(`> ${str(line)}`));
          yield* writer.drain();
        }
        writer.close();
      }, path);
      const [reader, writer] = yield* asyncio.openUnixConnection(path, { limit: 1024 });
      writer.writelines([text("one\n"), text("two\n")]);
      expect(str(yield* reader.readline())).toBe("> one\n");
      expect(str(yield* reader.readline())).toBe("> two\n");
      writer.writeEof();
      expect(str(yield* reader.read())).toBe("");
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
    });
  });

  it("checks its arguments", async () => {
    await runNet(core, function* () {
      const loop = asyncio.getRunningLoop();
      const f = (): asyncio.Protocol => new CollectProtocol();
      expect(yield* catching(loop.createUnixServer(f, 5 as unknown as string))).toBeInstanceOf(TypeError);
      expect(yield* catching(loop.createUnixServer(f, ""))).toBeInstanceOf(RangeError);
      expect(yield* catching(loop.createUnixConnection(f, null as unknown as string))).toBeInstanceOf(TypeError);
      expect(yield* catching(loop.createUnixServer(f, fresh(), { port: 1 } as never))).toBeInstanceOf(TypeError);
      const missing = yield* catching(loop.createUnixConnection(f, tmp.path("nobody-here.sock")));
      expect((missing as { code?: string }).code).toBe("ENOENT");
    });
  });
});
