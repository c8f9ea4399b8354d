// Argument parsing for bench/net/loadgen.mjs. Pure.

/** The only address the load generator connects to. */
export const HOST = "127.0.0.1";
export const MAX_DURATION_S = 300;
export const MAX_REQUESTS = 50_000_000;
export const MAX_SIZE = 64 * 1024 * 1024;

/**
 * @param {readonly string[]} argv
 * `--framed`: each request is a frame, a 4-byte big-endian length then `size` payload bytes,
 * and the echo must be that whole frame. `--pipeline K` (with --framed): each connection writes
 * K frames at once and waits for all K echoes; every frame counts as a request.
 * @returns {{ opts: { port: number, connections: number, size: number, warmup: number, duration: number, requests: number, framed: boolean, pipeline: number }, errors: string[] }}
 */
export function parseLoadgenArgs(argv) {
  /** @type {Record<string, number>} */
  const o = { port: NaN, connections: 10, size: 1024, warmup: 0.5, duration: 2, requests: MAX_REQUESTS, pipeline: 1 };
  let framed = false;
  /** @type {string[]} */
  const errors = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--framed") {
      framed = true;
      continue;
    }
    const m = /^--(port|connections|size|warmup|duration|requests|pipeline|host)(?:=(.*))?$/.exec(a);
    if (!m) {
      errors.push(`unknown argument ${a}`);
      continue;
    }
    const v = m[2] ?? argv[++i];
    if (m[1] === "host") {
      if (v !== HOST) errors.push(`--host must be ${HOST}: the load generator only talks to loopback`);
      continue;
    }
    o[m[1]] = Number(v);
  }
  if (!(Number.isInteger(o.port) && o.port > 0 && o.port < 65536)) errors.push("--port must be 1..65535");
  if (!(Number.isInteger(o.connections) && o.connections >= 1 && o.connections <= 1000)) errors.push("--connections must be 1..1000");
  if (!(Number.isInteger(o.size) && o.size >= 1 && o.size <= MAX_SIZE)) errors.push(`--size must be 1..${MAX_SIZE}`);
  if (!(o.warmup >= 0 && o.warmup <= MAX_DURATION_S)) errors.push(`--warmup must be 0..${MAX_DURATION_S} s`);
  if (!(o.duration > 0 && o.duration <= MAX_DURATION_S)) errors.push(`--duration must be in (0, ${MAX_DURATION_S}] s`);
  if (!(Number.isInteger(o.requests) && o.requests >= 1 && o.requests <= MAX_REQUESTS)) errors.push(`--requests must be 1..${MAX_REQUESTS}`);
  if (!(Number.isInteger(o.pipeline) && o.pipeline >= 1 && o.pipeline <= 1024)) errors.push("--pipeline must be 1..1024");
  else if (o.pipeline > 1 && !framed) errors.push("--pipeline needs --framed (a plain echo has no message boundaries)");
  return { opts: /** @type {any} */ ({ ...o, framed }), errors };
}

