import { describe, expect, it } from "vitest";
import os from "node:os";
import * as asyncio from "../src/index.js";
import type { Coroutine } from "../src/index.js";
import { CORES, newLoop, runOn } from "./helpers.js";

const SIGUSR2 = os.constants.signals.SIGUSR2;
const listeners = (sig: NodeJS.Signals) => process.listenerCount(sig);

describe.each(CORES)("signal handlers on the %s core", (core) => {
  const run = <T>(coro: Coroutine<T>) => runOn(core, coro);

  it("schedules the callback through the loop with its arguments when the signal arrives", async () => {
    const before = listeners("SIGUSR2");
    const seen = await run((function* () {
      const loop = asyncio.getRunningLoop();
      const got = loop.createFuture<[string, number, boolean]>();
      let inCallback = false;
      loop.addSignalHandler("SIGUSR2", (tag: string, n: number) => {
        // It runs as a loop callback: the loop is running and a task step is not.
        got.setResult([tag, n, loop.isRunning() && asyncio.currentTask(loop) === null]);
        inCallback = true;
      }, "usr2", 42);
      expect(listeners("SIGUSR2")).toBe(before + 1);
      process.kill(process.pid, "SIGUSR2");
      const result = yield* asyncio.waitFor(got, 5);
      expect(inCallback).toBe(true);
      // A number works as well, and a second handler replaces the first.
      const again = loop.createFuture<string>();
      loop.addSignalHandler(SIGUSR2, () => again.done() || again.setResult("second"));
      expect(listeners("SIGUSR2")).toBe(before + 1);
      process.kill(process.pid, "SIGUSR2");
      expect(yield* asyncio.waitFor(again, 5)).toBe("second");
      expect(loop.removeSignalHandler("SIGUSR2")).toBe(true);
      expect(loop.removeSignalHandler(SIGUSR2)).toBe(false);
      expect(listeners("SIGUSR2")).toBe(before);
      return result;
    })());
    expect(seen).toEqual(["usr2", 42, true]);
  });

  it("raises asyncio's errors for bad signals and callbacks", async () => {
    await run((function* () {
      const loop = asyncio.getRunningLoop();
      expect(() => loop.addSignalHandler("SIGNOPE" as NodeJS.Signals, () => {})).toThrow(RangeError);
      expect(() => loop.addSignalHandler(9999, () => {})).toThrow(RangeError);
      expect(() => loop.addSignalHandler(1.5, () => {})).toThrow(TypeError);
      expect(() => loop.addSignalHandler({} as never, () => {})).toThrow(TypeError);
      expect(() => loop.addSignalHandler("SIGKILL", () => {})).toThrow(/cannot be caught/);
      expect(() => loop.addSignalHandler("SIGSTOP", () => {})).toThrow(/cannot be caught/);
      expect(() => loop.addSignalHandler("SIGUSR2", null as never)).toThrow(TypeError);
      expect(() => loop.addSignalHandler("SIGUSR2", function* () {} as never)).toThrow(/coroutines cannot be used/);
      expect(() => loop.removeSignalHandler("SIGNOPE" as NodeJS.Signals)).toThrow(RangeError);
      expect(loop.removeSignalHandler("SIGUSR1")).toBe(false);
      yield* asyncio.sleep(0);
    })());
  });

  it("removes its handlers when the loop closes", async () => {
    const before = listeners("SIGUSR2");
    const beforeHup = listeners("SIGHUP");
    const loop = newLoop(core);
    loop.addSignalHandler("SIGUSR2", () => {});
    loop.addSignalHandler("SIGHUP", () => {});
    expect(listeners("SIGUSR2")).toBe(before + 1);
    loop.close();
    expect(listeners("SIGUSR2")).toBe(before);
    expect(listeners("SIGHUP")).toBe(beforeHup);
    expect(() => loop.addSignalHandler("SIGUSR2", () => {})).toThrow(/closed/);
  });
});
