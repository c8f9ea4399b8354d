// Network smoke, run unchanged under Node, Deno and Bun against the built dist/index.js:
// a Protocol echo server and a streams client on 127.0.0.1, one round trip (plus a
// BufferedProtocol client), every byte checked. Prints "net smoke ok"; exits 1 on failure.
//   node test/runtimes/net-smoke.mjs
//   deno run --allow-net --allow-read --allow-env test/runtimes/net-smoke.mjs
//   bun test/runtimes/net-smoke.mjs
import * as asyncio from "../../dist/index.js";

const runtime = typeof Bun !== "undefined" ? "bun" : typeof Deno !== "undefined" ? "deno" : "node";
const deadline = setTimeout(() => {
  console.error(`net smoke (${runtime}): timed out`);
  process.exit(1);
}, 10_000);

class Echo extends asyncio.Protocol {
  connectionMade(transport) {
    this.transport = transport;
  }
  dataReceived(data) {
    this.transport.write(data);
  }
  eofReceived() {
    this.transport.close();
  }
}

class Collect extends asyncio.BufferedProtocol {
  constructor(expected, done) {
    super();
    this.buf = new Uint8Array(4096);
    this.got = [];
    this.total = 0;
    this.expected = expected;
    this.done = done;
  }
  getBuffer() {
    return this.buf;
  }
  bufferUpdated(n) {
    this.got.push(this.buf.slice(0, n));
    this.total += n;
    if (this.total >= this.expected && !this.done.done()) this.done.setResult(this.got);
  }
  connectionLost(exc) {
    if (!this.done.done()) this.done.setException(exc ?? new Error("closed early"));
  }
}

function pattern(n, seed) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function same(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function* main() {
  const loop = asyncio.getRunningLoop();
  const server = yield* loop.createServer(() => new Echo(), "127.0.0.1", 0);
  const port = server.sockets[0].getsockname()[1];

  // streams client: write, readexactly, EOF
  const payload = pattern(100_000, 7);
  const [reader, writer] = yield* asyncio.openConnection("127.0.0.1", port);
  writer.write(payload);
  yield* writer.drain();
  const echoed = yield* reader.readexactly(payload.length);
  if (!same(echoed, payload)) throw new Error("streams echo differs");
  writer.writeEof();
  const rest = yield* reader.read();
  if (rest.length !== 0) throw new Error("expected EOF after the echo");
  writer.close();
  yield* writer.waitClosed();

  // BufferedProtocol client
  const small = pattern(10_000, 3);
  const done = loop.createFuture();
  const [transport] = yield* loop.createConnection(() => new Collect(small.length, done), "127.0.0.1", port);
  transport.write(small);
  const chunks = yield* done;
  const joined = new Uint8Array(small.length);
  let at = 0;
  for (const c of chunks) {
    joined.set(c, at);
    at += c.length;
  }
  if (!same(joined, small)) throw new Error("BufferedProtocol echo differs");
  transport.close();

  server.close();
  yield* server.waitClosed();
}

try {
  await asyncio.run(main());
  clearTimeout(deadline);
  console.log(`net smoke ok (${runtime})`);
} catch (error) {
  clearTimeout(deadline);
  console.error(`net smoke failed (${runtime}):`, error);
  process.exit(1);
}
