// Suite validation, job planning and timing settings. Pure.

import { JS_RUNTIMES, KNOWN_RUNTIMES, matchesFilter } from "./args.mjs";

/** @typedef {import("./types.mjs").Workload} Workload */
/** @typedef {import("./types.mjs").Variant} Variant */

/**
 * A loaded suite module, normalised.
 * @typedef {object} Suite
 * @property {string} name
 * @property {string} [description]
 * @property {string} [python]     Python script (relative to bench/) for python variants
 * @property {boolean} driver      true when the suite exports run(): the runner drives it
 * @property {Workload[]} workloads
 */

/**
 * One unit of work for the runner: one workload on one runtime (and, with
 * --isolate, one variant).
 * @typedef {object} Job
 * @property {string} suite
 * @property {string} workload
 * @property {string} runtime
 * @property {string[]} variants   variant names to run in this job
 */

const NAME_RE = /^[a-z0-9][a-z0-9_-]*$/i;

/**
 * The runtimes a variant runs on.
 * @param {Variant} v
 * @returns {readonly string[]}
 */
export function variantRuntimes(v) {
  return v.runtimes && v.runtimes.length > 0 ? v.runtimes : JS_RUNTIMES;
}

/**
 * Check a suite module against the plugin format.
 * @param {string} fileName   e.g. "scheduling" (file name without .mjs)
 * @param {Record<string, unknown>} mod  the imported module namespace
 * @returns {{ suite: Suite | null, problems: string[] }}
 */
export function validateSuite(fileName, mod) {
  /** @type {string[]} */
  const problems = [];
  const name = typeof mod.name === "string" ? mod.name : fileName;
  if (!NAME_RE.test(name)) problems.push(`suite name "${name}" must match ${NAME_RE}`);
  const workloads = mod.workloads;
  if (!Array.isArray(workloads)) {
    problems.push(`${name}: must export "workloads" (an array)`);
    return { suite: null, problems };
  }
  const driver = typeof mod.run === "function";
  const python = typeof mod.python === "string" ? mod.python : undefined;
  const seen = new Set();
  for (const w of /** @type {any[]} */ (workloads)) {
    const where = `${name}/${w && w.name}`;
    if (!w || typeof w.name !== "string" || !NAME_RE.test(w.name)) {
      problems.push(`${name}: a workload has no valid name`);
      continue;
    }
    if (seen.has(w.name)) problems.push(`${where}: duplicate workload name`);
    seen.add(w.name);
    if (typeof w.unit !== "string" || w.unit === "") problems.push(`${where}: missing unit`);
    if (!(Number.isFinite(w.ops) && w.ops > 0)) problems.push(`${where}: ops must be a positive number`);
    if (w.quickOps !== undefined && !(Number.isFinite(w.quickOps) && w.quickOps > 0)) {
      problems.push(`${where}: quickOps must be a positive number`);
    }
    if (!Array.isArray(w.variants) || w.variants.length === 0) {
      problems.push(`${where}: needs a non-empty variants array`);
      continue;
    }
    const vnames = new Set();
    /** @type {Map<string, number>} */
    const baselines = new Map();
    for (const v of w.variants) {
      if (!v || typeof v.name !== "string" || !NAME_RE.test(v.name)) {
        problems.push(`${where}: a variant has no valid name`);
        continue;
      }
      if (vnames.has(v.name)) problems.push(`${where}: duplicate variant "${v.name}"`);
      vnames.add(v.name);
      const rts = variantRuntimes(v);
      const isPython = rts.includes("python");
      if (isPython && rts.length > 1) problems.push(`${where}/${v.name}: python variants run on python only`);
      if (isPython && !driver && !python) {
        problems.push(`${where}/${v.name}: python variant but the suite exports no "python" script`);
      }
      if (!isPython && !driver && typeof v.fn !== "function") {
        problems.push(`${where}/${v.name}: needs fn(state, ctx)`);
      }
      if (driver && typeof v.server !== "string") {
        problems.push(`${where}/${v.name}: a driven suite's variants need "server"`);
      }
      if (v.interpreter !== undefined) {
        if (!driver) problems.push(`${where}/${v.name}: "interpreter" is for the servers of a driven suite`);
        if (!KNOWN_RUNTIMES.includes(v.interpreter)) problems.push(`${where}/${v.name}: unknown interpreter "${v.interpreter}"`);
      }
      for (const hook of ["setup", "teardown"]) {
        if (v[hook] !== undefined && typeof v[hook] !== "function") {
          problems.push(`${where}/${v.name}: ${hook} must be a function`);
        }
      }
      if (v.baseline) for (const r of rts) baselines.set(r, (baselines.get(r) ?? 0) + 1);
    }
    const allRuntimes = new Set(w.variants.flatMap((/** @type {Variant} */ v) => [...variantRuntimes(v)]));
    for (const r of allRuntimes) {
      const n = baselines.get(r) ?? 0;
      if (n !== 1) problems.push(`${where}: needs exactly one baseline variant for ${r} (has ${n})`);
    }
  }
  if (problems.length > 0) return { suite: null, problems };
  /** @type {Suite} */
  const suite = { name, driver, workloads: /** @type {Workload[]} */ (workloads) };
  if (typeof mod.description === "string") suite.description = mod.description;
  if (python) suite.python = python;
  return { suite, problems };
}

