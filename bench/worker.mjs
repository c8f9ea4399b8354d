#!/usr/bin/env node
// Runs one workload's micro variants with tinybench in this (fresh) process
// and prints one result line on stdout:
//
//   node bench/worker.mjs <suite> <workload> [--quick] [--variants a,b]
//   deno run -A --no-lock bench/worker.mjs ...      bun bench/worker.mjs ...
//
// Output: "@@bench-result <json>" (see lib/types.mjs WorkloadOutput).
// Progress for the runner: "@@progress <variant>" lines on stderr.

import process from "node:process";
import { Bench } from "tinybench";
import { parseWorkerArgs } from "./lib/args.mjs";
import { benchSettings, validateSuite, variantRuntimes, variantTimeoutMs } from "./lib/plan.mjs";
import { RESULT_MARKER } from "./lib/results.mjs";
import { opsPerSecond, summarize } from "./lib/stats.mjs";

/** @typedef {import("./lib/types.mjs").VariantResult} VariantResult */

/** @returns {{ name: string, version: string }} */
function detectRuntime() {
  const g = /** @type {any} */ (globalThis);
  if (g.Deno?.version?.deno) return { name: "deno", version: g.Deno.version.deno };
  if (g.Bun?.version) return { name: "bun", version: g.Bun.version };
  return { name: "node", version: process.versions.node };
}

/** @param {unknown} e */
function message(e) {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/** @param {string} line */
function emit(line) {
  return new Promise((resolve) => process.stdout.write(line + "\n", () => resolve(undefined)));
}

/** Errors escaping a variant (unawaited promises) must not kill the run. */
let strayError = /** @type {unknown} */ (undefined);
process.on("unhandledRejection", (e) => {
  strayError ??= e;
});
process.on("uncaughtException", (e) => {
  strayError ??= e;
});

async function main() {
  const args = parseWorkerArgs(process.argv.slice(2));
  if (args.errors.length > 0) {
    process.stderr.write(args.errors.join("\n") + "\n");
    process.exit(2);
  }
  const mod = await import(new URL(`./suites/${args.suite}.mjs`, import.meta.url).href);
  const { suite, problems } = validateSuite(args.suite, mod);
  if (!suite) throw new Error(`suite ${args.suite} is invalid:\n  ${problems.join("\n  ")}`);
  const workload = suite.workloads.find((w) => w.name === args.workload);
  if (!workload) throw new Error(`suite ${args.suite} has no workload ${args.workload}`);
  const runtime = detectRuntime();
  const settings = benchSettings(workload, args.quick);
  const variants = workload.variants.filter(
    (v) =>
      typeof v.fn === "function" &&
      variantRuntimes(v).includes(runtime.name) &&
      (args.variants === null || args.variants.includes(v.name)),
  );
  const ctx = Object.freeze({
    ops: settings.ops,
    quick: args.quick,
    runtime: runtime.name,
    params: Object.freeze({ ...(workload.params ?? {}) }),
  });
  // A variant that never finishes must not hang the whole job.
  const timeoutMs = variantTimeoutMs(settings, args.quick);

  /** @type {VariantResult[]} */
  const results = [];
  for (const v of variants) {
    process.stderr.write(`@@progress ${v.name}\n`);
    let state;
    try {
      state = await v.setup?.(ctx);
    } catch (e) {
      results.push({ variant: v.name, status: "unavailable", reason: message(e) });
      continue;
    }
    /** @type {Record<string, number[]>} */
    const extras = {};
    let phase = "warmup";
    const fn = /** @type {NonNullable<typeof v.fn>} */ (v.fn);
    const bench = new Bench({
      time: settings.time,
      iterations: settings.iterations,
      warmupTime: settings.warmupTime,
      warmupIterations: settings.warmupIterations,
      retainSamples: true,
      throws: false,
    });
    bench.add(
      v.name,
      async () => {
        const r = /** @type {any} */ (await fn(state, ctx));
        if (phase === "run" && r && typeof r === "object" && r.extra) {
          for (const [k, x] of Object.entries(r.extra)) {
            if (typeof x === "number") (extras[k] ??= []).push(x);
          }
        }
      },
      {
        async: true,
        beforeAll(mode) {
          phase = mode ?? "run";
        },
      },
    );
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const outcome = await Promise.race([bench.run().then(() => "done"), timeout]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      results.push({ variant: v.name, status: "error", reason: `timed out after ${timeoutMs / 1000} s` });
      continue; // its teardown could hang too; the process exits at the end
    }
    const task = bench.tasks[0];
    const res = /** @type {any} */ (task.result);
    if (res.state === "errored") {
      results.push({ variant: v.name, status: "error", reason: message(res.error) });
    } else if (res.state !== "completed" || !res.latency?.samples?.length) {
      results.push({ variant: v.name, status: "error", reason: `tinybench state ${res.state}` });
    } else {
      const s = summarize(res.latency.samples);
      /** @type {VariantResult} */
      const out = {
        variant: v.name,
        status: "ok",
        opsPerSec: opsPerSecond(settings.ops, s.medianMs),
        medianMs: s.medianMs,
        p99Ms: s.p99Ms,
        meanMs: s.meanMs,
        samples: s.samples,
      };
      /** @type {Record<string, number>} */
      const extra = Object.fromEntries(
        Object.entries(extras).map(([k, xs]) => [k, xs.reduce((a, b) => a + b, 0) / xs.length]),
      );
      if (workload.bytesPerOp) extra.mibPerSec = (/** @type {number} */ (out.opsPerSec) * workload.bytesPerOp) / (1024 * 1024);
      if (Object.keys(extra).length > 0) out.extra = extra;
      results.push(out);
    }
    try {
      await v.teardown?.(state, ctx);
    } catch {
      // a failing teardown does not invalidate the figure
    }
    // let the host report unhandled rejections of this variant before judging it
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (strayError !== undefined) {
      const last = results[results.length - 1];
      if (last.status === "ok") {
        results[results.length - 1] = { variant: v.name, status: "error", reason: `stray error: ${message(strayError)}` };
      }
      strayError = undefined;
    }
  }
  await emit(
    RESULT_MARKER +
      JSON.stringify({
        suite: suite.name,
        workload: workload.name,
        runtime,
        unit: workload.unit,
        ops: settings.ops,
        results,
      }),
  );
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`worker failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  },
);
