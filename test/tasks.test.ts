import { describe, expect, it } from "vitest";
import * as asyncio from "../src/index.js";
import type { Coroutine } from "../src/index.js";
import { CORES, runOn } from "./helpers.js";

const { sleep, createTask, CancelledError } = asyncio;

describe.each(CORES)("Task on the %s core", (core) => {
  const run = <T>(coro: Coroutine<T>, reports?: asyncio.ExceptionContext[]) => runOn(core, coro, reports);

  it("runs a coroutine to its result", async () => {
    function* add(a: number, b: number): Coroutine<number> {
      yield* sleep(0);
      return a + b;
    }
    expect(await run(add(2, 3))).toBe(5);
  });

  it("asyncio.run rejects with the coroutine's exception and validates its input", async () => {
    await expect(run((function* () {
      yield* sleep(0);
      throw new TypeError("inner");
    })())).rejects.toThrow("inner");
    await expect(asyncio.run(42 as never)).rejects.toThrow(TypeError);
  });

  it("is the loop's current task while stepping; names default to Task-N", async () => {
    await run((function* () {
      const me = asyncio.currentTask()!;
      expect(me).toBeInstanceOf(asyncio.Task);
      expect(me.getName()).toMatch(/^Task-\d+$/);
      const child = createTask((function* () {
        expect(asyncio.currentTask() === me).toBe(false);
        return asyncio.currentTask()!.getName();
      })(), { name: "kid" });
      expect(yield* child).toBe("kid");
      expect(asyncio.currentTask()).toBe(me);
      child.setName("renamed");
      expect(child.getName()).toBe("renamed");
      expect(typeof child.getCoro().next).toBe("function");
      expect(child.getLoop()).toBe(asyncio.getRunningLoop());
    })());
  });

  it("steps tasks in the order they were created, interleaving at each yield", async () => {
    const log: string[] = [];
    function* worker(name: string): Coroutine<void> {
      for (let i = 0; i < 3; i++) {
        log.push(`${name}${i}`);
        yield* sleep(0);
      }
    }
    await run((function* () {
      const a = createTask(worker("a"));
      const b = createTask(worker("b"));
      yield* a;
      yield* b;
    })());
    expect(log).toEqual(["a0", "b0", "a1", "b1", "a2", "b2"]);
  });

  it("a bare yield is one pass through the loop", async () => {
    const log: string[] = [];
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      loop.callSoon(() => log.push("callback"));
      yield;
      log.push("after yield");
    })());
    expect(log).toEqual(["callback", "after yield"]);
  });

  it("throws a clear TypeError into the coroutine for a bad yield", async () => {
    const caught = await run((function* () {
      try {
        yield 42;
      } catch (e) {
        return e;
      }
      return null;
    })());
    expect(caught).toBeInstanceOf(TypeError);
    expect(String(caught)).toMatch(/bad yield.*yield\*/);
  });

  it("refuses a future from another loop and awaiting itself", async () => {
    const other = new asyncio.EventLoop({ core });
    const foreign = other.createFuture();
    const errors = await run((function* () {
      const out: unknown[] = [];
      try {
        yield* foreign;
      } catch (e) {
        out.push(e);
      }
      const me = asyncio.currentTask()!;
      try {
        yield* me;
      } catch (e) {
        out.push(e);
      }
      return out;
    })());
    expect(String(errors[0])).toContain("different loop");
    expect(String(errors[1])).toContain("cannot await on itself");
    other.close();
  });

  it("cancel while waiting on a future cancels that future; finally blocks run", async () => {
    const log: string[] = [];
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const fut = loop.createFuture();
      const task = createTask((function* () {
        try {
          yield* fut;
        } finally {
          log.push("finally");
        }
      })());
      yield* sleep(0);
      expect(task.cancel("bye")).toBe(true);
      expect(fut.cancelled()).toBe(true);
      try {
        yield* task;
      } catch (e) {
        log.push(`${(e as Error).name}:${(e as Error).message}`);
      }
      expect(task.cancelled()).toBe(true);
    })());
    expect(log).toEqual(["finally", "CancelledError:bye"]);
  });

  it("cancel before the first step: the coroutine body never runs", async () => {
    let ran = false;
    await run((function* () {
      const task = createTask((function* () {
        ran = true;
      })());
      task.cancel();
      yield* sleep(0);
      expect(task.cancelled()).toBe(true);
    })());
    expect(ran).toBe(false);
  });

  it("double cancel counts requests; uncancel takes them back", async () => {
    await run((function* () {
      const task = createTask(sleep(10));
      yield* sleep(0);
      expect(task.cancel()).toBe(true);
      expect(task.cancel()).toBe(true);
      expect(task.cancelling()).toBe(2);
      expect(task.uncancel()).toBe(1);
      yield* sleep(0);
      expect(task.cancelled()).toBe(true);
      expect(task.cancel()).toBe(false);
    })());
  });

  it("a task that catches CancelledError and returns ends not cancelled", async () => {
    const result = await run((function* () {
      const task = createTask((function* () {
        try {
          yield* sleep(10);
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          return "survived";
        }
        return "slept";
      })());
      yield* sleep(0);
      task.cancel();
      return yield* task;
    })());
    expect(result).toBe("survived");
  });

  it("a task cancelled while ready (not waiting) gets CancelledError at its next step", async () => {
    const log: string[] = [];
    await run((function* () {
      const task = createTask((function* () {
        log.push("step1");
        yield; // ready again, not waiting on a future
        log.push("never");
      })());
      yield* sleep(0); // task ran step1 and is ready
      task.cancel("now");
      yield* sleep(0);
      yield* sleep(0);
      expect(task.cancelled()).toBe(true);
    })());
    expect(log).toEqual(["step1"]);
  });

  it("cancellation propagates through nested coroutines awaited with yield*", async () => {
    const log: string[] = [];
    function* inner(): Coroutine<void> {
      try {
        yield* sleep(10);
      } finally {
        log.push("inner finally");
      }
    }
    function* outer(): Coroutine<void> {
      try {
        yield* inner();
      } finally {
        log.push("outer finally");
      }
    }
    await run((function* () {
      const t = createTask(outer());
      yield* sleep(0.001);
      t.cancel();
      try {
        yield* t;
      } catch (e) {
        log.push((e as Error).name);
      }
    })());
    expect(log).toEqual(["inner finally", "outer finally", "CancelledError"]);
  });

  it("awaiting a cancelled task raises CancelledError in the awaiter, not a cancellation of it", async () => {
    await run((function* () {
      const t = createTask(sleep(10));
      yield* sleep(0);
      t.cancel();
      let caught: unknown;
      try {
        yield* t;
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(CancelledError);
      expect(asyncio.currentTask()!.cancelling()).toBe(0);
    })());
  });

  it("refuses setResult/setException from outside", async () => {
    await run((function* () {
      const t = createTask(sleep(0));
      expect(() => t.setResult(undefined)).toThrow("Task does not support setResult()");
      expect(() => t.setException(new Error())).toThrow("Task does not support setException()");
      yield* t;
    })());
  });

  it("refuses non-coroutines", async () => {
    await run((function* () {
      expect(() => createTask(42 as never)).toThrow(TypeError);
      expect(() => createTask((() => {}) as never)).toThrow(/did you call the generator function/);
    })());
    expect(() => createTask(sleep(0))).toThrow("no running event loop");
  });

  it("allTasks lists the tasks not done", async () => {
    await run((function* () {
      const a = createTask(sleep(0.01));
      const b = createTask(sleep(0));
      const all = asyncio.allTasks();
      expect(all.has(a) && all.has(b) && all.has(asyncio.currentTask()!)).toBe(true);
      yield* b;
      expect(asyncio.allTasks().has(b)).toBe(false);
      yield* a;
      expect(asyncio.allTasks().size).toBe(1);
    })());
  });

  it("sleep(delay, result) waits and gives the result; validates the delay", async () => {
    const result = await run((function* () {
      const loop = asyncio.getRunningLoop();
      const t0 = loop.time();
      const v = yield* sleep(0.02, "woke");
      expect(loop.time() - t0).toBeGreaterThanOrEqual(0.02);
      expect(yield* sleep(0, 5)).toBe(5);
      expect(() => sleep(Number.NaN)).toThrow(TypeError);
      expect(() => sleep("1" as never)).toThrow(TypeError);
      return v;
    })());
    expect(result).toBe("woke");
  });

  it("a cancelled sleep leaves no timer behind", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const t = createTask(sleep(100));
      yield* sleep(0);
      expect(loop.coreStats().timers).toBe(1);
      t.cancel();
      yield* sleep(0);
      expect(loop.coreStats().timers).toBe(0);
    })());
  });

  it("records the creation stack in debug mode (getStack)", async () => {
    const stack = await asyncio.run((function* () {
      return createTask(sleep(0)).getStack();
    })(), { debug: true, loopFactory: () => new asyncio.EventLoop({ core }) });
    expect(stack.join("\n")).toContain("tasks.test.ts");
  });

  it("a task exception nobody awaited goes to the exception handler at shutdown or collection, never crashes", async () => {
    const reports: asyncio.ExceptionContext[] = [];
    await run((function* () {
      createTask((function* () {
        yield* sleep(0);
        throw new Error("ignored");
      })());
      yield* sleep(0.005);
    })(), reports);
    // Reported on collection (FinalizationRegistry); here we only check nothing escaped.
    expect(reports.every((r) => typeof r.message === "string")).toBe(true);
  });

  it("asyncio.run cancels tasks left running and lets their finally blocks run", async () => {
    const log: string[] = [];
    await run((function* () {
      createTask((function* () {
        try {
          yield* sleep(10);
        } finally {
          log.push("cleaned up");
        }
      })());
      yield* sleep(0);
    })());
    expect(log).toEqual(["cleaned up"]);
  });
});

