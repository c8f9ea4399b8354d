// Unit tests of the benchmark runner's pure logic (bench/lib). No benchmark
// runs here: benchmarks are never timed assertions in the test suite.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  helpText,
  KNOWN_RUNTIMES,
  matchesFilter,
  parseArgs,
  parseWorkerArgs,
  splitList,
  unmatchedTokens,
} from "../bench/lib/args.mjs";
import {
  cellText,
  collectNotes,
  formatDuration,
  formatElapsed,
  formatNumber,
  formatRatio,
  progressLine,
  renderResultsText,
  renderTable,
} from "../bench/lib/format.mjs";
import { HOST, parseLoadgenArgs } from "../bench/lib/loadgen-args.mjs";
import { formatExtra, mdEscape, renderSummary } from "../bench/lib/markdown.mjs";
import {
  benchSettings,
  buildPlan,
  DEFAULT_SETTINGS,
  fileTimestamp,
  validateSuite,
  variantsFor,
  variantTimeoutMs,
  workloadRuntimes,
} from "../bench/lib/plan.mjs";
import {
  computeRatios,
  extractResult,
  groupRows,
  RESULT_MARKER,
  rowsFromOutput,
  runDocument,
  statusRows,
  validateOutput,
} from "../bench/lib/results.mjs";
import { median, opsPerSecond, percentile, quantile, quantileSorted, summarize } from "../bench/lib/stats.mjs";
import { axis, chooseScale, niceCeil, renderSuiteChart, variantColor, xmlEscape } from "../bench/lib/svg.mjs";
import type { Row, Workload } from "../bench/lib/types.mjs";

const noop = (): void => {};

/** A row with sensible defaults. */
function row(p: Partial<Row> & Pick<Row, "workload" | "variant" | "runtime">): Row {
  return {
    suite: "scheduling",
    runtimeVersion: "1.0",
    unit: "ops/s",
    ops: 1000,
    baseline: false,
    status: "ok",
    ...p,
  };
}

describe("args", () => {
  it("has defaults", () => {
    const o = parseArgs([]);
    expect(o).toMatchObject({ help: false, quick: false, list: false, isolate: true, save: true, only: null, runtimes: null, variants: null, out: null });
    expect(o.errors).toEqual([]);
  });

  it("parses every flag, both --flag value and --flag=value", () => {
    const o = parseArgs(["--quick", "--only", "sleep0,echo", "--runtimes=node,bun", "--variants", "wasm", "--isolate", "--no-save", "--out", "/tmp/x", "--list"]);
    expect(o.errors).toEqual([]);
    expect(o).toMatchObject({ quick: true, only: ["sleep0", "echo"], runtimes: ["node", "bun"], variants: ["wasm"], isolate: true, save: false, out: "/tmp/x", list: true });
  });

  it("accumulates repeated lists and trims blanks", () => {
    expect(parseArgs(["--only", "a, b,", "--only=c"]).only).toEqual(["a", "b", "c"]);
    expect(splitList(" x ,,y ")).toEqual(["x", "y"]);
  });

  it("reports help, unknown flags, unknown runtimes and missing values", () => {
    expect(parseArgs(["-h"]).help).toBe(true);
    expect(parseArgs(["--help"]).help).toBe(true);
    expect(parseArgs(["--frobnicate"]).errors[0]).toMatch(/unknown argument/);
    expect(parseArgs(["--runtimes", "node,rhino"]).errors[0]).toMatch(/unknown runtime "rhino"/);
    expect(parseArgs(["--only"]).errors[0]).toMatch(/needs a value/);
    expect(parseArgs(["--only", "--quick"]).errors[0]).toMatch(/needs a value/);
    expect(parseArgs(["--only="]).errors.length).toBeGreaterThan(0);
  });

  it("help lists every flag and runtime", () => {
    const h = helpText();
    expect(parseArgs(["--shared"]).isolate).toBe(false);
    for (const f of ["--quick", "--only", "--runtimes", "--variants", "--isolate", "--shared", "--list", "--no-save", "--out", "--help"]) expect(h).toContain(f);
    for (const r of KNOWN_RUNTIMES) expect(h).toContain(r);
  });

  it("filters by suite, workload, or workload family", () => {
    expect(matchesFilter(null, "network", "echo_1k")).toBe(true);
    expect(matchesFilter(["network"], "network", "echo_1k")).toBe(true);
    expect(matchesFilter(["echo"], "network", "echo_1k")).toBe(true);
    expect(matchesFilter(["echo_1k"], "network", "echo_1k")).toBe(true);
    expect(matchesFilter(["echo_1k"], "network", "echo_10k")).toBe(false);
    expect(matchesFilter(["sleep0"], "scheduling", "call_soon")).toBe(false);
    expect(matchesFilter(["call"], "scheduling", "call_later0")).toBe(true);
    expect(matchesFilter(["ech"], "network", "echo_1k")).toBe(false);
  });

  it("finds --only tokens that match nothing", () => {
    const cat = [{ suite: "network", workloads: ["echo_1k"] }];
    expect(unmatchedTokens(["echo", "nope"], cat)).toEqual(["nope"]);
    expect(unmatchedTokens(null, cat)).toEqual([]);
  });

  it("parses worker arguments", () => {
    expect(parseWorkerArgs(["scheduling", "sleep0", "--quick", "--variants", "js,wasm"])).toEqual({
      suite: "scheduling",
      workload: "sleep0",
      quick: true,
      variants: ["js", "wasm"],
      errors: [],
    });
    expect(parseWorkerArgs(["scheduling"]).errors.length).toBe(1);
    expect(parseWorkerArgs(["a", "b", "--what"]).errors[0]).toMatch(/unknown/);
  });
});

