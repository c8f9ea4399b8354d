// Framed request/response echo over loopback (issue 6): a FramedProtocol server against the same
// length-prefixed protocol written on raw node:net with the naive Buffer.concat/subarray parser.
// 10 connections, each sending one small frame (4-byte big-endian length + payload) and waiting
// for the whole frame to come back, verified byte for byte (bench/net/loadgen.mjs --framed); and
// the same with 16 frames in flight per connection (--pipeline 16).
// Driven like the network suite (same harness, timing and rounds); its own suite so that the
// network suite keeps exactly the DESIGN §7 echo workloads.

import { run as runNetwork } from "./network.mjs";

/** @typedef {import("../lib/types.mjs").Workload} Workload */
/** @typedef {import("../lib/types.mjs").Variant} Variant */

export const name = "framed";
export const description = "Framed request/response echo over loopback: FramedProtocol vs a naive node:net frame parser, 10 connections, small frames.";

/** @type {Variant[]} */
export const SERVERS = [
  {
    name: "framed-raw",
    baseline: true,
    server: "net/servers/framed-raw.mjs",
    description: "node:net, 'data' events, Buffer.concat + subarray per frame, socket.write(frame)",
  },
  {
    name: "framed-wasm",
    server: "net/servers/framed.mjs",
    args: ["--core", "wasm"],
    description: "wasyncio FramedProtocol (WASM loop, WASM parser): frameReceived -> transport.write(frame)",
  },
  {
    name: "framed-js",
    server: "net/servers/framed.mjs",
    args: ["--core", "js"],
    description: "the same on the TS loop core with the TS parser",
  },
  {
    name: "framed-wbuf-wasm",
    server: "net/servers/framed.mjs",
    args: ["--core", "wasm", "--reply", "wbuf"],
    description: "FramedProtocol replying through WriteBuffer.writeBytes + flush(transport) (zero-copy handoff)",
  },
];

const CONNECTIONS = 10;
const PAYLOAD = 64;
/** Frames each connection keeps in flight in the pipelined workload. */
const PIPELINE = 16;

/** @type {Workload[]} */
export const workloads = [
  {
    name: "framed_echo",
    description: `${CONNECTIONS} connections each sending one frame (4-byte length + ${PAYLOAD}-byte payload) and waiting for the verified echo of the whole frame, closed loop; median/p99 are per request`,
    unit: "requests/s",
    ops: 1,
    params: { size: PAYLOAD, connections: CONNECTIONS, framed: true },
    extraUnits: { mibPerSec: "MiB/s", serverCpuUsPerReq: "µs", rounds: "" },
    variants: SERVERS,
  },
  {
    // One frame in flight leaves the server mostly waiting on the kernel; a driver that pipelines
    // (asyncpg, Kafka and HTTP/2 clients do) makes the parser and the write path the work.
    name: "framed_echo_pipelined",
    description: `${CONNECTIONS} connections each writing ${PIPELINE} frames (4-byte length + ${PAYLOAD}-byte payload) at once and waiting for all ${PIPELINE} verified echoes, closed loop; requests are frames, median/p99 are per batch`,
    unit: "requests/s",
    ops: 1,
    params: { size: PAYLOAD, connections: CONNECTIONS, framed: true, pipeline: PIPELINE },
    extraUnits: { mibPerSec: "MiB/s", serverCpuUsPerReq: "µs", rounds: "" },
    variants: SERVERS,
  },
];

/**
 * @param {Workload} workload
 * @param {Parameters<typeof runNetwork>[1]} ctx
 */
export async function run(workload, ctx) {
  const out = await runNetwork(workload, ctx);
  return { ...out, suite: name };
}
