/**
 * TaskGroup: Python 3.11's structured concurrency. Children are awaited when the body ends; the
 * first child failure cancels the siblings and the body; failures are raised together as an
 * ExceptionGroup; cancelling the parent cancels the children.
 * @module
 */
import { CancelledError, ExceptionGroup } from "./errors.js";
import { Future } from "./futures.js";
import { isCoroutine, notACoroutine, type Coroutine } from "./coroutines.js";
import type { EventLoop } from "./loop.js";
import { getRunningLoop } from "./running.js";
import type { Task, TaskOptions } from "./tasks.js";

export class TaskGroup {
  private _entered = false;
  private _exiting = false;
  private _aborting = false;
  private _loop: EventLoop | null = null;
  private _parentTask: Task<unknown> | null = null;
  private _parentCancelRequested = false;
  private readonly _tasks = new Set<Task<unknown>>();
  private readonly _errors: unknown[] = [];
  private _onCompleted: Future<boolean> | null = null;

  /** Starts `coro` as a child task of the group. */
  createTask<T>(coro: Coroutine<T>, options?: Omit<TaskOptions, "loop">): Task<T> {
    if (!this._entered) throw new Error(`${this} has not been entered`);
    if (this._exiting && this._tasks.size === 0) throw new Error(`${this} is finished`);
    if (this._aborting) throw new Error(`${this} is shutting down`);
    const task = this._loop!.createTask(coro, options);
    if (task.done()) this._onTaskDone(task);
    else {
      this._tasks.add(task);
      task.addDoneCallback(this._onTaskDone);
    }
    return task;
  }

  /** @internal */
  _enter(): void {
    if (this._entered) throw new Error(`${this} has already been entered`);
    const loop = getRunningLoop();
    const parent = loop._currentTask;
    if (parent === null) throw new Error(`${this} cannot determine the parent task`);
    this._loop = loop;
    this._parentTask = parent;
    this._entered = true;
  }

  /** @internal Waits for the children; throws what the `async with` block would raise. */
  *_exit(error: unknown, failed: boolean): Coroutine<void> {
    this._exiting = true;
    let propagateCancellation: unknown = failed && error instanceof CancelledError ? error : null;
    if (this._parentCancelRequested && this._parentTask!.uncancel() === 0) propagateCancellation = null;
    if (failed && !this._aborting) this._abort();
    while (this._tasks.size > 0) {
      this._onCompleted ??= new Future<boolean>({ loop: this._loop! });
      try {
        yield* this._onCompleted;
      } catch (cancelled) {
        if (!(cancelled instanceof CancelledError)) throw cancelled;
        if (!this._aborting) {
          propagateCancellation = cancelled;
          this._abort();
        }
      }
      this._onCompleted = null;
    }
    if (propagateCancellation !== null && this._errors.length === 0) throw propagateCancellation;
    if (failed && !(error instanceof CancelledError)) this._errors.push(error);
    if (this._errors.length > 0) {
      const errors = this._errors.splice(0);
      throw new ExceptionGroup("unhandled errors in a TaskGroup", errors);
    }
  }

  private _abort(): void {
    this._aborting = true;
    for (const task of this._tasks) if (!task.done()) task.cancel();
  }

  private readonly _onTaskDone = (task: Task<unknown>): void => {
    this._tasks.delete(task);
    if (this._onCompleted !== null && this._tasks.size === 0 && !this._onCompleted.done()) this._onCompleted.setResult(true);
    if (task.cancelled()) return;
    const error = task.exception();
    if (error === null) return;
    this._errors.push(error);
    const parent = this._parentTask!;
    if (parent.done()) {
      // The body ended without awaiting this group's exit (should not happen with taskGroup()).
      this._loop!.callExceptionHandler({ message: `Task ${task} has errored out but its parent task ${parent} is already completed`, exception: error, task });
      return;
    }
    if (!this._aborting && !this._parentCancelRequested) {
      // Cancel the siblings and the body; the exit turns the cancellation into the group error.
      this._abort();
      this._parentCancelRequested = true;
      parent.cancel();
    }
  };

  toString(): string {
    const info = [this._tasks.size > 0 ? `tasks=${this._tasks.size}` : "", this._errors.length > 0 ? `errors=${this._errors.length}` : "", this._aborting ? "cancelling" : this._entered ? "entered" : ""].filter(Boolean);
    return `<TaskGroup${info.length ? " " + info.join(" ") : ""}>`;
  }
}

/**
 * `async with asyncio.TaskGroup() as tg:` — runs `body` with a new group and waits for every
 * child before returning the body's result.
 *
 * ```ts
 * yield* asyncio.taskGroup(function* (tg) {
 *   tg.createTask(fetch(1));
 *   tg.createTask(fetch(2));
 * });
 * ```
 */
export function* taskGroup<T>(body: (tg: TaskGroup) => Coroutine<T>): Coroutine<T> {
  if (typeof body !== "function") throw new TypeError("taskGroup() needs a body: a generator function receiving the TaskGroup");
  const tg = new TaskGroup();
  tg._enter();
  let result: T;
  try {
    const coro = body(tg);
    if (!isCoroutine(coro)) throw notACoroutine("taskGroup()", coro);
    result = yield* coro;
  } catch (error) {
    yield* tg._exit(error, true);
    throw error;
  }
  yield* tg._exit(undefined, false);
  return result;
}
