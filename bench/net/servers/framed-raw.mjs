#!/usr/bin/env node
// Baseline framed echo server: the same length-prefixed protocol as servers/framed.mjs (4-byte
// big-endian length, then that many bytes; each whole frame is echoed, header included) written
// on plain node:net with the naive parser: Buffer.concat of the leftover and each 'data' chunk,
// subarray per frame, socket.write(frame). Runs unchanged on Node, Deno and Bun. Contract: see
// raw-node.mjs.

import { Buffer } from "node:buffer";
import net from "node:net";
import process from "node:process";

const portArg = process.argv.indexOf("--port");
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;
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

const shutdown = () => {
  server.close();
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.stdin.on("end", shutdown);
process.stdin.on("close", shutdown);
process.stdin.resume();

server.listen(port, "127.0.0.1", () => {
  const addr = server.address();
  process.stdout.write(`${typeof addr === "object" && addr ? addr.port : port}\n`);
});
