#!/usr/bin/env node
// Baseline framed echo server: the same length-prefixed protocol as servers/framed.mjs (4-byte
// big-endian length, then that many bytes; each whole frame is echoed, header included) written
// on plain node:net with the naive parser: Buffer.concat of the leftover and each 'data' chunk,
// subarray per frame, socket.write(frame). Runs unchanged on Node, Deno and Bun. Contract: see
// raw-node.mjs.

import { Buffer } from "node:buffer";
import net from "node:net";
import { argValue, runServer } from "../../support/server.mjs";

const HEADER = 4;
const MAX_FRAME = 64 * 1024 * 1024 + HEADER;
const EMPTY = Buffer.alloc(0);

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  /** @type {Buffer} */
  let buf = EMPTY;
  socket.on("data", (chunk) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (buf.length >= HEADER) {
      const total = HEADER + buf.readUInt32BE(0);
      if (total > MAX_FRAME) {
        socket.destroy();
        return;
      }
      if (buf.length < total) break;
      socket.write(buf.subarray(0, total));
      buf = buf.subarray(total);
    }
  });
  socket.on("error", () => socket.destroy());
});

runServer(
  () =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(Number(argValue("--port", "0")), "127.0.0.1", () => {
        const addr = server.address();
        resolve({ port: typeof addr === "object" && addr ? addr.port : 0, close: () => server.close() });
      });
    }),
);
