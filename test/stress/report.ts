// Collects the stress suite's figures into test/stress/last-report.json, for docs/reliability.md.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("./last-report.json", import.meta.url);

export function record(name: string, figures: Record<string, number | string>): void {
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch {
    // first figure of the run
  }
  all[name] = { ...figures, at: new Date().toISOString() };
  writeFileSync(path, JSON.stringify(all, null, 2) + "\n");
}
