// Result rows: parsing worker output, flattening, ratios, run documents. Pure.

/** @typedef {import("./types.mjs").Row} Row */
/** @typedef {import("./types.mjs").WorkloadOutput} WorkloadOutput */
/** @typedef {import("./types.mjs").VariantResult} VariantResult */
/** @typedef {import("./types.mjs").Machine} Machine */

export const STATUSES = /** @type {const} */ (["ok", "unavailable", "error", "not-installed"]);

/**
 * Find the worker's JSON document in its stdout. The worker prints exactly
 * one line starting with the marker; anything else (stray logs from code
 * under test) is ignored.
 */
export const RESULT_MARKER = "@@bench-result ";

/**
 * @param {string} stdout
 * @returns {unknown} the parsed document, or undefined when there is none
 */
export function extractResult(stdout) {
  const lines = stdout.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (line.startsWith(RESULT_MARKER)) return JSON.parse(line.slice(RESULT_MARKER.length));
  }
  return undefined;
}

/**
 * Check a worker/reference/driver document. Returns a list of problems
 * (empty when valid).
 * @param {unknown} doc
 * @returns {string[]}
 */
export function validateOutput(doc) {
  /** @type {string[]} */
  const p = [];
  if (!doc || typeof doc !== "object") return ["output is not an object"];
  const d = /** @type {Record<string, any>} */ (doc);
  for (const k of ["suite", "workload", "unit"]) if (typeof d[k] !== "string") p.push(`missing ${k}`);
  if (typeof d.ops !== "number") p.push("missing ops");
  if (!d.runtime || typeof d.runtime.name !== "string") p.push("missing runtime.name");
  if (!Array.isArray(d.results)) {
    p.push("missing results");
    return p;
  }
  for (const r of d.results) {
    if (!r || typeof r.variant !== "string") {
      p.push("a result has no variant");
      continue;
    }
    if (!STATUSES.includes(r.status)) p.push(`${r.variant}: bad status ${r.status}`);
    if (r.status === "ok" && !(typeof r.opsPerSec === "number" && r.opsPerSec >= 0)) {
      p.push(`${r.variant}: ok without opsPerSec`);
    }
  }
  return p;
}

/**
 * Flatten one workload output to rows.
 * @param {WorkloadOutput} out
 * @param {{ suite?: string, baselines: ReadonlySet<string> | readonly string[] }} meta
 *   `baselines`: names of the variants marked baseline for this runtime
 * @returns {Row[]}
 */
export function rowsFromOutput(out, meta) {
  const base = new Set(meta.baselines);
  return out.results.map((r) => {
    /** @type {Row} */
    const row = {
      suite: meta.suite ?? out.suite,
      workload: out.workload,
      variant: r.variant,
      runtime: out.runtime.name,
      runtimeVersion: out.runtime.version ?? "",
      unit: out.unit,
      ops: out.ops,
      baseline: base.has(r.variant),
      status: r.status,
    };
    if (r.reason !== undefined) row.reason = r.reason;
    if (r.status === "ok") {
      row.opsPerSec = r.opsPerSec;
      if (r.medianMs !== undefined) row.medianMs = r.medianMs;
      row.p99Ms = r.p99Ms ?? null;
      if (r.meanMs !== undefined) row.meanMs = r.meanMs;
      if (r.samples !== undefined) row.samples = r.samples;
    }
    if (r.extra && Object.keys(r.extra).length > 0) row.extra = { ...r.extra };
    return row;
  });
}

/**
 * Rows for a job that produced no output (runtime missing, crash, timeout).
 * @param {{ suite: string, workload: string, runtime: string, runtimeVersion?: string, unit: string, ops: number }} job
 * @param {ReadonlyArray<{ name: string, baseline?: boolean }>} variants
 * @param {"unavailable" | "error" | "not-installed"} status
 * @param {string} reason
 * @returns {Row[]}
 */
export function statusRows(job, variants, status, reason) {
  return variants.map((v) => ({
    suite: job.suite,
    workload: job.workload,
    variant: v.name,
    runtime: job.runtime,
    runtimeVersion: job.runtimeVersion ?? "",
    unit: job.unit,
    ops: job.ops,
    baseline: v.baseline === true,
    status,
    reason,
  }));
}

/**
 * @param {Row} r
 */
function groupKey(r) {
  return `${r.suite}\u0000${r.workload}\u0000${r.runtime}`;
}

/**
 * Ratio of each row's throughput to its baseline's: same suite, same
 * workload, same runtime, same run. >1 means faster than the baseline.
 * Rows without an ok baseline (or not ok themselves) get ratio null.
 * @param {readonly Row[]} rows
 * @returns {Row[]} new row objects with `ratio`
 */
export function computeRatios(rows) {
  /** @type {Map<string, number>} */
  const base = new Map();
  for (const r of rows) {
    if (r.baseline && r.status === "ok" && typeof r.opsPerSec === "number" && r.opsPerSec > 0) {
      base.set(groupKey(r), r.opsPerSec);
    }
  }
  return rows.map((r) => {
    const b = base.get(groupKey(r));
    const ratio =
      r.status === "ok" && typeof r.opsPerSec === "number" && b !== undefined ? r.opsPerSec / b : null;
    return { ...r, ratio };
  });
}

/**
 * Keep first-seen order of distinct values.
 * @template T
 * @param {Iterable<T>} xs
 * @returns {T[]}
 */
export function unique(xs) {
  return [...new Set(xs)];
}

/**
 * Group rows by suite, then workload, preserving order of appearance.
 * @param {readonly Row[]} rows
 * @returns {Map<string, Map<string, Row[]>>}
 */
export function groupRows(rows) {
  /** @type {Map<string, Map<string, Row[]>>} */
  const out = new Map();
  for (const r of rows) {
    let s = out.get(r.suite);
    if (!s) out.set(r.suite, (s = new Map()));
    let w = s.get(r.workload);
    if (!w) s.set(r.workload, (w = []));
    w.push(r);
  }
  return out;
}

/**
 * The JSON document written to bench/results/<timestamp>-<runtime>.json.
 * @param {{ date: Date, timestamp: string, quick: boolean, machine: Machine, runtime: string, runtimeVersion: string, rows: readonly Row[], argv?: readonly string[], notes?: readonly string[] }} p
 */
export function runDocument(p) {
  return {
    schema: 1,
    tool: "wasyncio bench/run.mjs",
    date: p.date.toISOString(),
    timestamp: p.timestamp,
    mode: p.quick ? "quick" : "full",
    argv: p.argv ? [...p.argv] : [],
    runtime: { name: p.runtime, version: p.runtimeVersion },
    machine: p.machine,
    ...(p.notes && p.notes.length > 0 ? { notes: [...p.notes] } : {}),
    results: p.rows
      .filter((r) => r.runtime === p.runtime)
      .map((r) => ({
        suite: r.suite,
        workload: r.workload,
        variant: r.variant,
        baseline: r.baseline,
        runtime: r.runtime,
        runtimeVersion: r.runtimeVersion,
        status: r.status,
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
        unit: r.unit,
        opsPerIteration: r.ops,
        opsPerSec: r.opsPerSec ?? null,
        medianMs: r.medianMs ?? null,
        p99Ms: r.p99Ms ?? null,
        samples: r.samples ?? null,
        ratio: r.ratio ?? null,
        ...(r.extra ? { extra: r.extra } : {}),
      })),
  };
}
