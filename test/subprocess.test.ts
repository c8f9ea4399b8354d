import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as asyncio from "../src/index.js";
import type { Coroutine, SubprocessTransport, WriteTransport, ReadTransport } from "../src/index.js";
import { CORES, runOn } from "./helpers.js";

const { SubprocessProtocol, PIPE, STDOUT, DEVNULL } = asyncio;
const encode = (s: string) => new TextEncoder().encode(s);

/** Records every event; `done` resolves at connectionLost. */
class Recorder extends SubprocessProtocol {
  events: string[] = [];
  out: Uint8Array[] = [];
  err: Uint8Array[] = [];
  pipeErrors: (Error | null)[] = [];
  transport: SubprocessTransport | null = null;
  done = asyncio.getRunningLoop().createFuture<void>();
  exited = asyncio.getRunningLoop().createFuture<void>();
  override connectionMade(transport: SubprocessTransport): void {
    this.transport = transport;
    this.events.push("made");
  }
  override pipeDataReceived(fd: number, data: Uint8Array): void {
    (fd === 1 ? this.out : this.err).push(data);
    if (this.events.at(-1) !== `data${fd}`) this.events.push(`data${fd}`);
  }
  override pipeConnectionLost(fd: number, exc: Error | null): void {
    this.events.push(`pipeLost${fd}`);
    this.pipeErrors.push(exc);
  }
  override processExited(): void {
    this.events.push("exited");
    this.exited.setResult(undefined);
  }
  override connectionLost(exc: Error | null): void {
    this.events.push(exc === null ? "lost" : `lost:${exc.message}`);
    this.done.setResult(undefined);
  }
  get stdout(): string {
    return Buffer.concat(this.out).toString();
  }
  get stderr(): string {
    return Buffer.concat(this.err).toString();
  }
}

function* failure(coro: Coroutine<unknown>): Coroutine<Error & { code?: string }> {
  try {
    yield* coro;
  } catch (error) {
    return error as Error;
  }
  throw new Error("did not fail");
}

