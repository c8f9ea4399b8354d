// Loads the built wasyncio (dist/index.js) for the wasyncio variants. A
// missing build or a missing export throws an Error whose message becomes
// the variant's "unavailable: <reason>" row; the run goes on.

import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

// WASYNCIO_BENCH_DIST=/path/to/index.js benchmarks another build.
const DIST = process.env.WASYNCIO_BENCH_DIST
  ? pathToFileURL(process.env.WASYNCIO_BENCH_DIST)
  : new URL("../../dist/index.js", import.meta.url);

/** @type {Promise<Record<string, any>> | undefined} */
let cached;

/** The variant cannot run in this build: reported as "unavailable: <message>". */
export class Unavailable extends Error {
  name = "Unavailable";
}

/**
 * @param {readonly string[]} [required] export names the variant needs
 * @returns {Promise<Record<string, any>>} the wasyncio namespace
 */
export async function loadWasyncio(required = []) {
  if (!existsSync(fileURLToPath(DIST))) {
    throw new Unavailable(`${fileURLToPath(DIST)} is not built (npm run build)`);
  }
  cached ??= import(DIST.href);
  let mod;
  try {
    mod = await cached;
  } catch (e) {
    throw new Unavailable(`importing dist/index.js failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  const missing = required.filter((n) => mod[n] === undefined);
  if (missing.length > 0) throw new Unavailable(`dist/index.js does not export ${missing.join(", ")} yet`);
  return mod;
}

/**
 * The `--core` argument of a server: "wasm" (default) or "js".
 * @param {string} value  what argValue("--core", "wasm") gave
 * @returns {"js" | "wasm"}
 */
export function coreName(value) {
  if (value !== "js" && value !== "wasm") throw new Error(`--core must be js or wasm, got ${value}`);
  return value;
}

/**
 * Create a loop on the given core, checking that it is usable.
 * @param {Record<string, any>} asyncio
 * @param {"js" | "wasm"} core
 */
export function newLoop(asyncio, core) {
  const loop = new asyncio.EventLoop({ core });
  for (const m of ["callSoon", "runForever", "runUntilComplete", "stop", "close"]) {
    if (typeof loop[m] !== "function") throw new Unavailable(`EventLoop has no ${m}() yet`);
  }
  return loop;
}

/**
 * Runs `loop` forever around a listening wasyncio `server` and gives what runServer expects:
 * the port, and a close that closes the server and stops the loop.
 * @param {Record<string, any>} loop
 * @param {Record<string, any>} server
 */
export function serveOnLoop(loop, server) {
  const running = loop.runForever();
  return {
    port: server.sockets[0].getsockname()[1],
    close: async () => {
      server.close();
      loop.stop();
      await running;
    },
  };
}
