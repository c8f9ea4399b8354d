// Every public API called with wrong types and values: a table of calls, each expected to fail
// at once with a clear TypeError or RangeError (or the documented error class) whose message
// names what was wrong, never an obscure crash from deep inside (a WASM trap, "Cannot read
// properties of undefined", "x is not a function") and never a silent success. After the bad
// calls the objects they were made on still work. On both loop cores.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/index.js";
import { FramedProtocol } from "../../src/framed.js";
import { CORES, runOn } from "../helpers.js";
import { EchoProtocol, HOST, portOf, text } from "../net-helpers.js";

type AnyFn = (...args: unknown[]) => unknown;
/** The same function, callable with arguments of any type (the point of these tests). */
const loose = <F extends (...args: never[]) => unknown>(f: F): AnyFn => f as unknown as AnyFn;
/** `obj[name]`, bound to `obj`, callable with arguments of any type. */
function method<O extends object>(obj: O, name: keyof O & string): AnyFn {
  const f = obj[name] as unknown as AnyFn;
  return (...args: unknown[]) => f.apply(obj, args);
}
/** A constructor called with arguments of any type. */
const make = (C: abstract new (...args: never[]) => unknown): AnyFn => (...args: unknown[]) => Reflect.construct(C, args);

type ErrorClass = abstract new (...args: never[]) => Error;

interface Row {
  /** The call, as written in the test name. */
  readonly call: string;
  readonly run: (env: Env) => unknown;
  readonly error: ErrorClass;
  /** The message must match: it says what was wrong. */
  readonly message: RegExp;
}

interface Env {
  readonly core: asyncio.CoreKind;
  readonly loop: asyncio.EventLoop;
  /** A loop that is not running (for the methods that need one). */
  readonly idle: asyncio.EventLoop;
  readonly transport: asyncio.Transport;
  readonly reader: asyncio.StreamReader;
  readonly writer: asyncio.StreamWriter;
  readonly wb: asyncio.WriteBuffer;
  readonly parsers: Record<"wasm" | "js", asyncio.FrameParser>;
  readonly closedParsers: Record<"wasm" | "js", asyncio.FrameParser>;
  readonly done: asyncio.Future<number>;
}

/** Messages that mean the input reached code that never checked it. */
const OBSCURE = /unreachable|out of bounds|Cannot read propert|Cannot convert|is not a function|is not iterable|intermediate value|Maximum call stack|undefined is not/;

const noop = (): void => {};
const body = function* (): asyncio.Coroutine<void> {};
const P = (): asyncio.Protocol => new asyncio.Protocol();

const r = (call: string, run: (env: Env) => unknown, error: ErrorClass, message: RegExp): Row => ({ call, run, error, message });

