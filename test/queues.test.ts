import { describe, expect, it } from "vitest";
import * as asyncio from "../src/index.js";
import type { Coroutine } from "../src/index.js";
import { CORES, runOn } from "./helpers.js";
import { Deque } from "../src/mixins.js";

const { sleep, createTask, CancelledError, Queue, PriorityQueue, LifoQueue, QueueEmpty, QueueFull, QueueShutDown } = asyncio;

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

function drain<T>(queue: asyncio.Queue<T>): T[] {
  const out: T[] = [];
  while (!queue.empty()) out.push(queue.getNowait());
  return out;
}

/** A small deterministic PRNG (tests must not depend on Math.random). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) % 10007) / 10007;
}

describe.each(CORES)("queues on the %s core", (core) => {
  const run = <T>(coro: Coroutine<T>, reports?: asyncio.ExceptionContext[]) => runOn(core, coro, reports);

  describe("construction and the non-blocking API", () => {
    it("validates maxsize; <= 0 is unbounded", () => {
      expect(() => new Queue("3" as never)).toThrow(TypeError);
      expect(() => new Queue(null as never)).toThrow(TypeError);
      expect(() => new Queue(Number.NaN)).toThrow(TypeError);
      expect(() => new PriorityQueue({} as never)).toThrow(TypeError);
      expect(() => new LifoQueue("x" as never)).toThrow(TypeError);
      expect(() => new PriorityQueue(0, { compare: 3 as never })).toThrow(TypeError);
      const q = new Queue<number>(-1);
      expect(q.maxsize).toBe(-1);
      for (let i = 0; i < 100; i++) q.putNowait(i);
      expect(q.full()).toBe(false);
      expect(new Queue().maxsize).toBe(0);
      expect(new Queue(5).maxsize).toBe(5);
    });

    it("putNowait/getNowait, QueueFull/QueueEmpty, qsize/empty/full", () => {
      // No loop is needed for the non-blocking API.
      const q = new Queue<string>(2);
      expect(q.empty()).toBe(true);
      expect(() => q.getNowait()).toThrow(QueueEmpty);
      q.putNowait("a");
      q.putNowait("b");
      expect(q.full()).toBe(true);
      expect(q.qsize()).toBe(2);
      expect(() => q.putNowait("c")).toThrow(QueueFull);
      expect(q.qsize()).toBe(2);
      expect(String(q)).toBe("<Queue maxsize=2 size=2 tasks=2>");
      expect(q.getNowait()).toBe("a");
      expect(q.getNowait()).toBe("b");
      expect(q.empty()).toBe(true);
      expect(q.full()).toBe(false);
    });
  });

  describe("ordering", () => {
    it("Queue is FIFO, across ring wrap-around, growth and shrinking", async () => {
      await run((function* () {
        const q = new Queue<number>();
        let next = 0;
        let expected = 0;
        // Interleave puts and gets so the ring's head wraps, then grow to 5000 and drain.
        for (let round = 0; round < 50; round++) {
          for (let i = 0; i < 7; i++) yield* q.put(next++);
          for (let i = 0; i < 5; i++) expect(yield* q.get()).toBe(expected++);
        }
        for (let i = 0; i < 5000; i++) q.putNowait(next++);
        while (!q.empty()) expect(q.getNowait()).toBe(expected++);
        expect(expected).toBe(next);
        for (let i = 0; i < 3; i++) q.putNowait(next++);
        expect(drain(q)).toEqual([next - 3, next - 2, next - 1]);
      })());
    });

    it("LifoQueue gives the newest item first", async () => {
      await run((function* () {
        const q = new LifoQueue<number>();
        for (const x of [1, 2, 3]) yield* q.put(x);
        expect(yield* q.get()).toBe(3);
        yield* q.put(4);
        expect(drain(q)).toEqual([4, 2, 1]);
      })());
    });

    it("PriorityQueue gives the lowest first: numbers, strings, bigints, Dates", async () => {
      await run((function* () {
        const rand = lcg(3);
        const nums = new PriorityQueue<number>();
        const values = Array.from({ length: 500 }, () => Math.floor(rand() * 1000) - 500);
        for (const v of values) yield* nums.put(v);
        const out: number[] = [];
        while (!nums.empty()) out.push(yield* nums.get());
        expect(out).toEqual([...values].sort((a, b) => a - b));

        const strs = new PriorityQueue<string>();
        for (const s of ["pear", "apple", "fig", "Banana", "apple2"]) strs.putNowait(s);
        expect(drain(strs)).toEqual(["Banana", "apple", "apple2", "fig", "pear"]);

        const big = new PriorityQueue<bigint | number>();
        for (const b of [10n ** 20n, 3, -(10n ** 20n), 2.5, 0n]) big.putNowait(b);
        expect(drain(big)).toEqual([-(10n ** 20n), 0n, 2.5, 3, 10n ** 20n]);

        const dates = new PriorityQueue<Date>();
        for (const t of [3000, 1000, 2000]) dates.putNowait(new Date(t));
        expect(drain(dates).map((d) => d.getTime())).toEqual([1000, 2000, 3000]);
      })());
    });

    it("PriorityQueue compares arrays like Python tuples; ties keep insertion order", async () => {
      await run((function* () {
        const q = new PriorityQueue<[number, string] | [number, string, number] | [number]>();
        q.putNowait([2, "b"]);
        q.putNowait([1, "z"]);
        q.putNowait([2, "a"]);
        q.putNowait([1, "z", 0]); // longer: after its prefix
        q.putNowait([0]);
        q.putNowait([1, "y"]);
        expect(drain(q)).toEqual([[0], [1, "y"], [1, "z"], [1, "z", 0], [2, "a"], [2, "b"]]);

        // [priority, object]: objects tie with each other, so equal priorities come out FIFO.
        type Job = { id: number };
        const jobs = new PriorityQueue<[number, Job]>();
        const rand = lcg(11);
        const put: [number, Job][] = [];
        for (let id = 0; id < 200; id++) {
          const entry: [number, Job] = [Math.floor(rand() * 5), { id }];
          put.push(entry);
          yield* jobs.put(entry);
        }
        const got = drain(jobs);
        const expected = [...put].sort((a, b) => a[0] - b[0] || a[1].id - b[1].id);
        expect(got.map(([p, j]) => `${p}:${j.id}`)).toEqual(expected.map(([p, j]) => `${p}:${j.id}`));
      })());
    });

    it("PriorityQueue refuses incomparable items without changing the queue", async () => {
      await run((function* () {
        const q = new PriorityQueue<unknown>();
        q.putNowait(1);
        q.putNowait(5);
        expect(() => q.putNowait("x")).toThrow(TypeError);
        const error = yield* caught(q.put([1]));
        expect(error).toBeInstanceOf(TypeError);
        expect(q.qsize()).toBe(2);
        expect(String(q)).toBe("<PriorityQueue maxsize=0 size=2 tasks=2>");
        expect(drain(q)).toEqual([1, 5]);
        const tuples = new PriorityQueue<[number, unknown]>();
        tuples.putNowait([1, 2]);
        expect(() => tuples.putNowait([1, "two"])).toThrow(/not supported between string and number/);
        expect(tuples.qsize()).toBe(1);
      })());
    });

    it("PriorityQueue takes a custom comparator (ties still FIFO)", async () => {
      await run((function* () {
        type Item = { name: string; weight: number };
        const q = new PriorityQueue<Item>(0, { compare: (a, b) => b.weight - a.weight }); // heaviest first
        for (const [name, weight] of [["a", 1], ["b", 3], ["c", 2], ["d", 3], ["e", 1]] as const) q.putNowait({ name, weight });
        expect(drain(q).map((i) => i.name)).toEqual(["b", "d", "c", "a", "e"]);
      })());
    });

    it("PriorityQueue keeps the heap property under random interleaved puts and gets", async () => {
      await run((function* () {
        const rand = lcg(5);
        const q = new PriorityQueue<number>();
        const model: number[] = [];
        for (let i = 0; i < 3000; i++) {
          if (model.length === 0 || rand() < 0.55) {
            const v = Math.floor(rand() * 100);
            q.putNowait(v);
            model.push(v);
          } else {
            model.sort((a, b) => a - b);
            expect(q.getNowait()).toBe(model.shift());
          }
          if (i % 500 === 0) yield* sleep(0);
        }
        expect(drain(q)).toEqual(model.sort((a, b) => a - b));
      })());
    });
  });

  describe("blocking put and get", () => {
    it("get() on a non-empty queue and put() on a non-full one do not suspend", async () => {
      await run((function* () {
        const q = new Queue<number>(2);
        const log: string[] = [];
        asyncio.getRunningLoop().callSoon(() => log.push("callback"));
        yield* q.put(1);
        yield* q.put(2);
        expect(yield* q.get()).toBe(1);
        log.push("done");
        yield* sleep(0);
        expect(log).toEqual(["done", "callback"]);
      })());
    });

    it("get() waits for a put; put() waits for room; both wake in FIFO order", async () => {
      await run((function* () {
        const q = new Queue<string>(1);
        const got: string[] = [];
        const getters = [0, 1, 2].map((i) =>
          createTask((function* () {
            got.push(`${i}:${yield* q.get()}`);
          })()),
        );
        yield* ticks(1);
        expect(String(q)).toBe("<Queue maxsize=1 size=0 getters[3]>");
        for (const x of ["a", "b", "c"]) yield* q.put(x);
        yield* asyncio.gather(getters);
        expect(got).toEqual(["0:a", "1:b", "2:c"]);

        q.putNowait("full");
        const putters = ["p", "q", "r"].map((x) => createTask(q.put(x)));
        yield* ticks(1);
        expect(putters.some((t) => t.done())).toBe(false);
        const order: string[] = [];
        for (let i = 0; i < 4; i++) order.push(yield* q.get());
        expect(order).toEqual(["full", "p", "q", "r"]);
        yield* asyncio.gather(putters);
      })());
    });

    it("a get cancelled after a put woke it leaves the item for the next getter", async () => {
      await run((function* () {
        const q = new Queue<string>();
        const g1 = createTask(q.get()); // the bare coroutine object as a task
        const g2 = createTask((function* () {
          return yield* q.get();
        })());
        yield* ticks(1);
        q.putNowait("x"); // wakes g1
        g1.cancel(); // before g1 ran
        const [r1, r2] = yield* asyncio.gather([g1, g2], { returnExceptions: true });
        expect(r1).toBeInstanceOf(CancelledError);
        expect(r2).toBe("x");
        expect(q.empty()).toBe(true);
      })());
    });

    it("a get cancelled while waiting leaves the getters; the item goes to the next", async () => {
      await run((function* () {
        const q = new Queue<number>();
        const g1 = createTask(q.get());
        const g2 = createTask(q.get());
        yield* ticks(1);
        g1.cancel("stop");
        const error = yield* caught(g1);
        expect(error).toBeInstanceOf(CancelledError);
        expect((error as Error).message).toBe("stop");
        expect(String(q)).toBe("<Queue maxsize=0 size=0 getters[1]>");
        q.putNowait(7);
        expect(yield* g2).toBe(7);
        expect(g1.cancelled()).toBe(true);
      })());
    });

    it("a get cancelled before it started takes nothing; a closed get leaves the getters", async () => {
      await run((function* () {
        const q = new Queue<number>();
        q.putNowait(1);
        const t = createTask(q.get());
        t.cancel();
        expect(yield* caught(t)).toBeInstanceOf(CancelledError);
        expect(q.qsize()).toBe(1);
        q.getNowait();
        const op = q.get();
        expect(op.next().done).toBe(false); // waiting
        expect(String(q)).toBe("<Queue maxsize=0 size=0 getters[1] tasks=1>");
        op.return(undefined as never);
        expect(String(q)).toBe("<Queue maxsize=0 size=0 tasks=1>");
        q.putNowait(2);
        expect(yield* q.get()).toBe(2);
      })());
    });

    it("waitFor(queue.get(), timeout) times out without losing a later item", async () => {
      await run((function* () {
        const q = new Queue<number>();
        expect(yield* caught(asyncio.waitFor(q.get(), 0.005))).toBeInstanceOf(asyncio.TimeoutError);
        q.putNowait(1);
        expect(yield* asyncio.waitFor(q.get(), 1)).toBe(1);
      })());
    });

    it("a cancelled put does not insert its item", async () => {
      await run((function* () {
        const q = new Queue<string>(1);
        q.putNowait("first");
        const p = createTask(q.put("never"));
        yield* ticks(1);
        p.cancel();
        yield* caught(p);
        expect(p.cancelled()).toBe(true);
        expect(q.qsize()).toBe(1);
        expect(drain(q)).toEqual(["first"]);
        expect(String(q)).toBe("<Queue maxsize=1 size=0 tasks=1>");
      })());
    });

    it("a put cancelled after a get woke it does not insert, and the next putter gets the slot", async () => {
      await run((function* () {
        const q = new Queue<string>(1);
        q.putNowait("first");
        const p1 = createTask(q.put("p1"));
        const p2 = createTask(q.put("p2"));
        yield* ticks(1);
        expect(q.getNowait()).toBe("first"); // wakes p1
        p1.cancel(); // before p1 ran
        const [r1] = yield* asyncio.gather([p1, p2], { returnExceptions: true });
        expect(r1).toBeInstanceOf(CancelledError);
        expect(drain(q)).toEqual(["p2"]);
      })());
    });

    it("put and get block properly on a bounded PriorityQueue and LifoQueue", async () => {
      await run((function* () {
        const pq = new PriorityQueue<number>(2);
        const producer = createTask((function* () {
          for (const x of [5, 1, 4, 2, 3]) yield* pq.put(x);
        })());
        yield* ticks(2);
        expect(pq.full()).toBe(true);
        const got: number[] = [];
        while (got.length < 5) got.push(yield* pq.get());
        yield* producer;
        expect(got).toEqual([1, 5, 2, 4, 3]);

        const lq = new LifoQueue<number>(1);
        const t = createTask((function* () {
          for (const x of [1, 2, 3]) yield* lq.put(x);
        })());
        const out: number[] = [];
        for (let i = 0; i < 3; i++) out.push(yield* lq.get());
        yield* t;
        expect(out).toEqual([1, 2, 3]);
      })());
    });

    it("get() is lazy: createTask(queue.get()) takes its item when the task runs", async () => {
      await run((function* () {
        const q = new Queue<number>();
        q.putNowait(1);
        const g = q.get();
        expect(q.qsize()).toBe(1);
        const t = createTask(g);
        expect(q.qsize()).toBe(1);
        expect(yield* t).toBe(1);
        expect(q.qsize()).toBe(0);
      })());
    });

    it("is bound to the loop that first made it wait", async () => {
      const q = new Queue<number>();
      await run((function* () {
        const t = createTask(q.get());
        yield* ticks(1);
        q.putNowait(1);
        yield* t;
      })());
      await run((function* () {
        q.putNowait(2);
        expect(yield* q.get()).toBe(2); // no wait: fine on any loop
        expect(String(yield* caught(q.get()))).toMatch(/bound to a different event loop/);
      })());
    });
  });

  describe("join and taskDone", () => {
    it("join() waits until every item put was marked done", async () => {
      await run((function* () {
        const q = new Queue<number>();
        yield* q.join(); // nothing unfinished: at once
        for (let i = 0; i < 3; i++) q.putNowait(i);
        let joined = false;
        const joiner = createTask((function* () {
          yield* q.join();
          joined = true;
        })());
        const done: number[] = [];
        for (let i = 0; i < 3; i++) {
          done.push(yield* q.get());
          yield* ticks(1);
          expect(joined).toBe(false);
          q.taskDone();
        }
        yield* joiner;
        expect(joined).toBe(true);
        expect(done).toEqual([0, 1, 2]);
        expect(() => q.taskDone()).toThrow(RangeError);
        expect(() => q.taskDone()).toThrow("task_done() called too many times");
      })());
    });

    it("a put after a join started keeps the join waiting", async () => {
      await run((function* () {
        const q = new Queue<number>();
        q.putNowait(1);
        const joiner = createTask(q.join());
        yield* ticks(1);
        q.getNowait();
        q.putNowait(2);
        q.taskDone();
        yield* ticks(2);
        expect(joiner.done()).toBe(false);
        q.getNowait();
        q.taskDone();
        yield* joiner;
      })());
    });
  });

  describe("shutdown (Python 3.13)", () => {
    it("shutdown(): puts raise, gets drain what is left then raise, blocked getters raise", async () => {
      await run((function* () {
        const q = new Queue<number>();
        const blocked = [createTask(q.get()), createTask(q.get())];
        yield* ticks(1);
        q.shutdown();
        const results = yield* asyncio.gather(blocked, { returnExceptions: true });
        expect(results[0]).toBeInstanceOf(QueueShutDown);
        expect(results[1]).toBeInstanceOf(QueueShutDown);
        expect(() => q.putNowait(1)).toThrow(QueueShutDown);
        expect(yield* caught(q.put(1))).toBeInstanceOf(QueueShutDown);
        expect(String(q)).toBe("<Queue maxsize=0 size=0 shutdown>");

        const q2 = new Queue<number>();
        q2.putNowait(1);
        q2.putNowait(2);
        q2.shutdown(false);
        expect(yield* q2.get()).toBe(1);
        expect(q2.getNowait()).toBe(2);
        expect(() => q2.getNowait()).toThrow(QueueShutDown);
        expect(yield* caught(q2.get())).toBeInstanceOf(QueueShutDown);
        // Items got before the shutdown still need taskDone for join().
        const joiner = createTask(q2.join());
        yield* ticks(1);
        expect(joiner.done()).toBe(false);
        q2.taskDone();
        q2.taskDone();
        yield* joiner;
      })());
    });

    it("shutdown() wakes blocked putters, which raise QueueShutDown and insert nothing", async () => {
      await run((function* () {
        const q = new Queue<string>(1);
        q.putNowait("kept");
        const putters = [createTask(q.put("a")), createTask(q.put("b"))];
        yield* ticks(1);
        q.shutdown();
        const results = yield* asyncio.gather(putters, { returnExceptions: true });
        expect(results.every((r) => r instanceof QueueShutDown)).toBe(true);
        expect(drain(q)).toEqual(["kept"]);
      })());
    });

    it("shutdown(true) drains the queue, counts dropped items done, releases join()", async () => {
      await run((function* () {
        const q = new Queue<number>(3);
        for (let i = 0; i < 3; i++) q.putNowait(i);
        const putter = createTask(q.put(99));
        const joiner = createTask(q.join());
        yield* ticks(1);
        q.shutdown(true);
        expect(q.empty()).toBe(true);
        expect(yield* caught(putter)).toBeInstanceOf(QueueShutDown);
        yield* joiner; // all three dropped items count as done
        expect(() => q.getNowait()).toThrow(QueueShutDown);
        expect(yield* caught(q.get())).toBeInstanceOf(QueueShutDown);
        expect(() => q.taskDone()).toThrow(RangeError);
      })());
    });

    it("shutdown(true) with items got but not done keeps join() waiting for them", async () => {
      await run((function* () {
        const q = new Queue<number>();
        for (let i = 0; i < 4; i++) q.putNowait(i);
        q.getNowait(); // in progress, not done
        const getter = createTask((function* () {
          yield* q.get();
          return yield* q.get();
        })());
        yield* ticks(1); // getter took two items
        expect(getter.done()).toBe(true);
        const joiner = createTask(q.join());
        q.shutdown(true); // drops the last one
        yield* ticks(1);
        expect(joiner.done()).toBe(false);
        q.taskDone();
        q.taskDone();
        yield* ticks(1);
        expect(joiner.done()).toBe(false);
        q.taskDone();
        yield* joiner;
      })());
    });

    it("shutdown(true) wakes blocked getters with QueueShutDown", async () => {
      await run((function* () {
        const q = new LifoQueue<number>();
        const g = createTask(q.get());
        yield* ticks(1);
        q.shutdown(true);
        expect(yield* caught(g)).toBeInstanceOf(QueueShutDown);
      })());
    });
  });

  describe("stress", () => {
    it("100 tasks on a bounded queue: every item put is got exactly once", async () => {
      await run((function* () {
        const q = new Queue<number>(7);
        const rand = lcg(42);
        const PER = 200;
        const got = new Map<number, number>();
        const producers = Array.from({ length: 50 }, (_, p) =>
          createTask((function* () {
            for (let i = 0; i < PER; i++) {
              yield* q.put(p * PER + i);
              if (rand() < 0.3) yield* ticks(1 + Math.floor(rand() * 3));
            }
          })()),
        );
        const consumers = Array.from({ length: 50 }, () =>
          createTask((function* () {
            for (;;) {
              const item = yield* q.get();
              got.set(item, (got.get(item) ?? 0) + 1);
              q.taskDone();
              if (rand() < 0.3) yield* ticks(1 + Math.floor(rand() * 3));
            }
          })()),
        );
        yield* asyncio.gather(producers);
        yield* q.join();
        q.shutdown();
        const ends = yield* asyncio.gather(consumers, { returnExceptions: true });
        expect(ends.every((e) => e instanceof QueueShutDown)).toBe(true);
        expect(got.size).toBe(50 * PER);
        expect([...got.values()].every((n) => n === 1)).toBe(true);
      })());
    });

    it("with random cancellations of getters and putters, no item is lost or duplicated", async () => {
      await run((function* () {
        const q = new Queue<number>(5);
        const rand = lcg(9);
        const got: number[] = [];
        const inserted: number[] = [];
        let next = 0;
        const tasks: asyncio.Task<unknown>[] = [];
        for (let i = 0; i < 50; i++) {
          tasks.push(
            createTask((function* () {
              for (;;) {
                const item = next++;
                yield* q.put(item);
                inserted.push(item);
                yield* ticks(Math.floor(rand() * 2));
              }
            })()),
          );
          tasks.push(
            createTask((function* () {
              for (;;) {
                got.push(yield* q.get());
                yield* ticks(Math.floor(rand() * 2));
              }
            })()),
          );
        }
        for (let round = 0; round < 200; round++) {
          yield* ticks(1);
          tasks[Math.floor(rand() * tasks.length)]!.cancel();
        }
        for (const t of tasks) t.cancel();
        yield* asyncio.gather(tasks, { returnExceptions: true });
        const all = [...got, ...drain(q)].sort((a, b) => a - b);
        expect(all).toEqual([...inserted].sort((a, b) => a - b));
        expect(new Set(all).size).toBe(all.length);
        expect(got.length).toBeGreaterThan(100);
      })());
    });
  });
});

describe("Deque (the internal ring behind waiters and Queue)", () => {
  it("matches an array model under random push/shift/remove, across growth and shrinking", () => {
    const rand = lcg(77);
    const deque = new Deque<number>();
    const model: number[] = [];
    let next = 0;
    for (let step = 0; step < 20000; step++) {
      // Phases of growth and drain so the ring both grows past and shrinks below its floor.
      const growing = Math.floor(step / 2500) % 2 === 0;
      const r = rand();
      if (r < (growing ? 0.6 : 0.3)) {
        deque.push(next);
        model.push(next++);
      } else if (r < 0.9) {
        expect(deque.shift()).toBe(model.shift());
      } else if (model.length > 0) {
        const victim = model[Math.floor(rand() * model.length)]!;
        expect(deque.remove(victim)).toBe(true);
        model.splice(model.indexOf(victim), 1);
        expect(deque.remove(-1)).toBe(false);
      }
      expect(deque.length).toBe(model.length);
      expect(deque.peek()).toBe(model[0]);
      if (step % 997 === 0) for (let i = 0; i < model.length; i++) expect(deque.at(i)).toBe(model[i]);
    }
  });
});
