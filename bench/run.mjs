#!/usr/bin/env node
// The cross-runtime benchmark runner: `npm run bench` (after the build), or
// `node bench/run.mjs [--quick] [--only a,b] [--runtimes node,bun] ...`.
// See bench/README.md and `node bench/run.mjs --help`.
//
// Every suite in bench/suites/*.mjs runs on every runtime present: node (this
// binary), deno and bun from node_modules/.bin, and CPython (asyncio/uvloop
// reference rows). Each workload gets a fresh process per runtime. Results:
// a table on stdout, progress on stderr, files in bench/results/.

import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { helpText, KNOWN_RUNTIMES, parseArgs, unmatchedTokens } from "./lib/args.mjs";
import { formatElapsed, formatNumber, oneLine, progressLine, renderResultsText } from "./lib/format.mjs";
import { renderSummary } from "./lib/markdown.mjs";
import { benchSettings, buildPlan, fileTimestamp, validateSuite, variantRuntimes, variantTimeoutMs } from "./lib/plan.mjs";
import { computeRatios, extractResult, rowsFromOutput, runDocument, statusRows, validateOutput } from "./lib/results.mjs";
import { renderSuiteChart } from "./lib/svg.mjs";
import { pinning } from "./net/harness.mjs";
import { probe, runProcess } from "./support/proc.mjs";

/** @typedef {import("./lib/types.mjs").Row} Row */
/** @typedef {import("./lib/plan.mjs").Suite} Suite */
/** @typedef {import("./lib/plan.mjs").Job} Job */

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
const SUITE_ORDER = ["scheduling", "network", "parsing"];