describe.each(CORES)("promise interop on the %s core", (core) => {
  const run = <T>(coro: Coroutine<T>) => runOn(core, coro);

  it("fromPromise adopts a promise's value or rejection", async () => {
    const out = await run((function* () {
      const a = yield* asyncio.fromPromise(new Promise<number>((r) => setTimeout(() => r(4), 5)));
      let b: unknown;
      try {
        yield* asyncio.fromPromise(Promise.reject(new Error("rejected")));
      } catch (e) {
        b = (e as Error).message;
      }
      const thenable = { then: (ok: (v: string) => void) => ok("thenable") } as unknown as PromiseLike<string>;
      const c = yield* asyncio.fromPromise(thenable);
      return [a, b, c];
    })());
    expect(out).toEqual([4, "rejected", "thenable"]);
    expect(() => asyncio.fromPromise(5 as never)).toThrow(TypeError);
  });

  it("native async code awaits a task", async () => {
    const loop = new asyncio.EventLoop({ core });
    const task = loop.createTask((function* () {
      yield* sleep(0.005);
      return "from task";
    })());
    const awaited = (async () => await task)();
    await loop.runUntilComplete(task);
    await expect(awaited).resolves.toBe("from task");
    loop.close();
  });

  it("ensureFuture takes coroutines, futures and thenables, and refuses the rest", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const f = loop.createFuture();
      expect(asyncio.ensureFuture(f)).toBe(f);
      const t = asyncio.ensureFuture(sleep(0, 1));
      expect(t).toBeInstanceOf(asyncio.Task);
      expect(yield* t).toBe(1);
      const p = asyncio.ensureFuture(Promise.resolve(2));
      expect(yield* p).toBe(2);
      expect(() => asyncio.ensureFuture(3 as never)).toThrow(TypeError);
      f.cancel();
    })());
  });

  it("isCoroutine and isCoroutineFunction", () => {
    function* g(): Coroutine<void> {}
    expect(asyncio.isCoroutine(g())).toBe(true);
    expect(asyncio.isCoroutine({})).toBe(false);
    expect(asyncio.isCoroutineFunction(g)).toBe(true);
    expect(asyncio.isCoroutineFunction(() => {})).toBe(false);
  });
});
