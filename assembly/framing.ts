// Entry of framing.wasm, the framing toolkit: read rings + the frame parser (one per
// connection, each identified by a handle) and write rings for composing outgoing messages.
// It has its own memory, separate from core.wasm. See ring.ts for the memory design and
// frames.ts for the parser; the host side is src/framing/.
// The exported constants are struct field offsets and limits, read by the host at load time so
// the two sides cannot drift.
export { parserNew, parserFree, parserReset, parserWritable, parserParse } from "./frames";
export { P_SCAN, P_PEND, P_RCOUNT, P_ERR, P_ERRVAL, P_ERRAUX, P_RES, RES_CAP } from "./frames";
export { wbufNew, wbufFree, wbufReserve, wbufRelease, wbufInflight } from "./ring";
export { R_BUF, R_CAP, R_MAX, R_START, R_END, MAX_CAPACITY } from "./ring";
export { W_BUF, W_CAP, W_TAKEN, W_TAIL, W_LIMIT } from "./ring";