describe("stats", () => {
  it("interpolates quantiles like numpy", () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantileSorted([10], 0.99)).toBe(10);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(Number.isNaN(quantileSorted([], 0.5))).toBe(true);
    expect(() => quantileSorted([1], 1.5)).toThrow(RangeError);
  });

  it("median and percentile do not mutate their input", () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const hundred = Array.from({ length: 101 }, (_, i) => i);
    expect(percentile(hundred, 99)).toBe(99);
  });

  it("summarises samples, p99 only with enough of them", () => {
    const s = summarize([3, 1, 2]);
    expect(s).toEqual({ samples: 3, medianMs: 2, p99Ms: null, meanMs: 2, minMs: 1, maxMs: 3 });
    const many = summarize(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(many.samples).toBe(100);
    expect(many.medianMs).toBe(50.5);
    expect(many.p99Ms).toBeCloseTo(99.01, 10);
    expect(() => summarize([])).toThrow();
  });

  it("converts to ops per second", () => {
    expect(opsPerSecond(1000, 10)).toBe(100_000);
    expect(opsPerSecond(1, 0)).toBe(Infinity);
    expect(Number.isNaN(opsPerSecond(-1, 1))).toBe(true);
  });
});

const fn = (): void => {};
function goodSuite(): Record<string, unknown> {
  return {
    name: "demo",
    python: "reference/demo.py",
    workloads: [
      {
        name: "w_one",
        unit: "ops/s",
        ops: 10,
        variants: [
          { name: "native", baseline: true, fn },
          { name: "wasm", fn },
          { name: "asyncio", runtimes: ["python"], baseline: true },
          { name: "uvloop", runtimes: ["python"] },
        ],
      },
      { name: "w_two", unit: "ops/s", ops: 5, quickOps: 1, variants: [{ name: "native", baseline: true, fn }] },
    ],
  };
}

