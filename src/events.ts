/**
 * Event loop policies and the module-level loop functions. Swapping the loop core is one line,
 * as with uvloop: `asyncio.setEventLoopPolicy(new asyncio.JsEventLoopPolicy())`.
 * @module
 */
import type { CoreKind } from "./core/loop-core.js";
import { EventLoop } from "./loop.js";
import { _getRunningLoop, _setDefaultLoopProvider } from "./running.js";

export { getRunningLoop } from "./running.js";

export interface EventLoopPolicy {
  getEventLoop(): EventLoop;
  setEventLoop(loop: EventLoop | null): void;
  newEventLoop(): EventLoop;
}

/** The default policy: loops on the WASM core. One current loop, created on first use. */
export class DefaultEventLoopPolicy implements EventLoopPolicy {
  private _loop: EventLoop | null = null;
  protected readonly core: CoreKind = "wasm";

  getEventLoop(): EventLoop {
    if (this._loop === null || this._loop.isClosed()) this._loop = this.newEventLoop();
    return this._loop;
  }

  setEventLoop(loop: EventLoop | null): void {
    if (loop !== null && !(loop instanceof EventLoop)) throw new TypeError(`loop must be an EventLoop or null, got ${typeof loop}`);
    this._loop = loop;
  }

  newEventLoop(): EventLoop {
    return new EventLoop({ core: this.core });
  }
}

/** The policy whose loops run on the plain-TypeScript core (the WASM core's twin). */
export class JsEventLoopPolicy extends DefaultEventLoopPolicy {
  protected override readonly core: CoreKind = "js";
}

let policy: EventLoopPolicy | null = null;

export function getEventLoopPolicy(): EventLoopPolicy {
  return (policy ??= new DefaultEventLoopPolicy());
}

/** Sets the policy; null restores the default. */
export function setEventLoopPolicy(newPolicy: EventLoopPolicy | null): void {
  if (newPolicy !== null && (typeof newPolicy !== "object" || typeof newPolicy.newEventLoop !== "function")) {
    throw new TypeError("policy must be an EventLoopPolicy (getEventLoop, setEventLoop, newEventLoop) or null");
  }
  policy = newPolicy;
}

/** The running loop, else the policy's current loop (created if needed). */
export function getEventLoop(): EventLoop {
  return _getRunningLoop() ?? getEventLoopPolicy().getEventLoop();
}

export function setEventLoop(loop: EventLoop | null): void {
  getEventLoopPolicy().setEventLoop(loop);
}

/** A new loop from the current policy. */
export function newEventLoop(): EventLoop {
  return getEventLoopPolicy().newEventLoop();
}

_setDefaultLoopProvider(getEventLoop);
