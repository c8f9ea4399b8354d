// Growable arrays on raw linear memory (stub runtime: no GC, no per-operation allocation).
// Every array doubles when full, so reallocation is amortised and steady state allocates nothing.
// Growth may call memory.grow, which detaches every view the host holds: the host re-derives
// its views after each call that can grow (see src/core/wasm-core.ts).

/** Reallocates `ptr` (holding `usedBytes`) to `newBytes`, copying the live bytes. */
export function grow(ptr: usize, usedBytes: usize, newBytes: usize): usize {
  const fresh = heap.alloc(newBytes);
  if (usedBytes > 0) memory.copy(fresh, ptr, usedBytes);
  if (ptr != 0) heap.free(ptr);
  return fresh;
}
