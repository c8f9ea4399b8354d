import { describe, expect, it } from "vitest";
import * as asyncio from "../src/index.js";
import { CORES, newLoop, runOn } from "./helpers.js";

describe.each(CORES)("Future on the %s core", (core) => {
  it("holds a result, and refuses a second one", async () => {
    const loop = newLoop(core);
    const fut = loop.createFuture<number>();
    expect(fut.done()).toBe(false);
    expect(() => fut.result()).toThrow(asyncio.InvalidStateError);
    expect(() => fut.exception()).toThrow(asyncio.InvalidStateError);
    fut.setResult(7);
    expect(fut.done()).toBe(true);
    expect(fut.result()).toBe(7);
    expect(fut.exception()).toBeNull();
    expect(() => fut.setResult(8)).toThrow(asyncio.InvalidStateError);
    expect(() => fut.setException(new Error())).toThrow(asyncio.InvalidStateError);
    expect(fut.cancel()).toBe(false);
    expect(fut.getLoop()).toBe(loop);
    loop.close();
  });

  it("holds an exception that result() throws", () => {
    const loop = newLoop(core);
    const fut = loop.createFuture();
    const e = new RangeError("bad");
    fut.setException(e);
    expect(() => fut.result()).toThrow(e);
    expect(fut.exception()).toBe(e);
    expect(() => fut.setException(undefined)).toThrow(asyncio.InvalidStateError);
    const other = loop.createFuture();
    expect(() => other.setException(null)).toThrow(TypeError);
    loop.close();
  });

  it("cancels with a message carried by CancelledError", () => {
    const loop = newLoop(core);
    const fut = loop.createFuture();
    expect(fut.cancel("stop it")).toBe(true);
    expect(fut.cancelled()).toBe(true);
    expect(fut.cancel()).toBe(false);
    let caught: unknown;
    try {
      fut.result();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(asyncio.CancelledError);
    expect((caught as Error).message).toBe("stop it");
    expect(() => fut.exception()).toThrow(asyncio.CancelledError);
    loop.close();
  });

  it("schedules done callbacks through the loop, never synchronously, in order", async () => {
    const loop = newLoop(core);
    const fut = loop.createFuture<string>();
    const seen: string[] = [];
    fut.addDoneCallback((f) => seen.push("a:" + f.result()));
    fut.addDoneCallback(() => seen.push("b"));
    const removed = () => seen.push("removed");
    fut.addDoneCallback(removed);
    fut.addDoneCallback(removed);
    expect(fut.removeDoneCallback(removed)).toBe(2);
    fut.setResult("x");
    expect(seen).toEqual([]);
    // Added after done: still through the loop.
    fut.addDoneCallback(() => seen.push("late"));
    expect(seen).toEqual([]);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(seen).toEqual(["a:x", "b", "late"]);
    expect(() => fut.addDoneCallback(5 as never)).toThrow(TypeError);
    loop.close();
  });

  it("is awaitable from native async code (then)", async () => {
    const loop = newLoop(core);
    const fut = loop.createFuture<number>();
    loop.callLater(0.001, () => fut.setResult(5));
    const viaAwait = (async () => (await fut) * 2)();
    const bad = loop.createFuture<number>();
    loop.callLater(0.002, () => bad.setException(new Error("sad")));
    const badAwait = (async () => await bad)();
    // Done callbacks run on the loop, so keep it running until both native awaits settle.
    void Promise.allSettled([viaAwait, badAwait]).then(() => loop.stop());
    await loop.runForever();
    await expect(viaAwait).resolves.toBe(10);
    await expect(badAwait).rejects.toThrow("sad");
    loop.close();
  });

  it("yield* gives the result, throws the exception or CancelledError", async () => {
    const log: unknown[] = [];
    await runOn(core, (function* () {
      const loop = asyncio.getRunningLoop();
      const ok = loop.createFuture<number>();
      loop.callSoon(() => ok.setResult(3));
      const v: number = yield* ok;
      log.push(v);
      const bad = loop.createFuture();
      loop.callSoon(() => bad.setException(new Error("bad")));
      try {
        yield* bad;
      } catch (e) {
        log.push((e as Error).message);
      }
      const cancelled = loop.createFuture();
      loop.callSoon(() => cancelled.cancel("why"));
      try {
        yield* cancelled;
      } catch (e) {
        log.push(e instanceof asyncio.CancelledError ? "cancelled:" + (e as Error).message : e);
      }
      // An already-done future does not suspend.
      const done = loop.createFuture<string>();
      done.setResult("now");
      log.push(yield* done);
    })());
    expect(log).toEqual([3, "bad", "cancelled:why", "now"]);
  });

  it("isFuture tells futures and tasks from thenables", async () => {
    const loop = newLoop(core);
    expect(asyncio.isFuture(loop.createFuture())).toBe(true);
    expect(asyncio.isFuture(Promise.resolve())).toBe(false);
    expect(asyncio.isFuture({ then() {} })).toBe(false);
    loop.close();
  });

  it("reports an exception nobody retrieved when the future is collected", async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc === undefined) {
      // Without --expose-gc, force collection through v8's flags.
      const v8 = await import("node:v8");
      const vm = await import("node:vm");
      v8.setFlagsFromString("--expose-gc");
      (globalThis as { gc?: () => void }).gc = vm.runInNewContext("gc") as () => void;
    }
    const reports: asyncio.ExceptionContext[] = [];
    // Debug mode: the report says where the future/task was created.
    const loop = new asyncio.EventLoop({ core, debug: true });
    loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
    (() => {
      const fut = loop.createFuture();
      fut.setException(new Error("lost"));
      const task = loop.createTask((function* () {
        throw new Error("task lost");
      })());
      void task;
      const retrieved = loop.createFuture();
      retrieved.setException(new Error("seen"));
      retrieved.exception();
    })();
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    for (let i = 0; i < 10 && reports.length < 2; i++) {
      (globalThis as unknown as { gc: () => void }).gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    const messages = reports.map((r) => `${r.message}: ${(r.exception as Error).message}`).sort();
    expect(messages).toEqual(["Future exception was never retrieved: lost", "Task exception was never retrieved: task lost"]);
    for (const r of reports) expect(String(r.sourceTraceback)).toContain("futures.test.ts");
    loop.close();
  });
});
