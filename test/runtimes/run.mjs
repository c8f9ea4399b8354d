// Runs every smoke file in this folder under Node, Deno and Bun (from devDependencies) against
// the built bundle. Exits non-zero if any run fails; a runtime that is not installed fails too,
// since both are devDependencies and CI must exercise them.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const runtimes = [
  ["node", process.execPath, []],
  // Deno's permissions: the bundle reads its .wasm; the smokes use loopback sockets, child
  // processes, environment and worker threads. Deno checks a name's permission before resolving
  // it, so getaddrinfo("localhost") needs "localhost" listed besides 127.0.0.1 (still loopback).
  ["deno", bin("deno"), ["run", "--allow-read", "--allow-net=127.0.0.1,localhost", "--allow-run", "--allow-env", "--allow-sys", "--allow-write"]],
  ["bun", bin("bun"), []],
];
const only = process.argv.slice(2);
const files = readdirSync(here).filter((f) => f.endsWith(".mjs") && f !== "run.mjs" && (only.length === 0 || only.includes(f)));
if (!existsSync(join(root, "dist", "index.js"))) {
  console.error("dist/index.js is missing: run `npm run build` first");
  process.exit(1);
}
let failed = 0;
for (const file of files) {
  for (const [name, exe, args] of runtimes) {
    if (name !== "node" && !existsSync(exe)) {
      console.error(`FAIL ${file} under ${name}: ${exe} not installed (npm ci installs it)`);
      failed++;
      continue;
    }
    const t0 = performance.now();
    const r = spawnSync(exe, [...args, join(here, file)], { encoding: "utf8", timeout: 120_000, cwd: root });
    const ms = (performance.now() - t0).toFixed(0);
    const out = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
    if (r.status === 0) {
      console.log(`ok   ${file} under ${name} (${ms} ms): ${out.split("\n").filter((l) => l.includes("ok") || l.includes("skipped")).join(" | ")}`);
    } else {
      failed++;
      console.error(`FAIL ${file} under ${name} (exit ${r.status ?? r.signal}, ${ms} ms)\n${out}`);
    }
  }
}
console.log(`runtime smokes: ${files.length * runtimes.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