describe.each(CORES)("subprocess protocols on the %s core", (core) => {
  const run = <T>(coro: Coroutine<T>, reports?: asyncio.ExceptionContext[]) => runOn(core, coro, reports);

  it("echoes through cat: connectionMade first, connectionLost last, return code 0", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const [transport, proto] = yield* loop.subprocessExec(() => new Recorder(), "cat");
      expect(proto.transport).toBe(transport);
      expect(transport.getPid()).toBeGreaterThan(0);
      expect(transport.getReturncode()).toBeNull();
      const stdin = transport.getPipeTransport(0) as WriteTransport;
      expect(stdin).toBeInstanceOf(asyncio.WriteTransport);
      expect(transport.getPipeTransport(1)).toBeInstanceOf(asyncio.ReadTransport);
      expect(transport.getPipeTransport(2)).toBeInstanceOf(asyncio.ReadTransport);
      expect(transport.getPipeTransport(3)).toBeNull();
      stdin.write(encode("hello "));
      stdin.write(encode("cat\n"));
      stdin.writeEof();
      yield* asyncio.waitFor(proto.done, 10);
      expect(proto.stdout).toBe("hello cat\n");
      expect(transport.getReturncode()).toBe(0);
      expect(proto.events[0]).toBe("made");
      expect(proto.events.at(-1)).toBe("lost");
      // cat may pass the two writes on in one read or two: "data1" once or more.
      expect([...new Set(proto.events)].sort()).toEqual(["data1", "exited", "lost", "made", "pipeLost0", "pipeLost1", "pipeLost2"]);
      expect(proto.pipeErrors).toEqual([null, null, null]);
      expect(transport.getExtraInfo("subprocess")).toBeUndefined(); // released once finished
      expect(() => transport.terminate()).toThrow(/has finished/);
      transport.close();
    })());
  });

  it("gives exit statuses, and minus the signal number for a killed child", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const status = function* (program: string, args: string[], act?: (t: SubprocessTransport) => void): Coroutine<number | null> {
        const [t, p] = yield* loop.subprocessExec(() => new Recorder(), program, args, { stdin: DEVNULL, stdout: DEVNULL, stderr: DEVNULL });
        act?.(t);
        yield* asyncio.waitFor(p.done, 10);
        return t.getReturncode();
      };
      expect(yield* status("sh", ["-c", "exit 3"])).toBe(3);
      expect(yield* status("sleep", ["10"], (t) => t.terminate())).toBe(-15);
      expect(yield* status("sleep", ["10"], (t) => t.kill())).toBe(-9);
      expect(yield* status("sleep", ["10"], (t) => t.sendSignal("SIGINT"))).toBe(-2);
      expect(yield* status("sleep", ["10"], (t) => t.sendSignal(10))).toBe(-10);
      const [shell, sp] = yield* loop.subprocessShell(() => new Recorder(), "echo from shell; exit 7");
      yield* asyncio.waitFor(sp.done, 10);
      expect(shell.getReturncode()).toBe(7);
      expect(sp.stdout).toBe("from shell\n");
    })());
  });

  it("sends stderr to stdout with STDOUT, in the order written", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const [t1, p1] = yield* loop.subprocessShell(() => new Recorder(), "echo one; echo two >&2; echo three", { stderr: STDOUT });
      expect(t1.getPipeTransport(2)).toBeNull();
      yield* asyncio.waitFor(p1.done, 10);
      expect(p1.stdout).toBe("one\ntwo\nthree\n");
      const [t2, p2] = yield* loop.subprocessExec(() => new Recorder(), "sh", ["-c", 'echo "$0 $1"; echo err >&2', "a b", "c"], { stderr: STDOUT });
      yield* asyncio.waitFor(p2.done, 10);
      expect(p2.stdout).toBe("a b c\nerr\n");
      expect(t2.getReturncode()).toBe(0);
      const [, p3] = yield* loop.subprocessShell(() => new Recorder(), "echo out; echo err >&2");
      yield* asyncio.waitFor(p3.done, 10);
      expect([p3.stdout, p3.stderr]).toEqual(["out\n", "err\n"]);
      expect((yield* failure(loop.subprocessExec(() => new Recorder(), "no-such-program-wasyncio", [], { stderr: STDOUT }))).code).toBe("ENOENT");
    })());
  });

  it("raises the spawn error (ENOENT) and honours cwd and env", async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "wasyncio-sp-")));
    try {
      await run((function* () {
        const loop = asyncio.getRunningLoop();
        const missing = yield* failure(loop.subprocessExec(() => new Recorder(), "no-such-program-wasyncio"));
        expect(missing.code).toBe("ENOENT");
        const [, p] = yield* loop.subprocessShell(() => new Recorder(), 'pwd; echo "$WASYNCIO_X"', { cwd: dir, env: { WASYNCIO_X: "from env", PATH: process.env.PATH } });
        yield* asyncio.waitFor(p.done, 10);
        expect(p.stdout).toBe(`${dir}\nfrom env\n`);
      })());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("pauses the protocol's writing when stdin backs up, and close() kills a running child", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      class Flow extends Recorder {
        flow: string[] = [];
        override pauseWriting(): void {
          this.flow.push("pause");
        }
        override resumeWriting(): void {
          this.flow.push("resume");
        }
      }
      // sleep never reads its stdin: the pipe fills and the transport's buffer grows.
      const [t, p] = yield* loop.subprocessExec(() => new Flow(), "sleep", ["10"], { stdout: DEVNULL, stderr: DEVNULL });
      const stdin = t.getPipeTransport(0) as WriteTransport;
      for (let i = 0; i < 32; i++) stdin.write(new Uint8Array(16 * 1024));
      expect(p.flow).toEqual(["pause"]);
      expect(stdin.getWriteBufferSize()).toBeGreaterThan(64 * 1024);
      t.close();
      expect(t.isClosing()).toBe(true);
      yield* asyncio.waitFor(p.done, 10);
      expect(t.getReturncode()).toBe(-9);
    })());
  });

  it("lets a stdout pipe pause reading", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const [t, p] = yield* loop.subprocessExec(() => new Recorder(), "cat", [], { stderr: DEVNULL });
      const stdout = t.getPipeTransport(1) as ReadTransport;
      const stdin = t.getPipeTransport(0) as WriteTransport;
      stdout.pauseReading();
      stdin.write(encode("held"));
      yield* asyncio.sleep(0.05);
      expect(p.stdout).toBe("");
      stdout.resumeReading();
      stdin.writeEof();
      yield* asyncio.waitFor(p.done, 10);
      expect(p.stdout).toBe("held");
    })());
  });

  it("loses no output of a child that exits before the loop reaches its pipes", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      // Callbacks queued ahead of the pipes' start keep the loop busy past the host's budget, so
      // the host sees the child exit first and resumes its unread stdout (dropping the data if
      // nothing listened yet).
      const busy = (): void => {
        const end = performance.now() + 2;
        while (performance.now() < end);
      };
      for (let i = 0; i < 40; i++) loop.callSoon(busy);
      const [t, p] = yield* loop.subprocessShell(() => new Recorder(), "echo early bird", { stdin: DEVNULL });
      yield* asyncio.waitFor(p.done, 10);
      expect(p.stdout).toBe("early bird\n");
      expect(t.getReturncode()).toBe(0);
    })());
  });

  it("reports protocol exceptions to the exception handler", async () => {
    const reports: asyncio.ExceptionContext[] = [];
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      class Faulty extends Recorder {
        override pipeDataReceived(fd: number, data: Uint8Array): void {
          super.pipeDataReceived(fd, data);
          throw new Error("boom in pipeDataReceived");
        }
      }
      const [, p] = yield* loop.subprocessShell(() => new Faulty(), "echo x");
      yield* asyncio.waitFor(p.done, 10);
      expect(p.stdout).toBe("x\n");
    })(), reports);
    expect(reports.map((r) => (r.exception as Error).message)).toEqual(["boom in pipeDataReceived"]);
  });

  it("calls the protocol factory before starting the child: a failing factory starts nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wasyncio-subprocess-"));
    try {
      await run((function* () {
        const loop = asyncio.getRunningLoop();
        const marker = join(dir, "started");
        const boom = new Error("factory failed");
        expect(yield* failure(loop.subprocessShell(() => {
          throw boom;
        }, `touch '${marker}'`))).toBe(boom);
        yield* asyncio.sleep(0.2);
        expect(existsSync(marker)).toBe(false);
      })());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("validates its arguments", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const f = () => new Recorder();
      expect(yield* failure(loop.subprocessExec(f, 42 as never))).toBeInstanceOf(TypeError);
      expect(yield* failure(loop.subprocessExec(f, "cat", "x" as never))).toBeInstanceOf(TypeError);
      expect(yield* failure(loop.subprocessExec(f, "cat", [1 as never]))).toBeInstanceOf(TypeError);
      expect(yield* failure(loop.subprocessExec(f, "cat", [], { stdin: STDOUT }))).toBeInstanceOf(RangeError);
      expect(yield* failure(loop.subprocessExec(f, "cat", [], { stdout: "pipe" as never }))).toBeInstanceOf(TypeError);
      expect(yield* failure(loop.subprocessExec(f, "cat", [], { stdout: -7 }))).toBeInstanceOf(RangeError);
      expect(yield* failure(loop.subprocessExec(f, "cat", [], { shell: true } as never))).toBeInstanceOf(RangeError);
      expect(yield* failure(loop.subprocessShell(f, ["ls"] as never))).toBeInstanceOf(TypeError);
      expect(yield* failure(loop.subprocessExec(null as never, "cat"))).toBeInstanceOf(TypeError);
      // option names: a typo or a Popen option this host cannot honour is a TypeError
      expect(yield* failure(loop.subprocessExec(f, "cat", [], { stdOut: PIPE } as never))).toBeInstanceOf(TypeError);
      expect(yield* failure(loop.subprocessExec(f, "cat", [], { preexecFn: () => {} } as never))).toBeInstanceOf(TypeError);
      expect(yield* failure(loop.subprocessExec(f, "cat", [], { cwd: 5 } as never))).toBeInstanceOf(TypeError);
      expect(yield* failure(loop.subprocessExec(f, "cat", [], { startNewSession: "yes" } as never))).toBeInstanceOf(TypeError);
      expect(yield* failure(loop.subprocessExec(f, "cat", [], { env: ["A=1"] } as never))).toBeInstanceOf(TypeError);
      // asyncio's ValueErrors: bytes only, no buffering choice, the right shell flag
      expect(yield* failure(loop.subprocessExec(f, "cat", [], { text: true } as never))).toBeInstanceOf(RangeError);
      expect(yield* failure(loop.subprocessExec(f, "cat", [], { universalNewlines: true } as never))).toBeInstanceOf(RangeError);
      expect(yield* failure(loop.subprocessExec(f, "cat", [], { encoding: "utf8" } as never))).toBeInstanceOf(RangeError);
      expect(yield* failure(loop.subprocessExec(f, "cat", [], { bufsize: 4096 } as never))).toBeInstanceOf(RangeError);
      expect(yield* failure(loop.subprocessShell(f, "true", { shell: false } as never))).toBeInstanceOf(RangeError);
      expect(yield* failure(asyncio.createSubprocessExec("cat", { stdin: PIPE, errors: "strict" } as never))).toBeInstanceOf(RangeError);
      expect(yield* failure(loop.subprocessExec(() => null as never, "cat"))).toBeInstanceOf(TypeError);
      const [t, p] = yield* loop.subprocessExec(f, "sleep", ["10"], { stdin: DEVNULL, stdout: PIPE, stderr: null });
      expect(t.getPipeTransport(0)).toBeNull();
      expect(t.getPipeTransport(2)).toBeNull();
      expect(() => t.sendSignal("SIGNOPE" as never)).toThrow(RangeError);
      t.kill();
      yield* asyncio.waitFor(p.done, 10);
      let lookup: unknown = null;
      try {
        t.kill(); // finished and released: Python raises ProcessLookupError
      } catch (error) {
        lookup = error;
      }
      expect((lookup as Error).name).toBe("ProcessLookupError");
    })());
  });
});

