// Order statistics for benchmark samples. Pure.

/** Fewer samples than this and a p99 is just the maximum: report null instead. */
export const MIN_SAMPLES_FOR_P99 = 10;

/**
 * Quantile of an ascending-sorted array, linear interpolation between the
 * closest ranks (numpy's default, R type 7).
 * @param {ArrayLike<number>} sorted ascending
 * @param {number} q in [0, 1]
 * @returns {number} NaN for an empty array
 */
export function quantileSorted(sorted, q) {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  if (lo === hi) return sorted[lo];
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * @param {ArrayLike<number>} values
 * @returns {number[]} a sorted copy (input untouched)
 */
export function sortedCopy(values) {
  return Array.from(values).sort((a, b) => a - b);
}

/**
 * @param {ArrayLike<number>} values
 * @param {number} q in [0, 1]
 */
export function quantile(values, q) {
  return quantileSorted(sortedCopy(values), q);
}

/** @param {ArrayLike<number>} values */
export function median(values) {
  return quantile(values, 0.5);
}

/**
 * @param {ArrayLike<number>} values
 * @param {number} p percentile in [0, 100]
 */
export function percentile(values, p) {
  return quantile(values, p / 100);
}

/** @param {ArrayLike<number>} values */
export function mean(values) {
  if (values.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/**
 * @typedef {object} Summary
 * @property {number} samples
 * @property {number} medianMs
 * @property {number | null} p99Ms   null when there are too few samples for a p99
 * @property {number} meanMs
 * @property {number} minMs
 * @property {number} maxMs
 */

/**
 * Summarise per-iteration times in milliseconds.
 * @param {ArrayLike<number>} samplesMs
 * @returns {Summary}
 */
export function summarize(samplesMs) {
  const s = sortedCopy(samplesMs);
  if (s.length === 0) throw new RangeError("no samples");
  return {
    samples: s.length,
    medianMs: quantileSorted(s, 0.5),
    p99Ms: s.length >= MIN_SAMPLES_FOR_P99 ? quantileSorted(s, 0.99) : null,
    meanMs: mean(s),
    minMs: s[0],
    maxMs: s[s.length - 1],
  };
}

/**
 * Throughput of `ops` operations done in `ms` milliseconds.
 * @param {number} ops
 * @param {number} ms
 * @returns {number} ops per second (Infinity for a zero time, NaN for bad input)
 */
export function opsPerSecond(ops, ms) {
  if (!(ops >= 0) || !(ms >= 0)) return NaN;
  if (ms === 0) return ops === 0 ? NaN : Infinity;
  return (ops * 1000) / ms;
}
