// The Markdown summary (bench/results/<timestamp>-summary.md). Pure.

import { collectNotes, formatDuration, formatNumber, formatRatio } from "./format.mjs";
import { groupRows, unique } from "./results.mjs";

/** @typedef {import("./types.mjs").Row} Row */
/** @typedef {import("./types.mjs").Machine} Machine */

/**
 * Escape text for a Markdown table cell.
 * @param {string} s
 */
export function mdEscape(s) {
  return s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/**
 * @param {Row | undefined} r
 */
export function mdCell(r) {
  if (!r) return "";
  switch (r.status) {
    case "ok":
      return `${formatRatio(r.ratio)} · ${formatNumber(r.opsPerSec)}/s`;
    case "not-installed":
      return "not installed";
    case "unavailable":
      return "unavailable";
    default:
      return "error";
  }
}

/**
 * `mibPerSec 49.9 MiB/s, rounds 3`
 * @param {Record<string, number> | undefined} extra
 * @param {Record<string, string>} [units]  unit per key
 */
export function formatExtra(extra, units = {}) {
  if (!extra) return "";
  return Object.entries(extra)
    .map(([k, v]) => `${k} ${formatNumber(v)}${units[k] ? ` ${units[k]}` : ""}`)
    .join(", ");
}

/**
 * @typedef {object} SummaryInput
 * @property {Date} date
 * @property {boolean} quick
 * @property {Machine} machine
 * @property {readonly Row[]} rows        with ratios (computeRatios)
 * @property {readonly string[]} runtimeOrder
 * @property {Record<string, string>} [runtimeLabels]  e.g. { python: "CPython 3.11.2 (uvloop 0.17.0)" }
 * @property {(suite: string) => string | null} [chartFile]  image path per suite, or null for none
 * @property {Record<string, string>} [descriptions]  "suite/workload" -> what it measures
 * @property {Record<string, Record<string, string>>} [extraUnits]  "suite/workload" -> units of extra figures
 * @property {readonly string[]} [notes]   extra lines for the header (e.g. disturbed runs)
 */

/**
 * @param {SummaryInput} p
 * @returns {string}
 */
export function renderSummary(p) {
  const labels = p.runtimeLabels ?? {};
  const m = p.machine;
  /** @type {string[]} */
  const out = [];
  const when = p.date.toISOString().replace("T", " ").replace(/\.\d{3}Z$/, " UTC");
  out.push(`# wasyncio benchmarks: ${when}${p.quick ? " (quick run)" : ""}`);
  out.push("");
  out.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.os} ${m.arch}` + (m.loadavg ? `, load ${m.loadavg.map((x) => x.toFixed(2)).join(" ")}` : "") + "." +
    (m.networkPinned ? " Network servers pinned to CPU 0, load generators to CPU 1." : ""));
  const rts = p.runtimeOrder.filter((r) => p.rows.some((row) => row.runtime === r));
  if (rts.length > 0) out.push(`Runtimes: ${rts.map((r) => labels[r] ?? r).join(", ")}.`);
  out.push("");
  out.push(
    "Each cell is the variant's throughput divided by its workload's baseline (**bold**) " +
      "on the same runtime in this run (higher is faster), then the throughput itself. " +
      "Ratios are only ever computed within one run.",
  );
  if (p.quick) out.push("This was a `--quick` run: few samples, figures are indicative only.");
  for (const n of p.notes ?? []) out.push(`${n}`);
  out.push("");

  for (const [suite, workloads] of groupRows(p.rows)) {
    const present = new Set(p.rows.filter((r) => r.suite === suite).map((r) => r.runtime));
    const runtimes = p.runtimeOrder.filter((r) => present.has(r));
    out.push(`## ${suite}`);
    out.push("");
    const chart = p.chartFile ? p.chartFile(suite) : null;
    if (chart) {
      out.push(`![${suite}: ratio to baseline](${chart})`);
      out.push("");
    }
    out.push(`| workload | variant | ${runtimes.map((r) => mdEscape(labels[r] ?? r)).join(" | ")} |`);
    out.push(`| --- | --- | ${runtimes.map(() => "---:").join(" | ")} |`);
    for (const [workload, wrows] of workloads) {
      let first = true;
      for (const v of unique(wrows.map((r) => r.variant))) {
        const vrows = wrows.filter((r) => r.variant === v);
        const isBase = vrows.some((r) => r.baseline);
        const wcell = first ? `${workload} (${mdEscape(wrows[0].unit)})` : "";
        const vcell = isBase ? `**${mdEscape(v)}**` : mdEscape(v);
        out.push(`| ${wcell} | ${vcell} | ${runtimes.map((rt) => mdCell(vrows.find((r) => r.runtime === rt))).join(" | ")} |`);
        first = false;
      }
    }
    out.push("");
    const uniq = collectNotes(p.rows.filter((r) => r.suite === suite));
    if (uniq.length > 0) {
      out.push("Notes:");
      out.push("");
      for (const n of uniq) out.push(`- ${mdEscape(n)}`);
      out.push("");
    }
    const desc = [...workloads.keys()]
      .map((w) => [w, p.descriptions?.[`${suite}/${w}`]])
      .filter(([, d]) => d);
    if (desc.length > 0) {
      out.push("<details><summary>What each workload measures</summary>");
      out.push("");
      for (const [w, d] of desc) out.push(`- \`${w}\`: ${d}`);
      out.push("");
      out.push("</details>");
      out.push("");
    }
    out.push("<details><summary>Details: median and p99 per iteration, samples</summary>");
    out.push("");
    out.push("| workload | variant | runtime | ops/iter | throughput | median | p99 | samples | extra |");
    out.push("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for (const [workload, wrows] of workloads) {
      for (const r of wrows) {
        if (r.status !== "ok") continue;
        out.push(
          `| ${workload} | ${mdEscape(r.variant)} | ${r.runtime} | ${formatNumber(r.ops)} | ` +
            `${formatNumber(r.opsPerSec)} ${mdEscape(r.unit)} | ${formatDuration(r.medianMs)} | ` +
            `${formatDuration(r.p99Ms)} | ${r.samples ?? "–"} | ${mdEscape(formatExtra(r.extra, p.extraUnits?.[`${suite}/${workload}`]))} |`,
        );
      }
    }
    out.push("");
    out.push("</details>");
    out.push("");
  }
  return out.join("\n");
}
