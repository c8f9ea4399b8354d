#!/usr/bin/env python3
"""CPython reference rows for the scheduling suite (bench/suites/scheduling.mjs).

The same workloads as the JavaScript variants, under asyncio's default loop
and under uvloop. Invoked by bench/run.mjs, one process per workload:

    python3 bench/reference/scheduling.py <workload> --ops N [--time-ms T]
        [--min-iterations I] [--warmup-ms W] [--warmup-iterations K]
        [--variants asyncio,uvloop]

Prints one line "@@bench-result <json>" in the shape bench/worker.mjs prints
(see bench/lib/types.mjs: WorkloadOutput). A missing uvloop gives a row with
status "not-installed"; it never fails the run.
"""

import argparse
import asyncio
import json
import math
import platform
import sys
import time

MARKER = "@@bench-result "
MIN_SAMPLES_FOR_P99 = 10


# --------------------------------------------------------------------------
# workloads: each runs ONE iteration of `n` operations on `loop`, returns
# None or a dict of extra figures.


def call_soon(loop, n):
    left = n

    def cb():
        nonlocal left
        left -= 1
        if left == 0:
            loop.stop()
        else:
            loop.call_soon(cb)

    loop.call_soon(cb)
    loop.run_forever()


def call_later0(loop, n):
    left = n

    def cb():
        nonlocal left
        left -= 1
        if left == 0:
            loop.stop()

    for _ in range(n):
        loop.call_later(0, cb)
    loop.run_forever()


def timers_mixed(loop, n):
    live = 0

    def cb():
        nonlocal live
        live -= 1
        if live == 0:
            loop.stop()

    for i in range(n):
        h = loop.call_later(((i * 7) % 6) / 1000, cb)
        if i % 10 == 9:
            h.cancel()
        else:
            live += 1
    loop.run_forever()


def future_roundtrip(loop, n):
    async def main():
        for i in range(n):
            fut = loop.create_future()
            loop.call_soon(fut.set_result, i)
            await fut

    loop.run_until_complete(main())


def sleep0(loop, n):
    async def main():
        for _ in range(n):
            await asyncio.sleep(0)

    loop.run_until_complete(main())


def task_spawn(loop, n):
    async def child(i):
        return i

    async def main():
        for i in range(n):
            await asyncio.create_task(child(i))

    loop.run_until_complete(main())


def gather_10k(loop, n):
    async def child(i):
        await asyncio.sleep(0)
        return i

    async def main():
        await asyncio.gather(*(child(i) for i in range(n)))

    loop.run_until_complete(main())


def queue_pingpong(loop, n):
    async def main():
        ping = asyncio.Queue()
        pong = asyncio.Queue()

        async def ponger():
            for _ in range(n):
                await pong.put(await ping.get())

        t = asyncio.create_task(ponger())
        for i in range(n):
            await ping.put(i)
            await pong.get()
        await t

    loop.run_until_complete(main())


def lock_contention(loop, n):
    per = math.ceil(n / 10)

    async def main():
        lock = asyncio.Lock()

        async def worker():
            for _ in range(per):
                async with lock:
                    await asyncio.sleep(0)

        await asyncio.gather(*(worker() for _ in range(10)))

    loop.run_until_complete(main())


def producer_consumer(loop, n):
    per = n // 2
    lat = [0.0]
    now = time.perf_counter

    async def producer(q):
        for _ in range(per):
            await q.put(now())
            await asyncio.sleep(0)

    async def consumer(q):
        for _ in range(per):
            t = await q.get()
            lat[0] += now() - t
            await asyncio.sleep(0)

    async def main():
        qs = [asyncio.Queue(), asyncio.Queue()]
        await asyncio.gather(*[c for q in qs for c in (producer(q), consumer(q))])

    loop.run_until_complete(main())
    return {"meanPutToGetUs": lat[0] / (per * 2) * 1e6}


WORKLOADS = {
    f.__name__: f
    for f in (
        call_soon,
        call_later0,
        timers_mixed,
        future_roundtrip,
        sleep0,
        task_spawn,
        gather_10k,
        queue_pingpong,
        lock_contention,
        producer_consumer,
    )
}

# --------------------------------------------------------------------------
# statistics (same definitions as bench/lib/stats.mjs)


def quantile_sorted(s, q):
    n = len(s)
    pos = (n - 1) * q
    lo = math.floor(pos)
    hi = math.ceil(pos)
    if lo == hi:
        return s[lo]
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def loop_factory(variant):
    """Returns (factory, None) or (None, reason)."""
    if variant == "asyncio":
        return asyncio.new_event_loop, None
    if variant == "uvloop":
        try:
            import uvloop  # noqa: PLC0415
        except ImportError as e:
            return None, f"uvloop is not importable by {sys.executable} ({e})"
        return uvloop.new_event_loop, None
    return None, f"unknown variant {variant}"


def measure(fn, factory, ops, time_ms, min_iter, warmup_ms, warmup_iter):
    loop = factory()
    asyncio.set_event_loop(loop)
    try:
        extras = {}

        def run_phase(budget_ms, min_n, record):
            samples = []
            start = time.perf_counter()
            while len(samples) < min_n or (time.perf_counter() - start) * 1000 < budget_ms:
                t0 = time.perf_counter()
                extra = fn(loop, ops)
                samples.append((time.perf_counter() - t0) * 1000)
                if record and extra:
                    for k, v in extra.items():
                        extras.setdefault(k, []).append(v)
            return samples

        run_phase(warmup_ms, warmup_iter, False)
        samples = sorted(run_phase(time_ms, min_iter, True))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    med = quantile_sorted(samples, 0.5)
    out = {
        "status": "ok",
        "opsPerSec": ops * 1000 / med if med > 0 else None,
        "medianMs": med,
        "p99Ms": quantile_sorted(samples, 0.99) if len(samples) >= MIN_SAMPLES_FOR_P99 else None,
        "meanMs": sum(samples) / len(samples),
        "samples": len(samples),
    }
    if extras:
        out["extra"] = {k: sum(v) / len(v) for k, v in extras.items()}
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workload", choices=sorted(WORKLOADS))
    p.add_argument("--ops", type=int, required=True)
    p.add_argument("--time-ms", type=float, default=1000)
    p.add_argument("--min-iterations", type=int, default=10)
    p.add_argument("--warmup-ms", type=float, default=250)
    p.add_argument("--warmup-iterations", type=int, default=3)
    p.add_argument("--variants", default="asyncio,uvloop")
    p.add_argument("--suite", default="scheduling")
    p.add_argument("--unit", default="ops/s")
    a = p.parse_args()

    fn = WORKLOADS[a.workload]
    results = []
    for variant in [v for v in a.variants.split(",") if v]:
        sys.stderr.write(f"@@progress {variant}\n")
        sys.stderr.flush()
        factory, reason = loop_factory(variant)
        if factory is None:
            results.append({"variant": variant, "status": "not-installed", "reason": reason})
            continue
        try:
            r = measure(fn, factory, a.ops, a.time_ms, a.min_iterations, a.warmup_ms, a.warmup_iterations)
        except Exception as e:  # noqa: BLE001 - reported as a row, the run goes on
            r = {"status": "error", "reason": f"{type(e).__name__}: {e}"}
        results.append({"variant": variant, **r})

    doc = {
        "suite": a.suite,
        "workload": a.workload,
        "runtime": {"name": "python", "version": platform.python_version()},
        "unit": a.unit,
        "ops": a.ops,
        "results": results,
    }
    sys.stdout.write(MARKER + json.dumps(doc) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
