import { describe, expect, it } from "vitest";
import * as asyncio from "../src/index.js";
import type { Coroutine } from "../src/index.js";
import { CORES, runOn } from "./helpers.js";

const { ThreadPoolExecutor, CancelledError } = asyncio;

/** CPU-bound: spins for `ms` milliseconds (self-contained, as executor functions must be). */
function spin(ms: number): number {
  const end = Date.now() + ms;
  let n = 0;
  while (Date.now() < end) n++;
  return n;
}

function* failure(fut: PromiseLike<unknown> | asyncio.Future<unknown>): Coroutine<Error & { code?: unknown }> {
  try {
    yield* asyncio.ensureFuture(fut as asyncio.Future<unknown>);
  } catch (error) {
    return error as Error;
  }
  throw new Error("did not fail");
}

describe.each(CORES)("executors on the %s core", (core) => {
  const run = <T>(coro: Coroutine<T>, reports?: asyncio.ExceptionContext[]) => runOn(core, coro, reports);

  it("runs CPU work on a worker thread while loop timers keep firing", async () => {
    const { result, ticks } = await run((function* () {
      const loop = asyncio.getRunningLoop();
      let ticks = 0;
      const tick = (): void => {
        ticks++;
        handle = loop.callLater(0.01, tick);
      };
      let handle = loop.callLater(0.01, tick);
      const result = yield* loop.runInExecutor(null, spin, 400);
      handle.cancel();
      return { result, ticks };
    })());
    expect(result).toBeGreaterThan(0);
    // 400 ms of work: a blocked loop would tick at most once.
    expect(ticks).toBeGreaterThanOrEqual(5);
  });

  it("clones arguments and results, awaits async functions, and runs module exports", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const sum = yield* loop.runInExecutor(null, (m: Map<string, number>, bytes: Uint8Array) => [...m.values()].reduce((a, b) => a + b, 0) + bytes.length, new Map([["a", 1], ["b", 2]]), new Uint8Array(10));
      expect(sum).toBe(13);
      const later = yield* loop.runInExecutor(null, async (x: number) => {
        await new Promise((r) => setTimeout(r, 5));
        return { doubled: x * 2, at: new Date(0) };
      }, 21);
      expect(later).toEqual({ doubled: 42, at: new Date(0) });
      const shorthand = { triple(x: number) { return x * 3; } };
      expect(yield* loop.runInExecutor(null, shorthand.triple, 3)).toBe(9);
      // A function that imports what it needs inside works (no closure needed). Built from text
      // because vitest rewrites import() in test files into a helper the worker does not have.
      const hash = new Function("s", 'return import("node:crypto").then((c) => c.createHash("sha256").update(s).digest("hex"));') as (s: string) => Promise<string>;
      const digest = yield* loop.runInExecutor(null, hash, "abc");
      expect(digest).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
      const zipped = yield* loop.runInExecutor<Uint8Array>(null, { module: "node:zlib", export: "gzipSync" }, new TextEncoder().encode("x".repeat(10000)));
      expect(zipped.length).toBeLessThan(200);
      const unzipped = yield* loop.runInExecutor<Uint8Array>(null, { module: "node:zlib", export: "gunzipSync" }, zipped);
      expect(unzipped.length).toBe(10000);
      const dataModule = "data:text/javascript," + encodeURIComponent("export const add = (a, b) => a + b;");
      expect(yield* loop.runInExecutor(null, { module: dataModule, export: "add" }, 2, 3)).toBe(5);
    })());
  });

  it("gives clear errors for what cannot cross the thread boundary", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const thrown = yield* failure(loop.runInExecutor(null, (n: number) => {
        throw new RangeError(`bad ${n}`);
      }, 7));
      expect(thrown).toBeInstanceOf(RangeError);
      expect(thrown.message).toBe("bad 7");
      const custom = yield* failure(loop.runInExecutor(null, () => {
        class QuotaError extends Error {
          override name = "QuotaError";
          code = "EQUOTA";
        }
        throw new QuotaError("over quota");
      }));
      expect(custom.name).toBe("QuotaError");
      expect(custom.code).toBe("EQUOTA");
      const captured = 5;
      const closure = yield* failure(loop.runInExecutor(null, () => captured * 2));
      expect(closure).toBeInstanceOf(ReferenceError);
      expect(closure.message).toMatch(/captured is not defined.*cannot use variables or imports from where they were defined/);
      const badArg = yield* failure(loop.runInExecutor(null, (f: unknown) => typeof f, () => 1));
      expect(badArg).toBeInstanceOf(TypeError);
      expect(badArg.message).toMatch(/structured-cloneable/);
      const badResult = yield* failure(loop.runInExecutor(null, () => () => 1));
      expect(badResult).toBeInstanceOf(TypeError);
      expect(badResult.message).toMatch(/cannot be sent back from the worker thread/);
      const missing = yield* failure(loop.runInExecutor(null, { module: "node:zlib", export: "nope" }));
      expect(missing.message).toMatch(/no function export "nope"/);
      // Refused at once, before anything is queued:
      expect(() => loop.runInExecutor(null, Math.max, 1, 2)).toThrow(/native and bound functions have no source text/);
      expect(() => loop.runInExecutor(null, spin.bind(null), 1)).toThrow(TypeError);
      expect(() => loop.runInExecutor(null, function* () {} as never)).toThrow(/coroutine/);
      expect(() => loop.runInExecutor(null, 42 as never)).toThrow(TypeError);
      expect(() => loop.runInExecutor({} as never, spin, 1)).toThrow(/submit/);
      // The worker survived all of that.
      expect(yield* loop.runInExecutor(null, (a: number) => a + 1, 1)).toBe(2);
    })());
  });

  it("toThread runs in the default executor", async () => {
    expect(await run((function* () {
      return yield* asyncio.toThread((s: string) => s.toUpperCase(), "worker");
    })())).toBe("WORKER");
  });

  it("accepts any executor with submit(), and wraps its Promise", async () => {
    const calls: unknown[][] = [];
    const inline: asyncio.Executor = {
      submit(fn: (...args: unknown[]) => unknown, ...args: unknown[]) {
        calls.push(args);
        return Promise.resolve().then(() => fn(...args));
      },
    };
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const captured = 10; // runs in this thread: closures are fine here
      expect(yield* loop.runInExecutor(inline, (a: number) => a + captured, 1)).toBe(11);
      const broken = { submit: () => 42 } as unknown as asyncio.Executor;
      expect(() => loop.runInExecutor(broken, spin, 1)).toThrow(/Promise or thenable/);
    })());
    expect(calls).toEqual([[1]]);
  });

  it("shutdownDefaultExecutor joins the workers; asyncio.run does it on exit", async () => {
    const pool = new ThreadPoolExecutor(2);
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      loop.setDefaultExecutor(pool);
      expect(() => loop.setDefaultExecutor({} as never)).toThrow(TypeError);
      expect(yield* loop.runInExecutor(null, () => 1)).toBe(1);
      expect(pool.workerCount).toBe(1);
    })());
    expect(pool.workerCount).toBe(0); // joined by asyncio.run's shutdown
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      expect(yield* loop.runInExecutor(null, () => 2)).toBe(2);
      yield* loop.shutdownDefaultExecutor();
      expect(() => loop.runInExecutor(null, () => 3)).toThrow("Executor shutdown has been called");
      yield* loop.shutdownDefaultExecutor(); // again: nothing to do
    })());
  });

  it("cancelling the future of a queued job keeps it from running", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const pool = new ThreadPoolExecutor(1);
      const first = loop.runInExecutor(pool, spin, 100);
      const second = loop.runInExecutor(pool, () => "ran");
      second.cancel();
      yield* first;
      expect(second.cancelled()).toBe(true);
      expect(yield* loop.runInExecutor(pool, () => "next")).toBe("next");
      yield* asyncio.fromPromise(pool.shutdown(true));
      expect(pool.workerCount).toBe(0);
    })());
  });
});

describe("ThreadPoolExecutor", () => {
  it("runs jobs on at most maxWorkers workers, and shutdown can cancel what is queued", async () => {
    expect(() => new ThreadPoolExecutor(0)).toThrow(RangeError);
    expect(new ThreadPoolExecutor().maxWorkers).toBeGreaterThanOrEqual(5); // min(32, CPUs + 4)
    const pool = new ThreadPoolExecutor(1);
    const running = pool.submit(spin, 100);
    const queued = pool.submit((x: number) => x, 1);
    expect(pool.workerCount).toBe(1);
    const done = pool.shutdown(true, { cancelFutures: true });
    await expect(queued).rejects.toBeInstanceOf(CancelledError);
    expect(await running).toBeGreaterThan(0);
    await done;
    expect(pool.workerCount).toBe(0);
    expect(() => pool.submit(spin, 1)).toThrow(/after shutdown/);
  });
});
