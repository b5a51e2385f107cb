import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { phi4mmAudioTokens, phi4mmFrameCount, phi4mmLogMel, phi4mmMelFilterBank, PHI4MM_MEL_BINS } from '../../src/media/phi4mm-mel.js';

/** Written by fixtures/phi4mm_mel_reference.py (a numpy transcription of Phi4MMAudioFeatureExtractor). */
interface Reference {
  samples: number;
  frames: number;
  melBins: number;
  filters: { start: number; weights: number[] }[];
  /** Frame index -> its 80 log-mel values. */
  rows: Record<string, number[]>;
  /** Mel bin -> its values over all frames. */
  columns: Record<string, number[]>;
  stats: { mean: number; min: number; max: number; zeros: number };
}

const reference = JSON.parse(readFileSync(new URL('./fixtures/phi4mm-mel-reference.json', import.meta.url), 'utf8')) as Reference;

/** Absolute tolerance on log values against the numpy reference. */
const TOLERANCE = 1e-3;

/**
 * The reference script's test_signal, operation for operation: tones at 440 and 1234.5 Hz, a
 * 100-7000 Hz linear chirp, LCG noise, and 0.1 s of silence at the end; float64, then float32.
 */
function phi4mmTestSignal(n: number): Float32Array {
  const duration = n / 16000;
  let state = 12345;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / 16000;
    let v = 0.3 * Math.sin(2 * Math.PI * 440 * t) + 0.2 * Math.sin(2 * Math.PI * 1234.5 * t);
    v += 0.1 * Math.sin(2 * Math.PI * (100 * t + ((7000 - 100) / (2 * duration)) * t * t));
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    v += 0.01 * ((state / 4294967296) * 2 - 1);
    x[i] = i >= n - 1600 ? 0 : v;
  }
  return x;
}

const at = (data: Float32Array, frames: number, bin: number, frame: number): number => data[bin * frames + frame]!;

describe('phi4mmMelFilterBank', () => {
  it("builds speechlib_mel's 80 filters (1127 ln(1 + f/700) triangles over bins 1..245) as the reference does", () => {
    const filters = phi4mmMelFilterBank();
    expect(filters).toHaveLength(80);
    let maxDiff = 0;
    filters.forEach((filter, m) => {
      const want = reference.filters[m]!;
      expect([m, filter.start, filter.weights.length]).toEqual([m, want.start, want.weights.length]);
      filter.weights.forEach((w, k) => (maxDiff = Math.max(maxDiff, Math.abs(w - want.weights[k]!))));
    });
    expect(maxDiff).toBeLessThan(1e-7);
    // Neither DC nor bin 246 (7687.5 Hz, nearest fmax) is weighted.
    expect(filters[0]!.start).toBe(1);
    const last = filters[79]!;
    expect(last.start + last.weights.length).toBe(246);
  });
});

describe('phi4mmLogMel', () => {
  const samples = phi4mmTestSignal(reference.samples);
  const mel = phi4mmLogMel(samples);

  it('matches the numpy transcription of Phi4MMAudioFeatureExtractor within 1e-3 on log values', () => {
    expect([mel.frames, mel.validFrames, mel.melBins, mel.data.length]).toEqual([reference.frames, reference.frames, 80, 80 * reference.frames]);
    let maxDiff = 0;
    for (const [frame, values] of Object.entries(reference.rows)) {
      values.forEach((want, bin) => (maxDiff = Math.max(maxDiff, Math.abs(at(mel.data, mel.frames, bin, Number(frame)) - want))));
    }
    for (const [bin, values] of Object.entries(reference.columns)) {
      values.forEach((want, frame) => (maxDiff = Math.max(maxDiff, Math.abs(at(mel.data, mel.frames, Number(bin), frame) - want))));
    }
    expect(maxDiff).toBeLessThan(TOLERANCE);
  });

  it('has the summary statistics of the reference (mean, min, max, clipped values)', () => {
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    let zeros = 0;
    for (const v of mel.data) {
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
      if (v === 0) zeros++;
    }
    expect(Math.abs(sum / mel.data.length - reference.stats.mean)).toBeLessThan(TOLERANCE);
    expect(Math.abs(min - reference.stats.min)).toBeLessThan(TOLERANCE);
    expect(Math.abs(max - reference.stats.max)).toBeLessThan(TOLERANCE);
    expect(zeros).toBe(reference.stats.zeros);
  });

  it("pre-emphasises each frame on its own samples only (the frame's first sample is its own predecessor)", () => {
    // A step at sample 160, where frame 1 starts: frame 1 must equal frame 0 of the audio from 160 on.
    const step = new Float32Array(800).map((_, i) => (i < 160 ? 0 : 0.5 + 0.1 * Math.sin(i * 0.05)));
    const whole = phi4mmLogMel(step);
    const shifted = phi4mmLogMel(step.subarray(160));
    for (let bin = 0; bin < PHI4MM_MEL_BINS; bin++) {
      expect(at(whole.data, whole.frames, bin, 1)).toBeCloseTo(at(shifted.data, shifted.frames, bin, 0), 5);
    }
  });

  it('gives log(1) = 0 everywhere for silence (the mel power is clipped at 1)', () => {
    const silence = phi4mmLogMel(new Float32Array(16000));
    expect(silence.frames).toBe(98);
    expect(silence.data.every((v) => v === 0)).toBe(true);
  });

  it('counts (samples - 400) // 160 + 1 frames, with no centre padding', () => {
    expect(() => phi4mmLogMel(new Float32Array(399))).toThrow(RangeError);
    expect(() => phi4mmLogMel(new Float32Array(399))).toThrow(/at least 400 samples/);
    expect(phi4mmLogMel(new Float32Array(400)).frames).toBe(1);
    expect(phi4mmLogMel(new Float32Array(559)).frames).toBe(1);
    expect(phi4mmLogMel(new Float32Array(560)).frames).toBe(2);
    expect([phi4mmFrameCount(0), phi4mmFrameCount(399), phi4mmFrameCount(160_000)]).toEqual([0, 0, 998]);
  });

  it('rejects samples that are not a Float32Array', () => {
    expect(() => phi4mmLogMel([0, 0] as unknown as Float32Array)).toThrow(TypeError);
  });
});

describe('phi4mmAudioTokens', () => {
  it('rounds frames / 8 up, then over the qformer rate', () => {
    expect([250, 8, 9, 1, 0].map((f) => phi4mmAudioTokens(f))).toEqual([32, 1, 2, 1, 0]);
    expect(phi4mmAudioTokens(250, 8, 2)).toBe(16);
    expect(phi4mmAudioTokens(9, 8, 2)).toBe(1);
    expect(phi4mmAudioTokens(17, 8, 2)).toBe(2);
  });

  it('rejects negative or fractional frames and rates below 1', () => {
    expect(() => phi4mmAudioTokens(-1)).toThrow(RangeError);
    expect(() => phi4mmAudioTokens(2.5)).toThrow(RangeError);
    expect(() => phi4mmAudioTokens(8, 0)).toThrow(/compressionRate/);
    expect(() => phi4mmAudioTokens(8, 8, 0)).toThrow(/qformerRate/);
  });
});
