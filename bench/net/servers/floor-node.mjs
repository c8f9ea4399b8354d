#!/usr/bin/env node
// Node's floor for an echo that keeps what it reads: the least any event loop or protocol layer on
// Node can do per request, so a wasyncio row can be read against it. Each accepted socket is
// re-wrapped to read with `onread` into one buffer shared by every connection; each read is copied
// out (a Protocol's data is the receiver's to keep) and written straight to the descriptor with
// `fs.writeSync`, the socket's own write taking only what the kernel did not. No loop, no
// protocol, no flow control: what it leaves out is what wasyncio's Protocol server costs. It is a
// floor for small messages only: with 100 KiB ones, wasyncio hands reads of 32 KiB or more over
// without a copy and sends writes past 16 KiB through the socket, which this does not.
//
// The re-wrap is Node's private API (`_handle`, the `handle`/`manualStart`/`onread` options), the
// same that src/host/node.ts feature-detects; on Deno and Bun the row is reported unavailable.
// Contract: see raw-node.mjs.
import net from "node:net";
import { writeSync } from "node:fs";
import { Buffer } from "node:buffer";
import process from "node:process";
import { argValue, runServer } from "../../support/server.mjs";
import { Unavailable } from "../../support/wasyncio.mjs";

const READ_SIZE = 65536;
const shared = Buffer.allocUnsafeSlow(READ_SIZE);

/** @param {net.Socket & { _handle?: { fd?: number } | null }} accepted */
function adopt(accepted) {
  const handle = accepted._handle;
  if (!handle || typeof handle.fd !== "number" || handle.fd < 0) {
    accepted.destroy(); // the load generator reports the failed connection
    return;
  }
  accepted._handle = null;
  const fd = handle.fd;
  /** @type {net.Socket} */
  const sock = new net.Socket(
    /** @type {any} */ ({
      handle,
      allowHalfOpen: true,
      readable: true,
      writable: true,
      manualStart: true,
      onread: {
        buffer: shared,
        /** @param {number} nread @param {Buffer} buf */
        callback(nread, buf) {
          const data = Buffer.allocUnsafe(nread);
          data.set(nread === READ_SIZE ? buf : buf.subarray(0, nread));
          let sent = 0;
          if (sock.writableLength === 0) {
            try {
              sent = writeSync(fd, data, 0, nread);
            } catch {
              sent = 0; // EAGAIN or an error: the socket queues the bytes or reports it
            }
          }
          if (sent < nread) sock.write(sent === 0 ? data : data.subarray(sent));
        },
      },
    }),
  );
  sock.setNoDelay(true);
  sock.on("error", () => sock.destroy());
  sock.on("end", () => sock.end());
  sock.resume();
}

runServer(async () => {
  if (process.versions.bun !== undefined || "Deno" in globalThis) throw new Unavailable("needs Node's socket handles");
  const server = net.createServer({ pauseOnConnect: true }, adopt);
  await new Promise((resolve) => server.listen(Number(argValue("--port", "0")), "127.0.0.1", () => resolve(undefined)));
  const addr = server.address();
  return { port: typeof addr === "object" && addr ? addr.port : 0, close: () => server.close() };
});
