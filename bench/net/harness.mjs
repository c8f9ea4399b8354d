// Network benchmark plumbing (Node only): start an echo server process,
// drive it with the load generator process, stop the server.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { onLines, processCpuSeconds, runProcess } from "../support/proc.mjs";

const LOADGEN = fileURLToPath(new URL("./loadgen.mjs", import.meta.url));

/**
 * The server and the load generator run pinned to separate CPUs (as the reference
 * figures were measured), so the kernel cannot put both on one core for a while and halve a
 * round. Linux with taskset and >= 2 CPUs only; BENCH_PIN=0 turns it off. TASKSET is the
 * binary when pinning is on, undefined otherwise.
 */
const TASKSET =
  process.platform === "linux" && process.env.BENCH_PIN !== "0" && availableParallelism() >= 2
    ? ["/usr/bin/taskset", "/bin/taskset"].find((p) => existsSync(p))
    : undefined;
/** Whether servers and load generators run pinned (the results' machine line says so). */
export const pinning = TASKSET !== undefined;
const SERVER_CPU = 0;
const LOADGEN_CPU = 1;

/**
 * argv run on one CPU when pinning is on (taskset execs the command: the pid is the command's).
 * @param {readonly string[]} argv
 * @param {number} cpu
 * @returns {string[]}
 */
export function pinned(argv, cpu) {
  return TASKSET !== undefined ? [TASKSET, "-c", String(cpu), ...argv] : [...argv];
}

/**
 * @typedef {object} ServerHandle
 * @property {number} port
 * @property {number | undefined} pid
 * @property {() => Promise<void>} stop
 */

/**
 * Start a server (argv = runtime command + script + args) and wait for its port.
 * Resolves { ok: true, server } or { ok: false, status, reason } when the
 * server says "@@unavailable"/"@@not-installed", exits, or is silent too long.
 * @param {readonly string[]} argv
 * @param {{ timeoutMs?: number, cwd?: string }} [opts]
 * @returns {Promise<{ ok: true, server: ServerHandle } | { ok: false, status: "unavailable" | "not-installed" | "error", reason: string }>}
 */
export function startServer(argv, opts = {}) {
  return new Promise((resolve) => {
    const cmd = pinned(argv, SERVER_CPU);
    const child = spawn(cmd[0], cmd.slice(1), { cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    let settled = false;
    /** @param {any} v */
    const settle = (v) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(v);
    };
    const exited = new Promise((r) => child.on("close", r));
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin?.end();
      const t1 = setTimeout(() => child.kill("SIGTERM"), 1000);
      const t2 = setTimeout(() => child.kill("SIGKILL"), 4000);
      await exited;
      clearTimeout(t1);
      clearTimeout(t2);
    };
    const timer = setTimeout(() => {
      void stop();
      settle({ ok: false, status: "error", reason: `server did not report a port within ${(opts.timeoutMs ?? 20_000) / 1000} s: ${stderr.trim().slice(-300)}` });
    }, opts.timeoutMs ?? 20_000);
    child.on("error", (e) => settle({ ok: false, status: "error", reason: `cannot start server: ${e.message}` }));
    child.stdin?.on("error", () => {});
    onLines(/** @type {any} */ (child.stderr), () => {}, (c) => (stderr = (stderr + c).slice(-4000)));
    onLines(/** @type {any} */ (child.stdout), (line) => {
      const m = /^@@(unavailable|not-installed)\s+(.*)$/.exec(line);
      if (m) {
        void stop();
        settle({ ok: false, status: /** @type {any} */ (m[1]), reason: m[2] });
        return;
      }
      const port = Number(line.trim());
      if (Number.isInteger(port) && port > 0 && port < 65536) {
        settle({ ok: true, server: { port, pid: child.pid, stop } });
      }
    });
    child.on("close", (code, signal) =>
      settle({ ok: false, status: "error", reason: `server exited (${signal ?? code}) before listening: ${stderr.trim().slice(-300)}` }),
    );
  });
}

/**
 * @typedef {object} LoadResult
 * @property {boolean} ok
 * @property {string} [error]
 * @property {number} [requests]
 * @property {number} [seconds]
 * @property {number} [requestsPerSec]
 * @property {number} [mibPerSec]
 * @property {number} [p50Us]
 * @property {number} [p99Us]
 * @property {number} [meanUs]
 * @property {number} [verifiedBytes]  echoed bytes checked (warm-up included)
 * @property {number | null} [serverCpuSeconds]  server CPU during the timed phase
 */

/**
 * Run the load generator (under node) against 127.0.0.1:port.
 * `framed`: length-prefixed requests (loadgen --framed); `pipeline`: frames in flight per connection;
 * `requests`: end the timed phase after this many requests (or `duration`, whichever first).
 * @param {{ node: string, port: number, connections: number, size: number, warmup: number, duration: number, serverPid?: number, framed?: boolean, pipeline?: number, requests?: number }} p
 * @returns {Promise<LoadResult>}
 */
export async function runLoad(p) {
  /** @type {number | null} */
  let cpu0 = null;
  /** @type {number | null} */
  let cpu1 = null;
  /** @type {LoadResult | undefined} */
  let result;
  const r = await runProcess(
    pinned([
      p.node,
      LOADGEN,
      "--port", String(p.port),
      "--connections", String(p.connections),
      "--size", String(p.size),
      "--warmup", String(p.warmup),
      "--duration", String(p.duration),
      ...(p.requests !== undefined ? ["--requests", String(p.requests)] : []),
      ...(p.framed ? ["--framed"] : []),
      ...(p.pipeline !== undefined && p.pipeline > 1 ? ["--pipeline", String(p.pipeline)] : []),
    ], LOADGEN_CPU),
    {
      timeoutMs: (p.warmup + p.duration + 30) * 1000,
      onStdoutLine: (line) => {
        if (line === "@@mark start") cpu0 = processCpuSeconds(p.serverPid);
        else if (line === "@@mark end") cpu1 = processCpuSeconds(p.serverPid);
        else if (line.startsWith("@@loadgen-result ")) result = JSON.parse(line.slice("@@loadgen-result ".length));
      },
    },
  );
  if (!result) {
    return { ok: false, error: r.timedOut ? "load generator timed out" : `load generator failed (${r.code}): ${r.stderr.trim().slice(-300)}` };
  }
  if (result.ok && cpu0 !== null && cpu1 !== null) result.serverCpuSeconds = cpu1 - cpu0;
  return result;
}