/** Quiet, offline children: no update checks or telemetry. */
const CHILD_ENV = { ...process.env, DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", DO_NOT_TRACK: "1", NO_COLOR: "1" };

/**
 * @typedef {object} RuntimeInfo
 * @property {string} name
 * @property {boolean} installed
 * @property {string} version
 * @property {string} label           for table headers
 * @property {string[]} argv          command prefix that runs a script file
 * @property {string} [missing]       why it is not installed
 */

/** @returns {Promise<RuntimeInfo[]>} */
async function detectRuntimes() {
  const bin = (/** @type {string} */ n) => join(ROOT, "node_modules", ".bin", n);
  const node = {
    name: "node",
    installed: true,
    version: process.versions.node,
    label: `node ${process.versions.node}`,
    argv: [process.execPath],
  };
  const denoBin = process.env.BENCH_DENO ?? bin("deno");
  const bunBin = process.env.BENCH_BUN ?? bin("bun");
  const [denoOut, bunOut, python] = await Promise.all([
    existsSync(denoBin) || process.env.BENCH_DENO ? probe([denoBin, "--version"]) : Promise.resolve(null),
    existsSync(bunBin) || process.env.BENCH_BUN ? probe([bunBin, "--version"]) : Promise.resolve(null),
    detectPython(),
  ]);
  /** @type {RuntimeInfo} */
  const deno = denoOut
    ? {
        name: "deno",
        installed: true,
        version: (/deno (\S+)/.exec(denoOut) ?? [])[1] ?? denoOut.split("\n")[0],
        label: "",
        argv: [denoBin, "run", "--allow-all", "--no-lock", "--quiet"],
      }
    : { name: "deno", installed: false, version: "", label: "deno", argv: [], missing: `not installed (no working ${denoBin})` };
  /** @type {RuntimeInfo} */
  const bun = bunOut
    ? { name: "bun", installed: true, version: bunOut.split("\n")[0], label: "", argv: [bunBin] }
    : { name: "bun", installed: false, version: "", label: "bun", argv: [], missing: `not installed (no working ${bunBin})` };
  if (deno.installed) deno.label = `deno ${deno.version}`;
  if (bun.installed) bun.label = `bun ${bun.version}`;
  return [node, deno, bun, python];
}

/** @returns {Promise<RuntimeInfo>} */
async function detectPython() {
  const script =
    "import platform\nprint(platform.python_version())\ntry:\n import uvloop\n print(uvloop.__version__)\nexcept Exception:\n print('-')";
  const candidates = process.env.BENCH_PYTHON ? [process.env.BENCH_PYTHON] : ["python3", "/usr/bin/python3"];
  /** @type {{ bin: string, version: string, uvloop: string | null }[]} */
  const found = [];
  for (const c of candidates) {
    const out = await probe([c, "-c", script]);
    if (!out) continue;
    const [version, uv] = out.split("\n").map((s) => s.trim());
    found.push({ bin: c, version, uvloop: uv && uv !== "-" ? uv : null });
  }
  const best = found.find((f) => f.uvloop) ?? found[0];
  if (!best) {
    return { name: "python", installed: false, version: "", label: "python", argv: [], missing: `not installed (no working ${candidates.join(" or ")})` };
  }
  return {
    name: "python",
    installed: true,
    version: best.version,
    label: `CPython ${best.version}` + (best.uvloop ? ` + uvloop ${best.uvloop}` : " (no uvloop)"),
    argv: [best.bin],
  };
}

/** @returns {import("./lib/types.mjs").Machine} */
function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: (cpus[0]?.model ?? "unknown").trim(),
    cores: typeof os.availableParallelism === "function" ? os.availableParallelism() : cpus.length,
    os: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/**
 * @returns {Promise<{ suites: (Suite & { module: any })[], problems: string[] }>}
 */
async function loadSuites() {
  const dir = join(BENCH_DIR, "suites");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".mjs") && !f.startsWith("_"))
    .map((f) => f.slice(0, -4))
    .sort((a, b) => {
      const ia = SUITE_ORDER.indexOf(a);
      const ib = SUITE_ORDER.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
    });
  /** @type {(Suite & { module: any })[]} */
  const suites = [];
  /** @type {string[]} */
  const problems = [];
  for (const f of files) {
    try {
      const mod = await import(pathToFileURL(join(dir, `${f}.mjs`)).href);
      const v = validateSuite(f, mod);
      if (v.suite) suites.push({ ...v.suite, module: mod });
      else problems.push(...v.problems);
    } catch (e) {
      problems.push(`${f}: cannot load: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { suites, problems };
}

/** Progress on stderr: a live line on a TTY, plain lines otherwise. */
class Progress {
  /** @param {number} total */
  constructor(total) {
    this.total = total;
    this.tty = Boolean(process.stderr.isTTY);
    this.start = performance.now();
    this.current = "";
  }
  elapsed() {
    return formatElapsed((performance.now() - this.start) / 1000);
  }
  /** @param {string} text */
  status(text) {
    this.current = text;
    if (this.tty) process.stderr.write(`\r\x1b[K${text}  (${this.elapsed()})`);
  }
  /** @param {string} text */
  line(text) {
    if (this.tty) process.stderr.write(`\r\x1b[K${text}\n`);
    else process.stderr.write(`${text}\n`);
  }
  done() {
    if (this.tty) process.stderr.write("\r\x1b[K");
  }
}

/**
 * Compact one-line result of a job for the progress log.
 * @param {readonly Row[]} rows
 */
function jobSummary(rows) {
  return rows
    .map((r) => {
      if (r.status === "ok") return `${r.variant} ${formatNumber(r.opsPerSec)}/s`;
      if (r.status === "not-installed") return `${r.variant} not installed`;
      return `${r.variant} ${r.status}`;
    })
    .join(" · ");
}

/**
 * One line per variant planned to run its server under another runtime than its job's (a
 * reference server interleaved with Node's rounds), saying which interpreter ran it: the
 * results must name every runtime behind a figure.
 * @param {readonly (Suite & { module: any })[]} suites
 * @param {readonly Job[]} jobs
 * @param {Map<string, RuntimeInfo>} rtByName
 * @returns {string[]}
 */
function guestServers(suites, jobs, rtByName) {
  /** @type {Set<string>} */
  const lines = new Set();
  for (const job of jobs) {
    const workload = suites.find((s) => s.name === job.suite)?.workloads.find((w) => w.name === job.workload);
    for (const v of workload?.variants ?? []) {
      if (v.interpreter === undefined || v.interpreter === job.runtime || !job.variants.includes(v.name)) continue;
      const rt = rtByName.get(v.interpreter);
      lines.add(`${v.name} in the ${job.runtime} column runs its server under ${rt?.installed ? rt.label : `${v.interpreter} (not installed)`}.`);
    }
  }
  return [...lines];
}

/**
 * Run one job and return its rows.
 * @param {Job} job
 * @param {Suite & { module: any }} suite
 * @param {RuntimeInfo} rt
 * @param {{ quick: boolean, progress: (variant: string) => void, interpreters: Record<string, string[]> }} o
 * @returns {Promise<Row[]>}
 */
async function runJob(job, suite, rt, o) {
  const workload = /** @type {import("./lib/types.mjs").Workload} */ (suite.workloads.find((w) => w.name === job.workload));
  const variants = workload.variants.filter((v) => job.variants.includes(v.name));
  const baselines = workload.variants.filter((v) => v.baseline && variantRuntimes(v).includes(rt.name)).map((v) => v.name);
  const settings = benchSettings(workload, o.quick);
  const meta = { suite: suite.name, workload: workload.name, runtime: rt.name, runtimeVersion: rt.version, unit: workload.unit, ops: settings.ops };
  if (!rt.installed) return statusRows(meta, variants, "not-installed", `${rt.name} ${rt.missing ?? "not installed"}`);

  /** @type {unknown} */
  let doc;
  /** @type {string} */
  let failure = "";
  if (suite.driver) {
    try {
      doc = await suite.module.run(workload, {
        runtime: { name: rt.name, version: rt.version, argv: rt.argv },
        node: process.execPath,
        benchDir: BENCH_DIR,
        quick: o.quick,
        variants: job.variants,
        progress: o.progress,
        interpreters: o.interpreters,
      });
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    }
  } else {
    /** @type {string[]} */
    let argv;
    if (rt.name === "python") {
      argv = [
        ...rt.argv,
        join(BENCH_DIR, /** @type {string} */ (suite.python)),
        workload.name,
        "--ops", String(settings.ops),
        "--time-ms", String(settings.time),
        "--min-iterations", String(settings.iterations),
        "--warmup-ms", String(settings.warmupTime),
        "--warmup-iterations", String(settings.warmupIterations),
        "--variants", job.variants.join(","),
        "--suite", suite.name,
        "--unit", workload.unit,
      ];
    } else {
      argv = [...rt.argv, join(BENCH_DIR, "worker.mjs"), suite.name, workload.name, "--variants", job.variants.join(",")];
      if (o.quick) argv.push("--quick");
    }
    const perVariant = variantTimeoutMs(settings, o.quick);
    const r = await runProcess(argv, {
      cwd: ROOT,
      env: CHILD_ENV,
      timeoutMs: 60_000 + perVariant * job.variants.length,
      onStderrLine: (line) => {
        const m = /^@@progress (.+)$/.exec(line);
        if (m) o.progress(m[1]);
      },
    });
    try {
      doc = extractResult(r.stdout);
    } catch (e) {
      failure = `unparsable output: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (doc === undefined && !failure) {
      const err = r.stderr
        .split("\n")
        .filter((l) => l.trim() && !l.startsWith("@@progress"))
        .slice(-6)
        .join(" ");
      failure = r.timedOut
        ? "timed out"
        : r.spawnError
          ? `cannot start: ${r.spawnError}`
          : `exited with ${r.signal ?? r.code}: ${oneLine(err, 400) || "no output"}`;
    }
  }
  if (doc !== undefined) {
    const problems = validateOutput(doc);
    if (problems.length === 0) {
      const rows = rowsFromOutput(/** @type {any} */ (doc), { suite: suite.name, baselines });
      // variants the process did not report on (e.g. crashed half-way)
      const seen = new Set(rows.map((r) => r.variant));
      const lost = variants.filter((v) => !seen.has(v.name));
      return [...rows, ...statusRows(meta, lost, "error", "no result reported")];
    }
    failure = `bad output: ${problems.join("; ")}`;
  }
  return statusRows(meta, variants, "error", failure);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(helpText());
    return 0;
  }
  if (opts.errors.length > 0) {
    process.stderr.write(`${opts.errors.map((e) => `error: ${e}`).join("\n")}\n\n${helpText()}`);
    return 2;
  }
  const { suites, problems } = await loadSuites();
  for (const p of problems) process.stderr.write(`warning: suite skipped: ${p}\n`);
  const unmatched = unmatchedTokens(
    opts.only,
    suites.map((s) => ({ suite: s.name, workloads: s.workloads.map((w) => w.name) })),
  );
  if (unmatched.length > 0) {
    process.stderr.write(`error: --only ${unmatched.join(",")} matches no suite or workload\n`);
    process.stderr.write(`known: ${suites.map((s) => `${s.name} (${s.workloads.map((w) => w.name).join(", ")})`).join("; ")}\n`);
    return 2;
  }
  const runtimeNames = opts.runtimes ?? [...KNOWN_RUNTIMES];
  const jobs = buildPlan(suites, { runtimes: runtimeNames, only: opts.only, variants: opts.variants, isolate: opts.isolate });
  if (opts.list) {
    for (const [i, j] of jobs.entries()) {
      process.stdout.write(`${progressLine({ index: i + 1, total: jobs.length, suite: j.suite, runtime: j.runtime, workload: j.workload })}  [${j.variants.join(", ")}]\n`);
    }
    return 0;
  }
  if (jobs.length === 0) {
    process.stderr.write("nothing to run (check --only / --runtimes / --variants)\n");
    return 2;
  }

  const date = new Date();
  const machine = machineInfo();
  // driven suites (network, framed) run servers and load generators: say where they ran
  const driven = new Set(suites.filter((s) => s.driver).map((s) => s.name));
  if (pinning && jobs.some((j) => driven.has(j.suite))) machine.networkPinned = true;
  const runtimes = await detectRuntimes();
  const rtByName = new Map(runtimes.map((r) => [r.name, r]));
  // what a variant with an `interpreter` runs its server with, whichever job it is in
  const interpreters = Object.fromEntries(runtimes.filter((r) => r.installed).map((r) => [r.name, r.argv]));
  const guests = guestServers(suites, jobs, rtByName);
  process.stderr.write(
    `wasyncio bench${opts.quick ? " --quick" : ""}: ${jobs.length} jobs on ${machine.cpu} (${machine.cores} cores, load ${machine.loadavg?.join(" ")})\n` +
      `runtimes: ${runtimeNames.map((n) => { const r = rtByName.get(n); return r?.installed ? r.label : `${n} (not installed)`; }).join(", ")}\n` +
      guests.map((g) => `${g}\n`).join(""),
  );
  const progress = new Progress(jobs.length);
  /** @type {Row[]} */
  let rows = [];
  const onSignal = () => {
    progress.done();
    process.stderr.write("interrupted\n");
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  for (const [i, job] of jobs.entries()) {
    const suite = /** @type {Suite & { module: any }} */ (suites.find((s) => s.name === job.suite));
    const rt = /** @type {RuntimeInfo} */ (rtByName.get(job.runtime));
    const head = progressLine({ index: i + 1, total: jobs.length, suite: job.suite, runtime: job.runtime, workload: job.workload });
    progress.status(head);
    const t0 = performance.now();
    const jobRows = await runJob(job, suite, rt, {
      quick: opts.quick,
      progress: (variant) => progress.status(`${head} · ${variant}`),
      interpreters,
    });
    rows.push(...jobRows);
    progress.line(`${head}  ${jobSummary(jobRows)}  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  progress.done();
  process.off("SIGINT", onSignal);
  rows = computeRatios(rows);

  const order = [...KNOWN_RUNTIMES];
  /** @type {Record<string, string>} */
  const labels = Object.fromEntries(runtimes.map((r) => [r.name, r.installed ? r.label : `${r.name}`]));
  process.stdout.write("\n" + renderResultsText(rows, order, labels) + "\n");

  if (opts.save) {
    const outDir = opts.out ?? join(BENCH_DIR, "results");
    mkdirSync(outDir, { recursive: true });
    const ts = fileTimestamp(date);
    /** @type {string[]} */
    const written = [];
    for (const rtName of order) {
      if (!rows.some((r) => r.runtime === rtName)) continue;
      const rt = rtByName.get(rtName);
      const file = join(outDir, `${ts}-${rtName}.json`);
      const doc = runDocument({ date, timestamp: ts, quick: opts.quick, machine, runtime: rtName, runtimeVersion: rt?.version ?? "", rows, argv: process.argv.slice(2), notes: guests });
      writeFileSync(file, JSON.stringify(doc, null, 2) + "\n");
      written.push(file);
    }
    const suiteNames = [...new Set(rows.map((r) => r.suite))];
    for (const s of suiteNames) {
      const svg = renderSuiteChart(s, rows);
      const file = join(outDir, `${ts}-${s}.svg`);
      writeFileSync(file, svg);
      copyFileSync(file, join(outDir, `latest-${s}.svg`));
      written.push(file);
    }
    /** @type {Record<string, string>} */
    const descriptions = {};
    /** @type {Record<string, Record<string, string>>} */
    const extraUnits = {};
    for (const s of suites) {
      for (const w of s.workloads) {
        if (w.description) descriptions[`${s.name}/${w.name}`] = w.description;
        extraUnits[`${s.name}/${w.name}`] = { ...(w.bytesPerOp ? { mibPerSec: "MiB/s" } : {}), ...(w.extraUnits ?? {}) };
      }
    }
    const summaryInput = { date, quick: opts.quick, machine, rows, runtimeOrder: order, runtimeLabels: labels, descriptions, extraUnits, notes: guests };
    const summary = join(outDir, `${ts}-summary.md`);
    writeFileSync(summary, renderSummary({ ...summaryInput, chartFile: (s) => `${ts}-${s}.svg` }));
    writeFileSync(join(outDir, "latest-summary.md"), renderSummary({ ...summaryInput, chartFile: (s) => `latest-${s}.svg` }));
    written.push(summary);
    process.stderr.write(`wrote ${written.map((f) => f.replace(ROOT + "/", "")).join(", ")} (+ latest-*)\n`);
  }
  const errors = rows.filter((r) => r.status === "error");
  process.stderr.write(`done in ${progress.elapsed()}${errors.length ? `; ${errors.length} variant(s) failed (see notes)` : ""}\n`);
  return errors.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`bench runner failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  },
);