const LOOP_ROWS: Row[] = [
  r('new EventLoop({ core: "x" })', () => make(asyncio.EventLoop)({ core: "x" }), RangeError, /unknown loop core "x"/),
  r("new EventLoop(5)", () => make(asyncio.EventLoop)(5), TypeError, /options must be an object/),
  r("loop.callSoon(5)", (e) => method(e.loop, "callSoon")(5), TypeError, /callable.*callSoon\(\), got number/),
  r("loop.callSoon(null)", (e) => method(e.loop, "callSoon")(null), TypeError, /callable.*got null/),
  r("loop.callSoonThreadsafe({})", (e) => method(e.loop, "callSoonThreadsafe")({}), TypeError, /callable/),
  r("loop.callLater(NaN, f)", (e) => e.loop.callLater(NaN, noop), TypeError, /delay must be a number of seconds, got NaN/),
  r('loop.callLater("1", f)', (e) => method(e.loop, "callLater")("1", noop), TypeError, /delay must be a number of seconds, got string/),
  r("loop.callLater(1n, f)", (e) => method(e.loop, "callLater")(1n, noop), TypeError, /delay .* got bigint/),
  r('loop.callLater(1, "f")', (e) => method(e.loop, "callLater")(1, "f"), TypeError, /callable.*callLater/),
  r("loop.callAt(NaN, f)", (e) => e.loop.callAt(NaN, noop), TypeError, /when must be a number of seconds, got NaN/),
  r("loop.callAt({}, f)", (e) => method(e.loop, "callAt")({}, noop), TypeError, /when must be a number/),
  r("loop.setExceptionHandler(5)", (e) => method(e.idle, "setExceptionHandler")(5), TypeError, /callable object or null/),
  r("loop.setTaskFactory(5)", (e) => method(e.idle, "setTaskFactory")(5), TypeError, /task factory must be a function or null/),
  r("loop.createTask(5)", (e) => method(e.loop, "createTask")(5), TypeError, /coroutine was expected, got 5/),
  r("loop.createTask(function* () {})", (e) => method(e.loop, "createTask")(body), TypeError, /did you call the generator function/),
  r("loop.runUntilComplete(f) while running", (e) => e.loop.runUntilComplete(e.done), Error, /already running/),
  r('loop.addSignalHandler("SIGFOO", f)', (e) => method(e.idle, "addSignalHandler")("SIGFOO", noop), RangeError, /invalid signal name "SIGFOO"/),
  r('loop.addSignalHandler("SIGUSR2", 5)', (e) => method(e.idle, "addSignalHandler")("SIGUSR2", 5), TypeError, /callable.*addSignalHandler/),
  r("loop.runInExecutor(null, 5)", (e) => method(e.loop, "runInExecutor")(null, 5), TypeError, /runs a function/),
  r("loop.runInExecutor(5, f)", (e) => method(e.loop, "runInExecutor")(5, noop), TypeError, /executor must be null or an object/),
  r('loop.shutdownDefaultExecutor("x")', (e) => method(e.loop, "shutdownDefaultExecutor")("x"), TypeError, /timeout must be a number/),
  r("loop.getaddrinfo(5, 80)", (e) => method(e.loop, "getaddrinfo")(5, 80), TypeError, /host must be a string or null/),
  r("loop.getaddrinfo(host, -1)", (e) => e.loop.getaddrinfo(HOST, -1), RangeError, /port must be 0-65535, got -1/),
  r("loop.getaddrinfo(host, {})", (e) => method(e.loop, "getaddrinfo")(HOST, {}), TypeError, /port must be a number/),
  r("loop.getnameinfo(5)", (e) => method(e.loop, "getnameinfo")(5), TypeError, /address array/),
  r("loop.createServer(f, host, -1)", (e) => e.loop.createServer(P, HOST, -1), RangeError, /port must be an integer in \[0, 65535\], got -1/),
  r("loop.createServer(f, host, 70000)", (e) => e.loop.createServer(P, HOST, 70000), RangeError, /got 70000/),
  r("loop.createServer(f, host, 1.5)", (e) => e.loop.createServer(P, HOST, 1.5), RangeError, /got 1.5/),
  r("loop.createServer(f, host, NaN)", (e) => e.loop.createServer(P, HOST, NaN), RangeError, /got NaN/),
  r('loop.createServer(f, host, "abc")', (e) => method(e.loop, "createServer")(P, HOST, "abc"), TypeError, /port must be an integer, got string "abc"/),
  r("loop.createServer(5, host, 0)", (e) => method(e.loop, "createServer")(5, HOST, 0), TypeError, /needs a protocol factory/),
  r("loop.createServer(f, 5, 0)", (e) => method(e.loop, "createServer")(P, 5, 0), TypeError, /host must be a string/),
  r("loop.createServer(..., { backlog: -1 })", (e) => e.loop.createServer(P, HOST, 0, { backlog: -1 }), RangeError, /backlog must be >= 0/),
  r('loop.createServer(..., { backlog: "x" })', (e) => method(e.loop, "createServer")(P, HOST, 0, { backlog: "x" }), TypeError, /backlog must be an integer/),
  r("loop.createServer(..., 5)", (e) => method(e.loop, "createServer")(P, HOST, 0, 5), TypeError, /options must be an object/),
  r("loop.createServer(..., { bogus: 1 })", (e) => method(e.loop, "createServer")(P, HOST, 0, { bogus: 1 }), TypeError, /unexpected option "bogus"/),
  r("loop.createConnection(f, host, 0)", (e) => e.loop.createConnection(P, HOST, 0), RangeError, /port must be an integer in \[1, 65535\], got 0/),
  r('loop.createConnection(f, host, "x")', (e) => method(e.loop, "createConnection")(P, HOST, "x"), TypeError, /port must be an integer/),
  r("loop.createConnection(null, host, 80)", (e) => method(e.loop, "createConnection")(null, HOST, 80), TypeError, /needs a protocol factory/),
  r("loop.createConnection(..., { localAddr: 5 })", (e) => method(e.loop, "createConnection")(P, HOST, 80, { localAddr: 5 }), TypeError, /localAddr must be \[host, port\]/),
  r("loop.createConnection(..., { ssl: 5 })", (e) => method(e.loop, "createConnection")(P, HOST, 80, { ssl: 5 }), TypeError, /ssl must be true/),
  r("loop.createConnection(..., { sslHandshakeTimeout: -1 })", (e) => e.loop.createConnection(P, HOST, 80, { ssl: true, sslHandshakeTimeout: -1 }), RangeError, /sslHandshakeTimeout must be a positive number/),
  r("loop.createUnixServer(f, 5)", (e) => method(e.loop, "createUnixServer")(P, 5), TypeError, /path must be a string/),
  r("loop.createUnixConnection(f, 5)", (e) => method(e.loop, "createUnixConnection")(P, 5), TypeError, /path must be a string/),
  r("loop.createDatagramEndpoint(5)", (e) => method(e.loop, "createDatagramEndpoint")(5), TypeError, /protocolFactory must be a function/),
  r("loop.createDatagramEndpoint(f, { localAddr: [host, -1] })", (e) => e.loop.createDatagramEndpoint(() => new asyncio.DatagramProtocol(), { localAddr: [HOST, -1] }), RangeError, /localAddr port must be an integer 0-65535, got -1/),
  r("loop.subprocessExec(f, 5)", (e) => method(e.loop, "subprocessExec")(() => new asyncio.SubprocessProtocol(), 5), TypeError, /program must be a string/),
  r("loop.connectReadPipe(f, 5)", (e) => method(e.loop, "connectReadPipe")(P, 5), TypeError, /needs a Node Readable stream/),
  r("loop.startTls(5, 5, 5)", (e) => method(e.loop, "startTls")(5, 5, 5), TypeError, /not supported by startTls/),
  r("loop.sendfile(transport, \"x\")", (e) => method(e.loop, "sendfile")(e.transport, "x"), TypeError, /file must be an fs.promises FileHandle or a file descriptor/),
  r("loop.addReader(0, f)", (e) => e.loop.addReader(0, noop), asyncio.NotSupportedError, /not supported on this host/),
  r("loop.sockRecv(0, 1)", (e) => e.loop.sockRecv(0, 1), asyncio.NotSupportedError, /not supported on this host/),
];

