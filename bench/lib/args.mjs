// Command-line parsing for bench/run.mjs and bench/worker.mjs. Pure.

/** Runtimes the runner knows, in display order. */
export const KNOWN_RUNTIMES = /** @type {const} */ (["node", "deno", "bun", "python"]);
/** The JavaScript runtimes a micro variant runs on unless it says otherwise. */
export const JS_RUNTIMES = /** @type {const} */ (["node", "deno", "bun"]);

/**
 * @typedef {object} RunOptions
 * @property {boolean} help
 * @property {boolean} quick
 * @property {boolean} list        print the plan and exit
 * @property {boolean} isolate     one process per variant (default) instead of per workload
 * @property {boolean} save        write bench/results files (false with --no-save)
 * @property {string[] | null} only      suite/workload filter tokens
 * @property {string[] | null} runtimes  runtime names
 * @property {string[] | null} variants  variant names
 * @property {string | null} out   results directory
 * @property {string[]} errors     problems found; non-empty means "print help, exit 2"
 */

/**
 * @param {string} value
 * @returns {string[]}
 */
export function splitList(value) {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Parse the runner's arguments (process.argv.slice(2)).
 * Accepts `--flag value` and `--flag=value`.
 * @param {readonly string[]} argv
 * @returns {RunOptions}
 */
export function parseArgs(argv) {
  /** @type {RunOptions} */
  const opts = {
    help: false,
    quick: false,
    list: false,
    isolate: true,
    save: true,
    only: null,
    runtimes: null,
    variants: null,
    out: null,
    errors: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let flag = arg;
    /** @type {string | undefined} */
    let inline;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 2) {
      flag = arg.slice(0, eq);
      inline = arg.slice(eq + 1);
    }
    /** @returns {string | undefined} */
    const value = () => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) {
        opts.errors.push(`${flag} needs a value`);
        return undefined;
      }
      i++;
      return next;
    };
    switch (flag) {
      case "-h":
      case "--help":
        opts.help = true;
        break;
      case "--quick":
        opts.quick = true;
        break;
      case "--list":
        opts.list = true;
        break;
      case "--isolate":
        opts.isolate = true;
        break;
      case "--shared":
        opts.isolate = false;
        break;
      case "--no-save":
        opts.save = false;
        break;
      case "--only": {
        const v = value();
        if (v !== undefined) opts.only = [...(opts.only ?? []), ...splitList(v)];
        break;
      }
      case "--runtimes": {
        const v = value();
        if (v === undefined) break;
        const list = splitList(v);
        for (const r of list) {
          if (!KNOWN_RUNTIMES.includes(/** @type {any} */ (r))) {
            opts.errors.push(`unknown runtime "${r}" (known: ${KNOWN_RUNTIMES.join(", ")})`);
          }
        }
        opts.runtimes = [...(opts.runtimes ?? []), ...list];
        break;
      }
      case "--variants": {
        const v = value();
        if (v !== undefined) opts.variants = [...(opts.variants ?? []), ...splitList(v)];
        break;
      }
      case "--out": {
        const v = value();
        if (v !== undefined) opts.out = v;
        break;
      }
      default:
        opts.errors.push(`unknown argument "${arg}"`);
    }
  }
  if (opts.only !== null && opts.only.length === 0) opts.errors.push("--only needs at least one name");
  if (opts.runtimes !== null && opts.runtimes.length === 0) opts.errors.push("--runtimes needs at least one name");
  if (opts.variants !== null && opts.variants.length === 0) opts.errors.push("--variants needs at least one name");
  return opts;
}

/**
 * Does a filter token select this workload? A token matches the suite name,
 * the workload name, or a workload family: `echo` matches `echo_1k`,
 * `echo_10k`, ...; `call` matches `call_soon` and `call_later0`.
 * @param {readonly string[] | null} only
 * @param {string} suite
 * @param {string} workload
 */
export function matchesFilter(only, suite, workload) {
  if (only === null) return true;
  return only.some((tok) => tok === suite || tok === workload || workload.startsWith(tok + "_"));
}

/**
 * Filter tokens that select nothing (so the user learns about typos).
 * @param {readonly string[] | null} only
 * @param {ReadonlyArray<{ suite: string, workloads: readonly string[] }>} catalog
 * @returns {string[]}
 */
export function unmatchedTokens(only, catalog) {
  if (only === null) return [];
  return only.filter(
    (tok) => !catalog.some((s) => s.workloads.some((w) => matchesFilter([tok], s.suite, w))),
  );
}

/**
 * Parse bench/worker.mjs arguments: `<suite> <workload> [--quick] [--variants a,b]`.
 * @param {readonly string[]} argv
 * @returns {{ suite: string, workload: string, quick: boolean, variants: string[] | null, errors: string[] }}
 */
export function parseWorkerArgs(argv) {
  /** @type {string[]} */
  const positional = [];
  /** @type {string[]} */
  const errors = [];
  let quick = false;
  /** @type {string[] | null} */
  let variants = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--quick") quick = true;
    else if (arg === "--variants" || arg.startsWith("--variants=")) {
      const v = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
      if (v === undefined) errors.push("--variants needs a value");
      else variants = splitList(v);
    } else if (arg.startsWith("--")) errors.push(`unknown argument "${arg}"`);
    else positional.push(arg);
  }
  if (positional.length !== 2) errors.push("usage: worker.mjs <suite> <workload> [--quick] [--variants a,b]");
  return { suite: positional[0] ?? "", workload: positional[1] ?? "", quick, variants, errors };
}

/** @returns {string} */
export function helpText() {
  return `Usage: npm run bench -- [options]        (or: node bench/run.mjs [options])

Runs every benchmark suite (bench/suites/*.mjs) on every runtime present:
node (this process's binary), deno and bun (node_modules/.bin), and the
CPython asyncio/uvloop reference rows (python3 / /usr/bin/python3).
Each workload runs in a fresh process per runtime. Results go to
bench/results/<timestamp>-<runtime>.json, <timestamp>-summary.md and
<timestamp>-<suite>.svg (copied to latest-summary.md / latest-<suite>.svg).

Options:
  --quick              few iterations and short timings (CI; whole run < 2 min)
  --only a,b           only these suites or workloads; a prefix before "_"
                       selects a family (echo -> echo_1k, echo_10k, echo_100k)
  --runtimes a,b       only these runtimes: ${KNOWN_RUNTIMES.join(", ")}
  --variants a,b       only these variants (e.g. native,wasm); baselines are
                       kept so ratios can still be computed
  --isolate            one process per variant (the default: variants that
                       share a process disturb each other's JIT state)
  --shared             one process per workload, all its variants (faster)
  --list               print the plan (suites, workloads, runtimes) and exit
  --no-save            print the table only, write no files
  --out DIR            results directory (default bench/results)
  -h, --help           this text

Examples:
  npm run bench -- --quick
  node bench/run.mjs --quick --only sleep0,echo --runtimes node,bun
`;
}
