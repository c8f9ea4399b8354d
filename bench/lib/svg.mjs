// SVG bar charts of ratios to baseline, one per suite. Pure.

import { formatRatio } from "./format.mjs";

/** @typedef {import("./types.mjs").Row} Row */

/** Above this max/min spread of ratios the chart switches to a log scale. */
export const LOG_SCALE_SPREAD = 20;

/**
 * @param {string} s
 */
export function xmlEscape(s) {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/**
 * "log" when the ratios (and the 1× baseline) span more than LOG_SCALE_SPREAD.
 * @param {readonly number[]} ratios positive, finite
 * @returns {"log" | "linear"}
 */
export function chooseScale(ratios) {
  const xs = ratios.filter((r) => Number.isFinite(r) && r > 0);
  if (xs.length === 0) return "linear";
  const hi = Math.max(1, ...xs);
  const lo = Math.min(1, ...xs);
  return hi / lo > LOG_SCALE_SPREAD ? "log" : "linear";
}

/**
 * Round up to 1, 2, 2.5 or 5 × 10^k.
 * @param {number} x > 0
 */
export function niceCeil(x) {
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x * (1 - 1e-9)) return m * p;
  return 10 * p;
}

/**
 * Axis domain and tick values.
 * @param {readonly number[]} ratios
 * @param {"log" | "linear"} scale
 * @returns {{ min: number, max: number, ticks: number[] }}
 */