describe("plan", () => {
  it("accepts a well-formed suite", () => {
    const { suite, problems } = validateSuite("demo", goodSuite());
    expect(problems).toEqual([]);
    expect(suite?.name).toBe("demo");
    expect(suite?.driver).toBe(false);
    expect(suite?.workloads.length).toBe(2);
  });

  it("takes the name from the file when the module has none", () => {
    const m = goodSuite();
    delete m.name;
    expect(validateSuite("fromfile", m).suite?.name).toBe("fromfile");
  });

  it("rejects malformed suites with precise problems", () => {
    expect(validateSuite("x", {}).problems[0]).toMatch(/workloads/);
    const bad = (mut: (w: any) => void): string[] => {
      const m = goodSuite();
      mut((m.workloads as any[])[0]);
      return validateSuite("demo", m).problems;
    };
    expect(bad((w) => delete w.unit).join()).toMatch(/missing unit/);
    expect(bad((w) => (w.ops = 0)).join()).toMatch(/ops must be/);
    expect(bad((w) => (w.variants[1].baseline = true)).join()).toMatch(/exactly one baseline variant for node \(has 2\)/);
    expect(bad((w) => (w.variants[0].baseline = false)).join()).toMatch(/exactly one baseline variant for node \(has 0\)/);
    expect(bad((w) => delete w.variants[1].fn).join()).toMatch(/needs fn/);
    expect(bad((w) => (w.variants[1].name = "native")).join()).toMatch(/duplicate variant/);
    expect(bad((w) => (w.variants[1].setup = 3)).join()).toMatch(/setup must be a function/);
    expect(bad((w) => (w.name = "bad name")).join()).toMatch(/no valid name/);
    const noScript = goodSuite();
    delete noScript.python;
    expect(validateSuite("demo", noScript).problems.join()).toMatch(/no "python" script/);
  });

  it("requires servers in driven suites", () => {
    const m = { run: noop, workloads: [{ name: "echo_1k", unit: "requests/s", ops: 1, variants: [{ name: "raw", baseline: true }] }] };
    expect(validateSuite("network", m).problems.join()).toMatch(/need "server"/);
    (m.workloads[0].variants[0] as any).server = "net/servers/raw-node.mjs";
    const v = validateSuite("network", m);
    expect(v.problems).toEqual([]);
    expect(v.suite?.driver).toBe(true);
    // a server may run under another runtime than its job's, only a known one, only when driven
    (m.workloads[0].variants[0] as any).interpreter = "python";
    expect(validateSuite("network", m).problems).toEqual([]);
    (m.workloads[0].variants[0] as any).interpreter = "ruby";
    expect(validateSuite("network", m).problems.join()).toMatch(/unknown interpreter "ruby"/);
    const plain = goodSuite();
    ((plain.workloads as any[])[0].variants[1] as any).interpreter = "node";
    expect(validateSuite("demo", plain).problems.join()).toMatch(/"interpreter" is for the servers of a driven suite/);
  });

  it("plans workload × runtime jobs in order, missing runtimes included", () => {
    const { suite } = validateSuite("demo", goodSuite());
    const jobs = buildPlan([suite!], { runtimes: ["node", "deno", "bun", "python"], only: null, variants: null });
    expect(jobs.map((j) => `${j.workload}/${j.runtime}`)).toEqual([
      "w_one/node",
      "w_one/deno",
      "w_one/bun",
      "w_one/python",
      "w_two/node",
      "w_two/deno",
      "w_two/bun",
    ]);
    expect(jobs[0].variants).toEqual(["native", "wasm"]);
    expect(jobs[3].variants).toEqual(["asyncio", "uvloop"]);
  });

  it("applies --only, --runtimes, --variants (keeping baselines) and --isolate", () => {
    const { suite } = validateSuite("demo", goodSuite());
    const s = [suite!];
    expect(buildPlan(s, { runtimes: ["bun", "node"], only: ["w_two"], variants: null }).map((j) => j.runtime)).toEqual(["bun", "node"]);
    const wasmOnly = buildPlan(s, { runtimes: ["node", "python"], only: ["w_one"], variants: ["wasm"] });
    expect(wasmOnly.map((j) => j.variants)).toEqual([["native", "wasm"], ["asyncio"]]);
    const iso = buildPlan(s, { runtimes: ["node"], only: ["w_one"], variants: null, isolate: true });
    expect(iso.map((j) => j.variants)).toEqual([["native"], ["wasm"]]);
    // a driven suite keeps its variants together (their rounds are interleaved)
    const driven = { ...suite!, driver: true };
    expect(buildPlan([driven], { runtimes: ["node"], only: ["w_one"], variants: null, isolate: true }).map((j) => j.variants)).toEqual([["native", "wasm"]]);
    expect(buildPlan(s, { runtimes: ["node"], only: ["nothing"], variants: null })).toEqual([]);
  });

  it("lists runtimes and variants per workload", () => {
    const { suite } = validateSuite("demo", goodSuite());
    const w = suite!.workloads[0];
    expect(workloadRuntimes(w, ["python", "node", "deno"])).toEqual(["python", "node", "deno"]);
    expect(workloadRuntimes(suite!.workloads[1], ["python", "node"])).toEqual(["node"]);
    expect(variantsFor(w, "python", null).map((v) => v.name)).toEqual(["asyncio", "uvloop"]);
  });

  it("derives timing settings for full and quick runs", () => {
    const w = { name: "w", unit: "u", ops: 100, quickOps: 10, variants: [], bench: { iterations: 3, quickTime: 0 } } as unknown as Workload;
    expect(benchSettings(w, false)).toEqual({ ...DEFAULT_SETTINGS.full, ops: 100, iterations: 3 });
    expect(benchSettings(w, true)).toEqual({ ...DEFAULT_SETTINGS.quick, ops: 10, time: 0 });
    const plain = { name: "w", unit: "u", ops: 7, variants: [] } as unknown as Workload;
    expect(benchSettings(plain, true).ops).toBe(7);
  });

  it("bounds how long a variant may hang", () => {
    const quick = { ops: 1, time: 120, iterations: 3, warmupTime: 30, warmupIterations: 1 };
    expect(variantTimeoutMs(quick, true)).toBe(30_000);
    expect(variantTimeoutMs({ ...quick, time: 10_000 }, false)).toBe(200_600);
  });

  it("makes file-safe timestamps", () => {
    expect(fileTimestamp(new Date("2025-11-22T01:51:03.456Z"))).toBe("2025-11-22T01-51-03Z");
  });
});

