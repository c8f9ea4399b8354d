#!/usr/bin/env node
// Echo load generator, run in its own process (DESIGN §7):
//
//   node bench/net/loadgen.mjs --port P [--connections 10] [--size 1024]
//        [--warmup 0.5] [--duration 2] [--requests N] [--framed [--pipeline K]]
//
// Opens N connections to 127.0.0.1:P (never any other address). Each
// connection sends one M-byte message, waits until every byte came back,
// checks every echoed byte against what it sent, and repeats (closed loop).
// An untimed warm-up runs first. The timed phase ends after --duration
// seconds or --requests requests (whichever first; both are bounded), then
// in-flight requests complete and the sockets close.
//
// --framed: each message is a frame, a 4-byte big-endian length (= size) then
// the size payload bytes, and the server must echo that whole frame (header
// included), verified byte for byte like the plain echo. Servers that parse
// frames (servers/framed*.mjs) need it; a plain echo server passes it too.
// --pipeline K: each connection writes K frames in one write and waits for all K
// echoes (one round trip); every frame counts as a request, latency is per batch.
//
// stdout: "@@mark start" / "@@mark end" when the timed phase starts/ends (the
// harness samples the server's CPU time there), then one line
// "@@loadgen-result <json>": { ok, connections, size, seconds, requests,
// requestsPerSec, mibPerSec, p50Us, p99Us, meanUs, verifiedBytes } or
// { ok: false, error }. Exit code 0 on success, 1 on any error.

import net from "node:net";
import process from "node:process";
import { HOST, parseLoadgenArgs } from "../lib/loadgen-args.mjs";
import { quantileSorted } from "../lib/stats.mjs";

/**
 * @param {{ port: number, connections: number, size: number, warmup: number, duration: number, requests: number, framed?: boolean, pipeline?: number }} o
 */