describe.each(CORES)("Process (streams) on the %s core", (core) => {
  const run = <T>(coro: Coroutine<T>) => runOn(core, coro);
  const { createSubprocessExec, createSubprocessShell } = asyncio;

  it("echoes through cat with StreamWriter and StreamReader", async () => {
    await run((function* () {
      const proc = yield* createSubprocessExec("cat", { stdin: PIPE, stdout: PIPE });
      expect(proc.pid).toBeGreaterThan(0);
      expect(proc.stderr).toBeNull(); // not a pipe: inherited
      proc.stdin!.write(encode("line one\n"));
      yield* proc.stdin!.drain();
      expect(new TextDecoder().decode(yield* proc.stdout!.readline())).toBe("line one\n");
      proc.stdin!.write(encode("line two\n"));
      proc.stdin!.close();
      expect(new TextDecoder().decode(yield* proc.stdout!.read())).toBe("line two\n");
      expect(yield* proc.wait()).toBe(0);
      expect(proc.returncode).toBe(0);
    })());
  });

  it("communicate()s 16 MiB through cat without deadlock", async () => {
    const size = 16 * 1024 * 1024;
    const input = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) input[i] = (i >>> 12) & 0xff;
    input[size - 1] = 0x5a;
    const [out, err] = await run((function* () {
      const proc = yield* createSubprocessExec("cat", { stdin: PIPE, stdout: PIPE, stderr: PIPE });
      return yield* asyncio.waitFor(proc.communicate(input), 30);
    })());
    expect(err!.length).toBe(0);
    expect(out!.length).toBe(size);
    expect(Buffer.compare(out!, input)).toBe(0);
  });

  it("gives stdout and stderr separately, or merged with STDOUT", async () => {
    await run((function* () {
      const both = yield* createSubprocessShell("cat; echo err >&2", { stdin: PIPE, stdout: PIPE, stderr: PIPE });
      const [out, err] = yield* both.communicate(encode("in"));
      expect([Buffer.from(out!).toString(), Buffer.from(err!).toString()]).toEqual(["in", "err\n"]);
      const merged = yield* createSubprocessShell("echo a; echo b >&2", { stdout: PIPE, stderr: STDOUT });
      expect(merged.stderr).toBeNull();
      const [mout, merr] = yield* merged.communicate();
      expect(Buffer.from(mout!).toString()).toBe("a\nb\n");
      expect(merr).toBeNull();
    })());
  });

  it("reports exit codes and signals; communicate ignores a child that does not read its input", async () => {
    await run((function* () {
      const sleeper = yield* createSubprocessExec("sleep", "10");
      expect([sleeper.stdin, sleeper.stdout, sleeper.stderr]).toEqual([null, null, null]);
      sleeper.terminate();
      expect(yield* sleeper.wait()).toBe(-15);
      expect(sleeper.returncode).toBe(-15);
      const killed = yield* createSubprocessExec("sleep", "10");
      killed.kill();
      expect(yield* killed.wait()).toBe(-9);
      const interrupted = yield* createSubprocessExec("sleep", "10");
      expect(interrupted.pid).toBeGreaterThan(0);
      expect(interrupted.returncode).toBeNull();
      interrupted.sendSignal("SIGINT");
      expect(yield* interrupted.wait()).toBe(-2);
      expect(() => interrupted.sendSignal(1.5)).toThrow(TypeError);
      const exit5 = yield* createSubprocessShell("exit 5");
      expect(yield* exit5.wait()).toBe(5);
      // `true` exits at once: writing its stdin hits a broken pipe, which communicate() ignores.
      const deaf = yield* createSubprocessExec("true", { stdin: PIPE, stdout: PIPE });
      const [out] = yield* deaf.communicate(new Uint8Array(1024 * 1024));
      expect(out!.length).toBe(0);
      expect(deaf.returncode).toBe(0);
      const missing = yield* failure(createSubprocessExec("no-such-program-wasyncio"));
      expect(missing.code).toBe("ENOENT");
      expect(yield* failure(createSubprocessShell("true", { limit: 0 }))).toBeInstanceOf(RangeError);
    })());
  });
});
