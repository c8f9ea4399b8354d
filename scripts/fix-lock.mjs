// Adds lock entries for optional platform packages that the registry this project installs from
// does not carry (it has deno's linux-x64 binary package only). Without them `npm ci` refuses the
// lock as out of sync with package.json. The entries carry what npm needs to skip them on other
// platforms (os, cpu, libc); a machine of that platform resolves them from its own registry.
// Run after `npm install` rewrites package-lock.json: node scripts/fix-lock.mjs
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages;
let added = 0;
for (const [key, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const target = `node_modules/${name}`;
    if (packages[target] !== undefined) continue;
    // Platform packages are named <os>-<cpu>[-<libc>], e.g. @deno/darwin-arm64, @deno/linux-arm64-glibc.
    const m = /\/(darwin|linux|win32|freebsd|android)-(x64|arm64|ia32)(?:-(glibc|musl))?$/.exec(name);
    if (m === null) throw new Error(`${key} has optional ${name}, not in the lock, and not a platform package`);
    packages[target] = { version: String(version).replace(/^[\^~]/, ""), cpu: [m[2]], dev: entry.dev ?? undefined, ...(m[3] ? { libc: [m[3]] } : {}), optional: true, os: [m[1]] };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(path, JSON.stringify(lock, null, 2) + "\n");
console.log(`fix-lock: ${added} platform package entr${added === 1 ? "y" : "ies"} added`);
