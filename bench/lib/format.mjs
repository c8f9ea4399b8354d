// Number formatting, progress lines and the terminal table. Pure.

import { groupRows, unique } from "./results.mjs";

/** @typedef {import("./types.mjs").Row} Row */

/**
 * Three significant digits with an SI suffix: 1234567 -> "1.23M".
 * @param {number | null | undefined} x
 */
export function formatNumber(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "-∞";
  const a = Math.abs(x);
  const units = [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [scale, suffix] of /** @type {[number, string][]} */ (units)) {
    if (a >= scale * 0.9995) return sig3(x / scale) + suffix;
  }
  if (Number.isInteger(x)) return String(x); // counts: "3", not "3.00"
  return sig3(x);
}

/** @param {number} x */
function sig3(x) {
  const a = Math.abs(x);
  if (a === 0) return "0";
  if (a >= 99.95) return x.toFixed(0);
  if (a >= 9.995) return x.toFixed(1);
  if (a >= 0.9995) return x.toFixed(2);
  return Number(x.toPrecision(3)).toString();
}

/**
 * @param {number | null | undefined} r
 */
export function formatRatio(r) {
  if (r === null || r === undefined || !Number.isFinite(r)) return "–";
  if (r >= 99.5) return `${r.toFixed(0)}×`;
  if (r >= 9.95) return `${r.toFixed(1)}×`;
  if (r >= 0.01) return `${r.toFixed(2)}×`;
  return `${Number(r.toPrecision(2))}×`;
}

/**
 * Milliseconds, human scale: 0.0123 -> "12.3 µs", 1500 -> "1.50 s".
 * @param {number | null | undefined} ms
 */
export function formatDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms >= 1000) return `${sig3(ms / 1000)} s`;
  if (ms >= 1) return `${sig3(ms)} ms`;
  if (ms >= 0.001) return `${sig3(ms * 1000)} µs`;
  return `${sig3(ms * 1e6)} ns`;
}

/**
 * Seconds as m:ss for the progress display.
 * @param {number} seconds
 */
export function formatElapsed(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/**
 * `[3/14] scheduling · bun · call_soon · wasm`
 * @param {{ index: number, total: number, suite: string, runtime: string, workload: string, variant?: string }} p
 *   index is 1-based
 */
export function progressLine(p) {
  const parts = [p.suite, p.runtime, p.workload];
  if (p.variant) parts.push(p.variant);
  return `[${p.index}/${p.total}] ${parts.join(" · ")}`;
}

/**
 * Display width of a string (treats every code point as one column; the
 * table only uses ASCII, ×, ·, µ, – and ∞).
 * @param {string} s
 */
export function displayWidth(s) {
  return [...s].length;
}

/**
 * Render an aligned plain-text table.
 * @param {readonly string[]} headers
 * @param {ReadonlyArray<readonly string[]>} rows
 * @param {{ align?: ReadonlyArray<"left" | "right">, gap?: number }} [opts]
 * @returns {string} lines joined with "\n" (no trailing newline)
 */
export function renderTable(headers, rows, opts = {}) {
  const gap = " ".repeat(opts.gap ?? 2);
  const n = headers.length;
  const widths = headers.map((h, i) =>
    Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ""))),
  );
  /** @param {readonly string[]} cells */
  const line = (cells) =>
    Array.from({ length: n }, (_, i) => {
      const c = cells[i] ?? "";
      const pad = " ".repeat(widths[i] - displayWidth(c));
      return (opts.align?.[i] ?? "left") === "right" ? pad + c : c + pad;
    })
      .join(gap)
      .replace(/\s+$/, "");
  const rule = widths.map((w) => "─".repeat(w)).join(gap);
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

/**
 * Short cell text for a row: "12.3M 1.00×", "not installed", "unavailable".
 * @param {Row | undefined} r
 */
