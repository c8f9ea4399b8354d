/**
 * Subprocesses: asyncio's `loop.subprocess_exec` / `subprocess_shell` (protocols and transports)
 * and the streams form `create_subprocess_exec` / `create_subprocess_shell` (`Process`), over
 * `node:child_process`.
 *
 * As in asyncio, every protocol event (`pipeDataReceived`, `pipeConnectionLost`,
 * `processExited`, `connectionLost`) goes through the loop in the order it happened, after
 * `connectionMade`; `connectionLost` comes once the child exited and all its pipes closed, and
 * `wait()` resolves then. The child's pipes are the pipe transports of pipes.ts.
 * @module
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { accessSync, constants as fsConstants } from "node:fs";
import os from "node:os";
import { delimiter, isAbsolute, join, resolve as resolvePath } from "node:path";
import type { Stream } from "node:stream";
import { fileURLToPath } from "node:url";
import { NotSupportedError } from "./errors.js";
import type { Future } from "./futures.js";
import type { EventLoop } from "./loop.js";
import { BaseProtocol, type SubprocessProtocol } from "./protocols.js";
import { getRunningLoop } from "./running.js";
import { _resolveSignal, type Signal } from "./signals.js";
import { DEFAULT_LIMIT, FlowControlMixin, StreamReader, StreamWriter } from "./streams.js";
import { gather, type Coroutine } from "./tasks.js";
import { SubprocessTransport, type ExtraInfoName } from "./transports.js";
import { ReadPipeTransport, WritePipeTransport, _callProtocol, _callSoonIfOpen, _connected, _report } from "./pipes.js";

/** Python's `subprocess.PIPE`: a pipe to the child, with a pipe transport (or stream) for it. */
export const PIPE = -1;
/** Python's `subprocess.STDOUT`: the child's stderr goes where its stdout goes (stderr only). */
export const STDOUT = -2;
/** Python's `subprocess.DEVNULL`: the null device. */
export const DEVNULL = -3;

/**
 * Where a child's stdin/stdout/stderr goes: PIPE, DEVNULL, STDOUT (stderr only), null or
 * "inherit" (the parent's), a file descriptor number, or a Node stream with a file descriptor.
 */
export type StdioSpec = typeof PIPE | typeof STDOUT | typeof DEVNULL | "inherit" | null | number | Stream;

/** Options of the subprocess functions (Python's Popen keywords that make sense here). */
export interface SubprocessOptions {
  stdin?: StdioSpec;
  stdout?: StdioSpec;
  stderr?: StdioSpec;
  /** The child's working directory. */
  cwd?: string | URL;
  /** The child's whole environment (not merged with the parent's, as in Python). */
  env?: Record<string, string | undefined>;
  /** Python's `start_new_session`: run the child in a new session (setsid; Node's `detached`). */
  startNewSession?: boolean;
}

const IS_WINDOWS = process.platform === "win32";

/** A Python-style ProcessLookupError: the process is gone. */
function processLookupError(): Error {
  return Object.assign(new Error("the process has finished and its transport is closed"), { name: "ProcessLookupError", code: "ESRCH" });
}

type StdioEntry = "pipe" | "ignore" | "inherit" | number | Stream;

