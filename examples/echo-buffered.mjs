// Echo server, BufferedProtocol style: the protocol owns the read buffer. getBuffer() says where
// the next read goes; bufferUpdated(n) says n bytes landed there. On Node, client sockets (and,
// through src/host/node.ts, accepted ones) read straight into that buffer, with no intermediate
// Buffer; see docs/network.md for the path each runtime takes.
//
//   node examples/echo-buffered.mjs            serve on 127.0.0.1:8889 until Ctrl-C
//   node examples/echo-buffered.mjs --demo     serve, echo 1 MiB with a BufferedProtocol client, exit
import * as asyncio from "../dist/index.js";

class EchoBuffered extends asyncio.BufferedProtocol {
  buffer = new Uint8Array(64 * 1024);

  connectionMade(transport) {
    this.transport = transport;
  }

  getBuffer(_sizeHint) {
    return this.buffer;
  }

  bufferUpdated(nbytes) {
    // Writing a view of the read buffer is fine: the transport copies such writes, because the
    // next read will overwrite the buffer.
    this.transport.write(this.buffer.subarray(0, nbytes));
  }

  eofReceived() {
    return false;
  }
}

function* main() {
  const demo = process.argv.includes("--demo");
  const port = demo ? 0 : Number(process.argv[2] ?? 8889);
  const loop = asyncio.getRunningLoop();
  const server = yield* loop.createServer(() => new EchoBuffered(), "127.0.0.1", port);
  const [host, actualPort] = server.sockets[0].getsockname();
  console.log(`echo (BufferedProtocol) serving on ${host}:${actualPort}`);
  if (!demo) {
    yield* server.serveForever();
    return;
  }
  const size = 1 << 20;
  const done = loop.createFuture();
  // A client that counts into one preallocated buffer: no allocation per read.
  class Counter extends asyncio.BufferedProtocol {
    buffer = new Uint8Array(size);
    received = 0;
    getBuffer() {
      return this.buffer.subarray(this.received);
    }
    bufferUpdated(n) {
      this.received += n;
      if (this.received === size) done.setResult(this.buffer);
    }
  }
  const payload = new Uint8Array(size).map((_, i) => i * 7);
  const [transport, client] = yield* loop.createConnection(() => new Counter(), "127.0.0.1", actualPort);
  transport.write(payload);
  const echoed = yield* done;
  const same = echoed.every((b, i) => b === payload[i]);
  console.log(`echoed ${client.received} bytes, ${same ? "all equal" : "MISMATCH"}`);
  transport.close();
  server.close();
  yield* server.waitClosed();
  if (!same) process.exitCode = 1;
}

await asyncio.run(main());
