// Packs the package as npm publishes it, installs the tarball into a scratch app, and imports
// it from Node, Deno and Bun: what users install must work unchanged in all three.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const work = mkdtempSync(join(tmpdir(), "wasyncio-pack-"));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
try {
  // prepack is not needed: prepare already built dist/ during install; pack ships it.
  execFileSync(npm, ["pack", "--pack-destination", work, "--silent"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error("npm pack produced no tarball");
  const listing = execFileSync("tar", ["-tzf", join(work, tarball)], { encoding: "utf8" });
  for (const needed of ["package/dist/index.js", "package/dist/index.d.ts", "package/dist/core.wasm", "package/dist/framing.wasm"]) {
    if (!listing.includes(needed)) throw new Error(`the tarball lacks ${needed}`);
  }
  const app = join(work, "app");
  execFileSync("mkdir", ["-p", app]);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "pack-check", private: true, type: "module" }));
  execFileSync(npm, ["install", "--no-audit", "--no-fund", "--silent", join(work, tarball)], { cwd: app, stdio: ["ignore", "ignore", "inherit"] });
  writeFileSync(
    join(app, "check.mjs"),
    `import * as asyncio from "wasyncio";
function* main() {
  const [a, b] = yield* asyncio.gather([asyncio.sleep(0.001, 1), asyncio.sleep(0, 2)]);
  return a + b + (asyncio.getRunningLoop().coreKind === "wasm" ? 0 : 100);
}
const r = await asyncio.run(main());
if (r !== 3) throw new Error("unexpected result " + r);
console.log("installed package ok");
`,
  );
  const bin = (name) => join(root, "node_modules", ".bin", name);
  const runs = [
    ["node", process.execPath, ["check.mjs"]],
    ["deno", bin("deno"), ["run", "--allow-read", "check.mjs"]],
    ["bun", bin("bun"), ["check.mjs"]],
  ];
  let failed = 0;
  for (const [name, exe, args] of runs) {
    const r = spawnSync(exe, args, { cwd: app, encoding: "utf8", timeout: 60_000 });
    const out = `${r.stdout}${r.stderr}`.trim();
    if (r.status === 0 && out.includes("installed package ok")) console.log(`ok   packed tarball imports under ${name}`);
    else {
      failed++;
      console.error(`FAIL packed tarball under ${name} (exit ${r.status}):\n${out}`);
    }
  }
  console.log(`pack check: ${runs.length - failed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