export function axis(ratios, scale) {
  const xs = ratios.filter((r) => Number.isFinite(r) && r > 0);
  const hi = Math.max(1, ...xs);
  const lo = Math.min(1, ...xs);
  if (scale === "linear") {
    const max = niceCeil(hi * 1.05);
    const step = niceCeil(max / 5);
    /** @type {number[]} */
    const ticks = [];
    for (let t = 0; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
    if (!ticks.includes(1)) ticks.push(1);
    return { min: 0, max, ticks: ticks.sort((a, b) => a - b) };
  }
  const min = Math.pow(10, Math.floor(Math.log10(lo)));
  const max = Math.pow(10, Math.ceil(Math.log10(hi)));
  /** @type {number[]} */
  const ticks = [];
  for (let e = Math.round(Math.log10(min)); e <= Math.round(Math.log10(max)); e++) ticks.push(Math.pow(10, e));
  return { min, max: max === min ? min * 10 : max, ticks };
}

/** Fixed colours for the variants we know, a palette for the rest. */
export const VARIANT_COLORS = Object.freeze({
  native: "#8c8c8c",
  "native-microtask": "#b5b5b5",
  naive: "#8c8c8c",
  raw: "#8c8c8c",
  js: "#e8a33d",
  wasm: "#654ff0",
  asyncio: "#3f9c5a",
  uvloop: "#1f6f8b",
  effection: "#c2557a",
  effect: "#7a4fa0",
});
const PALETTE = ["#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#2c7fb8"];

/**
 * @param {string} variant
 */
export function variantColor(variant) {
  const known = /** @type {Record<string, string>} */ (VARIANT_COLORS)[variant];
  if (known) return known;
  // Variants like "protocol-wasm" take the colour of their core.
  if (variant.endsWith("-wasm")) return VARIANT_COLORS.wasm;
  if (variant.endsWith("-js")) return VARIANT_COLORS.js;
  let h = 0;
  for (const ch of variant) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

/**
 * @param {number} v
 */
function fmt(v) {
  return Number(v.toFixed(2)).toString();
}

/**
 * Horizontal bar chart of ratios for one suite: one group per workload,
 * one bar per runtime × non-baseline variant that produced a figure (each
 * runtime's baseline is the dashed 1× line; the label names it). Linear scale from 0,
 * or log scale with bars growing from the 1× line when the spread exceeds
 * LOG_SCALE_SPREAD. Self-contained (no external fonts or CSS).
 * @param {string} suite
 * @param {readonly Row[]} rows  rows with ratios; rows of other suites are ignored
 * @param {{ title?: string, subtitle?: string, width?: number }} [opts]
 * @returns {string}
 */
export function renderSuiteChart(suite, rows, opts = {}) {
  // baselines are the dashed 1× line, not bars
  const ok = rows.filter(
    (r) =>
      r.suite === suite &&
      !r.baseline &&
      r.status === "ok" &&
      typeof r.ratio === "number" &&
      r.ratio > 0 &&
      Number.isFinite(r.ratio),
  );
  const width = opts.width ?? 860;
  const labelW = 230;
  const valueW = 70;
  const plotX = labelW;
  const plotW = width - labelW - valueW - 10;
  const rowH = 18;
  const groupH = 24;
  const top = 58;
  const font = 'font-family="system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif"';
  const title = opts.title ?? `${suite}: throughput ÷ baseline on the same runtime`;

  /** @type {Map<string, string>} workload + runtime -> baseline variant name */
  const baselineOf = new Map();
  for (const r of rows) if (r.suite === suite && r.baseline) baselineOf.set(`${r.workload}\u0000${r.runtime}`, r.variant);
  /** @type {Map<string, Row[]>} */
  const groups = new Map();
  for (const r of ok) {
    let g = groups.get(r.workload);
    if (!g) groups.set(r.workload, (g = []));
    g.push(r);
  }
  const ratios = ok.map((r) => /** @type {number} */ (r.ratio));
  const scale = chooseScale(ratios);
  const ax = axis(ratios, scale);
  /** @param {number} v */
  const x = (v) => {
    if (scale === "linear") return plotX + ((v - ax.min) / (ax.max - ax.min)) * plotW;
    const l = Math.log10(ax.min);
    return plotX + ((Math.log10(v) - l) / (Math.log10(ax.max) - l)) * plotW;
  };
  let nRows = 0;
  for (const g of groups.values()) nRows += g.length;
  const plotH = groups.size * groupH + nRows * rowH;
  const height = top + Math.max(plotH, 30) + 44;

  /** @type {string[]} */
  const parts = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${xmlEscape(title)}">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  parts.push(`<text x="10" y="22" ${font} font-size="15" font-weight="600" fill="#222">${xmlEscape(title)}</text>`);
  const sub =
    opts.subtitle ??
    `${scale === "log" ? "log scale, bars grow from 1×" : "linear scale"} · higher is faster · dashed line = each runtime's baseline (1×)`;
  parts.push(`<text x="10" y="40" ${font} font-size="11" fill="#666">${xmlEscape(sub)}</text>`);

  if (ok.length === 0) {
    parts.push(`<text x="10" y="${top + 20}" ${font} font-size="12" fill="#666">no results</text>`);
    parts.push("</svg>");
    return parts.join("\n") + "\n";
  }

  const axisY = top + plotH + 4;
  for (const t of ax.ticks) {
    const tx = fmt(x(t));
    parts.push(`<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${axisY}" stroke="#e6e6e6" stroke-width="1"/>`);
    parts.push(
      `<text x="${tx}" y="${axisY + 14}" ${font} font-size="10" fill="#666" text-anchor="middle">${xmlEscape(formatRatio(t))}</text>`,
    );
  }
  const one = fmt(x(1));
  parts.push(`<line x1="${one}" y1="${top - 4}" x2="${one}" y2="${axisY}" stroke="#444" stroke-width="1" stroke-dasharray="4 3"/>`);

  let y = top;
  for (const [workload, g] of groups) {
    parts.push(`<text x="10" y="${y + 16}" ${font} font-size="12" font-weight="600" fill="#222">${xmlEscape(workload)}</text>`);
    y += groupH;
    for (const r of g) {
      const ratio = /** @type {number} */ (r.ratio);
      const from = scale === "log" ? 1 : 0;
      const x0 = Math.min(x(from), x(ratio));
      const x1 = Math.max(x(from), x(ratio));
      const w = Math.max(1, x1 - x0);
      const base = baselineOf.get(`${r.workload}\u0000${r.runtime}`);
      const label = `${r.runtime} · ${r.variant}${base ? ` ÷ ${base}` : ""}`;
      parts.push(`<text x="24" y="${y + 13}" ${font} font-size="11" fill="#333">${xmlEscape(label)}</text>`);
      parts.push(
        `<rect x="${fmt(x0)}" y="${y + 3}" width="${fmt(w)}" height="${rowH - 6}" fill="${variantColor(r.variant)}" rx="2"><title>${xmlEscape(
          `${r.workload} · ${label}: ${formatRatio(ratio)}`,
        )}</title></rect>`,
      );
      parts.push(
        `<text x="${fmt(Math.max(x1, x(ratio)) + 4)}" y="${y + 13}" ${font} font-size="11" fill="#333">${xmlEscape(formatRatio(ratio))}</text>`,
      );
      y += rowH;
    }
  }
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