describe("results", () => {
  const out = {
    suite: "scheduling",
    workload: "sleep0",
    runtime: { name: "node", version: "20.20.2" },
    unit: "sleeps/s",
    ops: 1000,
    results: [
      { variant: "native", status: "ok", opsPerSec: 2000, medianMs: 0.5, p99Ms: 0.9, meanMs: 0.55, samples: 40 },
      { variant: "wasm", status: "ok", opsPerSec: 1000, medianMs: 1, p99Ms: null, samples: 5, extra: { x: 1 } },
      { variant: "js", status: "unavailable", reason: "dist/index.js is not built" },
    ],
  };

  it("extracts the marked result line, ignoring stray output", () => {
    const stdout = `hello\n${RESULT_MARKER}{"a":1}\nbye\n`;
    expect(extractResult(stdout)).toEqual({ a: 1 });
    expect(extractResult("nothing here\n")).toBeUndefined();
    expect(() => extractResult(`${RESULT_MARKER}{oops`)).toThrow();
  });

  it("validates output documents", () => {
    expect(validateOutput(out)).toEqual([]);
    expect(validateOutput(null)).toEqual(["output is not an object"]);
    expect(validateOutput({ ...out, results: [{ variant: "a", status: "ok" }] }).join()).toMatch(/without opsPerSec/);
    expect(validateOutput({ ...out, results: [{ variant: "a", status: "weird" }] }).join()).toMatch(/bad status/);
    expect(validateOutput({ results: [] }).length).toBeGreaterThan(0);
  });

  it("flattens outputs to rows and marks baselines", () => {
    const rows = rowsFromOutput(out as any, { baselines: ["native"] });
    expect(rows.map((r) => [r.variant, r.baseline, r.status])).toEqual([
      ["native", true, "ok"],
      ["wasm", false, "ok"],
      ["js", false, "unavailable"],
    ]);
    expect(rows[0]).toMatchObject({ suite: "scheduling", runtime: "node", runtimeVersion: "20.20.2", unit: "sleeps/s", ops: 1000, medianMs: 0.5, samples: 40 });
    expect(rows[1].extra).toEqual({ x: 1 });
    expect(rows[2].reason).toBe("dist/index.js is not built");
    expect(rows[2].opsPerSec).toBeUndefined();
  });

  it("computes ratios within one workload and runtime only", () => {
    const rows = computeRatios([
      row({ workload: "a", variant: "native", runtime: "node", baseline: true, opsPerSec: 100 }),
      row({ workload: "a", variant: "wasm", runtime: "node", opsPerSec: 250 }),
      row({ workload: "a", variant: "native", runtime: "bun", baseline: true, opsPerSec: 1000 }),
      row({ workload: "a", variant: "wasm", runtime: "bun", opsPerSec: 500 }),
      row({ workload: "a", variant: "js", runtime: "bun", status: "unavailable" }),
      row({ workload: "b", variant: "native", runtime: "node", baseline: true, status: "error" }),
      row({ workload: "b", variant: "wasm", runtime: "node", opsPerSec: 5 }),
    ]);
    expect(rows.map((r) => r.ratio)).toEqual([1, 2.5, 1, 0.5, null, null, null]);
  });

  it("builds status rows for jobs without output", () => {
    const rows = statusRows({ suite: "s", workload: "w", runtime: "deno", unit: "u", ops: 3 }, [{ name: "native", baseline: true }, { name: "wasm" }], "not-installed", "deno not installed");
    expect(rows.map((r) => [r.variant, r.baseline, r.status, r.reason])).toEqual([
      ["native", true, "not-installed", "deno not installed"],
      ["wasm", false, "not-installed", "deno not installed"],
    ]);
  });

  it("groups rows by suite then workload in order of appearance", () => {
    const g = groupRows([
      row({ workload: "b", variant: "x", runtime: "node" }),
      row({ suite: "network", workload: "echo_1k", variant: "raw", runtime: "node" }),
      row({ workload: "a", variant: "x", runtime: "node" }),
      row({ workload: "b", variant: "y", runtime: "node" }),
    ]);
    expect([...g.keys()]).toEqual(["scheduling", "network"]);
    expect([...g.get("scheduling")!.keys()]).toEqual(["b", "a"]);
    expect(g.get("scheduling")!.get("b")!.length).toBe(2);
  });

  it("writes one document per runtime with machine and date", () => {
    const rows = computeRatios([
      row({ workload: "a", variant: "native", runtime: "node", baseline: true, opsPerSec: 100, medianMs: 10, p99Ms: 12, samples: 20 }),
      row({ workload: "a", variant: "native", runtime: "bun", baseline: true, opsPerSec: 100 }),
    ]);
    const machine = { cpu: "CPU", cores: 2, os: "Linux", arch: "x64" };
    const doc = runDocument({ date: new Date("2025-01-02T03:04:05Z"), timestamp: "t", quick: true, machine, runtime: "node", runtimeVersion: "20", rows });
    expect(doc).toMatchObject({ schema: 1, date: "2025-01-02T03:04:05.000Z", mode: "quick", runtime: { name: "node", version: "20" }, machine });
    expect(doc.results).toHaveLength(1);
    expect(doc.results[0]).toMatchObject({ workload: "a", variant: "native", opsPerSec: 100, medianMs: 10, p99Ms: 12, samples: 20, ratio: 1, opsPerIteration: 1000 });
  });
});

