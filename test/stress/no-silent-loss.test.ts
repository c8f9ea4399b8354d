// No silent loss: every exception nobody retrieved is reported through the loop's exception
// handler (exactly those, none twice, none retrieved ones), and no failure inside wasyncio turns
// into an unhandled promise rejection at the host. The suite-wide guard is test/setup.ts (each
// file fails on an unhandledRejection; vitest also fails the run on one); this file checks that
// guard is installed here, and proves in a child process that wasyncio's failure paths leave the
// host clean while a plain unhandled rejection in the same process is caught (the detector works).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/index.js";
import type { Coroutine } from "../../src/index.js";
import { CORES, forceGc } from "../helpers.js";
import { record } from "./report.js";

class Lost extends Error {
  constructor(readonly kind: string, readonly i: number) {
    super(`${kind} ${i}`);
  }
}

const N = 500;

/**
 * Creates failures on `loop` and forgets them: some nobody retrieves (they must be reported),
 * some retrieved in every way asyncio counts as retrieval (they must not be). Returns the names of
 * the exceptions that must be reported.
 */
function makeFailures(loop: asyncio.EventLoop): Set<string> {
  const expected = new Set<string>();
  for (let i = 0; i < N; i++) {
    // never retrieved
    loop.createTask((function* (): Coroutine<void> {
      throw new Lost("task raising at once", i);
    })());
    expected.add(`task raising at once ${i}`);
    loop.createTask((function* (): Coroutine<void> {
      yield* asyncio.sleep((i % 10) / 1000);
      throw new Lost("task raising later", i);
    })());
    expected.add(`task raising later ${i}`);
    const fut = loop.createFuture<number>();
    fut.setException(new Lost("future", i));
    expected.add(`future ${i}`);
    if (i % 5 === 0) {
      asyncio.ensureFuture(Promise.reject(new Lost("rejected promise", i)), loop);
      expected.add(`rejected promise ${i}`);
    }
    // retrieved: awaited, exception() called, result() thrown, through gather, cancelled
    const awaited = loop.createTask((function* (): Coroutine<void> {
      throw new Lost("awaited", i);
    })());
    loop.createTask((function* (): Coroutine<void> {
      try {
        yield* awaited;
      } catch {
        // retrieved
      }
    })());
    const seen = loop.createFuture<number>();
    seen.setException(new Lost("exception() called", i));
    seen.exception();
    const thrown = loop.createFuture<number>();
    thrown.setException(new Lost("result() thrown", i));
    try {
      thrown.result();
    } catch {
      // retrieved
    }
    const children = [0, 1, 2].map((k) => loop.createTask((function* (): Coroutine<void> {
      yield* asyncio.sleep(k / 1000);
      throw new Lost(`gather child ${k}`, i);
    })()));
    // gather raises the first failure; the later ones are retrieved by gather, as asyncio's.
    loop.createTask((function* (): Coroutine<void> {
      try {
        yield* asyncio.gather(children);
      } catch {
        // the first
      }
    })());
    const cancelled = loop.createTask(asyncio.sleep(10));
    loop.callSoon(() => cancelled.cancel());
  }
  return expected;
}

describe.each(CORES)("no silent loss on the %s core", (core) => {
  it(`every never-retrieved task/future exception is reported once, through the handler; retrieved ones never`, { timeout: 60_000 }, async () => {
    const reports: asyncio.ExceptionContext[] = [];
    const hostRejections: unknown[] = [];
    const onRejection = (reason: unknown): void => {
      hostRejections.push(reason);
    };
    process.on("unhandledRejection", onRejection);
    const loop = new asyncio.EventLoop({ core });
    loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
    const expected = makeFailures(loop);
    // Run until every task has ended (bounded), then stop: a fixed delay could stop the loop
    // with wakeups still queued (stop() ends the run after the current batch).
    await loop.runUntilComplete((function* (): Coroutine<void> {
      const end = loop.time() + 20;
      while (asyncio.allTasks(loop).size > 1 && loop.time() < end) yield* asyncio.sleep(0.005);
    })());
    expect(asyncio.allTasks(loop).size).toBe(0);
    // The futures are garbage now: collect until every report is in (bounded).
    for (let i = 0; i < 50 && reports.length < expected.size; i++) {
      await forceGc();
      await new Promise((r) => setTimeout(r, 20));
    }
    await forceGc();
    await new Promise((r) => setTimeout(r, 50));
    process.off("unhandledRejection", onRejection);
    const names = reports.map((r) => (r.exception instanceof Lost ? r.exception.message : `${r.message}: ${String(r.exception)}`));
    const unexpected = names.filter((n) => !expected.has(n));
    const missing = [...expected].filter((n) => !names.includes(n));
    expect(unexpected).toEqual([]);
    expect(missing).toEqual([]);
    expect(names.length).toBe(expected.size); // none twice
    for (const r of reports) {
      const lost = r.exception as Lost;
      expect(r.message).toBe(lost.kind.startsWith("task") ? "Task exception was never retrieved" : "Future exception was never retrieved");
    }
    expect(hostRejections).toEqual([]);
    loop.close();
    record(`unretrieved_${core}`, { reported: reports.length, retrievedNotReported: 6 * N, cancelledNotReported: N });
  });
});

