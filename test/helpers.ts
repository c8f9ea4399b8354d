import * as asyncio from "../src/index.js";
import type { CoreKind } from "../src/index.js";

/** Both loop cores: every suite runs on each. */
export const CORES: CoreKind[] = ["wasm", "js"];

/** asyncio.run on a loop of the given core, collecting exception-handler reports. */
export function runOn<T>(core: CoreKind, coro: asyncio.Coroutine<T>, reports?: asyncio.ExceptionContext[]): Promise<T> {
  return asyncio.run(coro, {
    loopFactory: () => {
      const loop = new asyncio.EventLoop({ core });
      if (reports) loop.setExceptionHandler((_loop, ctx) => reports.push(ctx));
      return loop;
    },
  });
}

export function newLoop(core: CoreKind): asyncio.EventLoop {
  return new asyncio.EventLoop({ core });
}

/** Runs a full garbage collection (exposing V8's gc() on first use). */
export async function forceGc(): Promise<void> {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    const v8 = await import("node:v8");
    const vm = await import("node:vm");
    v8.setFlagsFromString("--expose-gc");
    gc = vm.runInNewContext("gc") as () => void;
    (globalThis as { gc?: () => void }).gc = gc;
  }
  gc();
}

/** mulberry32: a small, fast, seeded PRNG returning [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