describe("format", () => {
  it("formats numbers, ratios, durations", () => {
    expect(formatNumber(1_234_567)).toBe("1.23M");
    expect(formatNumber(999_999)).toBe("1.00M");
    expect(formatNumber(45_600)).toBe("45.6k");
    expect(formatNumber(12.345)).toBe("12.3");
    expect(formatNumber(3)).toBe("3");
    expect(formatNumber(0.001234)).toBe("0.00123");
    expect(formatNumber(null)).toBe("–");
    expect(formatNumber(Infinity)).toBe("∞");
    expect(formatRatio(1)).toBe("1.00×");
    expect(formatRatio(15.24)).toBe("15.2×");
    expect(formatRatio(250)).toBe("250×");
    expect(formatRatio(0.0042)).toBe("0.0042×");
    expect(formatRatio(null)).toBe("–");
    expect(formatDuration(0.0123)).toBe("12.3 µs");
    expect(formatDuration(1500)).toBe("1.50 s");
    expect(formatDuration(0.0000005)).toBe("0.5 ns");
    expect(formatElapsed(83)).toBe("1:23");
  });

  it("prints progress like [3/14] scheduling · bun · call_soon", () => {
    expect(progressLine({ index: 3, total: 14, suite: "scheduling", runtime: "bun", workload: "call_soon" })).toBe("[3/14] scheduling · bun · call_soon");
    expect(progressLine({ index: 1, total: 2, suite: "s", runtime: "node", workload: "w", variant: "wasm" })).toBe("[1/2] s · node · w · wasm");
  });

  it("aligns tables", () => {
    const t = renderTable(["a", "num"], [["xx", "1"], ["y", "123"]], { align: ["left", "right"] }).split("\n");
    expect(t).toEqual(["a   num", "──  ───", "xx    1", "y   123"]);
  });

  it("renders the terminal results with ratios, statuses and notes", () => {
    const rows = computeRatios([
      row({ workload: "sleep0", variant: "native", runtime: "node", baseline: true, opsPerSec: 1e6 }),
      row({ workload: "sleep0", variant: "wasm", runtime: "node", opsPerSec: 2e6 }),
      row({ workload: "sleep0", variant: "native", runtime: "deno", baseline: true, status: "not-installed", reason: "deno not installed" }),
      row({ workload: "sleep0", variant: "js", runtime: "node", status: "unavailable", reason: "no build" }),
    ]);
    const text = renderResultsText(rows, ["node", "deno"], { node: "node 20" });
    expect(text).toContain("node 20");
    expect(text).toContain("native *");
    expect(text).toContain("2.00M 2.00×");
    expect(text).toContain("not installed");
    expect(text).toContain("note: unavailable: no build (sleep0: js; on node)");
    expect(cellText(undefined)).toBe("");
  });

  it("groups notes by reason", () => {
    const notes = collectNotes([
      row({ workload: "q", variant: "js", runtime: "node", status: "unavailable", reason: "no Queue" }),
      row({ workload: "q", variant: "wasm", runtime: "bun", status: "unavailable", reason: "no Queue" }),
      row({ workload: "q", variant: "wasm", runtime: "node", status: "error", reason: "boom\n at x" }),
      row({ workload: "q", variant: "native", runtime: "node" }),
    ]);
    expect(notes).toEqual(["unavailable: no Queue (q: js, wasm; on node, bun)", "error: boom at x (q: wasm; on node)"]);
  });
});