const TASK_ROWS: Row[] = [
  r('sleep("x")', () => loose(asyncio.sleep)("x"), TypeError, /sleep\(\) delay must be a number of seconds, got "x"/),
  r("sleep(NaN)", () => asyncio.sleep(NaN), TypeError, /got NaN/),
  r("gather(5)", () => loose(asyncio.gather)(5), TypeError, /gather\(\) takes an array/),
  r('gather("ab")', () => loose(asyncio.gather)("ab"), TypeError, /gather\(\) takes an array/),
  r("gather([5])", () => loose(asyncio.gather)([5]), TypeError, /awaitable is required, got 5/),
  r("gather([function* () {}])", () => loose(asyncio.gather)([body]), TypeError, /awaitable is required, got function/),
  r("wait([])", () => asyncio.wait([]), RangeError, /empty/),
  r("wait(5)", () => loose(asyncio.wait)(5), TypeError, /wait\(\) takes an iterable/),
  r("wait([coroutine])", () => loose(asyncio.wait)([asyncio.sleep(0)]), TypeError, /Passing coroutines is forbidden/),
  r('wait([future], { returnWhen: "x" })', (e) => loose(asyncio.wait)([e.done], { returnWhen: "x" }), RangeError, /Invalid returnWhen value: x/),
  r('wait([future], { timeout: "x" })', (e) => loose(asyncio.wait)([e.done], { timeout: "x" }), TypeError, /timeout must be a number or null/),
  r('waitFor(future, "x")', (e) => loose(asyncio.waitFor)(e.done, "x"), TypeError, /timeout must be a number of seconds or null/),
  r("waitFor(5, 1)", () => loose(asyncio.waitFor)(5, 1), TypeError, /awaitable is required, got 5/),
  r('timeout("x", body)', () => loose(asyncio.timeout)("x", body), TypeError, /timeout\(\) delay must be a number of seconds or null/),
  r("timeout(1, 5)", () => loose(asyncio.timeout)(1, 5), TypeError, /needs a body/),
  r("timeout(1, () => 5)", () => loose(asyncio.timeout)(1, () => 5), TypeError, /body must be a generator function .* returned number/),
  r("timeout(1, async () => {})", () => loose(asyncio.timeout)(1, async () => {}), TypeError, /returned a Promise \(an async function\?/),
  r('timeoutAt("x", body)', () => loose(asyncio.timeoutAt)("x", body), TypeError, /deadline must be a number of seconds or null/),
  r('timeout(1, (cm) => cm.reschedule("x"))', () => asyncio.timeout(1, function* (cm) { method(cm, "reschedule")("x"); }), TypeError, /deadline must be a number/),
  r("shield(5)", () => loose(asyncio.shield)(5), TypeError, /awaitable is required/),
  r("ensureFuture(5)", () => loose(asyncio.ensureFuture)(5), TypeError, /awaitable is required, got 5/),
  r("fromPromise(5)", () => loose(asyncio.fromPromise)(5), TypeError, /needs a Promise or thenable, got 5/),
  r("ensureFuture(promise, { loop })", (e) => loose(asyncio.ensureFuture)(Promise.resolve(1), { loop: e.loop }), TypeError, /ensureFuture\(\) loop argument must be an EventLoop, got Object/),
  r("fromPromise(promise, 5)", () => loose(asyncio.fromPromise)(Promise.resolve(1), 5), TypeError, /fromPromise\(\) loop argument must be an EventLoop, got 5/),
  r("createTask(5)", () => loose(asyncio.createTask)(5), TypeError, /coroutine was expected/),
  r("asCompleted(5)", () => loose(asyncio.asCompleted)(5), TypeError, /takes an iterable of awaitables/),
  r('asCompleted([future], { timeout: "x" })', (e) => [...loose(asyncio.asCompleted)([e.done], { timeout: "x" }) as Iterable<unknown>], TypeError, /delay must be a number of seconds, got string/),
  r("taskGroup(5)", () => loose(asyncio.taskGroup)(5), TypeError, /taskGroup\(\) needs a body/),
  r("createEagerTaskFactory(5)", () => loose(asyncio.createEagerTaskFactory)(5), TypeError, /needs a Task constructor/),
  r("new Task(5)", () => make(asyncio.Task)(5), TypeError, /coroutine was expected/),
  r("future.addDoneCallback(5)", (e) => method(e.loop.createFuture(), "addDoneCallback")(5), TypeError, /addDoneCallback\(\) needs a function/),
  r("future.setException(undefined)", (e) => method(e.loop.createFuture(), "setException")(undefined), TypeError, /needs an exception/),
  r("setEventLoop(5)", () => loose(asyncio.setEventLoop)(5), TypeError, /loop must be an EventLoop or null/),
  r("setEventLoopPolicy(5)", () => loose(asyncio.setEventLoopPolicy)(5), TypeError, /policy must be an EventLoopPolicy/),
  r('new ExceptionGroup("x", 5)', () => make(asyncio.ExceptionGroup)("x", 5), TypeError, /non-empty array of exceptions/),
  r('new ThreadPoolExecutor("x")', () => make(asyncio.ThreadPoolExecutor)("x"), TypeError, /maxWorkers must be an integer or null/),
  r("new ThreadPoolExecutor(-1)", () => make(asyncio.ThreadPoolExecutor)(-1), RangeError, /maxWorkers must be greater than 0/),
  r("toThread(5)", () => loose(asyncio.toThread)(5), TypeError, /runs a function/),
  r("createSubprocessExec(5)", () => loose(asyncio.createSubprocessExec)(5), TypeError, /program must be a string/),
  r("createSubprocessShell(5)", () => loose(asyncio.createSubprocessShell)(5), TypeError, /cmd must be a string/),
];

const SYNC_ROWS: Row[] = [
  r('new Queue("x")', () => make(asyncio.Queue)("x"), TypeError, /maxsize must be a number, got string/),
  r("new Queue(NaN)", () => make(asyncio.Queue)(NaN), TypeError, /maxsize must be a number, got NaN/),
  r('new LifoQueue("x")', () => make(asyncio.LifoQueue)("x"), TypeError, /maxsize must be a number/),
  r("new PriorityQueue(0, { compare: 5 })", () => make(asyncio.PriorityQueue)(0, { compare: 5 }), TypeError, /compare option must be a function/),
  r("queue.putNowait() past maxsize", () => {
    const q = new asyncio.Queue<number>(1);
    q.putNowait(1);
    q.putNowait(2);
  }, asyncio.QueueFull, /full/),
  r("queue.taskDone() too many times", () => new asyncio.Queue().taskDone(), RangeError, /called too many times/),
  r("new Semaphore(-1)", () => new asyncio.Semaphore(-1), RangeError, /must be >= 0/),
  r('new Semaphore("x")', () => make(asyncio.Semaphore)("x"), TypeError, /initial value must be a number, got string/),
  r("new Semaphore(1.5)", () => new asyncio.Semaphore(1.5), RangeError, /must be an integer, got 1.5/),
  r("new Semaphore(NaN)", () => new asyncio.Semaphore(NaN), RangeError, /must be an integer, got NaN/),
  r("new BoundedSemaphore(-1)", () => new asyncio.BoundedSemaphore(-1), RangeError, /must be >= 0/),
  r("boundedSemaphore.release() above its value", () => new asyncio.BoundedSemaphore(1).release(), RangeError, /released too many times/),
  r("new Barrier(0)", () => new asyncio.Barrier(0), RangeError, /parties must be >= 1/),
  r('new Barrier("x")', () => make(asyncio.Barrier)("x"), TypeError, /parties must be a number, got string/),
  r("new Barrier(1.5)", () => new asyncio.Barrier(1.5), RangeError, /must be an integer, got 1.5/),
  r("new Condition(5)", () => make(asyncio.Condition)(5), TypeError, /takes a Lock or nothing/),
  r('condition.notify("x")', () => method(new asyncio.Condition(), "notify")("x"), TypeError, /count must be a number/),
  r("lock.release() when not held", () => new asyncio.Lock().release(), Error, /not acquired/),
  r("lock.withLock(5)", () => method(new asyncio.Lock(), "withLock")(5), TypeError, /needs a generator function as its body/),
];

const FRAMING_ROWS: Row[] = [
  r("createFrameParser(null)", () => loose(asyncio.createFrameParser)(null), TypeError, /framing options must be an object/),
  r("createFrameParser({})", () => loose(asyncio.createFrameParser)({}), TypeError, /exactly one of lengthField, preset or delimiter, got none/),
  r('createFrameParser({ preset: "nope" })', () => loose(asyncio.createFrameParser)({ preset: "nope" }), TypeError, /unknown preset "nope"/),
  r("createFrameParser({ lengthField: { size: 5 } })", () => loose(asyncio.createFrameParser)({ lengthField: { size: 5 } }), RangeError, /size must be 1, 2, 3, 4, 8 or "varint", got 5/),
  r('createFrameParser({ lengthField: { size: "4" } })', () => loose(asyncio.createFrameParser)({ lengthField: { size: "4" } }), TypeError, /got "4"/),
  r("createFrameParser({ lengthField: {} })", () => loose(asyncio.createFrameParser)({ lengthField: {} }), TypeError, /lengthField.size is required/),
  r("createFrameParser({ lengthField: { size: 4, offset: -1 } })", () => asyncio.createFrameParser({ lengthField: { size: 4, offset: -1 } }), RangeError, /offset must be between 0 and/),
  r("createFrameParser({ lengthField: { size: 4, adjustment: NaN } })", () => asyncio.createFrameParser({ lengthField: { size: 4, adjustment: NaN } }), TypeError, /adjustment must be an integer, got NaN/),
  r('createFrameParser({ lengthField: { size: 4, endian: "middle" } })', () => loose(asyncio.createFrameParser)({ lengthField: { size: 4, endian: "middle" } }), TypeError, /endian must be "big" or "little"/),
  r("createFrameParser({ lengthField: { size: 4, varintMaxBytes: 2 } })", () => asyncio.createFrameParser({ lengthField: { size: 4, varintMaxBytes: 2 } }), TypeError, /varintMaxBytes needs size "varint"/),
  r('createFrameParser({ delimiter: "" })', () => asyncio.createFrameParser({ delimiter: "" }), RangeError, /1 to 8 bytes long, got 0/),
  r('createFrameParser({ delimiter: "123456789" })', () => asyncio.createFrameParser({ delimiter: "123456789" }), RangeError, /got 9/),
  r("createFrameParser({ delimiter: [300] })", () => asyncio.createFrameParser({ delimiter: [300] }), RangeError, /delimiter\[0\] must be a byte/),
  r("createFrameParser({ delimiter: 5 })", () => loose(asyncio.createFrameParser)({ delimiter: 5 }), TypeError, /delimiter must be a string, a Uint8Array or an array of bytes/),
  r("createFrameParser({ ..., maxFrameSize: -1 })", () => asyncio.createFrameParser({ delimiter: "\n", maxFrameSize: -1 }), RangeError, /maxFrameSize must be between 1 and/),
  r("createFrameParser({ ..., maxFrameSize: 2 ** 31 })", () => asyncio.createFrameParser({ delimiter: "\n", maxFrameSize: 2 ** 31 }), RangeError, /maxFrameSize must be between/),
  r("createFrameParser({ ..., maxFrameSize: 1.5 })", () => asyncio.createFrameParser({ delimiter: "\n", maxFrameSize: 1.5 }), TypeError, /maxFrameSize must be an integer, got 1.5/),
  r('createFrameParser({ ..., maxFrameSize: "x" })', () => loose(asyncio.createFrameParser)({ delimiter: "\n", maxFrameSize: "x" }), TypeError, /maxFrameSize must be an integer, got "x"/),
  r("createFrameParser({ ..., initialCapacity: 1 })", () => asyncio.createFrameParser({ delimiter: "\n", initialCapacity: 1 }), RangeError, /initialCapacity must be between 16 and/),
  r("createFrameParser({ ..., maxCapacity: 10, maxFrameSize: 100 })", () => asyncio.createFrameParser({ delimiter: "\n", maxFrameSize: 100, maxCapacity: 10 }), RangeError, /maxCapacity must be between 101 and/),
  r("createFrameParser({ delimiter, preset })", () => loose(asyncio.createFrameParser)({ delimiter: "\n", preset: "kafka" }), TypeError, /got preset and delimiter/),
  r("createFrameParser({ ..., bogus: 1 })", () => loose(asyncio.createFrameParser)({ delimiter: "\n", bogus: 1 }), TypeError, /unknown framing option "bogus"/),
  r('createFrameParser(options, "bogus")', () => loose(asyncio.createFrameParser)({ delimiter: "\n" }, "bogus"), RangeError, /core must be "wasm" or "js", got "bogus"/),
  r("new FramedProtocol(null)", () => make(FramedProtocol)(null), TypeError, /needs framing options/),
  r('new FramedProtocol({ ..., core: "x" })', () => make(FramedProtocol)({ delimiter: "\n", core: "x" }), RangeError, /core must be "wasm" or "js"/),
  ...(["wasm", "js"] as const).flatMap((k): Row[] => [
    r(`${k} parser.feed("abc")`, (e) => method(e.parsers[k], "feed")("abc"), TypeError, /feed\(\) needs a Uint8Array, got string/),
    r(`${k} parser.feed(5)`, (e) => method(e.parsers[k], "feed")(5), TypeError, /feed\(\) needs a Uint8Array, got number/),
    r(`${k} parser.feed(null)`, (e) => method(e.parsers[k], "feed")(null), TypeError, /got null/),
    r(`${k} parser.feed(ArrayBuffer)`, (e) => method(e.parsers[k], "feed")(new ArrayBuffer(4)), TypeError, /got ArrayBuffer/),
    r(`${k} parser.feed([97, 10])`, (e) => method(e.parsers[k], "feed")([97, 10]), TypeError, /got Array/),
    r(`${k} parser.bufferUpdated(-1)`, (e) => (e.parsers[k].getBuffer(10), e.parsers[k].bufferUpdated(-1)), RangeError, /bufferUpdated\(-1\): expected an integer between 0 and/),
    r(`${k} parser.bufferUpdated(NaN)`, (e) => (e.parsers[k].getBuffer(10), e.parsers[k].bufferUpdated(NaN)), RangeError, /bufferUpdated\(NaN\)/),
    r(`${k} parser.bufferUpdated(past the region)`, (e) => (e.parsers[k].getBuffer(10), e.parsers[k].bufferUpdated(1e9)), RangeError, /bufferUpdated\(1000000000\)/),
    r(`${k} parser.bufferUpdated(5) with no getBuffer`, (e) => (e.parsers[k].reset(), e.parsers[k].bufferUpdated(5)), RangeError, /between 0 and 0/),
    r(`${k} closed parser.feed(bytes)`, (e) => e.closedParsers[k].feed(new Uint8Array(2)), Error, /frame parser is closed/),
    r(`${k} closed parser.getBuffer()`, (e) => e.closedParsers[k].getBuffer(), Error, /frame parser is closed/),
  ]),
  r("new WriteBuffer(5)", () => make(asyncio.WriteBuffer)(5), TypeError, /options must be an object, got number/),
  r("new WriteBuffer(null)", () => make(asyncio.WriteBuffer)(null), TypeError, /options must be an object, got null/),
  r("new WriteBuffer({ bogus: 1 })", () => make(asyncio.WriteBuffer)({ bogus: 1 }), TypeError, /unknown WriteBuffer option "bogus"/),
  r('new WriteBuffer({ initialCapacity: "x" })', () => make(asyncio.WriteBuffer)({ initialCapacity: "x" }), TypeError, /initialCapacity must be an integer, got string/),
  r("new WriteBuffer({ maxCapacity: 1 })", () => new asyncio.WriteBuffer({ maxCapacity: 1 }), RangeError, /maxCapacity must be between 16 and/),
  ...(["writeUint8", "writeInt8", "writeUint16BE", "writeUint16LE", "writeInt16BE", "writeInt16LE", "writeUint32BE", "writeUint32LE", "writeInt32BE", "writeInt32LE"] as const).flatMap((m): Row[] => [
    r(`wb.${m}("x")`, (e) => loose(e.wb[m].bind(e.wb))("x"), TypeError, new RegExp(`${m}\\(\\) needs an integer, got string "x"`)),
    r(`wb.${m}(undefined)`, (e) => loose(e.wb[m].bind(e.wb))(undefined), TypeError, /needs an integer, got undefined/),
    r(`wb.${m}(1n)`, (e) => loose(e.wb[m].bind(e.wb))(1n), TypeError, /needs an integer, got bigint/),
    r(`wb.${m}(NaN)`, (e) => e.wb[m](NaN), RangeError, /needs an integer, got NaN/),
    r(`wb.${m}(1.5)`, (e) => e.wb[m](1.5), RangeError, /needs an integer, got 1.5/),
    r(`wb.${m}(Infinity)`, (e) => e.wb[m](Infinity), RangeError, /got Infinity/),
  ]),
  ...(["writeFloat32BE", "writeFloat32LE", "writeFloat64BE", "writeFloat64LE"] as const).map((m) =>
    r(`wb.${m}("1")`, (e) => loose(e.wb[m].bind(e.wb))("1"), TypeError, new RegExp(`${m}\\(\\) needs a number, got string`)),
  ),
  ...(["writeInt64BE", "writeInt64LE", "writeUint64BE", "writeUint64LE"] as const).flatMap((m): Row[] => [
    r(`wb.${m}("1")`, (e) => loose(e.wb[m].bind(e.wb))("1"), TypeError, /64-bit write needs a bigint or a safe integer, got string/),
    r(`wb.${m}(2 ** 60)`, (e) => e.wb[m](2 ** 60), RangeError, /safe integer, got 1152921504606847000/),
    r(`wb.${m}(1.5)`, (e) => e.wb[m](1.5), RangeError, /got 1.5/),
  ]),
  r('wb.writeBytes("abc")', (e) => method(e.wb, "writeBytes")("abc"), TypeError, /writeBytes\(\) needs a Uint8Array, got string/),
  r("wb.writeBytes(5)", (e) => method(e.wb, "writeBytes")(5), TypeError, /got number/),
  r("wb.writeBytes(null)", (e) => method(e.wb, "writeBytes")(null), TypeError, /got null/),
  r("wb.writeBytes([1, 2])", (e) => method(e.wb, "writeBytes")([1, 2]), TypeError, /got Array/),
  r("wb.writeUtf8(5)", (e) => method(e.wb, "writeUtf8")(5), TypeError, /writeUtf8\(\) needs a string, got number/),
  r("wb.writeCString(null)", (e) => method(e.wb, "writeCString")(null), TypeError, /writeCString\(\) needs a string, got null/),
  r('wb.writeCString("a\\0b")', (e) => e.wb.writeCString("a\0b"), TypeError, /contains a NUL character/),
  r('wb.beginMessage("ab")', (e) => e.wb.beginMessage("ab"), TypeError, /message type must be one byte, got "ab"/),
  r("wb.beginMessage(300)", (e) => e.wb.beginMessage(300), RangeError, /message type must be a byte \(0..255\), got 300/),
  r("wb.beginMessage({})", (e) => method(e.wb, "beginMessage")({}), TypeError, /message type must be a byte or a 1-character string, got Object/),
  r("wb.endMessage() with none open", (e) => e.wb.endMessage(), Error, /no message is open/),
  r("wb.release(-1)", (e) => e.wb.release(-1), RangeError, /release\(-1\): only 0 bytes are in flight/),
  r('wb.release("x")', (e) => method(e.wb, "release")("x"), RangeError, /release\(x\)/),
];

const STREAM_ROWS: Row[] = [
  r("new StreamReader({ limit: 0 })", () => new asyncio.StreamReader({ limit: 0 }), RangeError, /Limit cannot be <= 0/),
  r('new StreamReader({ limit: "x" })', () => make(asyncio.StreamReader)({ limit: "x" }), TypeError, /limit must be a number of bytes, got string/),
  r('reader.feedData("x")', (e) => method(e.reader, "feedData")("x"), TypeError, /data argument must be a bytes-like object \(Uint8Array\), not string "x"/),
  r("reader.feedData(null)", (e) => method(e.reader, "feedData")(null), TypeError, /bytes-like object .* not null/),
  r('reader.read("x")', (e) => method(e.reader, "read")("x"), TypeError, /read\(\) size must be a number, got string/),
  r("reader.readexactly(-1)", (e) => e.reader.readexactly(-1), RangeError, /can not be less than zero/),
  r("reader.readexactly(1.5)", (e) => e.reader.readexactly(1.5), TypeError, /size must be an integer, got 1.5/),
  r("reader.readexactly(NaN)", (e) => e.reader.readexactly(NaN), TypeError, /size must be an integer, got NaN/),
  r('reader.readuntil("")', (e) => e.reader.readuntil(""), RangeError, /at least one-byte/),
  r("reader.readuntil(5)", (e) => method(e.reader, "readuntil")(5), TypeError, /separator must be bytes, a string, or a list/),
  r("reader.readuntil([])", (e) => e.reader.readuntil([]), RangeError, /at least one element/),
  r('reader.readuntil(["a", 5])', (e) => method(e.reader, "readuntil")(["a", 5]), TypeError, /separator argument must be a bytes-like object/),
  r("new StreamReaderProtocol(5)", () => make(asyncio.StreamReaderProtocol)(5), TypeError, /needs a StreamReader/),
  r('openConnection(host, "x")', () => loose(asyncio.openConnection)(HOST, "x"), TypeError, /port must be an integer, got string "x"/),
  r("openConnection(host, port, { limit: -1 })", () => asyncio.openConnection(HOST, 1, { limit: -1 }), RangeError, /Limit cannot be <= 0/),
  r("startServer(5, host, 0)", () => loose(asyncio.startServer)(5, HOST, 0), TypeError, /needs a client-connected callback function, got number/),
  r("startServer(cb, host, -1)", () => asyncio.startServer(noop, HOST, -1), RangeError, /port must be an integer in \[0, 65535\]/),
  r('transport.write("x")', (e) => method(e.transport, "write")("x"), TypeError, /data argument must be a bytes-like object \(Uint8Array\), not string "x"/),
  r("transport.write(5)", (e) => method(e.transport, "write")(5), TypeError, /not number/),
  r("transport.write(null)", (e) => method(e.transport, "write")(null), TypeError, /not null/),
  r("transport.write([1])", (e) => method(e.transport, "write")([1]), TypeError, /not array/),
  r("transport.writelines(5)", (e) => method(e.transport, "writelines")(5), TypeError, /writelines\(\) needs an iterable of bytes-like objects/),
  r('transport.writelines(["x"])', (e) => method(e.transport, "writelines")(["x"]), TypeError, /item argument must be a bytes-like object/),
  r("transport.setWriteBufferLimits(-1)", (e) => e.transport.setWriteBufferLimits(-1), RangeError, /must be >= 0/),
  r("transport.setWriteBufferLimits(1, 10)", (e) => e.transport.setWriteBufferLimits(1, 10), RangeError, /high \(1\) must be >= low \(10\)/),
  r('transport.setWriteBufferLimits("x")', (e) => method(e.transport, "setWriteBufferLimits")("x"), TypeError, /high must be a number of bytes or null, got string/),
  r("transport.setWriteBufferLimits(NaN)", (e) => e.transport.setWriteBufferLimits(NaN), TypeError, /high must be a number of bytes or null/),
  r("transport.setProtocol(5)", (e) => method(e.transport, "setProtocol")(5), TypeError, /must return a Protocol or BufferedProtocol/),
  r('writer.write("x")', (e) => method(e.writer, "write")("x"), TypeError, /bytes-like object/),
  r("writer.writelines(5)", (e) => method(e.writer, "writelines")(5), TypeError, /iterable of bytes-like objects/),
  r("writer.startTls(5)", (e) => method(e.writer, "startTls")(5), TypeError, /ssl must be true, a tls.SecureContext or a TLS options object/),
];

/** Calls made with no loop running (the runners refuse to start inside a running loop first). */
const OUTSIDE_ROWS: { call: string; run: (idle: asyncio.EventLoop) => unknown; error: ErrorClass; message: RegExp }[] = [
  { call: "run(5)", run: () => loose(asyncio.run)(5), error: TypeError, message: /coroutine was expected, got number/ },
  { call: "run(function* () {})", run: () => loose(asyncio.run)(body), error: TypeError, message: /coroutine was expected, got function/ },
  { call: "run(coro, { loopFactory: 5 })", run: () => loose(asyncio.run)(body(), { loopFactory: 5 }), error: TypeError, message: /loopFactory must be a function/ },
  { call: "loop.runUntilComplete(5)", run: (idle) => method(idle, "runUntilComplete")(5), error: TypeError, message: /Future, a coroutine or an awaitable is required, got 5/ },
];

const TABLE: [string, Row[]][] = [
  ["loop methods", LOOP_ROWS],
  ["tasks, futures and the module functions", TASK_ROWS],
  ["locks and queues", SYNC_ROWS],
  ["framing: parsers, FramedProtocol, WriteBuffer", FRAMING_ROWS],
  ["streams and transports", STREAM_ROWS],
];

const NOT_THROWN = Symbol("not thrown");

/** Calls the row; a returned coroutine is run, a Promise awaited. Gives what was thrown. */
function* attempt(row: Row, env: Env): asyncio.Coroutine<unknown> {
  try {
    const out = row.run(env);
    if (asyncio.isCoroutine(out)) yield* out;
    else if (out instanceof Promise) yield* asyncio.fromPromise(out as Promise<unknown>);
    return NOT_THROWN;
  } catch (error) {
    return error;
  }
}

describe.each(CORES)("bad arguments on the %s core", (core) => {
  it(`${OUTSIDE_ROWS.length + TABLE.reduce((n, [, rows]) => n + rows.length, 0)} wrong calls: each a clear TypeError/RangeError naming the problem, objects still usable`, async () => {
    const failures: string[] = [];
    let checked = 0;
    const idleLoop = new asyncio.EventLoop({ core });
    for (const row of OUTSIDE_ROWS) {
      checked++;
      let thrown: unknown = NOT_THROWN;
      try {
        await row.run(idleLoop);
      } catch (error) {
        thrown = error;
      }
      if (!(thrown instanceof row.error) || !row.message.test(thrown.message)) failures.push(`${row.call}: threw ${String(thrown === NOT_THROWN ? "nothing" : thrown)}`);
    }
    idleLoop.close();
    const reports: asyncio.ExceptionContext[] = [];
    await runOn(
      core,
      (function* (): asyncio.Coroutine<void> {
        const loop = asyncio.getRunningLoop();
        const idle = new asyncio.EventLoop({ core });
        const server = yield* loop.createServer(() => new EchoProtocol(), HOST, 0);
        const [transport] = yield* loop.createConnection(P, HOST, portOf(server));
        const [reader, writer] = yield* asyncio.openConnection(HOST, portOf(server));
        const wb = new asyncio.WriteBuffer({ initialCapacity: 16, maxCapacity: 1024 });
        const parser = (k: "wasm" | "js"): asyncio.FrameParser => asyncio.createFrameParser({ delimiter: "\n" }, k);
        const closedParsers = { wasm: parser("wasm"), js: parser("js") };
        closedParsers.wasm.close();
        closedParsers.js.close();
        const done = loop.createFuture<number>();
        done.setResult(1);
        const env: Env = { core, loop, idle, transport, reader, writer, wb, parsers: { wasm: parser("wasm"), js: parser("js") }, closedParsers, done };
        const memoryBefore = asyncio.createFrameParser({ delimiter: "\n" }).bytes.byteLength;

        for (const [group, rows] of TABLE) {
          for (const row of rows) {
            checked++;
            const thrown = yield* attempt(row, env);
            const where = `${group}: ${row.call}`;
            if (thrown === NOT_THROWN) {
              failures.push(`${where}: did not throw`);
              continue;
            }
            if (!(thrown instanceof row.error)) {
              failures.push(`${where}: threw ${String(thrown)} instead of a ${row.error.name}`);
              continue;
            }
            const message = (thrown as Error).message;
            if (thrown instanceof WebAssembly.RuntimeError || OBSCURE.test(message)) failures.push(`${where}: obscure error ${String(thrown)}`);
            else if (!row.message.test(message)) failures.push(`${where}: message ${JSON.stringify(message)} does not match ${row.message}`);
          }
        }

        // Everything the bad calls were made on still works.
        expect(wb.length).toBe(0);
        wb.beginMessage("Q").writeUint32BE(7);
        wb.writeUtf8("ok");
        wb.endMessage();
        expect(Array.from(wb.take())).toEqual([0x51, 0, 0, 0, 10, 0, 0, 0, 7, 0x6f, 0x6b]);
        for (const k of ["wasm", "js"] as const) {
          const p = env.parsers[k];
          p.reset();
          expect(p.feed(text("one\ntwo\n"))).toBe(8);
          expect(new TextDecoder().decode(p.nextFrame()!)).toBe("one");
          expect(new TextDecoder().decode(p.nextFrame()!)).toBe("two");
          p.close();
        }
        expect(asyncio.createFrameParser({ delimiter: "\n" }).bytes.byteLength).toBe(memoryBefore);
        writer.write(text("ping\n"));
        expect(new TextDecoder().decode(yield* reader.readline())).toBe("ping\n");
        const echoed = loop.createFuture<void>();
        transport.setProtocol(new (class extends asyncio.Protocol {
          override dataReceived(): void {
            if (!echoed.done()) echoed.setResult(undefined);
          }
        })());
        transport.write(text("x"));
        yield* asyncio.waitFor(echoed, 5);
        // The loop is fine: timers and tasks still run.
        expect(yield* asyncio.waitFor(asyncio.sleep(0.001, "slept"), 5)).toBe("slept");
        transport.close();
        writer.close();
        yield* writer.waitClosed();
        server.close();
        server.closeClients();
        yield* server.waitClosed();
        idle.close();
      })(),
      reports,
    );
    expect(failures).toEqual([]);
    expect(reports.map((r) => r.message)).toEqual([]);
    expect(checked).toBe(OUTSIDE_ROWS.length + TABLE.reduce((n, [, rows]) => n + rows.length, 0));
  });

  it("edge values asyncio accepts are accepted: negative and infinite delays, unbounded queues", async () => {
    await runOn(
      core,
      (function* (): asyncio.Coroutine<void> {
        const loop = asyncio.getRunningLoop();
        const order: string[] = [];
        // A negative delay is "now", as asyncio's call_later(-1): it runs with the ready callbacks.
        loop.callLater(0.001, () => order.push("later"));
        loop.callLater(-1, () => order.push("negative"));
        loop.callLater(-Infinity, () => order.push("-inf"));
        const never = [loop.callLater(Infinity, () => order.push("inf")), loop.callLater(1e300, () => order.push("1e300")), loop.callAt(Number.MAX_VALUE, () => order.push("max"))];
        expect(never[0]!.when()).toBe(Infinity);
        yield* asyncio.sleep(0.02);
        // (in deadline order: -Infinity first)
        expect(order).toEqual(["-inf", "negative", "later"]);
        for (const h of never) h.cancel();
        expect(loop.coreStats().timers).toBe(0);
        expect(yield* asyncio.sleep(-5, "now")).toBe("now");
        for (const maxsize of [0, -1, Infinity]) {
          const q = new asyncio.Queue<number>(maxsize);
          for (let i = 0; i < 1000; i++) q.putNowait(i);
          expect(q.full()).toBe(false);
        }
        const s = new asyncio.Semaphore(0);
        expect(s.locked()).toBe(true);
      })(),
    );
  });
});
