// Child-process helpers for the runner and the network harness (Node only).

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * @typedef {object} ProcResult
 * @property {number | null} code
 * @property {NodeJS.Signals | null} signal
 * @property {string} stdout
 * @property {string} stderr
 * @property {boolean} timedOut
 * @property {string} [spawnError]
 */

/**
 * Calls `fn` for each complete line of a stream.
 * @param {import("node:stream").Readable} stream
 * @param {(line: string) => void} fn
 * @param {(chunk: string) => void} [raw]
 */
export function onLines(stream, fn, raw) {
  let buf = "";
  stream.setEncoding("utf8");
  stream.on("data", (/** @type {string} */ chunk) => {
    raw?.(chunk);
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      fn(buf.slice(0, i).replace(/\r$/, ""));
      buf = buf.slice(i + 1);
    }
  });
  stream.on("end", () => {
    if (buf.length > 0) fn(buf);
    buf = "";
  });
}

/**
 * Run a command to completion (bounded by timeoutMs: SIGTERM, then SIGKILL).
 * @param {readonly string[]} argv
 * @param {{ timeoutMs?: number, cwd?: string, env?: NodeJS.ProcessEnv, onStdoutLine?: (l: string) => void, onStderrLine?: (l: string) => void }} [opts]
 * @returns {Promise<ProcResult>}
 */
export function runProcess(argv, opts = {}) {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    /** @type {import("node:child_process").ChildProcess} */
    let child;
    try {
      child = spawn(argv[0], argv.slice(1), {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (e) {
      resolve({ code: null, signal: null, stdout, stderr, timedOut, spawnError: String(e) });
      return;
    }
    /** @type {string | undefined} */
    let spawnError;
    child.on("error", (e) => (spawnError = e.message));
    onLines(/** @type {any} */ (child.stdout), (l) => opts.onStdoutLine?.(l), (c) => (stdout += c));
    onLines(/** @type {any} */ (child.stderr), (l) => opts.onStderrLine?.(l), (c) => (stderr += c));
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let kill;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill("SIGTERM");
          kill = setTimeout(() => child.kill("SIGKILL"), 2000);
        }, opts.timeoutMs)
      : undefined;
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      clearTimeout(kill);
      resolve({ code, signal, stdout, stderr, timedOut, ...(spawnError ? { spawnError } : {}) });
    });
  });
}

/**
 * Run a short probe command; returns trimmed stdout or null on any failure.
 * @param {readonly string[]} argv
 * @param {number} [timeoutMs]
 */
export async function probe(argv, timeoutMs = 15_000) {
  const r = await runProcess(argv, { timeoutMs });
  if (r.code !== 0 || r.timedOut || r.spawnError) return null;
  return r.stdout.trim();
}

/**
 * User+system CPU seconds a process has used so far (Linux /proc), or null.
 * @param {number | undefined} pid
 */
export function processCpuSeconds(pid) {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // fields after the ")" that ends the command name: state is field 3,
    // utime field 14, stime field 15 (1-based)
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
    return (utime + stime) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/** Linux USER_HZ; 100 on every mainstream configuration. */
const CLOCK_TICKS = 100;
