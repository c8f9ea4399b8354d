// Scheduling under churn: a million timers with random cancellation, a hundred thousand tasks
// with random cancellation, and nothing leaked afterwards. Figures go to the report file read by
// docs/reliability.md (test/stress/report.ts).
import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/index.js";
import type { Coroutine } from "../../src/index.js";
import { CORES, forceGc, prng } from "../helpers.js";
import { record } from "./report.js";

describe.each(CORES)("scheduling stress on the %s core", (core) => {
  it("1,000,000 timers with random cancellation: exactly the live ones fire, in deadline order", async () => {
    const loop = new asyncio.EventLoop({ core });
    const rnd = prng(42);
    const N = 1_000_000;
    let fired = 0;
    let lastWhen = -Infinity;
    let outOfOrder = 0;
    let cancelledFired = 0;
    const handles: asyncio.TimerHandle[] = new Array(N);
    const t0 = performance.now();
    // Deadlines start 1 s out: creating a million timers takes a good part of a second.
    const base = loop.time() + 1;
    for (let i = 0; i < N; i++) {
      const h: asyncio.TimerHandle = loop.callAt(base + rnd() * 0.5, () => {
        if (h.cancelled()) cancelledFired++;
        if (h.when() < lastWhen) outOfOrder++;
        lastWhen = h.when();
        fired++;
      });
      handles[i] = h;
    }
    // Cancel a random 50%, some of them twice; then cancel more while the loop runs.
    let live = N;
    for (let i = 0; i < N; i++) {
      if (rnd() < 0.5) {
        handles[i]!.cancel();
        if (rnd() < 0.1) handles[i]!.cancel();
        live--;
      }
    }
    expect(loop.coreStats().timers).toBe(live);
    const scheduleSeconds = (performance.now() - t0) / 1000;
    let lateCancels = 0;
    loop.callAt(base + 0.1, () => {
      for (let i = 0; i < N; i += 7) {
        const h = handles[i]!;
        if (!h.cancelled() && h.when() > loop.time() + 0.01) {
          h.cancel();
          lateCancels++;
        }
      }
    });
    loop.callAt(base + 0.6, () => loop.stop());
    await loop.runForever();
    expect(cancelledFired).toBe(0);
    expect(outOfOrder).toBe(0);
    expect(fired).toBe(live - lateCancels);
    expect(loop.coreStats().timers).toBe(0);
    // Scheduling a million timers and cancelling half of them, per second (the firing is paced by the deadlines).
    record(`timers_churn_${core}`, { timers: N, cancelled: N - live + lateCancels, fired, scheduleAndCancelSeconds: +scheduleSeconds.toFixed(2), timerOpsPerSecond: Math.round((N + (N - live)) / scheduleSeconds) });
    loop.close();
  });

  it("100,000 tasks with random cancellation: every task ends, none leaks, the heap is stable", async () => {
    const rnd = prng(7);
    const run = (): Promise<{ finished: number; cancelled: number; leaked: number; timers: number }> =>
      asyncio.run(
        (function* (): Coroutine<{ finished: number; cancelled: number; leaked: number; timers: number }> {
          const loop = asyncio.getRunningLoop();
          let finished = 0;
          const tasks: asyncio.Task<number>[] = [];
          function* worker(i: number): Coroutine<number> {
            for (let k = 0; k < 3; k++) {
              if (rnd() < 0.5) yield* asyncio.sleep(0);
              else yield* asyncio.sleep(rnd() * 0.01);
            }
            finished++;
            return i;
          }
          for (let i = 0; i < 100_000; i++) tasks.push(asyncio.createTask(worker(i)));
          // Cancel a random third at random moments.
          for (let round = 0; round < 5; round++) {
            yield* asyncio.sleep(0.001);
            for (let i = 0; i < 100_000; i++) if (rnd() < 0.07) tasks[i]!.cancel();
          }
          const results = yield* asyncio.gather(tasks, { returnExceptions: true });
          const cancelled = results.filter((r) => r instanceof asyncio.CancelledError).length;
          const leaked = asyncio.allTasks().size - 1; // this task
          return { finished, cancelled, leaked, timers: loop.coreStats().timers };
        })(),
        { loopFactory: () => new asyncio.EventLoop({ core }) },
      );
    const heap = async (): Promise<number> => {
      await forceGc();
      return process.memoryUsage().heapUsed;
    };
    const first = await run();
    const before = await heap();
    const t0 = performance.now();
    const second = await run();
    const seconds = (performance.now() - t0) / 1000;
    const after = await heap();
    for (const r of [first, second]) {
      expect(r.leaked).toBe(0);
      expect(r.timers).toBe(0);
      expect(r.finished + r.cancelled).toBe(100_000);
      expect(r.cancelled).toBeGreaterThan(10_000);
    }
    // A second identical run must not grow the heap by anything like its own footprint.
    const growthMiB = (after - before) / 2 ** 20;
    expect(growthMiB).toBeLessThan(32);
    record(`task_churn_${core}`, { tasks: 100_000, cancelled: second.cancelled, seconds: +seconds.toFixed(2), heapGrowthMiB: +growthMiB.toFixed(1) });
  });

  it("exceptions from done callbacks and callbacks go to the handler; the loop carries on", async () => {
    const reports: asyncio.ExceptionContext[] = [];
    const loop = new asyncio.EventLoop({ core });
    loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
    let ran = 0;
    for (let i = 0; i < 10_000; i++) {
      const fut = loop.createFuture<number>();
      fut.addDoneCallback(() => {
        throw new Error(`done callback ${i}`);
      });
      fut.addDoneCallback(() => ran++);
      loop.callSoon(() => fut.setResult(i));
    }
    loop.callLater(0.01, () => loop.stop());
    await loop.runForever();
    expect(ran).toBe(10_000);
    expect(reports).toHaveLength(10_000);
    expect(reports.every((r) => r.exception instanceof Error)).toBe(true);
    loop.close();
  });
});
