// Entry of core.wasm, the loop core: the timer heap and the ready queue. It moves only
// integers (handle ids) and floats (deadlines); callbacks live in the host's handle table.
export { readyInit, readyFlush, readyCount, readyCapacity, readyDrain, batchPtr, batchCapacity, stagingPtr, STAGING_CAPACITY } from "./ready";
export { timersInit, timerStagingPtr, timerFlush, TIMER_STAGING_CAPACITY, timerRemove, timerNextWhen, timerPopDue, timerCount, timerCapacity } from "./timers";