function stdioOf(spec: unknown, which: "stdin" | "stdout" | "stderr", defaultSpec: StdioSpec): StdioEntry {
  const value = spec === undefined ? defaultSpec : spec;
  if (value === PIPE) return "pipe";
  if (value === DEVNULL) return "ignore";
  if (value === null || value === "inherit") return "inherit";
  if (value === STDOUT) {
    if (which !== "stderr") throw new RangeError(`STDOUT is only valid for stderr, not ${which}`);
    return "ignore"; // replaced by the `exec 2>&1` wrapper, see spawnChild
  }
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${which} must be PIPE, DEVNULL${which === "stderr" ? ", STDOUT" : ""}, null or a file descriptor, got ${value}`);
    return value;
  }
  if (value !== null && typeof value === "object" && typeof (value as Stream).pipe === "function") return value as Stream;
  throw new TypeError(`${which} must be PIPE, DEVNULL${which === "stderr" ? ", STDOUT" : ""}, null, a file descriptor or a stream, got ${typeof value}`);
}

/** Whether `program` can be run, looked up like execvp(3) (for the ENOENT of a wrapped exec). */
function findProgram(program: string, env: Record<string, string | undefined>, cwd: string | undefined): boolean {
  const executable = (path: string): boolean => {
    try {
      accessSync(path, fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (program.includes("/")) return executable(isAbsolute(program) ? program : resolvePath(cwd ?? process.cwd(), program));
  const path = env.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  return path.split(delimiter).some((dir) => executable(join(dir === "" ? "." : dir, program)));
}

interface SpawnRequest {
  /** exec: the program and its arguments; shell: the command line. */
  readonly program: string;
  readonly args: readonly string[] | null;
  readonly options: SubprocessOptions;
  readonly defaultSpec: StdioSpec;
}

/** The option names the subprocess functions know (Python's Popen keywords that apply here, camelCase). */
const OPTION_NAMES = ["stdin", "stdout", "stderr", "cwd", "env", "startNewSession", "shell", "universalNewlines", "text", "encoding", "errors", "bufsize"];

/**
 * asyncio's argument checks: unknown names are a TypeError (a typo, or a Popen option this host
 * cannot honour: `preexecFn`, `passFds`, `user`, ...); the text-mode options and `bufsize` may only
 * have their binary defaults (asyncio's ValueErrors, RangeError here).
 */
function checkSubprocessOptions(options: unknown, shellForm: boolean): SubprocessOptions {
  if (options === null || typeof options !== "object" || Array.isArray(options)) throw new TypeError("subprocess options must be an object");
  const opts = options as Record<string, unknown>;
  for (const key of Object.keys(opts)) {
    if (!OPTION_NAMES.includes(key)) throw new TypeError(`subprocess: unexpected option ${JSON.stringify(key)} (known: ${OPTION_NAMES.join(", ")}; Popen options such as preexecFn, passFds, user are not supported on this host)`);
  }
  if (shellForm ? opts.shell !== undefined && !opts.shell : Boolean(opts.shell)) {
    throw new RangeError(shellForm ? "shell must be true" : "shell must be false: use subprocessShell()");
  }
  if (opts.universalNewlines) throw new RangeError("universalNewlines must be false: pipes carry bytes");
  if (opts.text) throw new RangeError("text must be false: pipes carry bytes");
  if (opts.encoding !== undefined && opts.encoding !== null) throw new RangeError("encoding must be null: pipes carry bytes");
  if (opts.errors !== undefined && opts.errors !== null) throw new RangeError("errors must be null: pipes carry bytes");
  if (opts.bufsize !== undefined && opts.bufsize !== 0) throw new RangeError("bufsize must be 0");
  if (opts.cwd !== undefined && opts.cwd !== null && typeof opts.cwd !== "string" && !(opts.cwd instanceof URL)) {
    throw new TypeError(`cwd must be a string or a file: URL, got ${typeof opts.cwd}`);
  }
  if (opts.startNewSession !== undefined && opts.startNewSession !== null && typeof opts.startNewSession !== "boolean") {
    throw new TypeError(`startNewSession must be a boolean, got ${typeof opts.startNewSession}`);
  }
  return opts as SubprocessOptions;
}

/** Starts the child; throws what Popen would (ENOENT, EACCES) once the host reports it. */
function spawnChild(req: SpawnRequest): ChildProcess {
  const { defaultSpec } = req;
  const options = checkSubprocessOptions(req.options, req.args === null);
  const stdio: StdioEntry[] = [stdioOf(options.stdin, "stdin", defaultSpec), stdioOf(options.stdout, "stdout", defaultSpec), stdioOf(options.stderr, "stderr", defaultSpec)];
  const mergeStderr = options.stderr === STDOUT;
  if (mergeStderr && IS_WINDOWS) throw new NotSupportedError("stderr=STDOUT is not supported on Windows hosts: node:child_process cannot point a child's stderr at its stdout pipe");
  let cwd: string | undefined;
  if (options.cwd !== undefined && options.cwd !== null) cwd = options.cwd instanceof URL ? fileURLToPath(options.cwd) : String(options.cwd);
  const env = options.env ?? process.env;
  if (env === null || typeof env !== "object" || Array.isArray(env)) throw new TypeError("env must be an object of strings");
  const spawnOptions: SpawnOptions = { stdio, cwd, env, detached: Boolean(options.startNewSession), windowsHide: true };

  let file: string;
  let argv: string[];
  if (req.args === null) {
    // The shell form: /bin/sh -c on POSIX, as Python's shell=True.
    const command = mergeStderr ? `exec 2>&1\n${req.program}` : req.program;
    if (IS_WINDOWS) {
      file = command;
      argv = [];
      spawnOptions.shell = true;
    } else {
      file = "/bin/sh";
      argv = ["-c", command];
    }
  } else if (mergeStderr) {
    // Node cannot give a child's fd 2 the pipe it makes for fd 1, so a shell dups it and execs
    // the program in place (same pid, same argv). Look the program up first so a missing one
    // still fails with ENOENT, as Popen does, instead of a shell's exit status 127.
    if (!findProgram(req.program, env, cwd)) throw spawnError(req.program, req.args, "ENOENT", -2);
    file = "/bin/sh";
    argv = ["-c", 'exec 2>&1; exec "$0" "$@"', req.program, ...req.args];
  } else {
    file = req.program;
    argv = [...req.args];
  }
  return spawn(file, argv, spawnOptions);
}

function spawnError(program: string, args: readonly string[], code: string, errno: number): Error {
  return Object.assign(new Error(`spawn ${program} ${code}`), { code, errno, syscall: `spawn ${program}`, path: program, spawnargs: [...args] });
}

// ---- the pipes' protocols (asyncio's WriteSubprocessPipeProto / ReadSubprocessPipeProto) -----

class SubprocessPipeProtocol extends BaseProtocol {
  disconnected = false;
  constructor(
    private readonly proc: ProcessTransport,
    readonly fd: number,
  ) {
    super();
  }
  override connectionLost(exc: Error | null): void {
    this.disconnected = true;
    this.proc._pipeConnectionLost(this.fd, exc);
  }
  override pauseWriting(): void {
    this.proc._protocol.pauseWriting();
  }
  override resumeWriting(): void {
    this.proc._protocol.resumeWriting();
  }
  dataReceived(data: Uint8Array): void {
    this.proc._pipeDataReceived(this.fd, data);
  }
}

// ---- the transport ---------------------------------------------------------------------------

/**
 * The SubprocessTransport of `subprocessExec`/`subprocessShell`. `getPipeTransport(0)` is a
 * WriteTransport (flow control through the protocol's pauseWriting/resumeWriting), 1 and 2 are
 * ReadTransports. Extra info: `subprocess` (the Node ChildProcess).
 */
export class ProcessTransport extends SubprocessTransport {
  /** @internal */ _protocol: SubprocessProtocol;
  private _child: ChildProcess | null;
  private readonly _pipes = new Map<number, { transport: ReadPipeTransport | WritePipeTransport; protocol: SubprocessPipeProtocol }>();
  private _returncode: number | null = null;
  private _closed = false;
  private _finished = false;
  private _exitWaiters: Future<number>[] = [];
  private readonly _pid: number | undefined;

  /** @internal Use `loop.subprocessExec()` / `loop.subprocessShell()`. */
  constructor(
    private readonly _loop: EventLoop,
    protocol: SubprocessProtocol,
    child: ChildProcess,
    waiter: Future<void>,
  ) {
    super();
    this._protocol = protocol;
    this._child = child;
    this._pid = child.pid;
    // A stopped loop holds nothing: the running loop keeps the process alive, and a child left
    // running when asyncio.run() ends does not keep the parent waiting (as in Python).
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
    child.on("exit", (code, signal) => this._processExited(code, signal));
    child.on("error", (error) => {
      // After a successful spawn Node reports only failed kill()s here; asyncio would raise those
      // from send_signal, which already returned, so report them.
      _report(this._loop, "Error from the child process", error, this, this._protocol);
    });
    const pipes: [number, NodeJS.ReadableStream | NodeJS.WritableStream | null][] = [
      [0, child.stdin],
      [1, child.stdout],
      [2, child.stderr],
    ];
    for (const [fd, stream] of pipes) {
      if (stream === null) continue;
      const pipeProtocol = new SubprocessPipeProtocol(this, fd);
      const transport =
        fd === 0
          ? new WritePipeTransport(_loop, child.stdin!, pipeProtocol, null)
          : new ReadPipeTransport(_loop, (fd === 1 ? child.stdout : child.stderr)!, pipeProtocol, null);
      this._pipes.set(fd, { transport, protocol: pipeProtocol });
    }
    // The pipes' connectionMade and reading were scheduled first, so everything they report is
    // scheduled after this: connectionMade comes before any other protocol event, as in asyncio.
    _loop.callSoon(() => _callProtocol(_loop, "connectionMade()", this, this._protocol, () => this._protocol.connectionMade(this)));
    _loop.callSoon(() => void (waiter.done() || waiter.setResult(undefined)));
  }

  /** Protocol events go through the loop in order (asyncio's `_call`). */
  private _call(what: string, fn: () => void): void {
    _callSoonIfOpen(this._loop, () => _callProtocol(this._loop, what, this, this._protocol, fn));
  }

  /** @internal */
  _pipeDataReceived(fd: number, data: Uint8Array): void {
    this._call("protocol.pipeDataReceived()", () => this._protocol.pipeDataReceived(fd, data));
  }

  /** @internal */
  _pipeConnectionLost(fd: number, exc: Error | null): void {
    this._call("protocol.pipeConnectionLost()", () => this._protocol.pipeConnectionLost(fd, exc));
    this._tryFinish();
  }

  private _processExited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this._returncode !== null) return;
    // asyncio's returncode: the exit status, or minus the signal number that killed the child.
    this._returncode = code ?? (signal !== null ? -(os.constants.signals[signal] ?? 0) : 0);
    this._call("protocol.processExited()", () => this._protocol.processExited());
    this._tryFinish();
  }

  private _tryFinish(): void {
    if (this._finished || this._returncode === null) return;
    for (const { protocol } of this._pipes.values()) if (!protocol.disconnected) return;
    this._finished = true;
    _callSoonIfOpen(this._loop, () => this._callConnectionLost());
  }

  private _callConnectionLost(): void {
    try {
      _callProtocol(this._loop, "protocol.connectionLost()", this, this._protocol, () => this._protocol.connectionLost(null));
    } finally {
      // wake up wait(): asyncio (3.12+) resolves it once the pipes closed too
      const rc = this._returncode!;
      for (const waiter of this._exitWaiters.splice(0)) if (!waiter.done()) waiter.setResult(rc);
      this._child = null;
    }
  }

  /** @internal Waits until the child exited and its pipes closed; gives the return code. */
  *_wait(): Coroutine<number> {
    if (this._finished && this._child === null) return this._returncode!;
    const waiter = this._loop.createFuture<number>();
    this._exitWaiters.push(waiter);
    return yield* waiter;
  }

  getPid(): number | undefined {
    return this._pid;
  }

  /** The exit code, null while running; -N when killed by signal N. */
  getReturncode(): number | null {
    return this._returncode;
  }

  /** The transport of fd 0 (a WriteTransport), 1 or 2 (ReadTransports), or null without a pipe. */
  getPipeTransport(fd: number): ReadPipeTransport | WritePipeTransport | null {
    return this._pipes.get(fd)?.transport ?? null;
  }

  /** Sends `signal` (a name or a number). No-op once the child exited; ProcessLookupError after close. */
  sendSignal(signal: Signal): void {
    const [number] = _resolveSignal(signal);
    const child = this._child;
    if (child === null) throw processLookupError();
    if (this._returncode !== null || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(number);
  }

  /** SIGTERM (on Windows, TerminateProcess through Node). */
  terminate(): void {
    this.sendSignal("SIGTERM");
  }

  /** SIGKILL. */
  kill(): void {
    this.sendSignal("SIGKILL");
  }

  getExtraInfo<T = unknown>(name: ExtraInfoName, defaultValue?: T): T | undefined {
    if (name === "subprocess") return (this._child ?? defaultValue) as T | undefined;
    return defaultValue;
  }

  isClosing(): boolean {
    return this._closed;
  }

  /** Closes the pipes and kills the child if it still runs (asyncio's close()). */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const { transport } of this._pipes.values()) transport.close();
    const child = this._child;
    if (child !== null && this._returncode === null && child.exitCode === null && child.signalCode === null) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol as SubprocessProtocol;
  }

  getProtocol(): BaseProtocol {
    return this._protocol;
  }

  override toString(): string {
    const state = this._closed ? "closed" : this._returncode !== null ? `returncode=${this._returncode}` : "running";
    return `<ProcessTransport pid=${this._pid} ${state}>`;
  }
}

// ---- loop.subprocessExec / loop.subprocessShell -------------------------------------------------

function* startProcess<P extends SubprocessProtocol>(loop: EventLoop, protocolFactory: () => P, req: SpawnRequest): Coroutine<[ProcessTransport, P]> {
  if (typeof protocolFactory !== "function") throw new TypeError("protocolFactory must be a function returning a SubprocessProtocol");
  if (loop.isClosed()) throw new Error("Event loop is closed");
  // The protocol first, as asyncio does: a factory that fails leaves no child behind.
  const protocol = protocolFactory();
  if (protocol === null || typeof protocol !== "object") throw new TypeError(`protocol factory must return a SubprocessProtocol, got ${protocol === null ? "null" : typeof protocol}`);
  const child = spawnChild(req);
  if (child.pid === undefined) {
    // Spawning failed; the host reports why ('error', next tick): raise that, as Popen raises.
    const failure = loop.createFuture<never>();
    child.once("error", (error) => {
      if (!failure.done() && !loop.isClosed()) failure.setException(error);
    });
    for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
    yield* failure;
  }
  const waiter = loop.createFuture<void>();
  const transport = new ProcessTransport(loop, protocol, child, waiter);
  return yield* _connected(waiter, transport, protocol, (t) => t.close());
}

function checkArg(value: unknown, what: string): string {
  if (typeof value === "string") return value;
  if (value instanceof URL && value.protocol === "file:") return fileURLToPath(value);
  throw new TypeError(`${what} must be a string, not ${value === null ? "null" : typeof value}`);
}

/** @internal `loop.subprocessExec`. */
export function* subprocessExec<P extends SubprocessProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  program: string,
  args: readonly string[],
  options: SubprocessOptions = {},
  defaultSpec: StdioSpec = PIPE,
): Coroutine<[ProcessTransport, P]> {
  const file = checkArg(program, "program");
  if (!Array.isArray(args)) throw new TypeError("args must be an array of strings");
  const argv = args.map((a, i) => checkArg(a, `args[${i}]`));
  return yield* startProcess(loop, protocolFactory, { program: file, args: argv, options, defaultSpec });
}

/** @internal `loop.subprocessShell`. */
export function* subprocessShell<P extends SubprocessProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  cmd: string,
  options: SubprocessOptions = {},
  defaultSpec: StdioSpec = PIPE,
): Coroutine<[ProcessTransport, P]> {
  if (typeof cmd !== "string") throw new TypeError("cmd must be a string");
  return yield* startProcess(loop, protocolFactory, { program: cmd, args: null, options, defaultSpec });
}


// ---- the streams form: createSubprocessExec / createSubprocessShell -> Process -----------------

/** Options of `createSubprocessExec`/`createSubprocessShell`: the subprocess options plus the StreamReader `limit`. */
export interface ProcessOptions extends SubprocessOptions {
  /** Buffer limit of the stdout/stderr StreamReaders (default 64 KiB). */
  limit?: number;
}

/** asyncio's SubprocessStreamProtocol: feeds the child's pipes to StreamReaders, gives stdin a StreamWriter. */
class SubprocessStreamProtocol extends FlowControlMixin implements SubprocessProtocol {
  stdin: StreamWriter | null = null;
  stdout: StreamReader | null = null;
  stderr: StreamReader | null = null;
  private _transport: ProcessTransport | null = null;
  private _processExited = false;
  private readonly _pipeFds: number[] = [];
  private readonly _stdinClosed: Future<void>;

  constructor(
    private readonly _limit: number,
    loop: EventLoop,
  ) {
    super(loop);
    this._stdinClosed = loop.createFuture<void>();
  }

  override connectionMade(transport: ProcessTransport): void {
    this._transport = transport;
    const stdout = transport.getPipeTransport(1) as ReadPipeTransport | null;
    if (stdout !== null) {
      this.stdout = new StreamReader(this._limit, this._loop);
      this.stdout.setTransport(stdout);
      this._pipeFds.push(1);
    }
    const stderr = transport.getPipeTransport(2) as ReadPipeTransport | null;
    if (stderr !== null) {
      this.stderr = new StreamReader(this._limit, this._loop);
      this.stderr.setTransport(stderr);
      this._pipeFds.push(2);
    }
    const stdin = transport.getPipeTransport(0) as WritePipeTransport | null;
    if (stdin !== null) this.stdin = new StreamWriter(stdin, this, null, this._loop);
  }

  pipeDataReceived(fd: number, data: Uint8Array): void {
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    reader?.feedData(data);
  }

  pipeConnectionLost(fd: number, exc: Error | null): void {
    if (fd === 0) {
      this.stdin?.close();
      this.connectionLost(exc);
      if (exc === null) this._stdinClosed.setResult(undefined);
      else {
        this._stdinClosed.setException(exc);
        // waitClosed() on stdin is optional: the error is not "never retrieved".
        this._stdinClosed.exception();
      }
      return;
    }
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    if (reader !== null) {
      if (exc === null) reader.feedEof();
      else reader.setException(exc);
    }
    const i = this._pipeFds.indexOf(fd);
    if (i >= 0) this._pipeFds.splice(i, 1);
    this._maybeCloseTransport();
  }

  processExited(): void {
    this._processExited = true;
    this._maybeCloseTransport();
  }

  private _maybeCloseTransport(): void {
    if (this._pipeFds.length === 0 && this._processExited && this._transport !== null) {
      this._transport.close();
      this._transport = null;
    }
  }

  /** @internal */
  override _getCloseWaiter(stream: StreamWriter): Future<void> {
    if (stream === this.stdin) return this._stdinClosed;
    throw new Error("not a stream of this process");
  }
}

/** A broken pipe or reset: what communicate() ignores when the child stops reading its input. */
function isBrokenPipe(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EPIPE" || code === "ECONNRESET";
}

/**
 * A child process with streams (asyncio's `asyncio.subprocess.Process`): `stdin` is a
 * StreamWriter and `stdout`/`stderr` StreamReaders when they were PIPE, else null.
 */
export class Process {
  readonly stdin: StreamWriter | null;
  readonly stdout: StreamReader | null;
  readonly stderr: StreamReader | null;
  /** The child's process id. */
  readonly pid: number | undefined;

  /** @internal Use `createSubprocessExec()` / `createSubprocessShell()`. */
  constructor(
    private readonly _transport: ProcessTransport,
    protocol: SubprocessStreamProtocol,
    private readonly _loop: EventLoop,
  ) {
    this.stdin = protocol.stdin;
    this.stdout = protocol.stdout;
    this.stderr = protocol.stderr;
    this.pid = _transport.getPid();
  }

  /** The exit code, null while running; -N when killed by signal N. */
  get returncode(): number | null {
    return this._transport.getReturncode();
  }

  /** Waits for the child to exit (and its pipes to close); gives the return code. */
  *wait(): Coroutine<number> {
    return yield* this._transport._wait();
  }

  sendSignal(signal: Signal): void {
    this._transport.sendSignal(signal);
  }

  terminate(): void {
    this._transport.terminate();
  }

  kill(): void {
    this._transport.kill();
  }

  private *_feedStdin(input: Uint8Array | null): Coroutine<null> {
    const stdin = this.stdin!;
    try {
      if (input !== null) {
        stdin.write(input);
        yield* stdin.drain();
      }
    } catch (error) {
      // The child may exit or close its stdin without reading it all, as Python's communicate() allows.
      if (!isBrokenPipe(error)) throw error;
    }
    stdin.close();
    return null;
  }

  private *_readStream(fd: 1 | 2): Coroutine<Uint8Array> {
    const stream = (fd === 1 ? this.stdout : this.stderr)!;
    const output = yield* stream.read();
    this._transport.getPipeTransport(fd)?.close();
    return output;
  }

  /**
   * Writes `input` to stdin (then closes it) while reading stdout and stderr to EOF, all at once
   * so a child that fills one pipe while the other waits cannot deadlock; then waits for the
   * exit. Gives `[stdout, stderr]` (null for a stream that is not a pipe).
   */
  *communicate(input: Uint8Array | null = null): Coroutine<[stdout: Uint8Array | null, stderr: Uint8Array | null]> {
    if (input !== null && input !== undefined && !(input instanceof Uint8Array)) throw new TypeError("communicate() input must be a Uint8Array or null");
    const noop = function* (): Coroutine<null> {
      return null;
    };
    const [, stdout, stderr] = yield* gather([
      this.stdin !== null ? this._feedStdin(input ?? null) : noop(),
      this.stdout !== null ? this._readStream(1) : noop(),
      this.stderr !== null ? this._readStream(2) : noop(),
    ]);
    yield* this.wait();
    return [stdout, stderr];
  }

  toString(): string {
    return `<Process ${this.pid}${this.returncode !== null ? ` returncode=${this.returncode}` : ""}>`;
  }
}

function* startStreams(start: (loop: EventLoop, factory: () => SubprocessStreamProtocol, options: SubprocessOptions) => Coroutine<[ProcessTransport, SubprocessStreamProtocol]>, options: ProcessOptions): Coroutine<Process> {
  const loop = getRunningLoop();
  if (options === null || typeof options !== "object") throw new TypeError("subprocess options must be an object");
  const { limit = DEFAULT_LIMIT, ...rest } = options;
  if (typeof limit !== "number" || !(limit > 0)) throw new RangeError("limit must be a positive number of bytes");
  const [transport, protocol] = yield* start(loop, () => new SubprocessStreamProtocol(limit, loop), rest);
  return new Process(transport, protocol, loop);
}

/**
 * Starts `program` with `args` (no shell): `yield* createSubprocessExec("ls", "-l", { stdout: PIPE })`.
 * The last argument may be the options; stdin/stdout/stderr default to the parent's (null), as in
 * Python.
 */
export function createSubprocessExec(program: string, ...args: string[] | [...string[], ProcessOptions]): Coroutine<Process>;
export function* createSubprocessExec(program: string, ...rest: (string | ProcessOptions)[]): Coroutine<Process> {
  const last = rest.at(-1);
  const options: ProcessOptions = last !== undefined && typeof last === "object" && last !== null && !(last instanceof URL) ? (rest.pop() as ProcessOptions) : {};
  const args = rest as string[];
  return yield* startStreams((loop, factory, opts) => subprocessExec(loop, factory, program, args, opts, null), options);
}

/** Starts `cmd` through the shell (/bin/sh -c); stdin/stdout/stderr default to the parent's (null). */
export function* createSubprocessShell(cmd: string, options: ProcessOptions = {}): Coroutine<Process> {
  return yield* startStreams((loop, factory, opts) => subprocessShell(loop, factory, cmd, opts, null), options);
}