async function run(o) {
  // A pattern longer than one message; request k sends the window starting
  // at (k * 7) % 251, so a stale or misordered echo is caught.
  const pattern = Buffer.allocUnsafe(o.size + 256);
  for (let i = 0; i < pattern.length; i++) pattern[i] = (i * 31 + (i >> 8)) & 0xff;
  const framed = o.framed === true;
  const pipeline = framed ? (o.pipeline ?? 1) : 1;
  /** Bytes per round trip on the wire (and per echo): one message, or `pipeline` frames. */
  const msgSize = framed ? (4 + o.size) * pipeline : o.size;

  /** @type {"warmup" | "timed" | "draining"} */
  let phase = "warmup";
  let requests = 0;
  let verifiedBytes = 0;
  /** @type {number[]} */
  const lat = [];
  let tStart = 0;
  let tEnd = 0;
  /** @type {(e: Error) => void} */
  let fail = () => {};
  const failed = new Promise((_, reject) => (fail = reject));
  failed.catch(() => {});

  /** @type {net.Socket[]} */
  const sockets = [];
  /** @type {Promise<void>[]} */
  const finished = [];

  const endTimed = () => {
    if (phase !== "timed") return;
    phase = "draining";
    tEnd = performance.now();
    process.stdout.write("@@mark end\n");
  };

  for (let c = 0; c < o.connections; c++) {
    // Reads land in one buffer per connection (Node's `onread`, no 'data' Buffer per read and no
    // stream machinery): the generator's own cost per request is what caps the throughput of
    // a server cheaper than it, so it is kept as low as checking every byte allows.
    const readBuffer = Buffer.allocUnsafe(64 * 1024);
    const sock = net.connect({ host: HOST, port: o.port, noDelay: true, onread: { buffer: readBuffer, callback: (n) => (onRead(n), true) } });
    sockets.push(sock);
    await new Promise((resolve, reject) => {
      sock.once("connect", resolve);
      sock.once("error", reject);
    });
    sock.on("error", (e) => fail(e));
    let seq = c * 13;
    let got = 0;
    let t0 = 0;
    let expected = pattern.subarray(0, o.size);
    // framed: one buffer of `pipeline` frames per connection, rewritten for each round trip
    // (the previous write is complete by then: its whole echo came back)
    const frames = framed ? Buffer.allocUnsafe(msgSize) : null;
    if (frames !== null) for (let f = 0; f < pipeline; f++) frames.writeUInt32BE(o.size, f * (4 + o.size));
    /** @type {() => void} */
    let done = () => {};
    finished.push(new Promise((resolve) => (done = resolve)));
    const send = () => {
      if (frames !== null) {
        for (let f = 0; f < pipeline; f++) {
          const off = (seq++ * 7) % 251;
          pattern.copy(frames, f * (4 + o.size) + 4, off, off + o.size);
        }
        expected = frames;
      } else {
        const off = (seq++ * 7) % 251;
        expected = pattern.subarray(off, off + o.size);
      }
      got = 0;
      t0 = performance.now();
      sock.write(expected);
    };
    /** @param {number} n bytes read into readBuffer */
    const onRead = (n) => {
      if (got + n > msgSize) {
        fail(new Error(`connection ${c}: received ${got + n} bytes for a ${msgSize}-byte request`));
        return;
      }
      if (readBuffer.compare(expected, got, got + n, 0, n) !== 0) {
        fail(new Error(`connection ${c}: echoed bytes differ from the bytes sent (offset ${got})`));
        return;
      }
      got += n;
      if (got < msgSize) return;
      verifiedBytes += msgSize;
      if (phase === "timed") {
        lat.push(performance.now() - t0);
        requests += pipeline;
        if (requests >= o.requests) endTimed();
      }
      if (phase === "draining") done();
      else send();
    };
    sock.on("close", () => {
      if (phase !== "draining") fail(new Error(`connection ${c} closed by the server`));
    });
    // start this connection's loop at once; the others join as they connect
    send();
  }

  const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
  const work = (async () => {
    await sleep(o.warmup * 1000);
    phase = "timed";
    tStart = performance.now();
    process.stdout.write("@@mark start\n");
    // end on time unless the request budget ended it first
    while (phase === "timed" && performance.now() - tStart < o.duration * 1000) {
      await sleep(Math.min(50, o.duration * 1000 - (performance.now() - tStart)));
    }
    endTimed();
    await Promise.all(finished);
  })();
  const stall = new Promise((_, reject) => {
    const t = setTimeout(
      () => reject(new Error(`no progress: stalled (${verifiedBytes} bytes verified)`)),
      (o.warmup + o.duration + 15) * 1000,
    );
    work.finally(() => clearTimeout(t));
  });
  try {
    await Promise.race([work, failed, stall]);
  } finally {
    for (const s of sockets) s.destroy();
  }
  const seconds = (tEnd - tStart) / 1000;
  lat.sort((a, b) => a - b);
  return {
    ok: true,
    connections: o.connections,
    size: o.size,
    framed,
    pipeline,
    warmupSeconds: o.warmup,
    seconds,
    requests,
    requestsPerSec: requests / seconds,
    mibPerSec: (requests * o.size) / seconds / (1024 * 1024),
    p50Us: lat.length ? quantileSorted(lat, 0.5) * 1000 : null,
    p99Us: lat.length ? quantileSorted(lat, 0.99) * 1000 : null,
    meanUs: lat.length ? (lat.reduce((a, b) => a + b, 0) / lat.length) * 1000 : null,
    verifiedBytes,
  };
}

{
  const { opts, errors } = parseLoadgenArgs(process.argv.slice(2));
  if (errors.length > 0) {
    process.stderr.write(errors.join("\n") + "\n");
    process.stdout.write(`@@loadgen-result ${JSON.stringify({ ok: false, error: errors.join("; ") })}\n`);
    process.exit(2);
  }
  run(opts).then(
    (r) => process.stdout.write(`@@loadgen-result ${JSON.stringify(r)}\n`, () => process.exit(0)),
    (e) =>
      process.stdout.write(
        `@@loadgen-result ${JSON.stringify({ ok: false, error: e instanceof Error ? e.message : String(e) })}\n`,
        () => process.exit(1),
      ),
  );
}
