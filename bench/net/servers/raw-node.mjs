#!/usr/bin/env node
// Baseline echo server: plain node:net, `socket.on("data", d => socket.write(d))`.
// Runs unchanged on Node, Deno and Bun.
//
// Contract for every server in bench/net/servers/ (see bench/README.md):
//   * listen on 127.0.0.1, port 0 (or --port N), TCP_NODELAY on;
//   * print the port, alone on a line, on stdout once listening;
//   * exit on SIGTERM or when stdin closes;
//   * if the variant cannot run here, print "@@unavailable <reason>" on
//     stdout and exit 3 (the row then says "unavailable: <reason>").

import net from "node:net";
import process from "node:process";

const portArg = process.argv.indexOf("--port");
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on("data", (d) => socket.write(d));
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