/**
 * The runtimes a workload has variants for, in `order`.
 * @param {Workload} w
 * @param {readonly string[]} order
 */
export function workloadRuntimes(w, order) {
  const set = new Set(w.variants.flatMap((v) => [...variantRuntimes(v)]));
  return order.filter((r) => set.has(r));
}

/**
 * Variants of `w` that run on `runtime`, restricted by a --variants filter.
 * The runtime's baseline is always kept so ratios stay computable.
 * @param {Workload} w
 * @param {string} runtime
 * @param {readonly string[] | null} filter
 * @returns {Variant[]}
 */
export function variantsFor(w, runtime, filter) {
  return w.variants.filter(
    (v) =>
      variantRuntimes(v).includes(runtime) &&
      (filter === null || filter.includes(v.name) || v.baseline === true),
  );
}

/**
 * Build the ordered job list: suites in the given order, workloads in suite
 * order, runtimes in `runtimes` order. Missing runtimes still get jobs (the
 * runner turns them into "not installed" rows).
 * @param {readonly Suite[]} suites
 * @param {{ runtimes: readonly string[], only: readonly string[] | null, variants: readonly string[] | null, isolate?: boolean }} sel
 * @returns {Job[]}
 */
export function buildPlan(suites, sel) {
  /** @type {Job[]} */
  const jobs = [];
  for (const s of suites) {
    for (const w of s.workloads) {
      if (!matchesFilter(sel.only, s.name, w.name)) continue;
      for (const r of workloadRuntimes(w, sel.runtimes)) {
        const vs = variantsFor(w, r, sel.variants).map((v) => v.name);
        if (vs.length === 0) continue;
        // A driven suite (network, framed) already runs every server in its own process and
        // interleaves their rounds, which needs them all in one job.
        if (sel.isolate && !s.driver) for (const v of vs) jobs.push({ suite: s.name, workload: w.name, runtime: r, variants: [v] });
        else jobs.push({ suite: s.name, workload: w.name, runtime: r, variants: vs });
      }
    }
  }
  return jobs;
}

/**
 * @typedef {object} BenchSettings
 * @property {number} ops               ops per iteration
 * @property {number} time              ms budget for timed iterations
 * @property {number} iterations        minimum timed iterations
 * @property {number} warmupTime        ms budget for warm-up
 * @property {number} warmupIterations  minimum warm-up iterations
 */

/** Defaults for a full run and for --quick. */
export const DEFAULT_SETTINGS = Object.freeze({
  full: Object.freeze({ time: 1000, iterations: 10, warmupTime: 250, warmupIterations: 3 }),
  quick: Object.freeze({ time: 120, iterations: 3, warmupTime: 30, warmupIterations: 1 }),
});

/**
 * Timing settings for one workload. A workload's `bench` overrides apply to
 * the full run; `quickTime`/`quickIterations` to --quick.
 * @param {Workload} w
 * @param {boolean} quick
 * @returns {BenchSettings}
 */
export function benchSettings(w, quick) {
  const o = w.bench ?? {};
  if (quick) {
    const d = DEFAULT_SETTINGS.quick;
    return {
      ops: w.quickOps ?? w.ops,
      time: o.quickTime ?? d.time,
      iterations: o.quickIterations ?? d.iterations,
      warmupTime: d.warmupTime,
      warmupIterations: d.warmupIterations,
    };
  }
  const d = DEFAULT_SETTINGS.full;
  return {
    ops: w.ops,
    time: o.time ?? d.time,
    iterations: o.iterations ?? d.iterations,
    warmupTime: o.warmupTime ?? d.warmupTime,
    warmupIterations: o.warmupIterations ?? d.warmupIterations,
  };
}

/**
 * How long one variant may take in a worker before it is abandoned as hung.
 * @param {BenchSettings} s
 * @param {boolean} quick
 */
export function variantTimeoutMs(s, quick) {
  return Math.max(quick ? 30_000 : 120_000, (s.time + s.warmupTime) * 20);
}

/**
 * A filesystem-safe, sortable timestamp: 2025-11-22T01-51-03Z.
 * @param {Date} date
 */
export function fileTimestamp(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/:/g, "-");
}