describe("markdown", () => {
  const rows = computeRatios([
    row({ workload: "sleep0", variant: "native", runtime: "node", baseline: true, opsPerSec: 1e6, medianMs: 1, p99Ms: 2, samples: 30 }),
    row({ workload: "sleep0", variant: "wasm", runtime: "node", opsPerSec: 3e6, medianMs: 0.33, samples: 90, extra: { meanPutToGetUs: 1.5 } }),
    row({ workload: "sleep0", variant: "asyncio", runtime: "python", baseline: true, opsPerSec: 5e5 }),
    row({ workload: "sleep0", variant: "uvloop", runtime: "python", status: "not-installed", reason: "uvloop is not importable" }),
  ]);
  const md = renderSummary({
    date: new Date("2025-01-02T03:04:05Z"),
    quick: true,
    machine: { cpu: "EPYC", cores: 2, os: "Linux 6", arch: "x64", loadavg: [0.5, 0.25, 0.1] },
    rows,
    runtimeOrder: ["node", "deno", "python"],
    runtimeLabels: { node: "node 20.20.2", python: "CPython 3.11 + uvloop" },
    chartFile: (s) => `latest-${s}.svg`,
    descriptions: { "scheduling/sleep0": "N sleep(0) in a row" },
    extraUnits: { "scheduling/sleep0": { meanPutToGetUs: "µs" } },
  });

  it("has the header, machine, runtimes and the chart", () => {
    expect(md).toContain("# wasyncio benchmarks: 2025-01-02 03:04:05 UTC (quick run)");
    expect(md).toContain("Machine: EPYC, 2 cores, Linux 6 x64, load 0.50 0.25 0.10.");
    expect(md).toContain("Runtimes: node 20.20.2, CPython 3.11 + uvloop.");
    expect(md).toContain("![scheduling: ratio to baseline](latest-scheduling.svg)");
  });

  it("tabulates ratios with the baseline in bold, only runtimes present", () => {
    expect(md).toContain("| workload | variant | node 20.20.2 | CPython 3.11 + uvloop |");
    expect(md).not.toContain("| deno");
    expect(md).toContain("| sleep0 (ops/s) | **native** | 1.00× · 1.00M/s |  |");
    expect(md).toContain("|  | wasm | 3.00× · 3.00M/s |  |");
    expect(md).toContain("|  | uvloop |  | not installed |");
  });

  it("explains not-ok rows, workloads and details", () => {
    expect(md).toContain("- not-installed: uvloop is not importable (sleep0: uvloop; on python)");
    expect(md).toContain("- `sleep0`: N sleep(0) in a row");
    expect(md).toContain("| sleep0 | native | node | 1.00k | 1.00M ops/s | 1.00 ms | 2.00 ms | 30 |  |");
    expect(md).toContain("meanPutToGetUs 1.50 µs");
  });

  it("escapes table cells", () => {
    expect(mdEscape("a|b\nc")).toBe("a\\|b c");
    expect(formatExtra({ a: 2, b: 1500 }, { b: "MiB/s" })).toBe("a 2, b 1.50k MiB/s");
  });
});

