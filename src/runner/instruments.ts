/**
 * The real instruments: the profiler's clock and tracker (spans record process CPU time), its
 * RSS poller in a worker thread, VmHWM reset per trial, and per-stage peaks.
 */
import { nowMs } from '../profiler/clock.js';
import { stagePeaks } from '../profiler/memory-peaks.js';
import { MemoryPoller } from '../profiler/memory-poller.js';
import { findOnPath, GpuPoller } from '../profiler/gpu-poller.js';
import { createTracker } from '../profiler/tracker.js';
import { processCpuMs } from '../profiler/cpu-time.js';
import { peakRssSupported, readPeakRss, resetPeakRss, withPeakRss } from '../profiler/vmhwm.js';
import type { StageRunner } from '../stages.js';
import type { Instruments, MemoryRecorder } from './types.js';

/** Instruments backed by src/profiler/. */
export function profilerInstruments(): Instruments {
  const vmhwm = peakRssSupported();
  return {
    now: nowMs,
    cpuMs: processCpuMs,
    createTracker: (track) => createTracker(track, { cpuMs: processCpuMs }),
    async startMemory(intervalMs: number): Promise<MemoryRecorder | undefined> {
      const poller = new MemoryPoller({ intervalMs });
      try {
        await poller.start();
      } catch {
        return undefined;
      }
      return {
        intervalMs,
        collect: () => poller.collect(),
        stop: async () => (await poller.stop()).samples,
      };
    },
    async startGpu() {
      if (!findOnPath('nvidia-smi')) return undefined;
      const poller = new GpuPoller();
      try {
        await poller.start();
      } catch {
        return undefined;
      }
      return {
        stop: async () => {
          const result = await poller.stop();
          return result.available ? result.samples : [];
        },
      };
    },
    ...(vmhwm
      ? {
          resetPeakRss: () => resetPeakRss(),
          readPeakRss: () => readPeakRss(),
          withStagePeaks: (stage: StageRunner, sink: (stage: string, peakBytes: number) => void) => withPeakRss(stage, (p) => sink(p.stage, p.peakBytes)),
        }
      : {}),
    stagePeaks: (samples, spans) => {
      // Peak bytes per stage, whether the profiler reports bare numbers or StagePeak objects.
      const peaks = stagePeaks(samples, spans) as Record<string, number | { peakBytes: number }>;
      return Object.fromEntries(Object.entries(peaks).map(([stage, p]) => [stage, typeof p === 'number' ? p : p.peakBytes]));
    },
  };
}
