/**
 * Peaks of polled memory samples per time window and per stage.
 */
import type { MemoryMethod, MemorySample, Span } from './types.js';

/** The peak memory of one stage, naming how it was obtained. */
export interface StagePeak {
  stage: string;
  peakBytes: number;
  method: MemoryMethod;
}

/** Index of the first sample with tMs >= t (samples in time order). */
function lowerBound(samples: readonly MemorySample[], t: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (samples[mid]!.tMs < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Largest `bytes` among samples with startMs <= tMs <= endMs (samples in time order), or
 * undefined when no sample falls in the window.
 */
export function peakBetween(samples: readonly MemorySample[], startMs: number, endMs: number): number | undefined {
  let peak: number | undefined;
  for (let i = lowerBound(samples, startMs); i < samples.length && samples[i]!.tMs <= endMs; i++) {
    const bytes = samples[i]!.bytes;
    if (peak === undefined || bytes > peak) peak = bytes;
  }
  return peak;
}

/**
 * Peak RSS in bytes per stage name from polled samples (method 'rss-poll'): the largest sample
 * inside any of that stage's spans. A stage whose spans are all shorter than the interval (no
 * sample inside) gets the larger of the samples just before and just after it, a lower bound.
 * Absent when there are no samples at all.
 */
export function stagePeaks(samples: readonly MemorySample[], spans: readonly Span[]): Record<string, number> {
  const peaks: Record<string, number> = {};
  for (const span of spans) {
    const first = lowerBound(samples, span.startMs);
    let peak = peakBetween(samples, span.startMs, span.endMs);
    if (peak === undefined) {
      const bound = Math.max(samples[first - 1]?.bytes ?? -Infinity, samples[first]?.bytes ?? -Infinity);
      if (!Number.isFinite(bound)) continue;
      peak = bound;
    }
    peaks[span.name] = Math.max(peaks[span.name] ?? -Infinity, peak);
  }
  return peaks;
}

/** Folds per-call peaks (e.g. withPeakRss's, one per decode token) into the largest per stage. */
export function maxPeakByStage(peaks: readonly StagePeak[]): Record<string, StagePeak> {
  const out: Record<string, StagePeak> = {};
  for (const peak of peaks) {
    const prev = out[peak.stage];
    if (!prev || peak.peakBytes > prev.peakBytes) out[peak.stage] = { ...peak };
  }
  return out;
}
