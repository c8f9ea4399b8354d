// The two loop cores against a plain model of a FIFO ready queue and a (when, seq) timer heap,
// under random interleavings of pushes, drains, timers, removals and due-pops: the staging
// regions, their overflow into the WASM ring and the batch swaps must never reorder or lose an id.
import { describe, expect, it } from "vitest";
import { JsCore } from "../src/core/js-core.js";
import { WasmCore } from "../src/core/wasm-core.js";
import type { LoopCore } from "../src/core/loop-core.js";
import { prng } from "./helpers.js";

const makers: [string, () => LoopCore][] = [
  ["wasm", () => new WasmCore()],
  ["js", () => new JsCore()],
];

interface ModelTimer {
  id: number;
  when: number;
  seq: number;
}

/** The model's timers due at `now` in firing order (deadline, then scheduling order), and the rest. */
function splitDue(timers: ModelTimer[], now: number): [due: ModelTimer[], rest: ModelTimer[]] {
  const due = timers.filter((t) => t.when <= now).sort((a, b) => a.when - b.when || a.seq - b.seq);
  return [due, timers.filter((t) => t.when > now)];
}

/** The first `n` ids of the core's current batch. */
function batchOf(core: LoopCore, n: number): number[] {
  const got: number[] = [];
  for (let i = 0; i < n; i++) got.push(core.batchAt(i));
  return got;
}

describe.each(makers)("%s core against a model", (_name, make) => {
  it("keeps FIFO order and scheduling order of equal deadlines through 20,000 random operations", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rnd = prng(seed);
      const core = make();
      const ready: number[] = [];
      let timers: ModelTimer[] = [];
      let nextId = 0;
      let seq = 0;
      let now = 0;
      for (let step = 0; step < 20_000; step++) {
        const r = rnd();
        if (r < 0.45) {
          // a burst of pushes, sometimes past a staging region's 1,024 ids
          const k = rnd() < 0.05 ? 1 + Math.floor(rnd() * 3000) : 1 + Math.floor(rnd() * 8);
          for (let i = 0; i < k; i++) {
            core.push(nextId);
            ready.push(nextId++);
          }
        } else if (r < 0.6) {
          const when = now + Math.floor(rnd() * 5);
          core.addTimer(nextId, when);
          timers.push({ id: nextId++, when, seq: seq++ });
        } else if (r < 0.65 && timers.length > 0) {
          const victim = timers[Math.floor(rnd() * timers.length)]!;
          expect(core.removeTimer(victim.id)).toBe(true);
          timers = timers.filter((t) => t !== victim);
        } else if (r < 0.8) {
          now += rnd() < 0.5 ? 1 : 0;
          const [due, rest] = splitDue(timers, now);
          timers = rest;
          expect(core.popDue(now)).toBe(due.length);
          for (const t of due) ready.push(t.id);
        } else {
          const n = core.drain();
          const got = batchOf(core, n);
          expect(got).toEqual(ready.splice(0));
          // pushes made while a batch is being read must not disturb it
          core.push(nextId);
          ready.push(nextId++);
          expect(batchOf(core, n)).toEqual(got);
        }
        expect(core.stats().timers).toBe(timers.length);
      }
    }
  });

  it("keeps deadline order, then scheduling order, when deadlines are many, collide and are rescheduled", () => {
    // Hundreds of distinct deadlines thrash the table that finds a deadline's bucket; rescheduling
    // and -0 check that a timer only ever joins the newest bucket of its deadline; bursts and
    // sparse checks keep adds staged (WASM core) across removals, pops and reschedules.
    for (const seed of [11, 12, 13]) {
      const rnd = prng(seed);
      const core = make();
      let timers: ModelTimer[] = [];
      let seq = 0;
      let now = 0;
      let lastAdded = 0;
      const ids = 3000;
      for (let step = 0; step < 30_000; step++) {
        const r = rnd();
        if (r < 0.6) {
          // Sometimes a burst, past the WASM core's 1,024 staged timers.
          const burst = rnd() < 0.01 ? 1 + Math.floor(rnd() * 1500) : 1;
          for (let b = 0; b < burst; b++) {
            const id = Math.floor(rnd() * ids);
            const spread = rnd() < 0.5 ? 4 : 900;
            let when = now + Math.floor(rnd() * spread) / (rnd() < 0.5 ? 1 : 8);
            if (when === 0 && rnd() < 0.5) when = -0;
            // An id is never added while scheduled (the LoopCore contract): reschedule = remove + add.
            if (timers.some((t) => t.id === id)) expect(core.removeTimer(id)).toBe(true);
            core.addTimer(id, when);
            timers = timers.filter((t) => t.id !== id);
            timers.push({ id, when, seq: seq++ });
            lastAdded = id;
          }
        } else if (r < 0.8) {
          // Often the timer just added (still staged in the WASM core: removed without a flush).
          const id = rnd() < 0.3 ? lastAdded : Math.floor(rnd() * ids);
          const had = timers.some((t) => t.id === id);
          expect(core.removeTimer(id)).toBe(had);
          timers = timers.filter((t) => t.id !== id);
        } else {
          now += rnd() < 0.3 ? 0 : Math.floor(rnd() * 40);
          const [due, rest] = splitDue(timers, now);
          timers = rest;
          expect(core.popDue(now)).toBe(due.length);
          expect(batchOf(core, core.drain())).toEqual(due.map((t) => t.id));
        }
        // Checked now and then, so that adds stay staged across several operations.
        if (step % 7 === 0) {
          expect(core.stats().timers).toBe(timers.length);
          const earliest = timers.reduce((m, t) => Math.min(m, t.when), Infinity);
          expect(core.nextWhen()).toBe(earliest === 0 ? 0 : earliest);
        }
      }
    }
  });

  it("a timer removed right after it was added never fires; the ones before it still do", () => {
    const core = make();
    core.addTimer(1, 5);
    core.addTimer(2, 5);
    core.addTimer(3, 5);
    expect(core.removeTimer(3)).toBe(true);
    expect(core.removeTimer(3)).toBe(false);
    expect(core.removeTimer(1)).toBe(true);
    core.addTimer(3, 1);
    expect(core.removeTimer(3)).toBe(true);
    core.addTimer(4, 5);
    expect(core.stats().timers).toBe(2);
    expect(core.popDue(5)).toBe(2);
    expect(batchOf(core, core.drain())).toEqual([2, 4]);
    expect(core.nextWhen()).toBe(Infinity);
  });

  it("rejects removals of ids it never scheduled", () => {
    const core = make();
    expect(core.removeTimer(-1)).toBe(false);
    expect(core.removeTimer(5)).toBe(false);
    expect(core.removeTimer(1 << 20)).toBe(false);
    core.addTimer(5, 1);
    expect(core.removeTimer(5)).toBe(true);
    expect(core.removeTimer(5)).toBe(false);
    expect(core.nextWhen()).toBe(Infinity);
  });
});
