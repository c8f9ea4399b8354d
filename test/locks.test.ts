import { describe, expect, it } from "vitest";
import * as asyncio from "../src/index.js";
import type { Coroutine } from "../src/index.js";
import { CORES, runOn } from "./helpers.js";

const { sleep, createTask, CancelledError, Lock, Event, Condition, Semaphore, BoundedSemaphore, Barrier, BrokenBarrierError } = asyncio;

/** `n` passes through the loop. */
function* ticks(n: number): Coroutine<void> {
  for (let i = 0; i < n; i++) yield* sleep(0);
}

/** Runs `coro` to completion and gives what it threw (fails if it returned). */
function* caught(aw: Coroutine<unknown> | asyncio.Future<unknown>): Coroutine<unknown> {
  try {
    yield* aw;
  } catch (error) {
    return error;
  }
  throw new Error("expected an exception");
}

describe.each(CORES)("locks on the %s core", (core) => {
  const run = <T>(coro: Coroutine<T>, reports?: asyncio.ExceptionContext[]) => runOn(core, coro, reports);

  describe("Lock", () => {
    it("acquires without suspending when free, releases, reports locked()", async () => {
      await run((function* () {
        const lock = new Lock();
        const log: string[] = [];
        asyncio.getRunningLoop().callSoon(() => log.push("callback"));
        expect(lock.locked()).toBe(false);
        expect(yield* lock.acquire()).toBe(true);
        log.push("acquired");
        expect(lock.locked()).toBe(true);
        lock.release();
        expect(lock.locked()).toBe(false);
        yield* sleep(0);
        // The uncontended acquire did not pass through the loop.
        expect(log).toEqual(["acquired", "callback"]);
      })());
    });

    it("release() of an unlocked lock throws 'Lock is not acquired.'", async () => {
      await run((function* () {
        const lock = new Lock();
        expect(() => lock.release()).toThrow("Lock is not acquired.");
        yield* lock.acquire();
        lock.release();
        expect(() => lock.release()).toThrow(Error);
      })());
    });

    it("is FIFO-fair: waiters get the lock in arrival order, newcomers queue behind a woken waiter", async () => {
      const order = await run((function* () {
        const lock = new Lock();
        const order: string[] = [];
        function* worker(name: string): Coroutine<void> {
          yield* lock.acquire();
          try {
            order.push(name);
            yield* sleep(0);
          } finally {
            lock.release();
          }
        }
        yield* lock.acquire();
        const tasks = ["a", "b", "c", "d", "e"].map((n) => createTask(worker(n)));
        yield* ticks(2);
        lock.release(); // wakes a, which has not run yet
        // Re-acquiring at once must not overtake the woken waiter (nor the others queued).
        yield* lock.acquire();
        order.push("main");
        lock.release();
        const late = createTask(worker("late"));
        yield* asyncio.gather([...tasks, late]);
        return order;
      })());
      expect(order).toEqual(["a", "b", "c", "d", "e", "main", "late"]);
    });

    it("a waiter cancelled before it is woken leaves the queue; the others keep their order", async () => {
      await run((function* () {
        const lock = new Lock();
        const order: string[] = [];
        const worker = (name: string) =>
          createTask((function* () {
            yield* lock.acquire();
            order.push(name);
            lock.release();
          })());
        yield* lock.acquire();
        const a = worker("a");
        const b = worker("b");
        const c = worker("c");
        yield* ticks(1);
        b.cancel();
        yield* ticks(1);
        expect(b.cancelled()).toBe(true);
        lock.release();
        yield* asyncio.gather([a, c]);
        expect(order).toEqual(["a", "c"]);
        expect(lock.locked()).toBe(false);
        expect(String(lock)).toBe("<Lock [unlocked]>");
      })());
    });

    it("a waiter cancelled while being woken (after release(), before it ran) passes the lock on", async () => {
      await run((function* () {
        const lock = new Lock();
        const order: string[] = [];
        const worker = (name: string) =>
          createTask((function* () {
            yield* lock.acquire();
            try {
              order.push(name);
              yield* sleep(0);
            } finally {
              lock.release();
            }
          })());
        yield* lock.acquire();
        const b = worker("b");
        const c = worker("c");
        yield* ticks(2);
        lock.release(); // b's future is done: b is on its way
        b.cancel(); // ...and cancelled before it ran
        const d = worker("d");
        const [rb] = yield* asyncio.gather([b, c, d], { returnExceptions: true });
        expect(rb).toBeInstanceOf(CancelledError);
        expect(order).toEqual(["c", "d"]);
        expect(lock.locked()).toBe(false);
      })());
    });

    it("cancelling the woken head while the lock is held again does not wake anyone early", async () => {
      await run((function* () {
        const lock = new Lock();
        const order: string[] = [];
        yield* lock.acquire();
        const b = createTask((function* () {
          yield* lock.acquire();
          order.push("b");
          lock.release();
        })());
        const c = createTask((function* () {
          yield* lock.acquire();
          order.push("c");
          lock.release();
        })());
        yield* ticks(1);
        lock.release(); // wakes b
        b.cancel();
        // Someone else holds the lock when b's cancellation runs: c must wait for that release.
        const holder = createTask((function* () {
          yield* lock.acquire();
          order.push("holder");
          yield* ticks(3);
          lock.release();
        })());
        yield* asyncio.gather([b, c, holder], { returnExceptions: true });
        expect(order).toEqual(["c", "holder"]);
      })());
    });

    it("takes the lock at once when every queued waiter was cancelled", async () => {
      await run((function* () {
        const lock = new Lock();
        yield* lock.acquire();
        const w = createTask(lock.acquire()); // a bare acquire() coroutine as a task
        yield* ticks(1);
        w.cancel();
        lock.release();
        // w's cancellation has not run yet; its future is cancelled: jumping the queue is allowed.
        const log: string[] = [];
        asyncio.getRunningLoop().callSoon(() => log.push("callback"));
        yield* lock.acquire();
        log.push("acquired");
        expect(log).toEqual(["acquired"]);
        yield* ticks(1);
        expect(w.cancelled()).toBe(true);
        lock.release();
      })());
    });

    it("a task cancelled before its acquire() started never takes the lock", async () => {
      await run((function* () {
        const lock = new Lock();
        const t = createTask(lock.acquire());
        t.cancel();
        expect(yield* caught(t)).toBeInstanceOf(CancelledError);
        expect(lock.locked()).toBe(false);
      })());
    });

    it("closing a waiting acquire() with return() leaves the queue and passes a wakeup on", async () => {
      await run((function* () {
        const lock = new Lock();
        yield* lock.acquire();
        const op = lock.acquire();
        const first = op.next();
        expect(first.done).toBe(false);
        expect(first.value).toBeInstanceOf(asyncio.Future);
        const b = createTask(lock.acquire());
        yield* ticks(1);
        expect(String(lock)).toBe("<Lock [locked, waiters:2]>");
        lock.release(); // wakes op, which will never run
        expect(op.return(undefined as never)).toEqual({ value: undefined, done: true });
        expect(yield* b).toBe(true); // the wakeup went to b
        expect(String(lock)).toBe("<Lock [locked]>");
        expect(op.next()).toEqual({ value: undefined, done: true });
        lock.release();
        // throw() before the start finishes the coroutine without running it.
        const unstarted = lock.acquire();
        expect(() => unstarted.throw(new RangeError("x"))).toThrow(RangeError);
        expect(unstarted.next().done).toBe(true);
        expect(lock.locked()).toBe(false);
      })());
    });

    it("acquire() is lazy and each call is a distinct coroutine", async () => {
      await run((function* () {
        const lock = new Lock();
        const c1 = lock.acquire();
        expect(lock.locked()).toBe(false); // nothing ran yet
        const c2 = lock.acquire();
        expect(c1 === c2).toBe(false); // (never hand coroutines to expect(): it iterates them)
        const t1 = createTask(c1);
        const t2 = createTask(c2);
        yield* ticks(1);
        expect(t1.done()).toBe(true);
        expect(t2.done()).toBe(false);
        lock.release();
        expect(yield* t2).toBe(true);
        expect(lock.locked()).toBe(true);
        lock.release();
      })());
    });

    it("withLock runs the body holding the lock and releases however it ends", async () => {
      await run((function* () {
        const lock = new Lock();
        const value = yield* lock.withLock(function* () {
          expect(lock.locked()).toBe(true);
          yield* sleep(0);
          return 42;
        });
        expect(value).toBe(42);
        expect(lock.locked()).toBe(false);
        const error = yield* caught(
          lock.withLock(function* (): Coroutine<void> {
            yield* sleep(0);
            throw new RangeError("boom");
          }),
        );
        expect(error).toBeInstanceOf(RangeError);
        expect(lock.locked()).toBe(false);
        expect(() => lock.withLock(42 as never)).toThrow(TypeError);
        const notGen = yield* caught(lock.withLock((() => 1) as never));
        expect(String(notGen)).toMatch(/generator function/);
        expect(lock.locked()).toBe(false);
      })());
    });

    it("a cancelled withLock body releases the lock", async () => {
      await run((function* () {
        const lock = new Lock();
        const t = createTask(
          lock.withLock(function* () {
            yield* sleep(10);
          }),
        );
        yield* ticks(1);
        expect(lock.locked()).toBe(true);
        t.cancel();
        yield* caught(t);
        expect(lock.locked()).toBe(false);
      })());
    });

    it("is bound to the loop that first made it wait", async () => {
      const lock = new Lock();
      await run((function* () {
        yield* lock.acquire();
        const t = createTask(lock.acquire());
        yield* ticks(1);
        lock.release();
        yield* t;
        lock.release();
      })());
      await run((function* () {
        // The fast path needs no loop...
        yield* lock.acquire();
        // ...but waiting on another loop is refused.
        const error = yield* caught(lock.acquire());
        expect(String(error)).toMatch(/bound to a different event loop/);
        lock.release();
      })());
    });

    it("works as a plain Coroutine for createTask, gather and waitFor", async () => {
      await run((function* () {
        const lock = new Lock();
        yield* lock.acquire();
        const error = yield* caught(asyncio.waitFor(lock.acquire(), 0.01));
        expect(error).toBeInstanceOf(asyncio.TimeoutError);
        expect(String(lock)).toBe("<Lock [locked]>");
        lock.release();
        const [a] = yield* asyncio.gather([lock.acquire()]);
        expect(a).toBe(true);
        lock.release();
      })());
    });

    it("a stress of 50 tasks with random cancellations never strands the lock", async () => {
      await run((function* () {
        const lock = new Lock();
        let seed = 7;
        const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 1000) / 1000;
        let inside = 0;
        let entered = 0;
        const tasks = Array.from({ length: 50 }, () =>
          createTask((function* () {
            for (let i = 0; i < 20; i++) {
              yield* lock.acquire();
              try {
                inside++;
                expect(inside).toBe(1);
                entered++;
                yield* ticks(Math.floor(rand() * 3));
              } finally {
                inside--;
                lock.release();
              }
            }
          })()),
        );
        for (let round = 0; round < 30; round++) {
          yield* ticks(Math.floor(rand() * 4));
          const victim = tasks[Math.floor(rand() * tasks.length)]!;
          victim.cancel();
        }
        yield* asyncio.gather(tasks, { returnExceptions: true });
        expect(lock.locked()).toBe(false);
        expect(entered).toBeGreaterThan(0);
        // Still usable, fast path included.
        yield* lock.acquire();
        lock.release();
      })());
    });
  });

  describe("Event", () => {
    it("wait() blocks until set(); set wakes every waiter; clear() resets", async () => {
      await run((function* () {
        const event = new Event();
        expect(event.isSet()).toBe(false);
        const woken: number[] = [];
        const waiters = [1, 2, 3].map((i) =>
          createTask((function* () {
            expect(yield* event.wait()).toBe(true);
            woken.push(i);
          })()),
        );
        yield* ticks(2);
        expect(woken).toEqual([]);
        expect(String(event)).toBe("<Event [unset, waiters:3]>");
        event.set();
        event.set(); // idempotent
        expect(event.isSet()).toBe(true);
        yield* asyncio.gather(waiters);
        expect(woken).toEqual([1, 2, 3]);
        expect(yield* event.wait()).toBe(true); // set: at once
        event.clear();
        expect(event.isSet()).toBe(false);
        const again = createTask(event.wait());
        yield* ticks(2);
        expect(again.done()).toBe(false);
        event.set();
        expect(yield* again).toBe(true);
        expect(String(event)).toBe("<Event [set]>");
      })());
    });

    it("a cancelled waiter leaves; the others are still woken", async () => {
      await run((function* () {
        const event = new Event();
        const a = createTask(event.wait());
        const b = createTask(event.wait());
        yield* ticks(1);
        a.cancel();
        yield* ticks(1);
        expect(a.cancelled()).toBe(true);
        expect(String(event)).toBe("<Event [unset, waiters:1]>");
        event.set();
        expect(yield* b).toBe(true);
      })());
    });

    it("clear() right after set() does not take back the wakeup", async () => {
      await run((function* () {
        const event = new Event();
        const a = createTask(event.wait());
        yield* ticks(1);
        event.set();
        event.clear();
        expect(yield* a).toBe(true);
        expect(event.isSet()).toBe(false);
      })());
    });
  });

  describe("Condition", () => {
    it("wait() and notify() need the lock held", async () => {
      await run((function* () {
        const cond = new Condition();
        const error = yield* caught(cond.wait());
        expect(String(error)).toMatch(/cannot wait on un-acquired lock/);
        expect(() => cond.notify()).toThrow("cannot notify on un-acquired lock");
        expect(() => cond.notifyAll()).toThrow("cannot notify on un-acquired lock");
        yield* cond.acquire();
        expect(() => cond.notify("2" as never)).toThrow(TypeError);
        cond.release();
      })());
    });

    it("notify(n) wakes exactly n waiters in FIFO order; notifyAll wakes the rest", async () => {
      await run((function* () {
        const cond = new Condition();
        const woken: number[] = [];
        const tasks = [0, 1, 2, 3, 4].map((i) =>
          createTask((function* () {
            yield* cond.acquire();
            try {
              expect(yield* cond.wait()).toBe(true);
              expect(cond.locked()).toBe(true); // re-acquired
              woken.push(i);
            } finally {
              cond.release();
            }
          })()),
        );
        yield* ticks(2);
        expect(String(cond)).toBe("<Condition [unlocked, waiters:5]>");
        yield* cond.acquire();
        cond.notify(2);
        cond.release();
        yield* ticks(4);
        expect(woken).toEqual([0, 1]);
        yield* cond.acquire();
        cond.notify(); // default 1
        cond.release();
        yield* ticks(4);
        expect(woken).toEqual([0, 1, 2]);
        yield* cond.acquire();
        cond.notify(0);
        cond.notifyAll();
        cond.release();
        yield* asyncio.gather(tasks);
        expect(woken).toEqual([0, 1, 2, 3, 4]);
      })());
    });

    it("notify() skips waiters already notified but not yet running", async () => {
      await run((function* () {
        const cond = new Condition();
        const woken: number[] = [];
        const tasks = [0, 1, 2].map((i) =>
          createTask((function* () {
            yield* cond.withLock(function* () {
              yield* cond.wait();
              woken.push(i);
            });
          })()),
        );
        yield* ticks(2);
        yield* cond.acquire();
        cond.notify(1);
        cond.notify(1); // the first is notified already: this one wakes waiter 1
        cond.release();
        yield* ticks(4);
        expect(woken).toEqual([0, 1]);
        yield* cond.withLock(function* () {
          cond.notifyAll();
        });
        yield* asyncio.gather(tasks);
        expect(woken).toEqual([0, 1, 2]);
      })());
    });

    it("waitFor() re-checks its predicate after each wakeup and gives its value", async () => {
      await run((function* () {
        const cond = new Condition();
        const items: number[] = [];
        let checks = 0;
        const consumer = createTask((function* () {
          yield* cond.acquire();
          try {
            return yield* cond.waitFor(() => {
              checks++;
              return items.length >= 2 ? items.slice() : null;
            });
          } finally {
            cond.release();
          }
        })());
        for (const x of [10, 20]) {
          yield* ticks(1);
          yield* cond.acquire();
          items.push(x);
          cond.notifyAll();
          cond.release();
        }
        expect(yield* consumer).toEqual([10, 20]);
        expect(checks).toBe(3);
        // Already true: no wait at all.
        yield* cond.acquire();
        expect(yield* cond.waitFor(() => "yes")).toBe("yes");
        expect(() => cond.waitFor(5 as never).next()).toThrow(TypeError);
        cond.release();
      })());
    });

    it("shares a lock given to the constructor", async () => {
      await run((function* () {
        const lock = new Lock();
        const c1 = new Condition(lock);
        const c2 = new Condition(lock);
        expect(() => new Condition({} as never)).toThrow(TypeError);
        yield* lock.acquire();
        expect(c1.locked()).toBe(true);
        expect(c2.locked()).toBe(true);
        const waiter = createTask((function* () {
          yield* c1.acquire();
          try {
            yield* c1.wait();
            return lock.locked();
          } finally {
            c1.release();
          }
        })());
        lock.release();
        yield* ticks(2);
        expect(lock.locked()).toBe(false); // released by c1.wait()
        yield* c2.acquire(); // the same lock
        c2.notifyAll(); // c2's waiters only: nobody
        c1.notify();
        lock.release();
        expect(yield* waiter).toBe(true);
        expect(lock.locked()).toBe(false);
      })());
    });

    it("a cancelled wait() re-acquires the lock before raising", async () => {
      await run((function* () {
        const cond = new Condition();
        const log: string[] = [];
        const waiter = createTask((function* () {
          yield* cond.acquire();
          try {
            yield* cond.wait();
          } catch (error) {
            log.push(`caught ${(error as Error).name} locked=${cond.locked()}`);
            throw error;
          } finally {
            cond.release();
            log.push("released");
          }
        })());
        yield* ticks(2);
        // Hold the lock, then cancel the waiter: it must wait for the lock before it raises.
        yield* cond.acquire();
        waiter.cancel();
        yield* ticks(3);
        expect(log).toEqual([]);
        expect(waiter.done()).toBe(false);
        cond.release();
        yield* caught(waiter);
        expect(waiter.cancelled()).toBe(true);
        expect(log).toEqual(["caught CancelledError locked=true", "released"]);
        expect(cond.locked()).toBe(false);
      })());
    });

    it("a cancellation during the re-acquire is re-raised after the lock is taken", async () => {
      await run((function* () {
        const cond = new Condition();
        let lockedInCatch: boolean | null = null;
        const waiter = createTask((function* () {
          yield* cond.acquire();
          try {
            yield* cond.wait();
          } catch (error) {
            lockedInCatch = cond.locked();
            throw error;
          } finally {
            cond.release();
          }
        })());
        yield* ticks(2);
        yield* cond.acquire();
        cond.notify();
        yield* ticks(2); // the waiter now waits for the lock (re-acquire)
        waiter.cancel("twice");
        yield* ticks(2);
        expect(waiter.done()).toBe(false);
        cond.release();
        const error = yield* caught(waiter);
        expect(error).toBeInstanceOf(CancelledError);
        expect(lockedInCatch).toBe(true);
        expect(cond.locked()).toBe(false);
      })());
    });

    it("a notified waiter cancelled before it ran hands the notification to another", async () => {
      await run((function* () {
        const cond = new Condition();
        const woken: string[] = [];
        const make = (name: string) =>
          createTask((function* () {
            yield* cond.withLock(function* () {
              yield* cond.wait();
              woken.push(name);
            });
          })());
        const a = make("a");
        const b = make("b");
        yield* ticks(2);
        yield* cond.acquire();
        cond.notify(1); // a
        cond.release();
        a.cancel();
        yield* ticks(6);
        expect(a.cancelled()).toBe(true);
        expect(woken).toEqual(["b"]);
        yield* b;
      })());
    });
  });

  describe("Semaphore", () => {
    it("validates its value", () => {
      expect(() => new Semaphore(-1)).toThrow(RangeError);
      expect(() => new Semaphore(-1)).toThrow("Semaphore initial value must be >= 0");
      expect(() => new Semaphore(1.5)).toThrow(RangeError);
      expect(() => new Semaphore("2" as never)).toThrow(TypeError);
      expect(() => new BoundedSemaphore(-3)).toThrow(RangeError);
      expect(new Semaphore(0).locked()).toBe(true);
      expect(new Semaphore().locked()).toBe(false);
    });

    it("limits concurrency to its value, FIFO", async () => {
      await run((function* () {
        const sem = new Semaphore(2);
        let inside = 0;
        let peak = 0;
        const order: number[] = [];
        const tasks = Array.from({ length: 8 }, (_, i) =>
          createTask((function* () {
            yield* sem.acquire();
            try {
              order.push(i);
              inside++;
              peak = Math.max(peak, inside);
              yield* ticks(2);
            } finally {
              inside--;
              sem.release();
            }
          })()),
        );
        yield* asyncio.gather(tasks);
        expect(peak).toBe(2);
        expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        expect(String(sem)).toBe("<Semaphore [unlocked, value:2]>");
      })());
    });

    it("locked() stays true while a woken waiter has not run (no overtaking)", async () => {
      await run((function* () {
        const sem = new Semaphore(1);
        yield* sem.acquire();
        const order: string[] = [];
        const a = createTask((function* () {
          yield* sem.acquire();
          order.push("a");
          sem.release();
        })());
        yield* ticks(1);
        sem.release(); // reserved for a
        expect(sem.locked()).toBe(true);
        const late = createTask((function* () {
          yield* sem.acquire();
          order.push("late");
          sem.release();
        })());
        yield* asyncio.gather([a, late]);
        expect(order).toEqual(["a", "late"]);
      })());
    });

    it("a waiter cancelled after release() chose it gives the permit to the next", async () => {
      await run((function* () {
        const sem = new Semaphore(0);
        const got: string[] = [];
        const make = (name: string) =>
          createTask((function* () {
            yield* sem.acquire();
            got.push(name);
          })());
        const a = make("a");
        const b = make("b");
        const c = make("c");
        yield* ticks(1);
        expect(String(sem)).toBe("<Semaphore [locked, waiters:3]>");
        sem.release(); // a
        a.cancel();
        b.cancel(); // before wake: just leaves
        yield* ticks(3);
        expect(got).toEqual(["c"]);
        expect(a.cancelled() && b.cancelled()).toBe(true);
        expect(sem._value).toBe(0);
        sem.release();
        expect(sem.locked()).toBe(false);
        yield* c;
      })());
    });

    it("release() wakes as many waiters as permits allow", async () => {
      await run((function* () {
        const sem = new Semaphore(0);
        const tasks = [1, 2, 3].map(() => createTask(sem.acquire()));
        yield* ticks(1);
        sem.release();
        sem.release();
        yield* ticks(2);
        expect(tasks.map((t) => t.done())).toEqual([true, true, false]);
        sem.release();
        yield* asyncio.gather(tasks);
      })());
    });

    it("withLock holds a permit", async () => {
      await run((function* () {
        const sem = new Semaphore(1);
        const r = yield* sem.withLock(function* () {
          expect(sem.locked()).toBe(true);
          return "ok";
        });
        expect(r).toBe("ok");
        expect(sem.locked()).toBe(false);
      })());
    });

    it("BoundedSemaphore refuses a release above its initial value", async () => {
      await run((function* () {
        const sem = new BoundedSemaphore(2);
        expect(() => sem.release()).toThrow(RangeError);
        expect(() => sem.release()).toThrow("BoundedSemaphore released too many times");
        yield* sem.acquire();
        sem.release();
        expect(() => sem.release()).toThrow("BoundedSemaphore released too many times");
        expect(String(sem)).toBe("<BoundedSemaphore [unlocked, value:2]>");
      })());
    });
  });

  describe("Barrier", () => {
    it("validates parties", () => {
      expect(() => new Barrier(0)).toThrow(RangeError);
      expect(() => new Barrier(0)).toThrow("parties must be >= 1");
      expect(() => new Barrier(-2)).toThrow(RangeError);
      expect(() => new Barrier("3" as never)).toThrow(TypeError);
      expect(new Barrier(3).parties).toBe(3);
    });

    it("lets parties through together, gives arrival indices, and refills for the next round", async () => {
      await run((function* () {
        const barrier = new Barrier(3);
        const log: string[] = [];
        const party = (name: string) =>
          createTask((function* () {
            const indices: number[] = [];
            for (let round = 0; round < 2; round++) {
              log.push(`${name} arrives ${round}`);
              indices.push(yield* barrier.wait());
              log.push(`${name} passes ${round}`);
            }
            return indices;
          })());
        const a = party("a");
        const b = party("b");
        yield* ticks(3);
        expect(barrier.nWaiting).toBe(2);
        expect(log.some((l) => l.includes("passes"))).toBe(false);
        expect(String(barrier)).toBe("<Barrier [filling, waiters:2/3]>");
        const c = party("c");
        const [ia, ib, ic] = yield* asyncio.gather([a, b, c]);
        // Index = arrival order within each round.
        expect(ia![0]).toBe(0);
        expect(ib![0]).toBe(1);
        expect(ic![0]).toBe(2);
        expect([ia![1], ib![1], ic![1]].sort()).toEqual([0, 1, 2]);
        // Nobody passes round 0 before all three arrived.
        const firstPass = log.findIndex((l) => l.includes("passes 0"));
        expect(log.slice(0, firstPass).filter((l) => l.includes("arrives 0"))).toHaveLength(3);
        expect(barrier.nWaiting).toBe(0);
        expect(barrier.broken).toBe(false);
      })());
    });

    it("a barrier of one never blocks", async () => {
      await run((function* () {
        const barrier = new Barrier(1);
        expect(yield* barrier.wait()).toBe(0);
        expect(yield* barrier.wait()).toBe(0);
      })());
    });

    it("abort() breaks it: waiters and later wait() calls raise BrokenBarrierError until reset()", async () => {
      await run((function* () {
        const barrier = new Barrier(3);
        const a = createTask(barrier.wait());
        const b = createTask(barrier.wait());
        yield* ticks(3);
        yield* barrier.abort();
        const results = yield* asyncio.gather([a, b], { returnExceptions: true });
        expect(results[0]).toBeInstanceOf(BrokenBarrierError);
        expect(results[1]).toBeInstanceOf(BrokenBarrierError);
        expect(barrier.broken).toBe(true);
        expect(barrier.nWaiting).toBe(0);
        expect(String(barrier)).toBe("<Barrier [broken]>");
        expect(yield* caught(barrier.wait())).toBeInstanceOf(BrokenBarrierError);
        yield* barrier.reset();
        expect(barrier.broken).toBe(false);
        const [x, y, z] = yield* asyncio.gather([barrier.wait(), barrier.wait(), barrier.wait()]);
        expect([x, y, z].sort()).toEqual([0, 1, 2]);
      })());
    });

    it("reset() with waiters makes them raise BrokenBarrierError and leaves it usable", async () => {
      await run((function* () {
        const barrier = new Barrier(2);
        const a = createTask(barrier.wait());
        yield* ticks(3);
        expect(barrier.nWaiting).toBe(1);
        yield* barrier.reset();
        expect(yield* caught(a)).toBeInstanceOf(BrokenBarrierError);
        expect(barrier.broken).toBe(false);
        expect(barrier.nWaiting).toBe(0);
        const [i, j] = yield* asyncio.gather([barrier.wait(), barrier.wait()]);
        expect([i, j].sort()).toEqual([0, 1]);
      })());
    });

    it("a cancelled waiter leaves the count; the barrier still works", async () => {
      await run((function* () {
        const barrier = new Barrier(2);
        const a = createTask(barrier.wait());
        yield* ticks(3);
        expect(barrier.nWaiting).toBe(1);
        a.cancel();
        yield* caught(a);
        expect(barrier.nWaiting).toBe(0);
        const [i, j] = yield* asyncio.gather([barrier.wait(), barrier.wait()]);
        expect([i, j].sort()).toEqual([0, 1]);
      })());
    });
  });
});