describe("svg", () => {
  it("picks a log scale only past a 20× spread (1× included)", () => {
    expect(chooseScale([0.5, 1, 4])).toBe("linear");
    expect(chooseScale([1, 19.9])).toBe("linear");
    expect(chooseScale([1, 25])).toBe("log");
    expect(chooseScale([0.04, 1])).toBe("log");
    expect(chooseScale([])).toBe("linear");
  });

  it("makes nice axes", () => {
    expect(niceCeil(3.7)).toBe(5);
    expect(niceCeil(0.21)).toBe(0.25);
    const lin = axis([0.5, 2.3], "linear");
    expect(lin.min).toBe(0);
    expect(lin.max).toBeGreaterThanOrEqual(2.3);
    expect(lin.ticks).toContain(1);
    const log = axis([0.03, 40], "log");
    expect(log).toEqual({ min: 0.01, max: 100, ticks: [0.01, 0.1, 1, 10, 100] });
  });

  it("draws one bar per ok non-baseline row with escaped labels", () => {
    const rows = computeRatios([
      row({ workload: "sleep0", variant: "native", runtime: "node", baseline: true, opsPerSec: 100 }),
      row({ workload: "sleep0", variant: "a<b>&c", runtime: "node", opsPerSec: 150 }),
      row({ workload: "sleep0", variant: "js", runtime: "node", status: "unavailable" }),
      row({ suite: "other", workload: "x", variant: "native", runtime: "node", baseline: true, opsPerSec: 1 }),
    ]);
    const svg = renderSuiteChart("scheduling", rows);
    expect(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"")).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<rect [^>]*rx="2"/g)).toHaveLength(1); // the baseline is the 1× line
    expect(svg).toContain("node · a&lt;b&gt;&amp;c ÷ native");
    expect(svg).not.toContain("a<b>");
    expect(svg).toContain("1.50×");
    expect(svg).toContain("linear scale");
  });

  it("switches to log scale for wide ranges and copes with no data", () => {
    const rows = computeRatios([
      row({ workload: "w", variant: "native", runtime: "node", baseline: true, opsPerSec: 1 }),
      row({ workload: "w", variant: "wasm", runtime: "node", opsPerSec: 50 }),
    ]);
    expect(renderSuiteChart("scheduling", rows)).toContain("log scale");
    expect(renderSuiteChart("nothing", rows)).toContain("no results");
    expect(xmlEscape(`"'`)).toBe("&quot;&apos;");
  });

  it("colours variants consistently", () => {
    expect(variantColor("wasm")).toBe(variantColor("protocol-wasm"));
    expect(variantColor("somethingelse")).toBe(variantColor("somethingelse"));
    expect(variantColor("js")).not.toBe(variantColor("wasm"));
  });
});