describe("the host never sees a rejection from wasyncio", () => {
  it("the suite's guard is installed (test/setup.ts listens for unhandledRejection)", () => {
    expect(process.listeners("unhandledRejection").length).toBeGreaterThan(0);
  });

  it("failing runs, native awaits, unretrieved futures: no unhandledRejection; a plain one is caught", { timeout: 60_000 }, () => {
    const dist = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
    expect(existsSync(dist), "dist/index.js missing: npm run build").toBe(true);
    // Run as a module in a child: its own process, so the deliberate rejection at the end (the
    // control) cannot touch this suite.
    const script = `
      import * as asyncio from ${JSON.stringify(dist)};
      const rejections = [];
      const uncaught = [];
      process.on("unhandledRejection", (r) => rejections.push(String(r?.message ?? r)));
      process.on("uncaughtException", (e) => uncaught.push(String(e?.message ?? e)));
      const reports = [];
      // A loop closed before its garbage is collected reports through the default handler, to asyncio.logger.
      asyncio.logger.error = (message) => reports.push(String(message).split("\\n")[0]);
      const factory = (core) => () => {
        const loop = new asyncio.EventLoop({ core });
        loop.setExceptionHandler((_l, ctx) => reports.push(ctx.message));
        return loop;
      };
      const gc = () => globalThis.gc();
      for (const core of ["wasm", "js"]) {
        // asyncio.run with a failing main: the caller's promise rejects, and is handled.
        await asyncio.run((function* () { throw new Error("main failed"); })(), { loopFactory: factory(core) }).catch(() => {});
        // Tasks awaited natively (PromiseLike), failing and cancelled.
        await asyncio.run((function* () {
          const loop = asyncio.getRunningLoop();
          const t = loop.createTask((function* () { yield* asyncio.sleep(0.001); throw new Error("native await"); })());
          const c = loop.createTask(asyncio.sleep(10));
          const p1 = (async () => { try { await t; } catch {} })();
          const p2 = (async () => { try { await c; } catch {} })();
          c.cancel();
          yield* asyncio.fromPromise(Promise.all([p1, p2]));
          // then() with only a rejection handler, on a failing future
          const f = loop.createFuture();
          f.then(undefined, () => {});
          f.setException(new Error("then handled"));
          // a rejected promise wrapped and never looked at: reported by the loop, not the host
          asyncio.fromPromise(Promise.reject(new Error("wrapped rejection")));
          // a failing task nobody awaits, a TaskGroup failure, a timeout
          loop.createTask((function* () { throw new Error("orphan"); })());
          try {
            yield* asyncio.taskGroup(function* (tg) {
              tg.createTask((function* () { throw new Error("in group"); })());
              yield* asyncio.sleep(1);
            });
          } catch {}
          try { yield* asyncio.waitFor(asyncio.sleep(1), 0.001); } catch {}
          yield* asyncio.sleep(0.01);
        })(), { loopFactory: factory(core) });
        // runUntilComplete rejecting, handled by the caller
        const loop = factory(core)();
        await loop.runUntilComplete((function* () { throw new Error("ruc"); })()).catch(() => {});
        loop.close();
      }
      for (let i = 0; i < 20; i++) { gc(); await new Promise((r) => setTimeout(r, 10)); }
      const before = rejections.length;
      Promise.reject(new Error("control")); // the detector must see this one
      await new Promise((r) => setTimeout(r, 50));
      console.log(JSON.stringify({ before, rejections, uncaught, reports }));
    `;
    const out = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 50_000 });
    expect(out.status, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout.trim().split("\n").pop()!) as { before: number; rejections: string[]; uncaught: string[]; reports: string[] };
    expect(result.before).toBe(0);
    expect(result.rejections).toEqual(["control"]);
    expect(result.uncaught).toEqual([]);
    // The two never-retrieved ones per core ("orphan", "wrapped rejection") were reported (to the
    // handler, or to asyncio.logger once their loop had closed), and nothing else.
    expect(result.reports.sort()).toEqual(["Future exception was never retrieved", "Future exception was never retrieved", "Task exception was never retrieved", "Task exception was never retrieved"]);
  });
});
