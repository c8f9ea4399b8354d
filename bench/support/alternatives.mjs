// The same task-level workloads written with Effection 4 and Effect 4, the JavaScript libraries
// a user would pick instead of wasyncio for structured, cancellable concurrency. Each is written
// the way the library's own docs suggest, with its cheapest faithful primitive:
// * "yield once to the scheduler" (asyncio's sleep(0)): Effect has Effect.yieldNow. Effection's
//   sleep(0) is a setTimeout (clamped to about 1 ms), so its fair equivalent is awaiting an
//   already-resolved promise with until().
// * A lock: Effect has Semaphore(1).withPermits(1); Effection has none, so a FIFO lock on
//   withResolvers, as the native baseline hand-writes one.
// Libraries load lazily in setup(), so a missing package is an "unavailable" row, not a crash.

import { Unavailable } from "./wasyncio.mjs";

/** @typedef {import("../lib/types.mjs").Variant} Variant */

/** @returns {Promise<any>} */
async function load(/** @type {string} */ name) {
  try {
    return await import(name);
  } catch (e) {
    throw new Unavailable(`${name} is not installed (${e instanceof Error ? e.message : String(e)})`);
  }
}

const RESOLVED = Promise.resolve();

/**
 * @param {string} name
 * @param {string} description
 * @param {(lib: any, ops: number) => Promise<unknown>} body
 * @param {string} pkg
 * @returns {Variant}
 */
function variant(name, description, pkg, body) {
  return {
    name,
    description,
    setup: async () => ({ lib: await load(pkg) }),
    fn: (/** @type {any} */ s, /** @type {{ ops: number }} */ ctx) => body(s.lib, ctx.ops),
  };
}

/** Effect: the effect module plus the submodules the bodies use. */
async function loadEffect() {
  const [core, Fiber, Deferred, Queue, Semaphore] = await Promise.all([
    load("effect"),
    load("effect/Fiber"),
    load("effect/Deferred"),
    load("effect/Queue"),
    load("effect/Semaphore"),
  ]);
  return { Effect: core.Effect, Fiber, Deferred, Queue, Semaphore };
}

/**
 * @param {string} description
 * @param {(fx: Awaited<ReturnType<typeof loadEffect>>, ops: number) => Promise<unknown>} body
 * @returns {Variant}
 */
function effectVariant(description, body) {
  return {
    name: "effect",
    description,
    setup: async () => ({ fx: await loadEffect() }),
    fn: (/** @type {any} */ s, /** @type {{ ops: number }} */ ctx) => body(s.fx, ctx.ops),
  };
}

/** Effection's missing lock: FIFO, handing the lock to the next waiter on release. */
function effectionLock(/** @type {any} */ effection) {
  let held = false;
  /** @type {Array<(v: void) => void>} */
  const waiters = [];
  return {
    *acquire() {
      if (!held) {
        held = true;
        return;
      }
      const { operation, resolve } = effection.withResolvers();
      waiters.push(resolve);
      yield* operation;
    },
    release() {
      const next = waiters.shift();
      if (next) next();
      else held = false;
    },
  };
}