describe("loadgen arguments", () => {
  it("defaults to 10 connections of 1 KiB on loopback", () => {
    const { opts, errors } = parseLoadgenArgs(["--port", "4000"]);
    expect(errors).toEqual([]);
    expect(opts).toMatchObject({ port: 4000, connections: 10, size: 1024 });
    expect(HOST).toBe("127.0.0.1");
  });

  it("refuses any address but 127.0.0.1 and unbounded runs", () => {
    expect(parseLoadgenArgs(["--port", "1", "--host", "10.0.0.1"]).errors.join()).toMatch(/127\.0\.0\.1/);
    expect(parseLoadgenArgs(["--port", "1", "--host=127.0.0.1"]).errors).toEqual([]);
    expect(parseLoadgenArgs(["--port", "1", "--duration", "100000"]).errors.join()).toMatch(/duration/);
    expect(parseLoadgenArgs(["--port", "1", "--requests", "0"]).errors.join()).toMatch(/requests/);
    expect(parseLoadgenArgs([]).errors.join()).toMatch(/port/);
    expect(parseLoadgenArgs(["--port", "1", "--bogus"]).errors.join()).toMatch(/unknown/);
  });

  it("pipelines only framed requests, 1..1024 frames at a time", () => {
    expect(parseLoadgenArgs(["--port", "1"]).opts.pipeline).toBe(1);
    const ok = parseLoadgenArgs(["--port", "1", "--framed", "--pipeline", "16"]);
    expect(ok.errors).toEqual([]);
    expect(ok.opts).toMatchObject({ framed: true, pipeline: 16 });
    expect(parseLoadgenArgs(["--port", "1", "--pipeline", "16"]).errors.join()).toMatch(/--framed/);
    expect(parseLoadgenArgs(["--port", "1", "--framed", "--pipeline", "0"]).errors.join()).toMatch(/pipeline/);
    expect(parseLoadgenArgs(["--port", "1", "--framed", "--pipeline", "2.5"]).errors.join()).toMatch(/pipeline/);
  });
});

describe("the suites in bench/suites", () => {
  const dir = fileURLToPath(new URL("../bench/suites/", import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith(".mjs") && !f.startsWith("_"));

  it.each(files)("%s follows the plugin format", async (file) => {
    const url = new URL(`../bench/suites/${file}`, import.meta.url).href;
    const mod: Record<string, unknown> = await import(url);
    const { suite, problems } = validateSuite(file.replace(/\.mjs$/, ""), mod);
    expect(problems).toEqual([]);
    expect(suite!.workloads.length).toBeGreaterThan(0);
  });

  it("keeps the DESIGN §7 workload names", async () => {
    const names = async (f: string): Promise<string[]> => {
      const m: { workloads: { name: string }[] } = await import(new URL(`../bench/suites/${f}`, import.meta.url).href);
      return m.workloads.map((w) => w.name);
    };
    expect(await names("scheduling.mjs")).toEqual([
      "call_soon",
      "call_later0",
      "timers_mixed",
      "future_roundtrip",
      "sleep0",
      "task_spawn",
      "gather_10k",
      "queue_pingpong",
      "lock_contention",
      "producer_consumer",
    ]);
    expect(await names("network.mjs")).toEqual(["echo_1k", "echo_10k", "echo_100k"]);
    expect(await names("parsing.mjs")).toEqual(["frames_16b", "frames_1k", "frames_64k"]);
  });
});
