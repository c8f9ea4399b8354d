// Network suite (DESIGN §7): echo over loopback, 10 connections, 1/10/100 KiB
// messages. Each variant is an echo server process (bench/net/servers/, or a
// Python reference server) started on the runtime under test; the load
// generator (bench/net/loadgen.mjs) runs in its own Node process.
//
// Adding a server variant = adding bench/net/servers/<file>.mjs (see the
// contract at the top of servers/raw-node.mjs) plus one line in SERVERS.
//
// This suite exports run(): the runner calls it in its own (Node) process
// instead of spawning bench/worker.mjs.

import { join } from "node:path";
import { median } from "../lib/stats.mjs";
import { runLoad, startServer } from "../net/harness.mjs";

/** @typedef {import("../lib/types.mjs").Workload} Workload */
/** @typedef {import("../lib/types.mjs").Variant} Variant */
/** @typedef {import("../lib/types.mjs").VariantResult} VariantResult */
/** @typedef {import("../lib/types.mjs").WorkloadOutput} WorkloadOutput */

export const name = "network";
export const description = "Echo over loopback: request/response of 1/10/100 KiB messages on 10 connections.";

/**
 * One line per server variant. `server` is relative to bench/; `args` are
 * passed to it; `runtimes` defaults to node, deno, bun. One baseline per runtime.
 * @type {Variant[]}
 */
export const SERVERS = [
  { name: "raw", baseline: true, server: "net/servers/raw-node.mjs", description: "plain node:net: socket.on('data', d => socket.write(d))" },
  { name: "node-floor", runtimes: ["node"], server: "net/servers/floor-node.mjs", description: "Node's floor: onread into a shared buffer, a copy, fs.writeSync; no loop, no protocol (private net API)" },
  // wasyncio servers, one line each, e.g.:
  // { name: "framed-wasm", server: "net/servers/framed.mjs", args: ["--core", "wasm"] },
  { name: "protocol-wasm", server: "net/servers/protocol.mjs", args: ["--core", "wasm"], description: "wasyncio Protocol: dataReceived -> transport.write" },
  { name: "protocol-js", server: "net/servers/protocol.mjs", args: ["--core", "js"], description: "the same on the TS core" },
  { name: "buffered-wasm", server: "net/servers/buffered.mjs", args: ["--core", "wasm"], description: "wasyncio BufferedProtocol: reads land in its buffer (one shared by all connections)" },
  { name: "buffered-js", server: "net/servers/buffered.mjs", args: ["--core", "js"], description: "the same on the TS core" },
  { name: "buffered-copy-wasm", server: "net/servers/buffered.mjs", args: ["--core", "wasm", "--copy"], description: "BufferedProtocol on the forced one-copy fallback ('data' events)" },
  { name: "buffered-perconn-wasm", server: "net/servers/buffered.mjs", args: ["--core", "wasm", "--per-connection"], description: "BufferedProtocol with a 64 KiB read buffer per connection" },
  { name: "streams-wasm", server: "net/servers/streams.mjs", args: ["--core", "wasm"], description: "wasyncio streams: read(64 KiB), write, drain" },
  { name: "streams-js", server: "net/servers/streams.mjs", args: ["--core", "js"], description: "the same on the TS core" },
  { name: "asyncio", baseline: true, runtimes: ["python"], server: "reference/echo_server.py", description: "CPython asyncio Protocol (reference)" },
  { name: "uvloop", runtimes: ["python"], server: "reference/echo_server.py", args: ["--uvloop"], description: "the same on uvloop (reference)" },
  // The same uvloop server in Node's job: its rounds interleave with the Node servers', so the
  // ratio to Protocol is measured under the same load (the python job runs at another moment).
  { name: "uvloop-ref", runtimes: ["node"], interpreter: "python", server: "reference/echo_server.py", args: ["--uvloop"], description: "uvloop's echo (CPython), in Node's job with its rounds interleaved" },
];

const CONNECTIONS = 10;
/** @type {[string, number][]} */
const SIZES = [
  ["1k", 1024],
  ["10k", 10 * 1024],
  ["100k", 100 * 1024],
];

/** @type {Workload[]} */
export const workloads = SIZES.map(([label, size]) => ({
  name: `echo_${label}`,
  description: `${CONNECTIONS} connections each sending a ${label.toUpperCase().replace("K", " KiB")} message and waiting for the verified echo, closed loop; median/p99 are per request`,
  unit: "requests/s",
  ops: 1,
  params: { size, connections: CONNECTIONS },
  extraUnits: { mibPerSec: "MiB/s", serverCpuUsPerReq: "µs", rounds: "" },
  variants: SERVERS,
}));

/** Timed seconds, warm-up seconds and rounds per variant. */
const TIMING = {
  full: { duration: 3, warmup: 1, rounds: 3 },
  quick: { duration: 0.6, warmup: 0.25, rounds: 1 },
};
/** Extra rounds when the rounds disagree by more than this (a disturbed run). */
const DISTURBED_SPREAD = 0.25;

