#!/usr/bin/env node
// wasyncio echo server, Protocol style: dataReceived(data) -> transport.write(data).
// `--core wasm|js` picks the loop core; `--copy` forces the one-copy fallback read path. Contract: see raw-node.mjs.
import process from "node:process";
import { argValue, runServer } from "../../support/server.mjs";
import { coreName, loadWasyncio, newLoop, serveOnLoop } from "../../support/wasyncio.mjs";

runServer(async () => {
  const asyncio = await loadWasyncio(["EventLoop", "Protocol"]);
  const loop = newLoop(asyncio, coreName(argValue("--core", "wasm")));
  if (process.argv.includes("--copy")) asyncio.setForceCopyPath(true);
  class Echo extends asyncio.Protocol {
    /** @param {any} transport */
    connectionMade(transport) {
      this.transport = transport;
    }
    /** @param {Uint8Array} data */
    dataReceived(data) {
      this.transport.write(data);
    }
  }
  const server = await loop.runUntilComplete(loop.createServer(() => new Echo(), "127.0.0.1", Number(argValue("--port", "0"))));
  return serveOnLoop(loop, server);
});