/** @type {Record<string, Variant[]>} */
export const ALTERNATIVES = {
  future_roundtrip: [
    variant("effection", "Effection 4: withResolvers resolved from a microtask", "effection", (e, ops) =>
      e.run(function* () {
        for (let i = 0; i < ops; i++) {
          const { operation, resolve } = e.withResolvers();
          const v = i;
          queueMicrotask(() => resolve(v));
          yield* operation;
        }
      }),
    ),
    effectVariant("Effect 4: Deferred completed from a microtask", ({ Effect, Deferred }, ops) =>
      Effect.runPromise(
        Effect.gen(function* () {
          for (let i = 0; i < ops; i++) {
            const d = Deferred.makeUnsafe();
            const v = i;
            queueMicrotask(() => Deferred.doneUnsafe(d, Effect.succeed(v)));
            yield* Deferred.await(d);
          }
        }),
      ),
    ),
  ],
  sleep0: [
    variant("effection", "Effection 4: until(resolved promise) (its sleep(0) is a 1 ms setTimeout)", "effection", (e, ops) =>
      e.run(function* () {
        for (let i = 0; i < ops; i++) yield* e.until(RESOLVED);
      }),
    ),
    effectVariant("Effect 4: Effect.yieldNow", ({ Effect }, ops) =>
      Effect.runPromise(
        Effect.gen(function* () {
          for (let i = 0; i < ops; i++) yield* Effect.yieldNow;
        }),
      ),
    ),
  ],
  task_spawn: [
    variant("effection", "Effection 4: spawn + await the task", "effection", (e, ops) =>
      e.run(function* () {
        for (let i = 0; i < ops; i++) {
          const v = i;
          const task = yield* e.spawn(function* () {
            return v;
          });
          yield* task;
        }
      }),
    ),
    effectVariant("Effect 4: forkChild + Fiber.join", ({ Effect, Fiber }, ops) =>
      Effect.runPromise(
        Effect.gen(function* () {
          for (let i = 0; i < ops; i++) {
            const fiber = yield* Effect.forkChild(Effect.succeed(i));
            yield* Fiber.join(fiber);
          }
        }),
      ),
    ),
  ],
  gather_10k: [
    variant("effection", "Effection 4: all() of operations that yield once", "effection", (e, ops) =>
      e.run(function* () {
        const children = new Array(ops);
        for (let i = 0; i < ops; i++) {
          const v = i;
          children[i] = {
            *[Symbol.iterator]() {
              yield* e.until(RESOLVED);
              return v;
            },
          };
        }
        yield* e.all(children);
      }),
    ),
    effectVariant("Effect 4: Effect.all, unbounded concurrency, each yieldNow once", ({ Effect }, ops) =>
      Effect.runPromise(
        Effect.all(
          Array.from({ length: ops }, (_, i) => Effect.as(Effect.yieldNow, i)),
          { concurrency: "unbounded" },
        ),
      ),
    ),
  ],
  queue_pingpong: [
    variant("effection", "Effection 4: two createQueue() queues", "effection", (e, ops) =>
      e.run(function* () {
        const ping = e.createQueue();
        const pong = e.createQueue();
        const ponger = yield* e.spawn(function* () {
          for (let i = 0; i < ops; i++) pong.add((yield* ping.next()).value);
        });
        for (let i = 0; i < ops; i++) {
          ping.add(i);
          yield* pong.next();
        }
        yield* ponger;
      }),
    ),
    effectVariant("Effect 4: two unbounded Queues", ({ Effect, Queue, Fiber }, ops) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const ping = yield* Queue.unbounded();
          const pong = yield* Queue.unbounded();
          const ponger = yield* Effect.forkChild(
            Effect.gen(function* () {
              for (let i = 0; i < ops; i++) yield* Queue.offer(pong, yield* Queue.take(ping));
            }),
          );
          for (let i = 0; i < ops; i++) {
            yield* Queue.offer(ping, i);
            yield* Queue.take(pong);
          }
          yield* Fiber.join(ponger);
        }),
      ),
    ),
  ],
  lock_contention: [
    variant("effection", "Effection 4: FIFO lock on withResolvers (it has none), until() as sleep(0)", "effection", (e, ops) =>
      e.run(function* () {
        const lock = effectionLock(e);
        const per = Math.ceil(ops / 10);
        const workers = [];
        for (let t = 0; t < 10; t++) {
          workers.push({
            *[Symbol.iterator]() {
              for (let i = 0; i < per; i++) {
                yield* lock.acquire();
                try {
                  yield* e.until(RESOLVED);
                } finally {
                  lock.release();
                }
              }
            },
          });
        }
        yield* e.all(workers);
      }),
    ),
    effectVariant("Effect 4: Semaphore(1).withPermits(1) around Effect.yieldNow", ({ Effect, Semaphore }, ops) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const sem = yield* Semaphore.make(1);
          const per = Math.ceil(ops / 10);
          const guarded = sem.withPermits(1)(Effect.yieldNow);
          const worker = Effect.gen(function* () {
            for (let i = 0; i < per; i++) yield* guarded;
          });
          yield* Effect.all(Array.from({ length: 10 }, () => worker), { concurrency: "unbounded" });
        }),
      ),
    ),
  ],
  producer_consumer: [
    variant("effection", "Effection 4: createQueue(), until() as sleep(0)", "effection", async (e, ops) => {
      const per = Math.floor(ops / 2);
      let latSum = 0;
      await e.run(function* () {
        const pairs = [];
        for (let p = 0; p < 2; p++) {
          const q = e.createQueue();
          pairs.push({
            *[Symbol.iterator]() {
              for (let i = 0; i < per; i++) {
                q.add(performance.now());
                yield* e.until(RESOLVED);
              }
            },
          });
          pairs.push({
            *[Symbol.iterator]() {
              for (let i = 0; i < per; i++) {
                const t = (yield* q.next()).value;
                latSum += performance.now() - t;
                yield* e.until(RESOLVED);
              }
            },
          });
        }
        yield* e.all(pairs);
      });
      return { extra: { meanPutToGetUs: (latSum / (per * 2)) * 1000 } };
    }),
    effectVariant("Effect 4: unbounded Queues, Effect.yieldNow as sleep(0)", async ({ Effect, Queue }, ops) => {
      const per = Math.floor(ops / 2);
      let latSum = 0;
      await Effect.runPromise(
        Effect.gen(function* () {
          const workers = [];
          for (let p = 0; p < 2; p++) {
            const q = yield* Queue.unbounded();
            workers.push(
              Effect.gen(function* () {
                for (let i = 0; i < per; i++) {
                  yield* Queue.offer(q, performance.now());
                  yield* Effect.yieldNow;
                }
              }),
              Effect.gen(function* () {
                for (let i = 0; i < per; i++) {
                  const t = yield* Queue.take(q);
                  latSum += performance.now() - t;
                  yield* Effect.yieldNow;
                }
              }),
            );
          }
          yield* Effect.all(workers, { concurrency: "unbounded" });
        }),
      );
      return { extra: { meanPutToGetUs: (latSum / (per * 2)) * 1000 } };
    }),
  ],
};
