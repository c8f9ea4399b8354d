/**
 * `asyncio.run` and `asyncio.Runner`: run a coroutine on a fresh loop, then cancel what is left
 * and close the loop.
 * @module
 */
import { CancelledError } from "./errors.js";
import { newEventLoop } from "./events.js";
import type { EventLoop } from "./loop.js";
import { _getRunningLoop } from "./running.js";
import { gather, type Awaitable, type Coroutine } from "./tasks.js";
import { isCoroutine } from "./coroutines.js";
import { isFuture } from "./futures.js";

export interface RunnerOptions {
  debug?: boolean;
  /** Makes the loop (e.g. `() => new EventLoop({ core: "js" })`); default: the policy's. */
  loopFactory?: () => EventLoop;
}

export class Runner {
  private _loop: EventLoop | null = null;
  private _closed = false;
  private readonly _debug: boolean | undefined;
  private readonly _loopFactory: (() => EventLoop) | undefined;

  constructor(options: RunnerOptions = {}) {
    if (options.loopFactory !== undefined && typeof options.loopFactory !== "function") throw new TypeError("loopFactory must be a function");
    this._debug = options.debug;
    this._loopFactory = options.loopFactory;
  }

  /** Runs `coro` to completion on the runner's loop. */
  async run<T>(coro: Awaitable<T>): Promise<T> {
    if (!isCoroutine(coro) && !isFuture(coro) && typeof (coro as PromiseLike<T> | null)?.then !== "function") {
      throw new TypeError(`a coroutine was expected, got ${coro === null ? "null" : typeof coro}`);
    }
    if (_getRunningLoop() !== null) throw new Error("Runner.run() cannot be called from a running event loop");
    return this.getLoop().runUntilComplete(coro);
  }

  /** The runner's loop, created on first use. */
  getLoop(): EventLoop {
    if (this._closed) throw new Error("Runner is closed");
    if (this._loop === null) {
      this._loop = this._loopFactory ? this._loopFactory() : newEventLoop();
      if (this._debug !== undefined) this._loop.setDebug(this._debug);
    }
    return this._loop;
  }

  /** Cancels the tasks still running, lets them finish, and closes the loop. */
  async close(): Promise<void> {
    if (this._closed) return;
    const loop = this._loop;
    this._closed = true;
    if (loop === null) return;
    try {
      await cancelAllTasks(loop);
      // Like asyncio.run: join the default executor's workers before closing (THREAD_JOIN_TIMEOUT, 300 s).
      if (!loop.isClosed()) await loop.runUntilComplete(loop.shutdownDefaultExecutor(300));
    } finally {
      loop.close();
    }
  }
}

async function cancelAllTasks(loop: EventLoop): Promise<void> {
  const pending = loop._liveTasks();
  if (pending.length === 0) return;
  for (const task of pending) task.cancel();
  await loop.runUntilComplete(gather(pending, { returnExceptions: true }));
  for (const task of pending) {
    if (task.cancelled()) continue;
    const error = task.exception();
    if (error !== null && !(error instanceof CancelledError)) {
      loop.callExceptionHandler({ message: "unhandled exception during asyncio.run() shutdown", exception: error, task });
    }
  }
}

/**
 * Runs `coro` on a new loop and closes it: `const result = await asyncio.run(main())`.
 * Returns a Promise of the coroutine's result.
 */
export async function run<T>(coro: Coroutine<T>, options?: RunnerOptions): Promise<T> {
  if (!isCoroutine(coro)) throw new TypeError(`a coroutine was expected, got ${coro === null ? "null" : typeof coro}`);
  if (_getRunningLoop() !== null) throw new Error("asyncio.run() cannot be called from a running event loop");
  const runner = new Runner(options);
  try {
    return await runner.run(coro);
  } finally {
    await runner.close();
  }
}

export type { Coroutine };
