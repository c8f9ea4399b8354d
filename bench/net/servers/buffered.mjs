#!/usr/bin/env node
// wasyncio echo server, BufferedProtocol style: reads land in the protocol's own buffer
// (getBuffer/bufferUpdated); the echo writes from it (the next read overwrites the buffer, so
// the transport hands such writes to the kernel at once and copies only what it did not take).
// `--core wasm|js`; `--copy` forces the one-copy fallback ('data' events, as on a runtime that
// ignores onread). Contract: see raw-node.mjs.
import process from "node:process";
import { argValue, runServer } from "../../support/server.mjs";
import { coreName, loadWasyncio, newLoop, serveOnLoop } from "../../support/wasyncio.mjs";

runServer(async () => {
  const asyncio = await loadWasyncio(["EventLoop", "BufferedProtocol"]);
  const loop = newLoop(asyncio, coreName(argValue("--core", "wasm")));
  if (process.argv.includes("--copy")) asyncio.setForceCopyPath(true);
  // One read buffer for every connection: each read is consumed inside bufferUpdated (the
  // transport never leaves a view of it queued in a socket), so connections need no buffer of
  // their own; `--per-connection` gives each a 64 KiB buffer (the asyncio docs' pattern).
  const shared = new Uint8Array(65536);
  const perConnection = process.argv.includes("--per-connection");
  class Echo extends asyncio.BufferedProtocol {
    constructor() {
      super();
      this.buf = perConnection ? new Uint8Array(65536) : shared;
    }
    /** @param {any} transport */
    connectionMade(transport) {
      this.transport = transport;
    }
    getBuffer() {
      return this.buf;
    }
    /** @param {number} n */
    bufferUpdated(n) {
      this.transport.write(this.buf.subarray(0, n));
    }
  }
  const server = await loop.runUntilComplete(loop.createServer(() => new Echo(), "127.0.0.1", Number(argValue("--port", "0"))));
  return serveOnLoop(loop, server);
});
