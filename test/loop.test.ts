import { describe, expect, it, vi } from "vitest";
import { spawnSync } from "node:child_process";
import { createServer, connect } from "node:net";
import * as asyncio from "../src/index.js";
import { median } from "../bench/lib/stats.mjs";
import { CORES, newLoop } from "./helpers.js";

describe.each(CORES)("EventLoop on the %s core", (core) => {
  it("reports which core it runs on", () => {
    const loop = newLoop(core);
    expect(loop.coreKind).toBe(core);
    loop.close();
  });

  it("runs callSoon callbacks in FIFO order with their arguments", async () => {
    const loop = newLoop(core);
    const seen: unknown[] = [];
    for (let i = 0; i < 5; i++) loop.callSoon((a: number, b: string) => seen.push([a, b]), i, "x");
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => [i, "x"]));
    loop.close();
  });

  it("runs only the callbacks ready at batch start; later ones wait for the next iteration", async () => {
    const loop = newLoop(core);
    const order: string[] = [];
    loop.callSoon(() => {
      order.push("a");
      loop.callSoon(() => order.push("c"));
    });
    loop.callSoon(() => {
      order.push("b");
      // stop() lets the current batch finish; "c" was scheduled during it, so it waits.
      loop.stop();
    });
    await loop.runForever();
    expect(order).toEqual(["a", "b"]);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(order).toEqual(["a", "b", "c"]);
    loop.close();
  });

  it("stop() before runForever runs one iteration, then stops", async () => {
    const loop = newLoop(core);
    const seen: number[] = [];
    loop.callSoon(() => seen.push(1));
    loop.stop();
    await loop.runForever();
    expect(seen).toEqual([1]);
    expect(loop.isRunning()).toBe(false);
    loop.close();
  });

  it("fires timers in deadline order and equal deadlines in scheduling order", async () => {
    const loop = newLoop(core);
    const seen: string[] = [];
    const when = loop.time() + 0.02;
    for (const name of ["t1", "t2", "t3"]) loop.callAt(when, () => seen.push(name));
    loop.callLater(0.01, () => seen.push("early"));
    loop.callLater(0.03, () => {
      seen.push("late");
      loop.stop();
    });
    await loop.runForever();
    expect(seen).toEqual(["early", "t1", "t2", "t3", "late"]);
    loop.close();
  });

  it("keeps scheduling order for 10,000 timers with the same deadline", async () => {
    const loop = newLoop(core);
    const seen: number[] = [];
    const when = loop.time() + 0.005;
    for (let i = 0; i < 10_000; i++) loop.callAt(when, () => seen.push(i));
    loop.callAt(when, () => loop.stop());
    await loop.runForever();
    expect(seen).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    loop.close();
  });

  it("orders random deadlines like a sort, and never runs a timer early", async () => {
    const loop = newLoop(core);
    const fired: { when: number; at: number }[] = [];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 2000; i++) {
      const h: asyncio.TimerHandle = loop.callLater(rnd() * 0.05, () => fired.push({ when: h.when(), at: loop.time() }));
    }
    loop.callLater(0.06, () => loop.stop());
    await loop.runForever();
    expect(fired.length).toBe(2000);
    for (let i = 1; i < fired.length; i++) expect(fired[i]!.when).toBeGreaterThanOrEqual(fired[i - 1]!.when);
    for (const f of fired) expect(f.at).toBeGreaterThanOrEqual(f.when);
    loop.close();
  });

  it("never runs a cancelled handle or timer", async () => {
    const loop = newLoop(core);
    const seen: string[] = [];
    const h = loop.callSoon(() => seen.push("soon"));
    const t = loop.callLater(0.001, () => seen.push("later"));
    h.cancel();
    t.cancel();
    t.cancel(); // twice is fine
    expect(h.cancelled()).toBe(true);
    expect(t.cancelled()).toBe(true);
    // A timer cancelled after it became due but before its batch ran.
    const due = loop.callLater(0, () => seen.push("due"));
    loop.callSoon(() => due.cancel());
    loop.callLater(0.01, () => loop.stop());
    await loop.runForever();
    expect(seen).toEqual([]);
    loop.close();
  });

  it("cancelling a timer that already ran does not disturb a newer timer with a reused id", async () => {
    const loop = newLoop(core);
    const seen: string[] = [];
    const first = loop.callLater(0, () => seen.push("first"));
    loop.callLater(0.005, () => {
      loop.callLater(0.005, () => seen.push("second"));
      first.cancel();
    });
    loop.callLater(0.03, () => loop.stop());
    await loop.runForever();
    expect(seen).toEqual(["first", "second"]);
    loop.close();
  });

  it("cancelling a handle after it ran never touches the callback holding its id now", async () => {
    const loop = newLoop(core);
    const seen: string[] = [];
    const first = loop.callLater(0, () => seen.push("first"));
    const stopper = loop.callLater(0.002, () => loop.stop());
    await loop.runForever();
    // Everything ran, so the loop hands out its ids from the lowest again: the new timer and the
    // new callSoon handle take the ids `first` and `stopper` had.
    loop.callLater(0, () => seen.push("timer"));
    loop.callSoon(() => seen.push("soon"));
    first.cancel();
    stopper.cancel();
    expect(first.cancelled()).toBe(true);
    loop.callLater(0.005, () => loop.stop());
    await loop.runForever();
    expect(seen).toEqual(["first", "soon", "timer"]);
    loop.close();
  });

  it("counts an id's releases modulo 2^30, so the count stays a small integer", async () => {
    const loop = newLoop(core);
    const gens = (loop as unknown as { _gens: number[] })._gens;
    const seen: string[] = [];
    const first = loop.callLater(0, () => seen.push("first"));
    // As if id 0 had been released 2^30 - 1 times already.
    gens[0] = 0x3fffffff;
    first._gen = 0x3fffffff;
    loop.callLater(0.002, () => loop.stop());
    await loop.runForever();
    expect(gens[0]).toBe(0);
    loop.callLater(0, () => seen.push("second"));
    first.cancel();
    loop.callLater(0.002, () => loop.stop());
    await loop.runForever();
    expect(seen).toEqual(["first", "second"]);
    loop.close();
  });

  it("removes cancelled timers from the heap at once (1,000,000 timers, 90% cancelled)", () => {
    const loop = newLoop(core);
    const live: asyncio.TimerHandle[] = [];
    const noop = () => {};
    for (let i = 0; i < 1_000_000; i++) {
      const h = loop.callLater(10 + (i % 1000), noop);
      if (i % 10 === 0) live.push(h);
      else h.cancel();
    }
    expect(loop.coreStats().timers).toBe(100_000);
    for (const h of live) h.cancel();
    expect(loop.coreStats().timers).toBe(0);
    loop.close();
  });

  it("passes any number of arguments, and a handle describes its callback", async () => {
    const loop = newLoop(core);
    const seen: unknown[][] = [];
    const record = (...args: unknown[]) => seen.push(args);
    loop.callSoon(record);
    loop.callSoon(record, 1);
    const later = loop.callLater(0, record, 1, undefined, "c");
    loop.callAt(loop.time(), record, null, 2);
    const cancelled = loop.callSoon(record, "never");
    cancelled.cancel();
    expect(String(later)).toMatch(/^<TimerHandle when=\d+\.\d{3} record\(\)>$/);
    expect(String(cancelled)).toBe("<Handle cancelled>");
    loop.callLater(0.005, () => loop.stop());
    await loop.runForever();
    expect(seen).toEqual([[], [1], [1, undefined, "c"], [null, 2]]);
    loop.close();
  });

  it("when() is the exact deadline, while scheduled, after running and after cancel()", async () => {
    const loop = newLoop(core);
    const now = loop.time();
    // Deadlines whose bits exercise every part of a double: a fraction, a negative one (in the
    // past), -0, and the largest finite value.
    const deadlines = [now + 0.000123456789, -1.5e-300, -0, Number.MAX_VALUE, now];
    const handles = deadlines.map((when) => loop.callAt(when, () => {}));
    expect(handles.map((h) => h.when())).toEqual(deadlines);
    expect(Object.is(handles[2]!.when(), -0)).toBe(true);
    handles[3]!.cancel();
    const ran = loop.callLater(0, () => {});
    const delayed = ran.when();
    loop.callLater(0.005, () => loop.stop());
    await loop.runForever();
    expect(handles.map((h) => h.when())).toEqual(deadlines);
    expect(ran.when()).toBe(delayed);
    loop.close();
  });

  it("time() is monotonic seconds and when() is the scheduled loop time", async () => {
    const loop = newLoop(core);
    const t0 = loop.time();
    const h = loop.callLater(0.05, () => loop.stop());
    expect(h.when()).toBeCloseTo(t0 + 0.05, 2);
    await loop.runForever();
    const elapsed = loop.time() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(0.05);
    expect(elapsed).toBeLessThan(1);
    loop.close();
  });

  it("counts callLater from the latest clock read, which a later host task reads afresh", async () => {
    const loop = newLoop(core);
    // Within one run of JS, timers share the start time (as libuv's uv_now): equal delays give
    // equal deadlines, and none is before time() read just before scheduling.
    const t0 = loop.time();
    const a = loop.callLater(0.02, () => {});
    const spin = performance.now() + 5;
    while (performance.now() < spin);
    const b = loop.callLater(0.02, () => {});
    expect(a.when()).toBe(t0 + 0.02);
    expect(b.when()).toBe(a.when());
    // The next host task starts from a fresh clock.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const t1 = performance.now() / 1000;
    const c = loop.callLater(0.02, () => {});
    expect(c.when()).toBeGreaterThanOrEqual(t1 + 0.02);
    expect(c.when() - a.when()).toBeGreaterThan(0.009);
    for (const h of [a, b, c]) h.cancel();
    loop.close();
  });

  it("inside the loop, a timer never fires before time() read before scheduling plus its delay", async () => {
    const loop = newLoop(core);
    const early: number[] = [];
    let pending = 0;
    loop.callSoon(() => {
      for (let i = 0; i < 50; i++) {
        // Busy callbacks between the iteration's clock read and the next schedule.
        loop.callSoon(() => {
          const spin = performance.now() + 0.2;
          while (performance.now() < spin);
          const delay = (i % 5) / 1000;
          const start = loop.time();
          pending++;
          loop.callLater(delay, () => {
            const elapsed = loop.time() - start;
            if (elapsed < delay) early.push(delay - elapsed);
            if (--pending === 0) loop.stop();
          });
        });
      }
    });
    await loop.runForever();
    expect(early).toEqual([]);
    loop.close();
  });

  it("sends callback exceptions to the exception handler and carries on", async () => {
    const loop = newLoop(core);
    const reports: asyncio.ExceptionContext[] = [];
    loop.setExceptionHandler((l, ctx) => {
      expect(l).toBe(loop);
      reports.push(ctx);
    });
    const boom = new Error("boom");
    const seen: string[] = [];
    loop.callSoon(function failing() {
      throw boom;
    });
    loop.callSoon(() => seen.push("after"));
    loop.callLater(0, () => {
      throw new RangeError("timer boom");
    });
    loop.callLater(0.005, () => loop.stop());
    await loop.runForever();
    expect(seen).toEqual(["after"]);
    expect(reports).toHaveLength(2);
    expect(reports[0]!.exception).toBe(boom);
    expect(reports[0]!.message).toContain("failing");
    expect(reports[0]!.handle).toBeInstanceOf(asyncio.Handle);
    expect(reports[1]!.exception).toBeInstanceOf(RangeError);
    loop.close();
  });

  it("names a failing timer's callback; its handle is reported with arguments or in debug mode", async () => {
    const loop = newLoop(core);
    const reports: asyncio.ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
    let count = 0;
    const failing = function timerBoom(..._args: unknown[]): void {
      throw new RangeError(`boom ${++count}`);
    };
    // The loop keeps a timer without arguments as its callback, not its handle, outside debug
    // mode (see docs/decisions.md).
    loop.callLater(0, failing);
    const withArgument = loop.callLater(0.001, failing, "x");
    loop.callLater(0.003, () => loop.stop());
    await loop.runForever();
    expect(reports[0]!.message).toBe("Exception in callback <TimerHandle timerBoom()>");
    expect(reports[0]!.handle).toBeUndefined();
    expect(reports[1]!.handle).toBe(withArgument);
    loop.setDebug(true);
    const handle = loop.callLater(0, failing);
    loop.callLater(0.002, () => loop.stop());
    await loop.runForever();
    expect(reports[2]!.handle).toBe(handle);
    expect(reports[2]!.message).toMatch(/^Exception in callback <TimerHandle when=\d+\.\d{3} timerBoom\(\)>$/);
    expect(reports[2]!.sourceTraceback).toContain("loop.test.ts");
    expect(reports.map((r) => String(r.exception))).toEqual(["RangeError: boom 1", "RangeError: boom 2", "RangeError: boom 3"]);
    loop.close();
  });

  it("falls back to the default handler when the custom one throws", async () => {
    const loop = newLoop(core);
    const errors = vi.spyOn(asyncio.logger, "error").mockImplementation(() => {});
    loop.setExceptionHandler(() => {
      throw new Error("handler broke");
    });
    loop.callSoon(() => {
      throw new Error("cb broke");
    });
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(errors).toHaveBeenCalledTimes(1);
    expect(String(errors.mock.calls[0]![0])).toContain("Unhandled error in exception handler");
    errors.mockRestore();
    loop.close();
  });

  it("default exception handler logs the message and the exception", () => {
    const loop = newLoop(core);
    const errors = vi.spyOn(asyncio.logger, "error").mockImplementation(() => {});
    const e = new Error("x");
    loop.callExceptionHandler({ message: "something failed", exception: e });
    expect(errors).toHaveBeenCalledWith(expect.stringContaining("something failed"), e);
    expect(loop.getExceptionHandler()).toBeNull();
    expect(() => loop.setExceptionHandler(42 as never)).toThrow(TypeError);
    errors.mockRestore();
    loop.close();
  });

  it("logs slow callbacks in debug mode only", async () => {
    const loop = newLoop(core);
    const warn = vi.spyOn(asyncio.logger, "warn").mockImplementation(() => {});
    const busy = function busyCallback(): void {
      const end = performance.now() + 30;
      while (performance.now() < end);
    };
    loop.slowCallbackDuration = 0.01;
    loop.callSoon(busy);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(warn).not.toHaveBeenCalled();
    loop.setDebug(true);
    expect(loop.getDebug()).toBe(true);
    loop.callSoon(busy);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/Executing <Handle busyCallback\(\)> took 0\.0\d\d seconds/);
    warn.mockRestore();
    loop.close();
  });

  it("logs a slow timer scheduled before debug mode was turned on", async () => {
    const loop = newLoop(core);
    const warn = vi.spyOn(asyncio.logger, "warn").mockImplementation(() => {});
    loop.slowCallbackDuration = 0.01;
    loop.callLater(0, function slowTimer(): void {
      const end = performance.now() + 30;
      while (performance.now() < end);
    });
    loop.callLater(0.002, () => loop.stop());
    loop.setDebug(true);
    await loop.runForever();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/^Executing <TimerHandle slowTimer\(\)> took 0\.0\d\d seconds$/);
    warn.mockRestore();
    loop.close();
  });

  it("records where a handle was created in debug mode", async () => {
    const loop = new asyncio.EventLoop({ core, debug: true });
    const reports: asyncio.ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
    loop.callSoon(() => {
      throw new Error("x");
    });
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(reports[0]!.sourceTraceback).toContain("loop.test.ts");
    loop.close();
  });

  it("can stop and run again, and reports running state", async () => {
    const loop = newLoop(core);
    expect(loop.isRunning()).toBe(false);
    let inside = false;
    loop.callSoon(() => {
      inside = loop.isRunning() && asyncio.getRunningLoop() === loop;
      loop.stop();
    });
    await loop.runForever();
    expect(inside).toBe(true);
    expect(loop.isRunning()).toBe(false);
    expect(() => asyncio.getRunningLoop()).toThrow("no running event loop");
    let count = 0;
    loop.callSoon(() => {
      count++;
      loop.stop();
    });
    await loop.runForever();
    expect(count).toBe(1);
    loop.close();
  });

  it("refuses to run twice, to run inside another loop, and to close while running", async () => {
    const loop = newLoop(core);
    const other = newLoop(core);
    let errors: unknown[] = [];
    loop.callSoon(() => {
      errors = [loop.runForever(), other.runForever()];
      try {
        loop.close();
      } catch (e) {
        errors.push(e);
      }
      loop.stop();
    });
    await loop.runForever();
    await expect(errors[0]).rejects.toThrow("This event loop is already running");
    await expect(errors[1]).rejects.toThrow("Cannot run the event loop while another loop is running");
    expect(String(errors[2])).toContain("Cannot close a running event loop");
    loop.close();
    other.close();
  });

  it("raises a clear error for any use of a closed loop", async () => {
    const loop = newLoop(core);
    loop.close();
    loop.close(); // idempotent
    expect(loop.isClosed()).toBe(true);
    expect(() => loop.callSoon(() => {})).toThrow("Event loop is closed");
    expect(() => loop.callLater(1, () => {})).toThrow("Event loop is closed");
    expect(() => loop.callAt(1, () => {})).toThrow("Event loop is closed");
    await expect(loop.runForever()).rejects.toThrow("Event loop is closed");
    await expect(loop.runUntilComplete(loop.createFuture())).rejects.toThrow("Event loop is closed");
  });

  it("validates callbacks and delays", () => {
    const loop = newLoop(core);
    expect(() => loop.callSoon(null as never)).toThrow(TypeError);
    expect(() => loop.callLater(Number.NaN, () => {})).toThrow(TypeError);
    expect(() => loop.callLater("1" as never, () => {})).toThrow(TypeError);
    expect(() => loop.callAt(1, 5 as never)).toThrow(/callable/);
    expect(() => new asyncio.EventLoop({ core: "rust" as never })).toThrow(RangeError);
    loop.close();
  });

  it("runUntilComplete resolves with the future's result or rejects with its exception", async () => {
    const loop = newLoop(core);
    const fut = loop.createFuture<number>();
    loop.callLater(0.005, () => fut.setResult(42));
    await expect(loop.runUntilComplete(fut)).resolves.toBe(42);
    const bad = loop.createFuture<number>();
    loop.callSoon(() => bad.setException(new RangeError("nope")));
    await expect(loop.runUntilComplete(bad)).rejects.toThrow("nope");
    expect(loop.isRunning()).toBe(false);
    loop.close();
  });

  it("runUntilComplete reports a loop stopped before the future completed", async () => {
    const loop = newLoop(core);
    const fut = loop.createFuture();
    loop.callSoon(() => loop.stop());
    await expect(loop.runUntilComplete(fut)).rejects.toThrow("Event loop stopped before Future completed.");
    loop.close();
  });

  it("callSoonThreadsafe wakes an idle loop from outside its callbacks", async () => {
    const loop = newLoop(core);
    const seen: string[] = [];
    setTimeout(() => loop.callSoonThreadsafe(() => {
      seen.push("woken");
      loop.stop();
    }), 10);
    await loop.runForever();
    expect(seen).toEqual(["woken"]);
    loop.close();
  });

  it("an earlier timer added while the loop sleeps re-arms the host timer", async () => {
    const loop = newLoop(core);
    const t0 = loop.time();
    loop.callLater(5, () => loop.stop());
    setTimeout(() => loop.callLater(0.005, () => loop.stop()), 5);
    await loop.runForever();
    expect(loop.time() - t0).toBeLessThan(1);
    loop.close();
  });

  it("arms one host timer for the earliest deadline, not one per loop timer", async () => {
    const loop = newLoop(core);
    const spy = vi.spyOn(globalThis, "setTimeout");
    for (let i = 0; i < 1000; i++) loop.callLater(0.01 + i * 0.00001, () => {});
    loop.callLater(0.03, () => loop.stop());
    await loop.runForever();
    const armedByLoop = spy.mock.calls.length;
    spy.mockRestore();
    // One per sleep; the loop sleeps a handful of times, never once per timer.
    expect(armedByLoop).toBeLessThan(20);
    loop.close();
  });

  it("lets a host timer through within 50 ms while ready callbacks churn for 300 ms", async () => {
    // Timed churn, not a count: a million callbacks took 40-110 ms here, too close to a starved
    // timer's bound. A starved timer fires only after the whole 300 ms, so it ticks once or
    // twice; one that gets through waits a 5 ms host turn, plus whatever a shared machine adds
    // (20.2 ms seen under load). The median, not the worst tick, is held to 50 ms: one
    // descheduling of this process must not fail the test.
    const loop = newLoop(core);
    const delays: number[] = [];
    let churning = true;
    let expected = performance.now() + 5;
    const tick = (): void => {
      delays.push(performance.now() - expected);
      expected = performance.now() + 5;
      if (churning) setTimeout(tick, 5);
    };
    setTimeout(tick, 5);
    // 100 chains of callbacks that each schedule the next: the loop never runs out of work.
    const until = performance.now() + 300;
    let steps = 0;
    let chains = 100;
    const step = (): void => {
      if ((++steps & 1023) !== 0 || performance.now() < until) loop.callSoon(step);
      else if (--chains === 0) {
        churning = false;
        loop.stop();
      }
    };
    for (let i = 0; i < 100; i++) loop.callSoon(step);
    await loop.runForever();
    expect(steps).toBeGreaterThan(100_000);
    expect(delays.length).toBeGreaterThan(10);
    expect(median(delays)).toBeLessThan(50);
    expect(Math.max(...delays)).toBeLessThan(250); // no tick waited out the churn
    loop.close();
  });

  it("lets socket events through within 20 ms while ready callbacks churn", async () => {
    const server = createServer((s) => s.end("x"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const loop = newLoop(core);
    // Five connections one after another, each timed from connect() to its first byte. A starved
    // loop lets none in until churning ends at 2 s; one that yields lets each in within its 5 ms
    // budget plus connect and first byte. The median keeps one descheduling of this process on
    // a shared machine from failing the test.
    const latencies: number[] = [];
    let churning = true;
    const started = performance.now();
    const step = (): void => {
      if (churning && performance.now() - started < 2000) loop.callSoon(step);
      else loop.stop();
    };
    loop.callSoon(step);
    const probe = (): void => {
      const connected = performance.now();
      const sock = connect(port, "127.0.0.1");
      sock.on("data", () => {
        latencies.push(performance.now() - connected);
        sock.destroy();
        if (latencies.length < 5) probe();
        else churning = false;
      });
    };
    probe();
    await loop.runForever();
    server.close();
    expect(latencies.length).toBe(5);
    expect(median(latencies)).toBeLessThan(20 + 50); // connect + first byte; the loop's share is < 20 ms
    loop.close();
  });

  it("splits a huge batch across host turns without reordering it", async () => {
    const loop = newLoop(core);
    const seen: number[] = [];
    let hostTurns = 0;
    const countTurns = (): void => {
      hostTurns++;
      if (loop.isRunning()) setImmediate(countTurns);
    };
    loop.callSoon(() => setImmediate(countTurns));
    for (let i = 0; i < 300_000; i++) loop.callSoon((k: number) => seen.push(k), i);
    loop.callSoon(() => seen.push(-1));
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(seen.length).toBe(300_001);
    for (let i = 0; i < 300_000; i++) if (seen[i] !== i) throw new Error(`out of order at ${i}`);
    expect(hostTurns).toBeGreaterThan(0);
    loop.close();
  });

});

