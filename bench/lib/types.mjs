// Shared JSDoc type definitions for the benchmark runner. No runtime code.
//
// A suite is a module `bench/suites/<name>.mjs`:
//
//   export const name = "scheduling";          // optional, defaults to the file name
//   export const description = "...";          // optional
//   export const python = "reference/scheduling.py"; // optional: script that runs the
//                                              //   variants marked runtimes: ["python"]
//   export const workloads = [ ...Workload ];  // required
//   export async function run(workload, ctx) {} // optional driver: when present the
//                                              //   runner (in Node) calls it instead of
//                                              //   spawning bench/worker.mjs (network)

/**
 * @typedef {"node" | "deno" | "bun" | "python"} RuntimeName
 */

/**
 * Per-iteration context handed to variant functions.
 * @typedef {object} VariantContext
 * @property {number} ops        operations per iteration (already scaled for --quick)
 * @property {boolean} quick     true under --quick
 * @property {string} runtime    "node" | "deno" | "bun"
 * @property {Record<string, unknown>} params  the workload's params (free-form)
 */

/**
 * One way of doing a workload. Micro variants have `fn`; process variants
 * (network) have `server`; Python reference variants have `runtimes: ["python"]`
 * and are implemented in the suite's Python script.
 * @typedef {object} Variant
 * @property {string} name                  e.g. "native", "js", "wasm", "asyncio", "uvloop"
 * @property {boolean} [baseline]           the variant ratios are computed against (one per runtime)
 * @property {string[]} [runtimes]          runtimes this variant runs on (default node, deno, bun)
 * @property {string} [description]
 * @property {(ctx: VariantContext) => unknown} [setup]   once per process before timing; may
 *                                          throw (or reject) -> "unavailable: <message>"
 * @property {(state: any, ctx: VariantContext) => unknown} [fn]  one timed iteration of ctx.ops
 *                                          operations; may return { extra: { name: number } }
 * @property {(state: any, ctx: VariantContext) => unknown} [teardown]
 * @property {string} [server]              network: server script path relative to bench/
 * @property {string[]} [args]              network: extra server arguments
 * @property {RuntimeName} [interpreter]    network: run the server under this runtime in every
 *                                          job the variant is in, so a reference server's rounds
 *                                          interleave with another runtime's (default: the job's)
 */

/**
 * @typedef {object} BenchOverrides
 * @property {number} [time]               ms of timed iterations (tinybench `time`)
 * @property {number} [iterations]         minimum timed iterations
 * @property {number} [warmupTime]
 * @property {number} [warmupIterations]
 * @property {number} [quickTime]
 * @property {number} [quickIterations]
 */

/**
 * @typedef {object} Workload
 * @property {string} name                  DESIGN §7 name, e.g. "call_soon"
 * @property {string} unit                  e.g. "callbacks/s", "requests/s"
 * @property {number} ops                   operations per iteration (full run)
 * @property {number} [quickOps]            operations per iteration under --quick
 * @property {string} [description]         what it measures (shown in README/summary)
 * @property {Variant[]} variants
 * @property {Record<string, unknown>} [params]  free-form parameters (e.g. message size)
 * @property {BenchOverrides} [bench]
 * @property {Record<string, string>} [extraUnits]  units of extra metrics, by name
 * @property {number} [bytesPerOp]          bytes per operation: adds extra.mibPerSec
 */

/**
 * What bench/worker.mjs (and reference/scheduling.py, and a suite `run`) print.
 * @typedef {object} WorkloadOutput
 * @property {string} suite
 * @property {string} workload
 * @property {{ name: string, version: string }} runtime
 * @property {string} unit
 * @property {number} ops
 * @property {VariantResult[]} results
 */

/**
 * @typedef {object} VariantResult
 * @property {string} variant
 * @property {"ok" | "unavailable" | "error" | "not-installed"} status
 * @property {string} [reason]
 * @property {number} [opsPerSec]          ops / median iteration time
 * @property {number} [medianMs]           median iteration time (network: per request)
 * @property {number | null} [p99Ms]       p99 iteration time, when there are enough samples
 * @property {number} [meanMs]
 * @property {number} [samples]            sample count
 * @property {Record<string, number>} [extra]  workload-specific figures
 */

/**
 * One flattened result row (one workload × variant × runtime).
 * @typedef {object} Row
 * @property {string} suite
 * @property {string} workload
 * @property {string} variant
 * @property {string} runtime
 * @property {string} runtimeVersion
 * @property {string} unit
 * @property {number} ops
 * @property {boolean} baseline
 * @property {"ok" | "unavailable" | "error" | "not-installed"} status
 * @property {string} [reason]
 * @property {number} [opsPerSec]
 * @property {number} [medianMs]
 * @property {number | null} [p99Ms]
 * @property {number} [meanMs]
 * @property {number} [samples]
 * @property {Record<string, number>} [extra]
 * @property {number | null} [ratio]       opsPerSec / baseline opsPerSec, same runtime, same run
 */

/**
 * @typedef {object} Machine
 * @property {string} cpu
 * @property {number} cores
 * @property {string} os
 * @property {string} arch
 * @property {number} [memoryGiB]
 * @property {number[]} [loadavg]
 * @property {boolean} [networkPinned]  network servers on CPU 0, load generators on CPU 1 (taskset)
 */

export {};
