#!/usr/bin/env node
// wasyncio echo server, streams style: startServer with a coroutine per connection that
// reads (up to 64 KiB), writes, and drains. `--core wasm|js`; `--copy` forces the fallback read path. Contract: see raw-node.mjs.
import process from "node:process";
import { argValue, runServer } from "../../support/server.mjs";
import { coreName, loadWasyncio, newLoop, serveOnLoop } from "../../support/wasyncio.mjs";

runServer(async () => {
  const asyncio = await loadWasyncio(["EventLoop", "startServer"]);
  const loop = newLoop(asyncio, coreName(argValue("--core", "wasm")));
  if (process.argv.includes("--copy")) asyncio.setForceCopyPath(true);
  /** @param {any} reader @param {any} writer */
  function* handle(reader, writer) {
    for (;;) {
      const data = yield* reader.read(65536);
      if (data.length === 0) break;
      writer.write(data);
      yield* writer.drain();
    }
    writer.close();
  }
  const server = await loop.runUntilComplete(
    (function* () {
      return yield* asyncio.startServer(handle, "127.0.0.1", Number(argValue("--port", "0")));
    })(),
  );
  return serveOnLoop(loop, server);
});
