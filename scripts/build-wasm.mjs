// Compiles each AssemblyScript entry in assembly/ to dist/<name>.wasm (release, optimised).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// Each entry is a separate module with its own memory: the loop core and the framing toolkit.
const entries = ["core", "framing"].filter((name) => existsSync(join(root, "assembly", `${name}.ts`)));
mkdirSync(join(root, "dist"), { recursive: true });
const asc = join(root, "node_modules", "assemblyscript", "bin", "asc.js");
for (const name of entries) {
  const src = join(root, "assembly", `${name}.ts`);
  const out = join(root, "dist", `${name}.wasm`);
  const r = spawnSync(process.execPath, [asc, src, "--config", join(root, "asconfig.json"), "--target", "release", "--outFile", out], { stdio: "inherit", cwd: root });
  if (r.status !== 0) {
    console.error(`asc failed for assembly/${name}.ts`);
    process.exit(r.status ?? 1);
  }
}
