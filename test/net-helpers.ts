// Helpers shared by the network suites (net-*.test.ts, streams.test.ts): payloads, echo and
// collecting protocols, a bounded runner. Sockets are on 127.0.0.1 only.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as asyncio from "../src/index.js";
import type { CoreKind } from "../src/index.js";
import { runOn } from "./helpers.js";

export const HOST = "127.0.0.1";

/** Deterministic bytes: every position checkable. */
export function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x ^ (x >>> 13)) * 1597334677;
    out[i] = (x >>> 24) ^ i;
  }
  return out;
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Index of the first differing byte, or -1 (cheaper to report than a deep diff of MiBs). */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Echoes everything; closes on EOF. Records what happened. */
export class EchoProtocol extends asyncio.Protocol {
  transport: asyncio.Transport | null = null;
  received = 0;
  lost: Error | null | undefined = undefined;
  override connectionMade(transport: asyncio.Transport): void {
    this.transport = transport;
  }
  override dataReceived(data: Uint8Array): void {
    this.received += data.length;
    this.transport!.write(data);
  }
  override eofReceived(): boolean {
    return false;
  }
  override connectionLost(exc: Error | null): void {
    this.lost = exc;
  }
}

/** Collects received bytes; `whenReceived(n)` and `closed` are futures. */
export class CollectProtocol extends asyncio.Protocol {
  transport: asyncio.Transport | null = null;
  chunks: Uint8Array[] = [];
  received = 0;
  eof = false;
  keepOpenOnEof = false;
  readonly made: asyncio.Future<asyncio.Transport>;
  readonly closed: asyncio.Future<Error | null>;
  private want: [number, asyncio.Future<void>][] = [];
  constructor(loop: asyncio.EventLoop = asyncio.getRunningLoop()) {
    super();
    this.made = loop.createFuture();
    this.closed = loop.createFuture();
  }
  override connectionMade(transport: asyncio.Transport): void {
    this.transport = transport;
    this.made.setResult(transport);
  }
  override dataReceived(data: Uint8Array): void {
    this.chunks.push(data);
    this.received += data.length;
    this.want = this.want.filter(([n, fut]) => {
      if (this.received < n) return true;
      if (!fut.done()) fut.setResult(undefined);
      return false;
    });
  }
  override eofReceived(): boolean {
    this.eof = true;
    return this.keepOpenOnEof;
  }
  override connectionLost(exc: Error | null): void {
    for (const [, fut] of this.want) if (!fut.done()) fut.setException(exc ?? new Error(`connection closed after ${this.received} bytes`));
    this.want = [];
    if (!this.closed.done()) this.closed.setResult(exc);
  }
  whenReceived(n: number): asyncio.Future<void> {
    const fut = asyncio.getRunningLoop().createFuture<void>();
    if (this.received >= n) fut.setResult(undefined);
    else this.want.push([n, fut]);
    return fut;
  }
  data(): Uint8Array {
    return concat(this.chunks);
  }
}

/** Runs `body` on a fresh loop of `core`, bounded by `seconds`; collects exception-handler reports. */
export function runNet<T>(core: CoreKind, body: () => asyncio.Coroutine<T>, options: { seconds?: number; reports?: asyncio.ExceptionContext[] } = {}): Promise<T> {
  const seconds = options.seconds ?? 10;
  return runOn(
    core,
    (function* () {
      return yield* asyncio.timeout(seconds, function* () {
        return yield* body();
      });
    })(),
    options.reports,
  );
}

/** The TCP port a server listens on. */
export function portOf(server: asyncio.Server): number {
  const name = server.sockets[0]!.getsockname();
  if (typeof name === "string") throw new Error("not a TCP server");
  return name[1];
}

/** A fresh temporary directory for Unix sockets; `cleanup()` removes it. */
export function tempDir(): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "wasyncio-net-"));
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Sleeps in the loop until `cond()` holds (polling every ms), at most `seconds`. */
export function* until(cond: () => boolean, seconds = 5): asyncio.Coroutine<void> {
  const loop = asyncio.getRunningLoop();
  const end = loop.time() + seconds;
  while (!cond()) {
    if (loop.time() > end) throw new Error("condition not met in time");
    yield* asyncio.sleep(0.001);
  }
}