describe("in a child process: lifetime and memory", () => {
  const script = (core: string, body: string): string => `
    import * as asyncio from ${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)};
    const loop = new asyncio.EventLoop({ core: ${JSON.stringify(core)} });
    ${body}
  `;
  it.each(CORES)("a running loop keeps the process alive until stop() (%s core)", (core) => {
    // The loop has nothing to do for 200 ms but must not let node exit.
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script(core, `
      const t0 = loop.time();
      loop.callLater(0.2, () => { console.log("fired", (loop.time() - t0).toFixed(2)); loop.stop(); });
      await loop.runForever();
      console.log("stopped");
    `)], { encoding: "utf8", timeout: 10_000 });
    expect(r.stderr).toBe("");
    const fired = /^fired (\d+\.\d\d)\nstopped\n$/.exec(r.stdout);
    expect(fired, r.stdout).not.toBeNull();
    // Never early; how late depends on the machine, and late is not what this test is about.
    expect(Number(fired![1])).toBeGreaterThanOrEqual(0.2);
  });

  it.each(CORES)("holds no TimerHandle its caller dropped, outside debug mode (%s core)", (core) => {
    // Timers pending for a long time would otherwise keep their handles too, and every scavenge
    // would copy them. Debug mode keeps them (for its reports): the control that shows the
    // WeakRefs would see a kept handle.
    const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script(core, `
      const debugLoop = new asyncio.EventLoop({ core: ${JSON.stringify(core)}, debug: true });
      let fired = 0;
      const dropped = [];
      const kept = [];
      for (let i = 0; i < 100; i++) {
        dropped.push(new WeakRef(loop.callLater(0.05, () => fired++)));
        kept.push(new WeakRef(debugLoop.callLater(0.05, () => fired++)));
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
      globalThis.gc();
      const alive = (refs) => refs.filter((ref) => ref.deref() !== undefined).length;
      console.log(alive(dropped), alive(kept));
      loop.callLater(0.1, () => loop.stop());
      await loop.runForever();
      debugLoop.callLater(0.1, () => debugLoop.stop());
      await debugLoop.runForever();
      console.log(fired);
    `)], { encoding: "utf8", timeout: 10_000 });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("0 100\n200\n");
  });

  it.each(CORES)("a stopped loop with pending timers lets the process exit (%s core)", (core) => {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script(core, `
      loop.callLater(60, () => {});
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      console.log("exiting");
    `)], { encoding: "utf8", timeout: 10_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("exiting\n");
  });
});