export function cellText(r) {
  if (!r) return "";
  switch (r.status) {
    case "ok":
      return `${formatNumber(r.opsPerSec)} ${formatRatio(r.ratio)}`;
    case "not-installed":
      return "not installed";
    case "unavailable":
      return "unavailable";
    default:
      return "error";
  }
}

/**
 * The terminal summary: one table per suite, rows workload × variant,
 * columns runtimes; cells are throughput and the ratio to the baseline on
 * the same runtime. Reasons for unavailable/error rows follow as notes.
 * @param {readonly Row[]} rows  rows with ratios (computeRatios)
 * @param {readonly string[]} runtimeOrder
 * @param {Record<string, string>} [runtimeLabels]  e.g. { node: "node 20.20.2" }
 * @returns {string}
 */
export function renderResultsText(rows, runtimeOrder, runtimeLabels = {}) {
  /** @type {string[]} */
  const out = [];
  for (const [suite, workloads] of groupRows(rows)) {
    const present = new Set(rows.filter((r) => r.suite === suite).map((r) => r.runtime));
    const runtimes = runtimeOrder.filter((r) => present.has(r));
    /** @type {string[][]} */
    const body = [];
    for (const [workload, wrows] of workloads) {
      const variants = unique(wrows.map((r) => r.variant));
      let first = true;
      for (const v of variants) {
        const vrows = wrows.filter((r) => r.variant === v);
        const isBase = vrows.some((r) => r.baseline);
        body.push([
          first ? workload : "",
          v + (isBase ? " *" : ""),
          first ? wrows[0].unit : "",
          ...runtimes.map((rt) => cellText(vrows.find((r) => r.runtime === rt))),
        ]);
        first = false;
      }
    }
    out.push(`${suite}  (throughput and ratio to the baseline * on the same runtime)`);
    out.push(
      renderTable(
        ["workload", "variant", "unit", ...runtimes.map((r) => runtimeLabels[r] ?? r)],
        body,
        { align: ["left", "left", "left", ...runtimes.map(() => /** @type {const} */ ("right"))] },
      ),
    );
    const notes = collectNotes(rows.filter((r) => r.suite === suite), 200);
    const shown = notes.slice(0, 12);
    for (const n of shown) out.push(`  note: ${n}`);
    if (notes.length > shown.length) out.push(`  … ${notes.length - shown.length} more notes in the summary`);
    out.push("");
  }
  return out.join("\n");
}

/**
 * @param {string} s
 * @param {number} [max]
 */
export function oneLine(s, max = 160) {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > max ? t.slice(0, max - 1) + "…" : t;
}

/**
 * One note per distinct (status, reason) among rows that are not ok, naming
 * the workloads, variants and runtimes it applies to:
 * `unavailable: dist/index.js does not export Queue yet (queue_pingpong: js, wasm; on node, deno, bun)`.
 * @param {readonly Row[]} rows
 * @param {number} [maxReason] reason length cap
 * @returns {string[]}
 */
export function collectNotes(rows, maxReason = 300) {
  /** @type {Map<string, { head: string, workloads: Map<string, Set<string>>, runtimes: Set<string> }>} */
  const groups = new Map();
  for (const r of rows) {
    if (r.status === "ok") continue;
    const reason = r.reason ? oneLine(r.reason, maxReason) : "";
    const head = reason ? `${r.status}: ${reason}` : r.status;
    let g = groups.get(head);
    if (!g) groups.set(head, (g = { head, workloads: new Map(), runtimes: new Set() }));
    let vs = g.workloads.get(r.workload);
    if (!vs) g.workloads.set(r.workload, (vs = new Set()));
    vs.add(r.variant);
    g.runtimes.add(r.runtime);
  }
  return [...groups.values()].map((g) => {
    const where = [...g.workloads].map(([w, vs]) => `${w}: ${[...vs].join(", ")}`).join("; ");
    return `${g.head} (${where}; on ${[...g.runtimes].join(", ")})`;
  });
}