/**
 * @typedef {object} DriverContext
 * @property {{ name: string, version: string, argv: readonly string[] }} runtime  argv runs a script file
 * @property {string} node          path of the node binary (runs the load generator)
 * @property {string} benchDir      absolute path of bench/
 * @property {boolean} quick
 * @property {readonly string[]} variants  variant names to run (already filtered)
 * @property {(variant: string) => void} progress
 * @property {Record<string, string[]>} [interpreters]  argv of each installed runtime, for
 *                                  variants whose `interpreter` is not the job's runtime
 */

/**
 * @param {Workload} workload
 * @param {DriverContext} ctx
 * @returns {Promise<WorkloadOutput>}
 */
export async function run(workload, ctx) {
  const size = /** @type {number} */ (workload.params?.size);
  const connections = /** @type {number} */ (workload.params?.connections);
  const t = ctx.quick ? TIMING.quick : TIMING.full;
  const variants = workload.variants.filter((x) => ctx.variants.includes(x.name));
  /** @type {Map<string, VariantResult>} */
  const failed = new Map();
  /**
   * Every server runs at once and the rounds are interleaved (round r loads each server in turn,
   * the order rotating per round), so a disturbance of this shared machine lands on every variant
   * alike instead of on whichever variant happened to be running.
   * @type {{ v: Variant, server: import("../net/harness.mjs").ServerHandle, rounds: import("../net/harness.mjs").LoadResult[] }[]}
   */
  const live = [];
  try {
    for (const v of variants) {
      ctx.progress(`${v.name} (starting)`);
      const interpreter = v.interpreter === undefined ? ctx.runtime.argv : ctx.interpreters?.[v.interpreter];
      if (interpreter === undefined) {
        failed.set(v.name, { variant: v.name, status: "not-installed", reason: `${v.interpreter} is not installed` });
        continue;
      }
      const argv = [...interpreter, join(ctx.benchDir, /** @type {string} */ (v.server)), ...(v.args ?? [])];
      const started = await startServer(argv, { cwd: join(ctx.benchDir, "..") });
      if (started.ok) live.push({ v, server: started.server, rounds: [] });
      else failed.set(v.name, { variant: v.name, status: started.status, reason: started.reason });
    }
    let want = t.rounds;
    for (let i = 0; i < want; i++) {
      for (let k = 0; k < live.length; k++) {
        const entry = live[(k + i) % live.length];
        if (failed.has(entry.v.name)) continue;
        ctx.progress(`${entry.v.name} (round ${i + 1}/${want})`);
        const r = await runLoad({
          node: ctx.node,
          port: entry.server.port,
          connections,
          size,
          // the first round warms up longer: the first load after idling is slow
          warmup: i === 0 ? t.warmup : t.warmup / 2,
          duration: t.duration,
          serverPid: entry.server.pid,
          framed: workload.params?.framed === true,
          pipeline: /** @type {number | undefined} */ (workload.params?.pipeline),
        });
        if (r.ok) entry.rounds.push(r);
        else failed.set(entry.v.name, { variant: entry.v.name, status: "error", reason: r.error ?? "load generator failed" });
      }
      // A disturbed run (rounds of one variant disagree widely): two more rounds for everyone.
      if (i === want - 1 && want === t.rounds && t.rounds > 1) {
        const disturbed = live.some(({ rounds }) => {
          const rps = rounds.map((x) => /** @type {number} */ (x.requestsPerSec));
          return rps.length > 1 && (Math.max(...rps) - Math.min(...rps)) / median(rps) > DISTURBED_SPREAD;
        });
        if (disturbed) want += 2;
      }
    }
  } finally {
    await Promise.all(live.map(({ server }) => server.stop()));
  }
  /** @type {VariantResult[]} */
  const results = [];
  for (const v of variants) {
    const entry = live.find((e) => e.v === v);
    const failure = failed.get(v.name);
    if (failure !== undefined || entry === undefined || entry.rounds.length === 0) {
      results.push(failure ?? { variant: v.name, status: "error", reason: "no rounds completed" });
      continue;
    }
    const rounds = entry.rounds;
    // report the round with the median throughput
    const sorted = [...rounds].sort((a, b) => /** @type {number} */ (a.requestsPerSec) - /** @type {number} */ (b.requestsPerSec));
    const r = sorted[Math.floor((sorted.length - 1) / 2)];
    /** @type {Record<string, number>} */
    const extra = { mibPerSec: /** @type {number} */ (r.mibPerSec), rounds: rounds.length };
    if (typeof r.serverCpuSeconds === "number" && r.requests) {
      extra.serverCpuUsPerReq = (r.serverCpuSeconds / r.requests) * 1e6;
    }
    results.push({
      variant: v.name,
      status: "ok",
      opsPerSec: r.requestsPerSec,
      medianMs: /** @type {number} */ (r.p50Us) / 1000,
      p99Ms: /** @type {number} */ (r.p99Us) / 1000,
      meanMs: /** @type {number} */ (r.meanUs) / 1000,
      samples: r.requests,
      extra,
    });
  }
  return {
    suite: name,
    workload: workload.name,
    runtime: { name: ctx.runtime.name, version: ctx.runtime.version },
    unit: workload.unit,
    ops: workload.ops,
    results,
  };
}
