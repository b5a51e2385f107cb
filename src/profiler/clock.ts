/**
 * The profiler's one clock: epoch milliseconds at sub-millisecond resolution,
 * `performance.timeOrigin + performance.now()`. Worker threads compute the same expression,
 * and their readings agree with the main thread's to within a few microseconds, so spans from
 * the main thread and samples from pollers in workers line up on one time axis.
 */

/** Current time in epoch ms (high resolution, monotonic within a thread). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The same clock as JavaScript source, for code that runs in an eval'd worker
 * (see memory-poller.ts and gpu-poller.ts).
 */
export const NOW_MS_SOURCE = 'function nowMs() { return performance.timeOrigin + performance.now(); }';
