// The network benchmark's load generator checks every echoed byte: these tests run it (its own
// process, a few hundred requests, no timing asserted) against echo servers in this process
// that answer right, and wrong in the ways it must catch.
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { pinned, runLoad } from "../bench/net/harness.mjs";
import { run as runNetwork } from "../bench/suites/network.mjs";

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** An echo server on 127.0.0.1 whose reply to each chunk is `answer(chunk)`. */
async function echoServer(answer: (chunk: Buffer, sock: net.Socket) => void): Promise<number> {
  const server = net.createServer((sock) => {
    sock.on("data", (chunk) => answer(chunk, sock));
    sock.on("error", () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as net.AddressInfo).port;
}

const load = (port: number, size: number, extra: { framed?: boolean; pipeline?: number } = {}) =>
  runLoad({ node: process.execPath, port, connections: 3, size, warmup: 0.05, duration: 5, requests: 300, ...extra });

describe("the load generator", () => {
  it.each([1, 1024, 100 * 1024])("verifies a correct echo of %i-byte messages", async (size) => {
    const port = await echoServer((chunk, sock) => sock.write(chunk));
    const r = await load(port, size);
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.requests).toBeGreaterThanOrEqual(300);
    expect(r.verifiedBytes).toBeGreaterThanOrEqual(300 * size);
  });

  it("verifies pipelined frames", async () => {
    const port = await echoServer((chunk, sock) => sock.write(chunk));
    const r = await load(port, 100, { framed: true, pipeline: 4 });
    expect(r.ok).toBe(true);
    expect(r.verifiedBytes).toBeGreaterThanOrEqual(300 * 104);
  });

  it("fails on one wrong byte", async () => {
    let replies = 0;
    const port = await echoServer((chunk, sock) => {
      // the 50th reply has its last byte changed
      if (++replies === 50) chunk[chunk.length - 1]! ^= 0xff;
      sock.write(chunk);
    });
    const r = await load(port, 1024);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/differ/);
  });

  it("fails on an echo longer than the request", async () => {
    const port = await echoServer((chunk, sock) => sock.write(Buffer.concat([chunk, Buffer.from([0])])));
    const r = await load(port, 64);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/received 65 bytes for a 64-byte request/);
  });

  it("pins to a CPU only through taskset", () => {
    const argv = pinned(["node", "x.mjs"], 1);
    expect(argv.slice(-2)).toEqual(["node", "x.mjs"]);
    if (argv.length > 2) expect(argv.slice(1, 3)).toEqual(["-c", "1"]);
  });
});

describe("the network driver", () => {
  it("runs a variant's server under its interpreter, whatever the job's runtime", async () => {
    const server = "net/servers/raw-node.mjs";
    const workload = {
      name: "echo_tiny",
      unit: "requests/s",
      ops: 1,
      params: { size: 64, connections: 2 },
      variants: [
        { name: "own", baseline: true, server },
        { name: "guest", interpreter: "node" as const, server },
        { name: "absent", interpreter: "python" as const, server: "reference/echo_server.py" },
      ],
    };
    const out = await runNetwork(workload, {
      // the job's own runtime cannot start anything: only the guest gets a server
      runtime: { name: "deno", version: "0", argv: ["/nonexistent/runtime"] },
      node: process.execPath,
      benchDir: fileURLToPath(new URL("../bench/", import.meta.url)),
      quick: true,
      variants: ["own", "guest", "absent"],
      progress: () => {},
      interpreters: { node: [process.execPath] },
    });
    const status = Object.fromEntries(out.results.map((r) => [r.variant, r.status]));
    expect(status).toEqual({ own: "error", guest: "ok", absent: "not-installed" });
    const guest = out.results.find((r) => r.variant === "guest")!;
    expect(guest.opsPerSec).toBeGreaterThan(0);
  });
});
