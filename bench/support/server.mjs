// Boilerplate for echo servers in bench/net/servers/ (runs on Node, Deno, Bun):
//
//   import { runServer, argValue } from "../../support/server.mjs";
//   runServer(async () => {
//     const asyncio = await loadWasyncio(["EventLoop", "Protocol"]); // Unavailable if absent
//     ... listen on 127.0.0.1, port Number(argValue("--port", "0")) ...
//     return { port, close: async () => { ... } };
//   });
//
// It prints the port on stdout, closes on SIGTERM or stdin close, and turns
// an `Unavailable` error (support/wasyncio.mjs) into "@@unavailable <reason>",
// exit 3, which the network suite reports as an unavailable row.

import process from "node:process";
import { Unavailable } from "./wasyncio.mjs";

/**
 * `--name value` or `--name=value` from this process's arguments.
 * @param {string} name
 * @param {string} fallback
 */
export function argValue(name, fallback) {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name && argv[i + 1] !== undefined) return argv[i + 1];
    if (argv[i].startsWith(name + "=")) return argv[i].slice(name.length + 1);
  }
  return fallback;
}

/**
 * @param {() => Promise<{ port: number, close?: () => unknown }>} start
 */
export async function runServer(start) {
  /** @type {{ port: number, close?: () => unknown }} */
  let server;
  try {
    server = await start();
  } catch (e) {
    if (e instanceof Unavailable) {
      process.stdout.write(`@@unavailable ${e.message.replace(/\s+/g, " ")}\n`, () => process.exit(3));
      return;
    }
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  }
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    try {
      await server.close?.();
    } finally {
      process.exit(0);
    }
  };
  process.on("SIGTERM", shutdown);
  process.stdin.on("end", shutdown);
  process.stdin.on("close", shutdown);
  process.stdin.resume();
  process.stdout.write(`${server.port}\n`);
}
