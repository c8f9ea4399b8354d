// One side of the 10,000-connection load test (test/stress/net-load.test.ts), run as its own
// process against the built bundle: a wasyncio echo server, or a wasyncio client holding every
// connection open at once. The two sides run in separate processes so each stays under the
// machine's open-file limit (one process holding both ends needs two descriptors per connection).
//
//   node --expose-gc load-peer.mjs server <core>
//   node --expose-gc load-peer.mjs client <core> <port> <connections> <sources> <parallel>
//
// Protocol on stdio, one JSON object per line. The server prints {"event":"listening"} and then
// answers "measure" (its live connection count and memory) and "stop" (waits for every
// connection to end, prints its totals, exits). The client connects, echoes a distinct payload
// on every connection with every byte checked, prints {"event":"held"} with its memory while all
// connections are still open, and on "close" closes them all, prints {"event":"closed"}, exits.
import * as asyncio from "../../dist/index.js";
import { createInterface } from "node:readline";

const [mode, core, ...rest] = process.argv.slice(2);
const HOST = "127.0.0.1";

function send(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function memory() {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** Deterministic payload of connection i: its length and every byte depend on i. */
function payload(i) {
  const n = 1 + ((i * 7919) % 4096);
  const out = new Uint8Array(n);
  let x = (i + 1) * 2654435761;
  for (let k = 0; k < n; k++) {
    x = Math.imul(x ^ (x >>> 13), 1597334677);
    out[k] = (x >>> 24) ^ k;
  }
  return out;
}

/** Lines from stdin as a loop-side queue (the host callback puts them in through callSoon). */
function stdinQueue(loop) {
  const queue = new asyncio.Queue();
  const rl = createInterface({ input: process.stdin });
  rl.on("line", (line) => loop.callSoonThreadsafe(() => queue.putNowait(line.trim())));
  rl.on("close", () => loop.callSoonThreadsafe(() => queue.putNowait("eof")));
  return { queue, close: () => rl.close() };
}

function* server() {
  const loop = asyncio.getRunningLoop();
  let live = 0;
  let peak = 0;
  let accepted = 0;
  let bytes = 0;
  let errors = 0;
  const reports = [];
  loop.setExceptionHandler((_l, ctx) => reports.push(String(ctx.message)));
  const allGone = { fut: null };
  const peerHosts = new Set();
  class Echo extends asyncio.Protocol {
    connectionMade(transport) {
      this.transport = transport;
      peerHosts.add(transport.getExtraInfo("peername")[0]);
      live++;
      accepted++;
      if (live > peak) peak = live;
    }
    dataReceived(data) {
      bytes += data.length;
      this.transport.write(data);
    }
    eofReceived() {
      return false;
    }
    connectionLost(exc) {
      if (exc) errors++;
      live--;
      if (live === 0 && allGone.fut && !allGone.fut.done()) allGone.fut.setResult(undefined);
    }
  }
  const base = memory();
  const srv = yield* loop.createServer(() => new Echo(), HOST, 0, { backlog: 4096 });
  const port = srv.sockets[0].getsockname()[1];
  const input = stdinQueue(loop);
  send({ event: "listening", port, memory: base });
  for (;;) {
    const cmd = yield* input.queue.get();
    if (cmd === "measure") {
      send({ event: "measured", live, peak, accepted, peerHosts: [...peerHosts].sort(), memory: memory() });
    } else if (cmd === "stop" || cmd === "eof") {
      srv.close();
      if (live > 0) {
        allGone.fut = loop.createFuture();
        yield* asyncio.waitFor(allGone.fut, 60);
      }
      yield* srv.waitClosed();
      send({ event: "stopped", live, peak, accepted, bytes, errors, reports, memory: memory() });
      input.close();
      return;
    }
  }
}

function* client() {
  const loop = asyncio.getRunningLoop();
  const port = Number(rest[0]);
  const N = Number(rest[1]);
  const sources = Number(rest[2]);
  const parallel = Number(rest[3]);
  const reports = [];
  loop.setExceptionHandler((_l, ctx) => reports.push(String(ctx.message)));
  let open = 0;
  let peakOpen = 0;
  let mismatches = 0;
  let lostEarly = 0;
  let phase = "connect";
  class Checker extends asyncio.Protocol {
    constructor(i) {
      super();
      this.i = i;
      this.expect = payload(i);
      this.got = 0;
      this.echoed = loop.createFuture();
      this.closed = loop.createFuture();
    }
    connectionMade(transport) {
      this.transport = transport;
      open++;
      if (open > peakOpen) peakOpen = open;
    }
    dataReceived(data) {
      const e = this.expect;
      for (let k = 0; k < data.length; k++) {
        if (this.got + k >= e.length || data[k] !== e[this.got + k]) {
          mismatches++;
          break;
        }
      }
      this.got += data.length;
      if (this.got >= e.length && !this.echoed.done()) this.echoed.setResult(undefined);
    }
    eofReceived() {
      return false;
    }
    connectionLost(exc) {
      open--;
      if (phase !== "close") lostEarly++;
      if (!this.echoed.done()) this.echoed.setException(exc ?? new Error(`connection ${this.i} closed after ${this.got} bytes`));
      if (!this.closed.done()) this.closed.setResult(exc);
    }
  }
  const base = memory();
  const protos = new Array(N);
  const transports = new Array(N);
  const t0 = performance.now();
  const gate = new asyncio.Semaphore(parallel);
  function* connect(i) {
    yield* gate.acquire();
    try {
      // Every 10th connection binds a source address first (localAddr), spread over 127.0.0.2..;
      // the rest let connect() pick the port (see net-load.test.ts for why not all of them).
      const localAddr = sources > 0 && i % 10 === 0 ? [`127.0.0.${2 + ((i / 10) % sources)}`, 0] : null;
      const [t, p] = yield* loop.createConnection(() => new Checker(i), HOST, port, { localAddr });
      transports[i] = t;
      protos[i] = p;
    } finally {
      gate.release();
    }
  }
  const connects = [];
  for (let i = 0; i < N; i++) connects.push(loop.createTask(connect(i)));
  yield* asyncio.gather(connects);
  const connectSeconds = (performance.now() - t0) / 1000;
  const connected = memory();
  phase = "echo";
  const t1 = performance.now();
  for (let i = 0; i < N; i++) transports[i].write(protos[i].expect);
  yield* asyncio.gather(protos.map((p) => p.echoed));
  const echoSeconds = (performance.now() - t1) / 1000;
  let verified = 0;
  let bytes = 0;
  for (const p of protos) {
    if (p.got === p.expect.length) verified++;
    bytes += p.got;
  }
  const held = memory();
  send({ event: "held", open, peakOpen, verified, bytes, mismatches, lostEarly, connectSeconds, echoSeconds, memory: { base, connected, held }, reports });
  const input = stdinQueue(loop);
  for (;;) {
    const cmd = yield* input.queue.get();
    if (cmd === "close" || cmd === "eof") break;
  }
  phase = "close";
  for (const t of transports) t.close();
  const lost = yield* asyncio.gather(protos.map((p) => p.closed));
  send({ event: "closed", open, closedWithError: lost.filter((e) => e !== null).length, reports });
  input.close();
}

const body = mode === "server" ? server : mode === "client" ? client : null;
if (body === null) {
  console.error("usage: load-peer.mjs server|client <core> ...");
  process.exit(2);
}
asyncio
  .run(body(), { loopFactory: () => new asyncio.EventLoop({ core }) })
  .then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      send({ event: "failed", error: String(error?.stack ?? error) });
      process.exit(1);
    },
  );
