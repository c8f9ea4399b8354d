// Scheduling suite (DESIGN §7): the loop's hot paths on the WASM core, the
// JS core and native baselines, plus CPython asyncio/uvloop reference rows
// (bench/reference/scheduling.py runs the "python" variants).
//
// Every variant function runs ONE iteration of ctx.ops operations and
// resolves when it is done. Native variants use promises, queueMicrotask and
// setImmediate; wasyncio variants import dist/index.js lazily in setup(), so a
// missing build or export is reported as "unavailable", never a crash.

import { setImmediate } from "node:timers";
import { NativeLock, NativeQueue } from "../support/native.mjs";
import { loadWasyncio, newLoop } from "../support/wasyncio.mjs";
import { ALTERNATIVES } from "../support/alternatives.mjs";

/** @typedef {import("../lib/types.mjs").Workload} Workload */
/** @typedef {import("../lib/types.mjs").Variant} Variant */
/** @typedef {import("../lib/types.mjs").VariantContext} VariantContext */

export const name = "scheduling";
export const description = "Loop hot paths: callbacks, timers, futures, tasks, queues, locks.";
/** Runs the variants marked runtimes: ["python"] (asyncio and uvloop). */
export const python = "reference/scheduling.py";

// ---------------------------------------------------------------------------
// helpers

/** The CPython reference variants (implemented in reference/scheduling.py). */
const PYTHON = /** @type {Variant[]} */ ([
  { name: "asyncio", runtimes: ["python"], baseline: true, description: "CPython asyncio (reference)" },
  { name: "uvloop", runtimes: ["python"], description: "CPython + uvloop (reference)" },
]);

/**
 * A wasyncio variant on one core. `body(asyncio, loop, ops)` runs one
 * iteration and returns a promise (usually loop.runUntilComplete(...)).
 * @param {"js" | "wasm"} core
 * @param {readonly string[]} needs  exports of dist/index.js the body uses
 * @param {(asyncio: any, loop: any, ops: number) => unknown} body
 * @returns {Variant}
 */
function wasyncio(core, needs, body) {
  return {
    name: core,
    description: core === "wasm" ? "wasyncio, WASM core" : "wasyncio, JS (TypeScript twin) core",
    async setup() {
      const asyncio = await loadWasyncio(["EventLoop", ...needs]);
      return { asyncio, loop: newLoop(asyncio, core) };
    },
    fn: (/** @type {any} */ s, /** @type {VariantContext} */ ctx) => body(s.asyncio, s.loop, ctx.ops),
    teardown: (/** @type {any} */ s) => s.loop.close(),
  };
}

/**
 * The same body on both cores: [js, wasm].
 * @param {readonly string[]} needs
 * @param {(asyncio: any, loop: any, ops: number) => unknown} body
 */
function bothCores(needs, body) {
  return [wasyncio("js", needs, body), wasyncio("wasm", needs, body)];
}

const RESOLVED = Promise.resolve();

/** Delay in ms of timer i in timers_mixed (0..5), and whether it is cancelled. */
const mixedDelayMs = (/** @type {number} */ i) => (i * 7) % 6;
const mixedCancelled = (/** @type {number} */ i) => i % 10 === 9;

// ---------------------------------------------------------------------------
// workloads

