import { describe, expect, it } from "vitest";
import * as asyncio from "../src/index.js";
import type { Coroutine } from "../src/index.js";
import { CORES, runOn } from "./helpers.js";

const { sleep, createTask, CancelledError, TimeoutError, ExceptionGroup } = asyncio;

function* value<T>(v: T, delay = 0): Coroutine<T> {
  yield* sleep(delay);
  return v;
}
function* fail(message: string, delay = 0): Coroutine<never> {
  yield* sleep(delay);
  throw new Error(message);
}

describe.each(CORES)("gather on the %s core", (core) => {
  const run = <T>(coro: Coroutine<T>) => runOn(core, coro);

  it("gives results in input order, whatever the completion order", async () => {
    const out = await run((function* () {
      const r: [number, string, boolean] = yield* asyncio.gather([value(1, 0.02), value("two", 0.01), value(true)] as const);
      return r;
    })());
    expect(out).toEqual([1, "two", true]);
  });

  it("raises the first exception; the other children keep running", async () => {
    const log: string[] = [];
    await run((function* () {
      const slow = createTask((function* () {
        yield* sleep(0.02);
        log.push("slow finished");
      })());
      try {
        yield* asyncio.gather([fail("first", 0.001), slow, fail("second", 0.005)]);
      } catch (e) {
        log.push((e as Error).message);
      }
      yield* slow;
    })());
    expect(log).toEqual(["first", "slow finished"]);
  });

  it("returnExceptions puts exceptions and CancelledErrors in the results", async () => {
    const out = await run((function* () {
      const doomed = createTask(sleep(10));
      asyncio.getRunningLoop().callSoon(() => doomed.cancel());
      return yield* asyncio.gather([value(1), fail("bad"), doomed], { returnExceptions: true });
    })());
    expect(out[0]).toBe(1);
    expect((out[1] as Error).message).toBe("bad");
    expect(out[2]).toBeInstanceOf(CancelledError);
  });

  it("a cancelled child raises CancelledError from gather without returnExceptions", async () => {
    const caught = await run((function* () {
      const doomed = createTask(sleep(10));
      asyncio.getRunningLoop().callSoon(() => doomed.cancel());
      try {
        yield* asyncio.gather([doomed, value(1)]);
      } catch (e) {
        return e;
      }
      return null;
    })());
    expect(caught).toBeInstanceOf(CancelledError);
  });

  it("cancelling the gather cancels every child", async () => {
    await run((function* () {
      const a = createTask(sleep(10));
      const b = createTask(sleep(10));
      const g = asyncio.gather([a, b]);
      yield* sleep(0);
      expect(g.cancel("stop")).toBe(true);
      let caught: unknown;
      try {
        yield* g;
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(CancelledError);
      expect(a.cancelled() && b.cancelled()).toBe(true);
    })());
  });

  it("cancelling the task awaiting gather cancels the children", async () => {
    await run((function* () {
      const a = createTask(sleep(10));
      const waiter = createTask((function* () {
        return yield* asyncio.gather([a, sleep(10)]);
      })());
      yield* sleep(0);
      waiter.cancel();
      yield* asyncio.wait([waiter]);
      expect(waiter.cancelled()).toBe(true);
      expect(a.cancelled()).toBe(true);
    })());
  });

  it("an empty gather is done at once; the same awaitable twice runs once", async () => {
    await run((function* () {
      expect(yield* asyncio.gather([])).toEqual([]);
      let runs = 0;
      const coro = (function* () {
        runs++;
        return 5;
      })();
      expect(yield* asyncio.gather([coro, coro])).toEqual([5, 5]);
      expect(runs).toBe(1);
      expect(() => asyncio.gather(5 as never)).toThrow(TypeError);
    })());
  });

  it("runs 10,000 tasks", async () => {
    const out = await run((function* () {
      const tasks = Array.from({ length: 10_000 }, (_, i) => value(i));
      const r = yield* asyncio.gather(tasks);
      return r.reduce((a, b) => a + b, 0);
    })());
    expect(out).toBe((9999 * 10000) / 2);
  });
});

describe.each(CORES)("wait, waitFor, asCompleted, shield on the %s core", (core) => {
  const run = <T>(coro: Coroutine<T>) => runOn(core, coro);

  it("wait ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION", async () => {
    await run((function* () {
      const a = createTask(value("a", 0.001));
      const b = createTask(value("b", 0.02));
      let [done, pending] = yield* asyncio.wait([a, b], { returnWhen: asyncio.FIRST_COMPLETED });
      // Identity checks: a Future is iterable, so deep equality would iterate it.
      expect(done.size === 1 && done.has(a)).toBe(true);
      expect(pending.size === 1 && pending.has(b)).toBe(true);
      [done, pending] = yield* asyncio.wait([a, b]);
      expect(done.size).toBe(2);
      expect(pending.size).toBe(0);
      const ok = createTask(value(1, 0.001));
      const bad = createTask(fail("x", 0.002));
      const slow = createTask(value(2, 10));
      const [done3, pending3] = yield* asyncio.wait<number>([ok, bad, slow], { returnWhen: asyncio.FIRST_EXCEPTION });
      expect(done3.has(bad) && done3.has(ok)).toBe(true);
      expect(pending3.has(slow)).toBe(true);
      bad.exception();
      slow.cancel();
    })());
  });

  it("wait with a timeout returns what is done and cancels nothing", async () => {
    await run((function* () {
      const slow = createTask(sleep(10));
      const [done, pending] = yield* asyncio.wait([slow], { timeout: 0.01 });
      expect(done.size).toBe(0);
      expect(pending.has(slow)).toBe(true);
      expect(slow.cancelled()).toBe(false);
      slow.cancel();
    })());
  });

  it("wait refuses coroutines, empty sets and unknown returnWhen", async () => {
    await run((function* () {
      yield* expectThrows(asyncio.wait([sleep(0) as never]), /Passing coroutines is forbidden/);
      yield* expectThrows(asyncio.wait([]), /empty/);
      const t = createTask(sleep(0));
      yield* expectThrows(asyncio.wait([t], { returnWhen: "SOMETIMES" as never }), /Invalid returnWhen/);
      yield* t;
    })());
  });

  it("waitFor gives the result in time", async () => {
    expect(await run(asyncio.waitFor(value(3, 0.001), 1))).toBe(3);
    expect(await run(asyncio.waitFor(value(4, 0.001), null))).toBe(4);
  });

  it("waitFor on timeout cancels the inner task, waits for it, then raises TimeoutError", async () => {
    const log: string[] = [];
    await run((function* () {
      const inner = createTask((function* () {
        try {
          yield* sleep(10);
        } finally {
          yield* sleep(0.005); // cleanup that takes time: waitFor waits for it
          log.push("inner cleaned up");
        }
      })());
      try {
        yield* asyncio.waitFor(inner, 0.01);
      } catch (e) {
        log.push(e instanceof TimeoutError ? "TimeoutError" : String(e));
      }
      expect(inner.cancelled()).toBe(true);
      expect(asyncio.currentTask()!.cancelling()).toBe(0);
    })());
    expect(log).toEqual(["inner cleaned up", "TimeoutError"]);
  });

  it("waitFor with timeout 0 on a pending awaitable raises TimeoutError", async () => {
    const caught = await run((function* () {
      try {
        yield* asyncio.waitFor(sleep(1), 0);
      } catch (e) {
        return e;
      }
      return null;
    })());
    expect(caught).toBeInstanceOf(TimeoutError);
  });

  it("cancelling the task in waitFor cancels the inner one and propagates CancelledError", async () => {
    await run((function* () {
      const inner = createTask(sleep(10));
      const outer = createTask(asyncio.waitFor(inner, 5));
      yield* sleep(0.001);
      outer.cancel();
      const [done] = yield* asyncio.wait([outer]);
      expect(done.has(outer)).toBe(true);
      expect(outer.cancelled()).toBe(true);
      expect(inner.cancelled()).toBe(true);
    })());
  });

  it("asCompleted gives results in completion order, and TimeoutError past its timeout", async () => {
    const out = await run((function* () {
      const order: unknown[] = [];
      for (const next of asyncio.asCompleted([value("slow", 0.02), value("fast", 0.001), value("mid", 0.01)])) {
        order.push(yield* next);
      }
      const late: unknown[] = [];
      const never = createTask(sleep(10));
      for (const next of asyncio.asCompleted([value("quick"), never], { timeout: 0.01 })) {
        try {
          late.push(yield* next);
        } catch (e) {
          late.push(e instanceof TimeoutError ? "timeout" : e);
        }
      }
      never.cancel();
      return [order, late];
    })());
    expect(out).toEqual([["fast", "mid", "slow"], ["quick", "timeout"]]);
  });

  it("shield protects the inner task from the awaiter's cancellation", async () => {
    await run((function* () {
      const inner = createTask(value("kept", 0.01));
      const outer = createTask((function* () {
        return yield* asyncio.shield(inner);
      })());
      yield* sleep(0.001);
      outer.cancel();
      yield* asyncio.wait([outer]);
      expect(outer.cancelled()).toBe(true);
      expect(inner.cancelled()).toBe(false);
      expect(yield* inner).toBe("kept");
    })());
  });
});

describe.each(CORES)("timeout on the %s core", (core) => {
  const run = <T>(coro: Coroutine<T>) => runOn(core, coro);

  it("passes the body's result through when in time", async () => {
    expect(await run(asyncio.timeout(1, function* (cm) {
      expect(cm.when()).toBeGreaterThan(0);
      expect(cm.expired()).toBe(false);
      return yield* value("ok", 0.001);
    }))).toBe("ok");
  });

  it("cancels the body and raises TimeoutError past the deadline; finally blocks run", async () => {
    const log: string[] = [];
    let cmSeen: asyncio.Timeout | null = null;
    await run((function* () {
      try {
        yield* asyncio.timeout(0.01, function* (cm) {
          cmSeen = cm;
          try {
            yield* sleep(10);
          } finally {
            log.push("finally");
          }
        });
      } catch (e) {
        log.push(e instanceof TimeoutError ? "TimeoutError" : String(e));
        expect((e as Error & { cause?: unknown }).cause).toBeInstanceOf(CancelledError);
      }
      expect(asyncio.currentTask()!.cancelling()).toBe(0);
    })());
    expect(log).toEqual(["finally", "TimeoutError"]);
    expect(cmSeen!.expired()).toBe(true);
  });

  it("null means no deadline; reschedule moves it", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const r = yield* asyncio.timeout(null, function* (cm) {
        expect(cm.when()).toBeNull();
        cm.reschedule(loop.time() + 5);
        expect(cm.when()).toBeGreaterThan(loop.time());
        cm.reschedule(null);
        return yield* value(1, 0.001);
      });
      expect(r).toBe(1);
      let caught: unknown;
      try {
        yield* asyncio.timeout(10, function* (cm) {
          cm.reschedule(loop.time() + 0.005);
          yield* sleep(10);
        });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(TimeoutError);
    })());
  });

  it("a deadline already past cancels at the first suspension", async () => {
    const caught = await run((function* () {
      const loop = asyncio.getRunningLoop();
      try {
        yield* asyncio.timeoutAt(loop.time() - 1, function* () {
          yield* sleep(1);
        });
      } catch (e) {
        return e;
      }
      return null;
    })());
    expect(caught).toBeInstanceOf(TimeoutError);
  });

  it("nested timeouts: only the one that fired converts its cancellation", async () => {
    const log: string[] = [];
    await run((function* () {
      try {
        yield* asyncio.timeout(0.01, function* () {
          try {
            yield* asyncio.timeout(10, function* () {
              yield* sleep(10);
            });
          } catch (e) {
            log.push("inner saw " + (e as Error).name);
            throw e;
          }
        });
      } catch (e) {
        log.push("outer saw " + (e as Error).name);
      }
      try {
        yield* asyncio.timeout(10, function* () {
          yield* asyncio.timeout(0.005, function* () {
            yield* sleep(10);
          });
        });
      } catch (e) {
        log.push("second: " + (e as Error).name);
      }
    })());
    expect(log).toEqual(["inner saw CancelledError", "outer saw TimeoutError", "second: TimeoutError"]);
  });

  it("a real cancellation of the task is not turned into TimeoutError", async () => {
    await run((function* () {
      const t = createTask(asyncio.timeout(10, function* () {
        yield* sleep(10);
      }));
      yield* sleep(0.001);
      t.cancel();
      yield* asyncio.wait([t]);
      expect(t.cancelled()).toBe(true);
    })());
  });

  it("refuses use outside a task, a second entry and bad deadlines", async () => {
    await run((function* () {
      expect(() => asyncio.timeout(Number.NaN, function* () {})).toThrow(TypeError);
      const cm = new asyncio.Timeout(null);
      expect(() => cm.reschedule(1)).toThrow("Timeout has not been entered");
      yield* sleep(0);
    })());
  });
});

