/**
 * Finds and compiles a built .wasm synchronously, so `new EventLoop()` stays synchronous.
 * The bundle (dist/index.js) sits next to dist/<name>.wasm; running from source (tests), the
 * file is in dist/ two levels up. node:fs works in Node, Deno (--allow-read) and Bun.
 * @module
 */
import { readFileSync } from "node:fs";

const modules = new Map<string, WebAssembly.Module>();

export function loadWasmModule(name: string): WebAssembly.Module {
  let mod = modules.get(name);
  if (mod !== undefined) return mod;
  const candidates = [new URL(`./${name}.wasm`, import.meta.url), new URL(`../../dist/${name}.wasm`, import.meta.url)];
  let bytes: Uint8Array | undefined;
  for (const url of candidates) {
    try {
      bytes = readFileSync(url);
      break;
    } catch {
      // try the next place
    }
  }
  if (bytes === undefined) {
    throw new Error(`wasyncio: ${name}.wasm not found next to the bundle (looked at ${candidates.map(String).join(", ")}); run \`npm run build\``);
  }
  mod = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  modules.set(name, mod);
  return mod;
}