/** @type {Workload[]} */
export const workloads = [
  {
    name: "call_soon",
    description: "a chain of N callbacks, each scheduling the next (loop.callSoon; natively setImmediate or queueMicrotask)",
    unit: "callbacks/s",
    ops: 100_000,
    quickOps: 10_000,
    variants: [
      {
        name: "native",
        baseline: true,
        description: "setImmediate chain",
        fn: (_s, ctx) =>
          new Promise((resolve) => {
            let n = ctx.ops;
            const cb = () => (--n === 0 ? resolve(undefined) : setImmediate(cb));
            setImmediate(cb);
          }),
      },
      {
        name: "native-microtask",
        description: "queueMicrotask chain",
        fn: (_s, ctx) =>
          new Promise((resolve) => {
            let n = ctx.ops;
            const cb = () => (--n === 0 ? resolve(undefined) : queueMicrotask(cb));
            queueMicrotask(cb);
          }),
      },
      ...bothCores([], (_asyncio, loop, ops) => {
        let n = ops;
        const cb = () => (--n === 0 ? loop.stop() : loop.callSoon(cb));
        loop.callSoon(cb);
        return loop.runForever();
      }),
      ...PYTHON,
    ],
  },
  {
    name: "call_later0",
    description: "N zero-delay timers scheduled at once, until the last fires (setTimeout(0) is clamped to ~1 ms)",
    unit: "timers/s",
    ops: 1_000,
    quickOps: 200,
    variants: [
      {
        name: "native",
        baseline: true,
        description: "N setTimeout(0)",
        fn: (_s, ctx) =>
          new Promise((resolve) => {
            let n = ctx.ops;
            const cb = () => {
              if (--n === 0) resolve(undefined);
            };
            for (let i = 0; i < ctx.ops; i++) setTimeout(cb, 0);
          }),
      },
      ...bothCores([], (_asyncio, loop, ops) => {
        let n = ops;
        const cb = () => {
          if (--n === 0) loop.stop();
        };
        for (let i = 0; i < ops; i++) loop.callLater(0, cb);
        return loop.runForever();
      }),
      ...PYTHON,
    ],
  },
  {
    name: "timers_mixed",
    // N is large enough that the loop's timer machinery, not the 5 ms of waiting, is measured.
    description: "N timers with delays 0–5 ms, every 10th cancelled at once; until the rest fired",
    unit: "timers/s",
    ops: 100_000,
    quickOps: 10_000,
    // A scavenge that lands while 100,000 live timer objects wait costs 10-20 ms: Node's
    // setTimeout keeps its Timeouts alive, and wasyncio's loop kept its handles until it stopped
    // holding them (RESULTS.md run V). A longer run gives a steadier median.
    bench: { time: 4000, warmupTime: 1000 },
    variants: [
      {
        name: "native",
        baseline: true,
        description: "setTimeout/clearTimeout",
        fn: (_s, ctx) =>
          new Promise((resolve) => {
            let live = 0;
            const cb = () => {
              if (--live === 0) resolve(undefined);
            };
            for (let i = 0; i < ctx.ops; i++) {
              const t = setTimeout(cb, mixedDelayMs(i));
              if (mixedCancelled(i)) clearTimeout(t);
              else live++;
            }
          }),
      },
      ...bothCores([], (_asyncio, loop, ops) => {
        let live = 0;
        const cb = () => {
          if (--live === 0) loop.stop();
        };
        for (let i = 0; i < ops; i++) {
          const h = loop.callLater(mixedDelayMs(i) / 1000, cb);
          if (mixedCancelled(i)) h.cancel();
          else live++;
        }
        return loop.runForever();
      }),
      ...PYTHON,
    ],
  },
  {
    name: "future_roundtrip",
    description: "create a future, have a scheduled callback resolve it, await it; N times in sequence",
    unit: "roundtrips/s",
    ops: 100_000,
    quickOps: 10_000,
    variants: [
      {
        name: "native",
        baseline: true,
        description: "promise resolved from queueMicrotask, awaited",
        fn: async (_s, ctx) => {
          for (let i = 0; i < ctx.ops; i++) {
            /** @type {(v: number) => void} */
            let resolve = () => {};
            const p = new Promise((r) => (resolve = r));
            const v = i;
            queueMicrotask(() => resolve(v));
            await p;
          }
        },
      },
      ...bothCores([], (_asyncio, loop, ops) =>
        loop.runUntilComplete(
          (function* () {
            for (let i = 0; i < ops; i++) {
              const fut = loop.createFuture();
              loop.callSoon((/** @type {number} */ v) => fut.setResult(v), i);
              yield* fut;
            }
          })(),
        ),
      ),
      ...PYTHON,
    ],
  },
  {
    name: "sleep0",
    description: "N sequential sleep(0) in one coroutine (natively: await of a resolved promise)",
    unit: "sleeps/s",
    ops: 100_000,
    quickOps: 10_000,
    variants: [
      {
        name: "native",
        baseline: true,
        description: "await Promise.resolve()",
        fn: async (_s, ctx) => {
          for (let i = 0; i < ctx.ops; i++) await RESOLVED;
        },
      },
      ...bothCores(["sleep"], (asyncio, loop, ops) =>
        loop.runUntilComplete(
          (function* () {
            for (let i = 0; i < ops; i++) yield* asyncio.sleep(0);
          })(),
        ),
      ),
      ...PYTHON,
    ],
  },
  {
    name: "task_spawn",
    description: "spawn a task running a trivial coroutine and await it; N times in sequence",
    unit: "tasks/s",
    ops: 50_000,
    quickOps: 5_000,
    variants: [
      {
        name: "native",
        baseline: true,
        description: "call an async function, await its promise",
        fn: async (_s, ctx) => {
          const child = async (/** @type {number} */ i) => i;
          for (let i = 0; i < ctx.ops; i++) await child(i);
        },
      },
      ...bothCores(["createTask"], (asyncio, loop, ops) => {
        /** @param {number} i */
        function* child(i) {
          return i;
        }
        return loop.runUntilComplete(
          (function* () {
            for (let i = 0; i < ops; i++) yield* asyncio.createTask(child(i));
          })(),
        );
      }),
      ...PYTHON,
    ],
  },
  {
    name: "gather_10k",
    description: "gather 10,000 child coroutines that each sleep(0) once and return",
    unit: "tasks/s",
    ops: 10_000,
    bench: { quickIterations: 3 },
    variants: [
      {
        name: "native",
        baseline: true,
        description: "Promise.all over async functions that await once",
        fn: async (_s, ctx) => {
          const child = async (/** @type {number} */ i) => {
            await RESOLVED;
            return i;
          };
          const ps = new Array(ctx.ops);
          for (let i = 0; i < ctx.ops; i++) ps[i] = child(i);
          await Promise.all(ps);
        },
      },
      ...bothCores(["gather", "sleep"], (asyncio, loop, ops) => {
        /** @param {number} i */
        function* child(i) {
          yield* asyncio.sleep(0);
          return i;
        }
        return loop.runUntilComplete(
          (function* () {
            const cs = new Array(ops);
            for (let i = 0; i < ops; i++) cs[i] = child(i);
            yield* asyncio.gather(cs);
          })(),
        );
      }),
      ...PYTHON,
    ],
  },
  {
    name: "queue_pingpong",
    description: "two tasks bounce a message through two unbounded queues; N round trips",
    unit: "roundtrips/s",
    ops: 50_000,
    quickOps: 5_000,
    variants: [
      {
        name: "native",
        baseline: true,
        description: "hand-written promise queue",
        fn: async (_s, ctx) => {
          const ping = new NativeQueue();
          const pong = new NativeQueue();
          const n = ctx.ops;
          const ponger = (async () => {
            for (let i = 0; i < n; i++) pong.put(await ping.get());
          })();
          for (let i = 0; i < n; i++) {
            ping.put(i);
            await pong.get();
          }
          await ponger;
        },
      },
      ...bothCores(["Queue", "createTask"], (asyncio, loop, ops) =>
        loop.runUntilComplete(
          (function* () {
            const ping = new asyncio.Queue();
            const pong = new asyncio.Queue();
            const ponger = asyncio.createTask(
              (function* () {
                for (let i = 0; i < ops; i++) yield* pong.put(yield* ping.get());
              })(),
            );
            for (let i = 0; i < ops; i++) {
              yield* ping.put(i);
              yield* pong.get();
            }
            yield* ponger;
          })(),
        ),
      ),
      ...PYTHON,
    ],
  },
  {
    name: "lock_contention",
    description: "10 tasks share one lock, each holding it across a sleep(0); N acquisitions in total",
    unit: "acquisitions/s",
    ops: 50_000,
    quickOps: 5_000,
    params: { tasks: 10 },
    variants: [
      {
        name: "native",
        baseline: true,
        description: "hand-written FIFO promise lock",
        fn: async (_s, ctx) => {
          const lock = new NativeLock();
          const per = Math.ceil(ctx.ops / 10);
          const worker = async () => {
            for (let i = 0; i < per; i++) {
              const w = lock.acquire();
              if (w) await w;
              try {
                await RESOLVED;
              } finally {
                lock.release();
              }
            }
          };
          const ws = [];
          for (let t = 0; t < 10; t++) ws.push(worker());
          await Promise.all(ws);
        },
      },
      ...bothCores(["Lock", "gather", "sleep"], (asyncio, loop, ops) => {
        const per = Math.ceil(ops / 10);
        return loop.runUntilComplete(
          (function* () {
            const lock = new asyncio.Lock();
            function* worker() {
              for (let i = 0; i < per; i++) {
                yield* lock.acquire();
                try {
                  yield* asyncio.sleep(0);
                } finally {
                  lock.release();
                }
              }
            }
            const ws = [];
            for (let t = 0; t < 10; t++) ws.push(worker());
            yield* asyncio.gather(ws);
          })(),
        );
      }),
      ...PYTHON,
    ],
  },
  {
    name: "producer_consumer",
    description:
      "2 producer/consumer pairs, 250,000 items each, a sleep(0) after every put and get; reports total time (median) and the mean put-to-get latency",
    unit: "items/s",
    ops: 500_000,
    quickOps: 20_000,
    params: { pairs: 2 },
    bench: { iterations: 3, warmupIterations: 1, time: 1000, quickIterations: 2, quickTime: 0 },
    extraUnits: { meanPutToGetUs: "µs" },
    variants: [
      {
        name: "native",
        baseline: true,
        description: "hand-written promise queue, await of a resolved promise as sleep(0)",
        fn: async (_s, ctx) => {
          const per = Math.floor(ctx.ops / 2);
          let latSum = 0;
          /** @param {NativeQueue<number>} q */
          const producer = async (q) => {
            for (let i = 0; i < per; i++) {
              q.put(performance.now());
              await RESOLVED;
            }
          };
          /** @param {NativeQueue<number>} q */
          const consumer = async (q) => {
            for (let i = 0; i < per; i++) {
              // like asyncio's get(): no suspension when an item is there
              const t = q.size > 0 ? q.getNowait() : await q.get();
              latSum += performance.now() - t;
              await RESOLVED;
            }
          };
          const qs = [new NativeQueue(), new NativeQueue()];
          await Promise.all(qs.flatMap((q) => [producer(q), consumer(q)]));
          return { extra: { meanPutToGetUs: (latSum / (per * 2)) * 1000 } };
        },
      },
      ...bothCores(["Queue", "gather", "sleep"], async (asyncio, loop, ops) => {
        const per = Math.floor(ops / 2);
        let latSum = 0;
        /** @param {any} q */
        function* producer(q) {
          for (let i = 0; i < per; i++) {
            yield* q.put(performance.now());
            yield* asyncio.sleep(0);
          }
        }
        /** @param {any} q */
        function* consumer(q) {
          for (let i = 0; i < per; i++) {
            const t = yield* q.get();
            latSum += performance.now() - t;
            yield* asyncio.sleep(0);
          }
        }
        await loop.runUntilComplete(
          (function* () {
            const qs = [new asyncio.Queue(), new asyncio.Queue()];
            yield* asyncio.gather(qs.flatMap((q) => [producer(q), consumer(q)]));
          })(),
        );
        return { extra: { meanPutToGetUs: (latSum / (per * 2)) * 1000 } };
      }),
      ...PYTHON,
    ],
  },
];

// Effection and Effect rows for the task-level workloads, next to the JS variants.
for (const w of workloads) {
  const alternatives = ALTERNATIVES[w.name];
  if (alternatives === undefined) continue;
  const firstPython = w.variants.findIndex((v) => v.runtimes?.includes("python"));
  w.variants.splice(firstPython < 0 ? w.variants.length : firstPython, 0, ...alternatives);
}