describe.each(CORES)("TaskGroup on the %s core", (core) => {
  const run = <T>(coro: Coroutine<T>) => runOn(core, coro);

  it("waits for every child and passes the body's result through", async () => {
    const out = await run(asyncio.taskGroup(function* (tg) {
      const a = tg.createTask(value(1, 0.01));
      const b = tg.createTask(value(2, 0.001));
      return [a, b] as const;
    }));
    expect(out[0].result() + out[1].result()).toBe(3);
  });

  it("a failing child cancels its siblings and the body; errors come as ExceptionGroup", async () => {
    const log: string[] = [];
    const caught = await run((function* () {
      try {
        yield* asyncio.taskGroup(function* (tg) {
          tg.createTask((function* () {
            try {
              yield* sleep(10);
            } catch (e) {
              log.push("sibling " + (e as Error).name);
              throw e;
            }
          })());
          tg.createTask(fail("child failed", 0.001));
          try {
            yield* sleep(10);
          } catch (e) {
            log.push("body " + (e as Error).name);
            throw e;
          }
        });
      } catch (e) {
        return e;
      }
      return null;
    })());
    expect(caught).toBeInstanceOf(ExceptionGroup);
    const group = caught as InstanceType<typeof ExceptionGroup>;
    expect(group.exceptions.map((e) => (e as Error).message)).toEqual(["child failed"]);
    expect(log.sort()).toEqual(["body CancelledError", "sibling CancelledError"]);
  });

  it("a body that raises cancels the children and its error joins the group", async () => {
    const caught = await run((function* () {
      try {
        yield* asyncio.taskGroup(function* (tg) {
          tg.createTask(sleep(10));
          yield* sleep(0);
          throw new RangeError("body failed");
        });
      } catch (e) {
        return e;
      }
      return null;
    })());
    expect(caught).toBeInstanceOf(ExceptionGroup);
    expect((caught as InstanceType<typeof ExceptionGroup>).exceptions[0]).toBeInstanceOf(RangeError);
  });

  it("collects several failures, including one raised while being cancelled", async () => {
    const caught = await run((function* () {
      try {
        yield* asyncio.taskGroup(function* (tg) {
          tg.createTask(fail("a", 0.001));
          tg.createTask((function* () {
            try {
              yield* sleep(10);
            } finally {
              // eslint-disable-next-line no-unsafe-finally
              throw new Error("b while cancelled");
            }
          })());
        });
      } catch (e) {
        return e;
      }
      return null;
    })());
    expect((caught as InstanceType<typeof ExceptionGroup>).exceptions.map((e) => (e as Error).message).sort()).toEqual(["a", "b while cancelled"]);
  });

  it("cancellation of the parent propagates to the children and out as CancelledError", async () => {
    await run((function* () {
      const children: asyncio.Task<unknown>[] = [];
      const parent = createTask(asyncio.taskGroup(function* (tg) {
        children.push(tg.createTask(sleep(10)), tg.createTask(sleep(10)));
        yield* sleep(10);
      }));
      yield* sleep(0.001);
      parent.cancel();
      yield* asyncio.wait([parent]);
      expect(parent.cancelled()).toBe(true);
      expect(children.every((c) => c.cancelled())).toBe(true);
    })());
  });

  it("refuses new tasks once finished, and use outside a task", async () => {
    let group: asyncio.TaskGroup | null = null;
    await run(asyncio.taskGroup(function* (tg) {
      group = tg;
      yield* sleep(0);
    }));
    const coro = sleep(0);
    expect(() => group!.createTask(coro)).toThrow(/is finished/);
    expect(() => new asyncio.TaskGroup().createTask(coro)).toThrow(/has not been entered/);
  });
});

