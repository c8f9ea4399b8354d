// The same scheduling scenario under Node, Deno and Bun, on both loop cores, against the built
// bundle (what users import). Prints "smoke ok <runtime>"; exits non-zero on any failure.
import * as asyncio from "../../dist/index.js";

const runtime = typeof Deno !== "undefined" ? `deno ${Deno.version.deno}` : typeof Bun !== "undefined" ? `bun ${Bun.version}` : `node ${process.versions.node}`;

function check(cond, what) {
  if (!cond) throw new Error(`smoke check failed: ${what}`);
}

function* worker(name, delay, log) {
  yield* asyncio.sleep(delay);
  log.push(name);
  return name.length;
}

function* main(core) {
  const loop = asyncio.getRunningLoop();
  check(loop.coreKind === core, `loop runs on the ${core} core`);
  const log = [];
  // Ordering: callSoon FIFO, timers by deadline, tasks interleaving.
  loop.callSoon(() => log.push("soon1"));
  loop.callSoon(() => log.push("soon2"));
  loop.callLater(0.002, () => log.push("timer"));
  const total = yield* asyncio.gather([worker("slow", 0.01, log), worker("fast", 0.005, log)]);
  check(total[0] === 4 && total[1] === 4, "gather results in input order");
  check(log.join() === "soon1,soon2,timer,fast,slow", `order was ${log.join()}`);
  // Cancellation and timeouts.
  const t = asyncio.createTask(asyncio.sleep(10));
  yield* asyncio.sleep(0);
  t.cancel();
  const [done] = yield* asyncio.wait([t]);
  check(done.has(t) && t.cancelled(), "cancelled task");
  let timedOut = false;
  try {
    yield* asyncio.timeout(0.005, function* () {
      yield* asyncio.sleep(1);
    });
  } catch (e) {
    timedOut = e instanceof asyncio.TimeoutError;
  }
  check(timedOut, "timeout raised TimeoutError");
  // Promise interop both ways.
  const fromNative = yield* asyncio.fromPromise(new Promise((r) => setTimeout(() => r("native"), 1)));
  check(fromNative === "native", "fromPromise");
  // Many tasks.
  const many = yield* asyncio.gather(Array.from({ length: 1000 }, (_, i) => asyncio.sleep(0, i)));
  check(many[999] === 999, "1000 tasks");
  return "ok";
}

for (const core of ["wasm", "js"]) {
  const result = await asyncio.run(main(core), { loopFactory: () => new asyncio.EventLoop({ core }) });
  check(result === "ok", `run result on ${core}`);
  const loop = new asyncio.EventLoop({ core });
  const task = loop.createTask(asyncio.sleep(0.001, 42));
  check((await loop.runUntilComplete(task)) === 42, "runUntilComplete");
  loop.close();
}
console.log(`smoke ok ${runtime}`);
