// Every runnable example in examples/ works against the build: each one's --demo mode serves on a
// free 127.0.0.1 port, runs a client against itself, checks what came back and exits 0.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dir = fileURLToPath(new URL("../examples/", import.meta.url));
const examples = readdirSync(dir).filter((f) => f.endsWith(".mjs"));

describe("examples", () => {
  it("has examples to run", () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  it.each(examples)("%s --demo runs and exits 0", (file) => {
    const r = spawnSync(process.execPath, [dir + file, "--demo"], { encoding: "utf8", timeout: 15_000 });
    expect(r.error, `${file}: ${String(r.error)}`).toBeUndefined();
    expect(r.status, `${file} exited ${r.status}\n${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
  });
});
