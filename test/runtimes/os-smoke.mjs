// OS services under Node, Deno and Bun against the built bundle: a UDP round trip, a subprocess
// echo through cat, an executor call on a worker thread, a signal handler, getaddrinfo and a
// read pipe. Prints "os smoke ok <runtime>"; a feature the runtime lacks prints
// "skipped: <reason>"; anything else failing exits non-zero.
import * as asyncio from "../../dist/index.js";
import { PassThrough } from "node:stream";

const runtime = typeof Deno !== "undefined" ? `deno ${Deno.version.deno}` : typeof Bun !== "undefined" ? `bun ${Bun.version}` : `node ${process.versions.node}`;
const isWindows = process.platform === "win32";

function check(cond, what) {
  if (!cond) throw new Error(`os smoke check failed: ${what}`);
}

function skipped(what, reason) {
  console.log(`skipped: ${what}: ${reason}`);
}

class Echo extends asyncio.DatagramProtocol {
  connectionMade(transport) {
    this.transport = transport;
  }
  datagramReceived(data, addr) {
    this.transport.sendto(data, addr);
  }
}

class Client extends asyncio.DatagramProtocol {
  constructor(loop) {
    super();
    this.got = loop.createFuture();
  }
  datagramReceived(data) {
    if (!this.got.done()) this.got.setResult(new TextDecoder().decode(data));
  }
}

function* udp(loop) {
  const [server] = yield* loop.createDatagramEndpoint(() => new Echo(), { localAddr: ["127.0.0.1", 0] });
  const port = server.getExtraInfo("sockname")[1];
  // localAddr too: without it the endpoint binds the wildcard address, which Deno's
  // --allow-net=127.0.0.1,localhost (the runner's flags) does not cover.
  const [client, proto] = yield* loop.createDatagramEndpoint(() => new Client(loop), { localAddr: ["127.0.0.1", 0], remoteAddr: ["127.0.0.1", port] });
  client.sendto(new TextEncoder().encode("udp ping"));
  const reply = yield* asyncio.waitFor(proto.got, 5);
  check(reply === "udp ping", `UDP echo, got ${reply}`);
  client.close();
  server.close();
}

class Cat extends asyncio.SubprocessProtocol {
  constructor(loop) {
    super();
    this.out = [];
    this.done = loop.createFuture();
  }
  pipeDataReceived(fd, data) {
    if (fd === 1) this.out.push(data);
  }
  connectionLost() {
    this.done.setResult(undefined);
  }
}

function* subprocess(loop) {
  const [transport, proto] = yield* loop.subprocessExec(() => new Cat(loop), "cat");
  const stdin = transport.getPipeTransport(0);
  stdin.write(new TextEncoder().encode("through cat"));
  stdin.writeEof();
  yield* asyncio.waitFor(proto.done, 10);
  const text = new TextDecoder().decode(Buffer.concat(proto.out));
  check(text === "through cat", `subprocess echo, got ${JSON.stringify(text)}`);
  check(transport.getReturncode() === 0, `cat exit status ${transport.getReturncode()}`);
  const [killed, kp] = yield* loop.subprocessExec(() => new Cat(loop), "sleep", ["10"], { stdin: asyncio.DEVNULL });
  killed.terminate();
  yield* asyncio.waitFor(kp.done, 10);
  check(killed.getReturncode() === -15, `terminated child's returncode ${killed.getReturncode()}`);
  if (typeof asyncio.createSubprocessExec === "function") {
    const proc = yield* asyncio.createSubprocessExec("cat", { stdin: asyncio.PIPE, stdout: asyncio.PIPE });
    const [out] = yield* proc.communicate(new TextEncoder().encode("streams"));
    check(new TextDecoder().decode(out) === "streams", "Process.communicate through cat");
    check(proc.returncode === 0, "Process returncode");
  } else {
    gaps.set("Process (streams form)", "createSubprocessExec is not in this build");
  }
}

function* executor(loop) {
  const sum = yield* loop.runInExecutor(null, (a, b) => a + b, 2, 3);
  check(sum === 5, `executor result ${sum}`);
  const upper = yield* asyncio.toThread((s) => s.toUpperCase(), "thread");
  check(upper === "THREAD", "toThread");
}

function* signals(loop) {
  const got = loop.createFuture();
  loop.addSignalHandler("SIGUSR2", () => got.done() || got.setResult("SIGUSR2"));
  process.kill(process.pid, "SIGUSR2");
  check((yield* asyncio.waitFor(got, 5)) === "SIGUSR2", "signal handler");
  check(loop.removeSignalHandler("SIGUSR2") === true, "removeSignalHandler");
}

function* dns(loop) {
  const literal = yield* loop.getaddrinfo("127.0.0.1", 80, { type: asyncio.SOCK_STREAM });
  check(literal.length === 1 && literal[0][4][0] === "127.0.0.1", `getaddrinfo 127.0.0.1: ${JSON.stringify(literal)}`);
  // Deno resolves a name only with net permission for that name: run.mjs grants
  // --allow-net=127.0.0.1,localhost. Without it this fails (a missing permission is a failure, not a skip).
  const infos = yield* loop.getaddrinfo("localhost", 80, { family: asyncio.AF_INET, type: asyncio.SOCK_STREAM });
  check(infos.some(([family, , , , addr]) => family === asyncio.AF_INET && addr[0] === "127.0.0.1" && addr[1] === 80), `getaddrinfo localhost: ${JSON.stringify(infos)}`);
}

class Collect extends asyncio.Protocol {
  constructor(loop) {
    super();
    this.chunks = [];
    this.lost = loop.createFuture();
  }
  dataReceived(data) {
    this.chunks.push(data);
  }
  connectionLost(exc) {
    this.lost.setResult(exc);
  }
}

function* pipes(loop) {
  const stream = new PassThrough();
  const [, proto] = yield* loop.connectReadPipe(() => new Collect(loop), stream);
  stream.end("piped");
  check((yield* asyncio.waitFor(proto.lost, 5)) === null, "read pipe EOF");
  check(Buffer.concat(proto.chunks).toString() === "piped", "read pipe data");
}

/** What this runtime cannot do at all (not failures): each gets a "skipped" line. */
async function unsupported() {
  const gaps = new Map();
  if (isWindows) {
    gaps.set("subprocess", "the smoke uses cat and sleep, which Windows lacks");
    gaps.set("signals", "POSIX signals (SIGUSR2) do not exist on Windows");
  }
  try {
    const { Worker } = await import("node:worker_threads");
    const w = new Worker("", { eval: true });
    await w.terminate();
  } catch (error) {
    gaps.set("executor", `node:worker_threads cannot start an eval worker here (${error?.message ?? error})`);
  }
  return gaps;
}

const gaps = await unsupported();
const sections = { udp, subprocess, executor, signals, dns, pipes };
for (const core of ["wasm", "js"]) {
  await asyncio.run(
    (function* () {
      const loop = asyncio.getRunningLoop();
      for (const [name, section] of Object.entries(sections)) {
        if (gaps.has(name)) continue;
        yield* asyncio.timeout(20, function* () {
          yield* section(loop);
        });
      }
    })(),
    { loopFactory: () => new asyncio.EventLoop({ core }) },
  );
}
for (const [name, reason] of gaps) skipped(name, reason);
console.log(`os smoke ok ${runtime}`);
