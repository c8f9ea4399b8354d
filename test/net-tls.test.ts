// TLS: servers and connections with a self-signed certificate (test/fixtures, CN=localhost with
// SANs localhost and 127.0.0.1), handshake failures, startTls at the loop and stream levels.
import { describe, expect, it, vi } from "vitest";
import { readFileSync } from "node:fs";
import * as net from "node:net";
import * as tls from "node:tls";
import * as asyncio from "../src/index.js";
import { CORES } from "./helpers.js";
import { CollectProtocol, EchoProtocol, HOST, firstDifference, pattern, portOf, runNet, str, tempDir, text } from "./net-helpers.js";

const cert = readFileSync(new URL("./fixtures/tls-cert.pem", import.meta.url));
const key = readFileSync(new URL("./fixtures/tls-key.pem", import.meta.url));
const serverSsl = { key, cert };
const clientSsl = { ca: cert };

function* catching(coro: asyncio.Coroutine<unknown>): asyncio.Coroutine<unknown> {
  try {
    yield* coro;
  } catch (error) {
    return error;
  }
  throw new Error("expected an exception");
}

describe.each(CORES)("TLS on the %s core", (core) => {
  it("echoes 1 MiB over TLS and reports sslcontext, peercert and cipher", async () => {
    await runNet(core, function* () {
      const loop = asyncio.getRunningLoop();
      const server = yield* loop.createServer(() => new EchoProtocol(), HOST, 0, { ssl: serverSsl });
      const port = portOf(server);
      for (const options of [{ ssl: clientSsl }, { ssl: clientSsl, serverHostname: "localhost" }, { ssl: tls.createSecureContext(clientSsl) }]) {
        const [t, p] = yield* loop.createConnection(() => new CollectProtocol(), HOST, port, options);
        const payload = pattern(1 << 20, 3);
        t.write(payload);
        yield* p.whenReceived(payload.length);
        expect(firstDifference(p.data(), payload)).toBe(-1);
        expect(t.getExtraInfo("sslcontext")).toBeTruthy();
        const peercert = t.getExtraInfo<{ subject: { CN: string } }>("peercert")!;
        expect(peercert.subject.CN).toBe("localhost");
        const cipher = t.getExtraInfo<[string, string, number | null]>("cipher")!;
        expect(cipher[1]).toMatch(/^TLSv1\.[23]$/);
        expect(typeof cipher[0]).toBe("string");
        expect(t.canWriteEof()).toBe(false);
        expect(() => t.writeEof()).toThrow(/half-close/);
        t.close();
        expect(yield* p.closed).toBeNull();
      }
      server.close();
      yield* server.waitClosed();
    });
  });

  it("sets TCP_NODELAY on both ends of a TLS connection", async () => {
    const noDelay = vi.spyOn(net.Socket.prototype, "setNoDelay");
    try {
      await runNet(core, function* () {
        const loop = asyncio.getRunningLoop();
        const serverSide = loop.createFuture<asyncio.Transport>();
        const server = yield* loop.createServer(
          () => {
            const p = new EchoProtocol();
            p.connectionMade = (t) => {
              p.transport = t;
              serverSide.setResult(t);
            };
            return p;
          },
          HOST,
          0,
          { ssl: serverSsl },
        );
        const [t, p] = yield* loop.createConnection(() => new CollectProtocol(), HOST, portOf(server), { ssl: clientSsl });
        const st = yield* serverSide;
        for (const transport of [t, st]) {
          const sock = transport.getExtraInfo<net.Socket>("socket")!;
          expect(sock).toBeInstanceOf(tls.TLSSocket);
          const calls = noDelay.mock.contexts.flatMap((ctx, i) => (ctx === sock ? [noDelay.mock.calls[i]![0]] : []));
          expect(calls.at(-1)).toBe(true);
        }
        t.close();
        expect(yield* p.closed).toBeNull();
        server.close();
        server.closeClients();
        yield* server.waitClosed();
      });
    } finally {
      noDelay.mockRestore();
    }
  });

  it("serves with a SecureContext, and streams work over TLS", async () => {
    await runNet(core, function* () {
      const loop = asyncio.getRunningLoop();
      const server = yield* asyncio.startServer(
        function* (reader, writer) {
          const line = yield* reader.readline();
          writer.write(text(str(line).toUpperCase()));
          yield* writer.drain();
          expect(writer.getExtraInfo("peercert")).toBeNull(); // no client certificate asked for
          writer.close();
          yield* writer.waitClosed();
        },
        HOST,
        0,
        { ssl: tls.createSecureContext(serverSsl) },
      );
      const [reader, writer] = yield* asyncio.openConnection(HOST, portOf(server), { ssl: clientSsl, serverHostname: "localhost" });
      writer.write(text("over tls\n"));
      expect(str(yield* reader.readline())).toBe("OVER TLS\n");
      expect(yield* reader.read()).toEqual(new Uint8Array(0));
      expect(reader.atEof()).toBe(true);
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      void loop;
    });
  });

  it("raises typed errors for failed handshakes and keeps the server serving", async () => {
    const debug = vi.spyOn(asyncio.logger, "debug").mockImplementation(() => {});
    try {
      await runNet(core, function* () {
        const loop = asyncio.getRunningLoop();
        const server = yield* loop.createServer(() => new EchoProtocol(), HOST, 0, { ssl: serverSsl });
        const port = portOf(server);
        const factory = (): CollectProtocol => new CollectProtocol();

        const untrusted = yield* catching(loop.createConnection(factory, HOST, port, { ssl: true }));
        expect(untrusted).toBeInstanceOf(asyncio.SSLCertVerificationError);
        expect((untrusted as asyncio.SSLError).code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");

        const wrongName = yield* catching(loop.createConnection(factory, HOST, port, { ssl: clientSsl, serverHostname: "example.com" }));
        expect(wrongName).toBeInstanceOf(asyncio.SSLCertVerificationError);
        expect((wrongName as asyncio.SSLError).code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");

        // serverHostname "" turns the name check off (the CA check stays)
        const [t] = yield* loop.createConnection(factory, HOST, port, { ssl: clientSsl, serverHostname: "" });
        t.close();

        // a peer that does not speak TLS
        const plain = yield* loop.createServer(() => new EchoProtocol(), HOST, 0);
        const notTls = yield* catching(loop.createConnection(factory, HOST, portOf(plain), { ssl: clientSsl }));
        expect(notTls).toBeInstanceOf(Error);
        expect(notTls instanceof asyncio.SSLError || ["ECONNRESET", "EPIPE"].includes((notTls as { code?: string }).code ?? "")).toBe(true);
        // a peer that never answers
        const silent = net.createServer((s) => s.resume());
        yield* asyncio.fromPromise(new Promise<void>((resolve) => silent.listen(0, HOST, resolve)));
        const slow = yield* catching(
          loop.createConnection(factory, HOST, (silent.address() as net.AddressInfo).port, { ssl: clientSsl, sslHandshakeTimeout: 0.1 }),
        );
        expect(slow).toBeInstanceOf(asyncio.ConnectionAbortedError);
        expect((slow as Error).message).toMatch(/SSL handshake is taking longer than 0.1 seconds/);
        silent.close();

        // plain clients against the TLS server fail their handshakes server-side: silently
        const [pt, pp] = yield* loop.createConnection(factory, HOST, port);
        pt.write(text("GET / HTTP/1.0\r\n\r\n"));
        yield* pp.closed;
        // and the server still serves
        const [t2, p2] = yield* loop.createConnection(factory, HOST, port, { ssl: clientSsl });
        t2.write(text("still here"));
        yield* p2.whenReceived(10);
        t2.close();

        // option checks
        expect(yield* catching(loop.createConnection(factory, HOST, port, { ssl: 5 as never }))).toBeInstanceOf(TypeError);
        expect(yield* catching(loop.createConnection(factory, HOST, port, { sslHandshakeTimeout: 1 }))).toBeInstanceOf(RangeError);
        expect(yield* catching(loop.createConnection(factory, HOST, port, { ssl: clientSsl, sslHandshakeTimeout: -1 }))).toBeInstanceOf(RangeError);
        plain.close();
        server.close();
        server.abortClients();
        plain.abortClients();
        yield* server.waitClosed();
        yield* plain.waitClosed();
      });
    } finally {
      debug.mockRestore();
    }
  });

  it("loop.startTls upgrades both ends of a plain connection", async () => {
    await runNet(core, function* () {
      const loop = asyncio.getRunningLoop();
      const upgraded = loop.createFuture<asyncio.Transport>();
      class StartTlsServer extends asyncio.Protocol {
        transport: asyncio.Transport | null = null;
        secure = false;
        override connectionMade(t: asyncio.Transport): void {
          this.transport = t;
        }
        override dataReceived(data: Uint8Array): void {
          if (!this.secure) {
            expect(str(data)).toBe("STARTTLS\n");
            this.secure = true;
            this.transport!.write(text("GO\n"));
            const self = this;
            loop.createTask(
              (function* () {
                const t = yield* loop.startTls(self.transport!, self, serverSsl, { serverSide: true });
                self.transport = t;
                upgraded.setResult(t);
              })(),
            );
            return;
          }
          this.transport!.write(text(str(data).toUpperCase()));
        }
      }
      const server = yield* loop.createServer(() => new StartTlsServer(), HOST, 0);
      const [plain, proto] = yield* loop.createConnection(() => new CollectProtocol(), HOST, portOf(server));
      plain.write(text("STARTTLS\n"));
      yield* proto.whenReceived(3);
      expect(str(proto.data())).toBe("GO\n");
      const secure = yield* loop.startTls(plain, proto, clientSsl, { serverHostname: "localhost" });
      const serverTransport = yield* upgraded;
      expect(secure).not.toBe(plain);
      expect(plain.isClosing()).toBe(true);
      expect(() => plain.write(text("x"))).toThrow(/startTls/);
      expect(secure.getExtraInfo("sslcontext")).toBeTruthy();
      expect(serverTransport.getExtraInfo("cipher")).toBeTruthy();
      secure.write(text("secret"));
      yield* proto.whenReceived(3 + 6);
      expect(str(proto.data())).toBe("GO\nSECRET");
      // close through the old transport reaches the new one
      plain.close();
      expect(yield* proto.closed).toBeNull();
      server.close();
      yield* server.waitClosed();

      // argument checks
      expect(yield* catching(loop.startTls({} as asyncio.Transport, proto, clientSsl))).toBeInstanceOf(TypeError);
      expect(yield* catching(loop.startTls(secure, proto, null))).toBeInstanceOf(TypeError);
      expect(yield* catching(loop.startTls(secure, proto, clientSsl))).toBeInstanceOf(Error);
    });
  });

  it("StreamWriter.startTls upgrades a stream connection (STARTTLS)", async () => {
    await runNet(core, function* () {
      const server = yield* asyncio.startServer(
        function* (reader, writer) {
          expect(str(yield* reader.readline())).toBe("STARTTLS\n");
          writer.write(text("OK\n"));
          yield* writer.startTls(serverSsl);
          expect(writer.getExtraInfo("sslcontext")).toBeTruthy();
          const line = yield* reader.readline();
          writer.write(text(`echo ${str(line)}`));
          yield* writer.drain();
          writer.close();
        },
        HOST,
        0,
      );
      const [reader, writer] = yield* asyncio.openConnection(HOST, portOf(server));
      expect(writer.getExtraInfo("sslcontext")).toBeUndefined();
      writer.write(text("STARTTLS\n"));
      expect(str(yield* reader.readline())).toBe("OK\n");
      yield* writer.startTls(clientSsl, { serverHostname: "localhost" });
      expect(writer.getExtraInfo("sslcontext")).toBeTruthy();
      writer.write(text("secret\n"));
      expect(str(yield* reader.readline())).toBe("echo secret\n");
      expect(yield* reader.read()).toEqual(new Uint8Array(0));
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
    });
  });

  it("a failed startTls raises the typed error and loses the connection", async () => {
    await runNet(core, function* () {
      const loop = asyncio.getRunningLoop();
      const server = yield* loop.createServer(() => new EchoProtocol(), HOST, 0);
      const [plain, proto] = yield* loop.createConnection(() => new CollectProtocol(), HOST, portOf(server));
      // the echo server sends our ClientHello back: not TLS
      const error = yield* catching(loop.startTls(plain, proto, clientSsl, { serverHostname: "localhost", sslHandshakeTimeout: 2 }));
      expect(error).toBeInstanceOf(Error);
      expect(yield* proto.closed).toBeInstanceOf(Error);
      server.close();
      server.abortClients();
      yield* server.waitClosed();
    });
  });

  it("TLS over a Unix socket", async () => {
    const tmp = tempDir();
    try {
      await runNet(core, function* () {
        const loop = asyncio.getRunningLoop();
        const path = tmp.path("tls.sock");
        const server = yield* loop.createUnixServer(() => new EchoProtocol(), path, { ssl: serverSsl });
        expect(yield* catching(loop.createUnixConnection(() => new CollectProtocol(), path, { ssl: clientSsl }))).toBeInstanceOf(RangeError);
        const [t, p] = yield* loop.createUnixConnection(() => new CollectProtocol(), path, { ssl: clientSsl, serverHostname: "localhost" });
        t.write(text("unix+tls"));
        yield* p.whenReceived(8);
        expect(str(p.data())).toBe("unix+tls");
        expect(t.getExtraInfo("peername")).toBe(path);
        t.close();
        yield* p.closed;
        server.close();
        yield* server.waitClosed();
      });
    } finally {
      tmp.cleanup();
    }
  });
});