describe.each(CORES)("eager tasks and task factories on the %s core", (core) => {
  const run = <T>(coro: Coroutine<T>) => runOn(core, coro);

  it("an eager task runs its first step synchronously; one that never suspends never touches the loop", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      loop.setTaskFactory(asyncio.eagerTaskFactory);
      expect(loop.getTaskFactory()).toBe(asyncio.eagerTaskFactory);
      const log: string[] = [];
      const t = createTask((function* () {
        log.push("started");
        return 1;
      })());
      expect(log).toEqual(["started"]);
      expect(t.done()).toBe(true);
      expect(t.result()).toBe(1);
      const s = createTask((function* () {
        log.push("second");
        yield* sleep(0);
        return 2;
      })());
      expect(s.done()).toBe(false);
      expect(yield* s).toBe(2);
      loop.setTaskFactory(null);
      expect(() => loop.setTaskFactory(5 as never)).toThrow(TypeError);
    })());
  });

  it("a custom task factory is used by createTask", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      const names: string[] = [];
      loop.setTaskFactory((l, coro, opts) => {
        const t = new asyncio.Task(coro, { ...opts, loop: l });
        names.push(t.getName());
        return t;
      });
      yield* createTask(sleep(0), { name: "made" });
      expect(names).toEqual(["made"]);
    })());
  });
});

function* expectThrows(coro: Coroutine<unknown>, pattern: RegExp): Coroutine<void> {
  try {
    yield* coro;
  } catch (e) {
    expect(String(e)).toMatch(pattern);
    return;
  }
  throw new Error("expected an error");
}
