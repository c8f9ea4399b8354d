/**
 * `loop.createUnixConnection` and `loop.createUnixServer`: the TCP machinery on a socket path.
 * As asyncio does, a server first removes a stale socket file at its path, and (Python 3.13's
 * `cleanup_socket`) removes the file it made when it closes.
 * @module
 */
import * as fs from "node:fs";
import type { Coroutine } from "../coroutines.js";
import type { EventLoop } from "../loop.js";
import type { BaseProtocol } from "../protocols.js";
import type { Transport } from "../transports.js";
import { checkBacklog, checkBoolean, checkFactory, checkOptions, checkUnixPath, type CreateUnixConnectionOptions, type CreateUnixServerOptions } from "./options.js";
import { Server } from "./server.js";
import { clientTls, connectStream, listen, serverTls } from "./tcp.js";

/** Validates and connects to the Unix socket at `path`. @internal */
export function* createUnixConnection<P extends BaseProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  path: string,
  options?: CreateUnixConnectionOptions,
): Coroutine<[Transport, P]> {
  checkFactory(protocolFactory, "createUnixConnection");
  const opts = checkOptions(options, ["ssl", "serverHostname", "sslHandshakeTimeout", "sslShutdownTimeout"], "createUnixConnection");
  const p = checkUnixPath(path, "createUnixConnection");
  const tlsConfig = clientTls(opts, null, "createUnixConnection");
  return yield* connectStream(loop, protocolFactory, { kind: "unix", path: p }, tlsConfig);
}

/** Validates, removes a stale socket file, listens at `path`, and returns the Server. @internal */
export function* createUnixServer(
  loop: EventLoop,
  protocolFactory: () => BaseProtocol,
  path: string,
  options?: CreateUnixServerOptions,
): Coroutine<Server> {
  checkFactory(protocolFactory, "createUnixServer");
  const opts = checkOptions(options, ["ssl", "backlog", "startServing", "cleanupSocket", "sslHandshakeTimeout", "sslShutdownTimeout"], "createUnixServer");
  const p = checkUnixPath(path, "createUnixServer");
  const backlog = checkBacklog(opts.backlog, "createUnixServer");
  const startServing = checkBoolean(opts.startServing, "startServing", true);
  const cleanup = checkBoolean(opts.cleanupSocket, "cleanupSocket", true);
  const tlsConfig = serverTls(opts, "createUnixServer");
  if (!p.startsWith("\0")) removeStaleSocket(p);
  const server = new Server(loop, { protocolFactory, tls: tlsConfig, unix: { path: p, cleanup }, keepAlive: false });
  try {
    server._addListener(yield* listen(loop, server, { path: p, backlog }, JSON.stringify(p)));
  } catch (error) {
    server.close();
    throw error;
  }
  if (startServing) server._startServing();
  return server;
}

/** asyncio removes an existing socket file (never another kind of file) before binding. */
function removeStaleSocket(path: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch {
    return;
  }
  if (stat.isSocket()) {
    try {
      fs.unlinkSync(path);
    } catch {
      // the bind reports what is wrong
    }
  }
}
