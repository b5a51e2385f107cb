import { describe, expect, it } from 'vitest';
import { maxPeakByStage, peakBetween, stagePeaks } from '../../src/profiler/memory-peaks.js';
import type { MemorySample, Span } from '../../src/profiler/types.js';

const samples: MemorySample[] = [
  { tMs: 0, bytes: 100 },
  { tMs: 5, bytes: 300 },
  { tMs: 10, bytes: 200 },
  { tMs: 15, bytes: 500 },
  { tMs: 20, bytes: 400 },
];
const span = (name: string, startMs: number, endMs: number, depth = 0): Span => ({ name, startMs, endMs, depth, track: 'main' });

describe('peakBetween', () => {
  it('is the largest sample within the window, bounds included', () => {
    expect(peakBetween(samples, 0, 10)).toBe(300);
    expect(peakBetween(samples, 10, 15)).toBe(500);
    expect(peakBetween(samples, 16, 100)).toBe(400);
  });

  it('is undefined when no sample falls in the window', () => {
    expect(peakBetween(samples, 11, 14)).toBeUndefined();
    expect(peakBetween([], 0, 10)).toBeUndefined();
  });
});

describe('stagePeaks', () => {
  it('gives each stage the largest sample of all its spans', () => {
    const spans = [span('prefill', 0, 6), span('decode', 9, 11), span('decode', 14, 21)];
    expect(stagePeaks(samples, spans)).toEqual({ prefill: 300, decode: 500 });
  });

  it('bounds a stage shorter than the interval by its neighbouring samples', () => {
    expect(stagePeaks(samples, [span('embed', 11, 12)])).toEqual({ embed: 500 });
    expect(stagePeaks(samples, [span('decode', 30, 31)])).toEqual({ decode: 400 });
  });

  it('has no entry without samples', () => {
    expect(stagePeaks([], [span('prefill', 0, 10)])).toEqual({});
  });
});

describe('maxPeakByStage', () => {
  it('keeps the largest per-call peak of every stage', () => {
    const peaks = [
      { stage: 'decode', peakBytes: 10, method: 'vmhwm' as const },
      { stage: 'decode', peakBytes: 30, method: 'vmhwm' as const },
      { stage: 'prefill', peakBytes: 20, method: 'vmhwm' as const },
    ];
    expect(maxPeakByStage(peaks)).toEqual({
      decode: { stage: 'decode', peakBytes: 30, method: 'vmhwm' },
      prefill: { stage: 'prefill', peakBytes: 20, method: 'vmhwm' },
    });
  });
});
