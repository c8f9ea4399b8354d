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
