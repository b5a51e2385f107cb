/**
 * Per-stage peak RSS from the kernel's high-water mark (VmHWM in /proc/self/status). Writing
 * "5" to /proc/self/clear_refs resets it to the current RSS (Linux >= 4.0, proc(5)), so a reset
 * before a stage and a read after it catch a spike that falls between two poller samples.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { StageRunner } from '../stages.js';
import { nowMs } from './clock.js';
import type { StagePeak } from './memory-peaks.js';

/** Resets VmHWM to the current RSS. False where not allowed (not Linux, /proc read-only, old kernel). */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** VmHWM of this process in bytes, or undefined where /proc/self/status lacks it. */
export function readPeakRss(): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'latin1'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

let supported: boolean | undefined;

/** Whether VmHWM can be reset and read here (checked once, by a reset). */
export function peakRssSupported(): boolean {
  supported ??= resetPeakRss() && readPeakRss() !== undefined;
  return supported;
}

/** One stage call's VmHWM peak, with the call's bounds (epoch ms). */
export interface VmHwmPeak extends StagePeak {
  method: 'vmhwm';
  startMs: number;
  endMs: number;
}

/**
 * Wraps `stage` so that every call records its VmHWM peak through `sink` (method 'vmhwm'):
 * reset before the call, read after. Nested and concurrent calls are handled: every reset or
 * end first folds the current reading into all calls still open, so an inner reset never hides
 * an outer call's peak. Where VmHWM is not supported (peakRssSupported() false) it returns
 * `stage` unchanged and `sink` is never called.
 * Resets are process-wide: only one withPeakRss wrapper should be active at a time.
 */
export function withPeakRss(stage: StageRunner, sink: (peak: VmHwmPeak) => void): StageRunner {
  if (!peakRssSupported()) return stage;
  const open = new Set<{ peakBytes: number }>();
  const fold = (): void => {
    const bytes = readPeakRss() ?? 0;
    for (const frame of open) frame.peakBytes = Math.max(frame.peakBytes, bytes);
  };
  return async (name, fn, info) => {
    fold();
    resetPeakRss();
    const frame = { peakBytes: 0 };
    open.add(frame);
    const startMs = nowMs();
    try {
      return await stage(name, fn, info);
    } finally {
      const endMs = nowMs();
      fold();
      open.delete(frame);
      sink({ stage: name, peakBytes: frame.peakBytes, method: 'vmhwm', startMs, endMs });
    }
  };
}
