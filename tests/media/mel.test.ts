import { describe, it, expect } from 'vitest';
import { ComplexFft, RealPowerSpectrum } from '../../src/media/fft.js';
import { logMel, qwenAudioTokens, melFilterBank, hannWindow } from '../../src/media/mel.js';
import { maxAbsDiff, noise, referenceExtractor, referenceLogMel, tone } from './whisper-reference.js';

function naiveDft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * ((j * k) % n)) / n;
      outRe[k]! += re[j]! * Math.cos(a) - im[j]! * Math.sin(a);
      outIm[k]! += re[j]! * Math.sin(a) + im[j]! * Math.cos(a);
    }
  }
  return [outRe, outIm];
}

describe('FFT', () => {
  const cases: [number, number[] | undefined][] = [
    [200, undefined],
    [400, undefined],
    [200, [5, 5, 4, 2]],
    [200, [2, 2, 2, 5, 5]],
    [24, [3, 8]],
    [7, undefined],
    [1, undefined],
  ];
  for (const [n, radices] of cases) {
    it(`matches a direct DFT for n=${n}${radices ? ` (radices ${radices.join('x')})` : ''}`, () => {
      const re = new Float64Array(n).map((_, i) => Math.sin(i * 1.3) + 0.01 * i);
      const im = new Float64Array(n).map((_, i) => Math.cos(i * 0.7));
      const [wantRe, wantIm] = naiveDft(re, im);
      new ComplexFft(n, radices).forward(re, im);
      for (let k = 0; k < n; k++) {
        expect(Math.abs(re[k]! - wantRe[k]!)).toBeLessThan(1e-9);
        expect(Math.abs(im[k]! - wantIm[k]!)).toBeLessThan(1e-9);
      }
    });
  }

  it('gives the exact 400-point power spectrum of a real frame (not a zero-padded 512)', () => {
    const x = new Float64Array(400).map((_, i) => Math.sin(i * 0.37) * (i % 7));
    const [re, im] = naiveDft(x, new Float64Array(400));
    const power = new Float64Array(201);
    new RealPowerSpectrum(400).power(x, power);
    for (let k = 0; k <= 200; k++) expect(Math.abs(power[k]! - (re[k]! ** 2 + im[k]! ** 2))).toBeLessThan(1e-7);
  });
});

describe('mel filters and window', () => {
  it('builds the same Slaney filters as transformers (128 x 201, 0-8000 Hz)', () => {
    const reference = (referenceExtractor().config as { mel_filters: number[][] }).mel_filters; // [128][201]
    const filters = melFilterBank();
    expect(filters).toHaveLength(128);
    for (let m = 0; m < 128; m++) {
      const { start, weights } = filters[m]!;
      for (let b = 0; b < 201; b++) {
        const ours = b >= start && b < start + weights.length ? weights[b - start]! : 0;
        expect(Math.abs(ours - reference[m]![b]!)).toBeLessThan(1e-9);
      }
    }
  });

  it('uses a periodic Hann window', () => {
    const w = hannWindow(400);
    expect(w[0]).toBe(0);
    expect(w[200]).toBeCloseTo(1, 15);
    expect(w[399]).toBeCloseTo(w[1]!, 15); // periodic: symmetric around n/2, w[n-1] = w[1]
  });
});

describe('logMel agrees with transformers.js WhisperFeatureExtractor (feature_size 128)', () => {
  const signals: [string, Float32Array][] = [
    ['a 440 Hz tone (3 s)', tone(3, 440)],
    ['two mixed tones (12.34 s)', tone(12.34, 1000, 0.2).map((v, i) => v + 0.3 * Math.sin((2 * Math.PI * 97 * i) / 16000))],
    ['white noise (7 s)', noise(7 * 16000)],
    ['silence (2 s)', new Float32Array(32000)],
    ['a clip shorter than one window (300 samples)', noise(300, 5)],
    ['exactly 30 s of noise', noise(480000, 9, 0.1)],
  ];
  for (const [name, x] of signals) {
    it(`max_length features of ${name} within 1e-4`, async () => {
      const ours = logMel(x, { padding: 'max_length' });
      expect(ours.frames).toBe(3000);
      expect(ours.chunks).toBe(1);
      expect(ours.validFrames).toBe(Math.ceil(x.length / 160));
      const ref = await referenceLogMel(x);
      expect(maxAbsDiff(ours.data, 3000, ref, 3000, 3000)).toBeLessThanOrEqual(1e-4);
    });
  }

  it('cuts a clip longer than chunk_length into 30 s pieces, each as Whisper computes it', async () => {
    const x = noise(35 * 16000 + 123, 11, 0.2);
    const ours = logMel(x, { padding: 'max_length' });
    expect(ours.chunks).toBe(2);
    expect(ours.chunkFrames).toBe(3000);
    expect(ours.frames).toBe(6000);
    expect(ours.validFrames).toBe(Math.ceil(x.length / 160));
    const first = await referenceLogMel(x.subarray(0, 480000));
    const second = await referenceLogMel(x.slice(480000));
    expect(maxAbsDiff(first, 3000, ours.data, 6000, 3000, 0)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(second, 3000, ours.data, 6000, 3000, 3000)).toBeLessThanOrEqual(1e-4);
  });
});

describe('dynamic padding', () => {
  const lengths = [1, 159, 160, 161, 300, 400, 16000, 80000 + 37, 160 * 1234, 479_999, 480_000];
  for (const n of lengths) {
    it(`equals the first ceil(${n}/160) max_length frames`, () => {
      const x = noise(n, n);
      const full = logMel(x, { padding: 'max_length' });
      const dyn = logMel(x, { padding: 'dynamic' });
      const frames = Math.ceil(n / 160);
      expect(dyn.frames).toBe(frames);
      expect(dyn.validFrames).toBe(frames);
      expect(maxAbsDiff(dyn.data, frames, full.data, 3000, frames)).toBeLessThanOrEqual(1e-6);
    });
  }

  it('takes the max - 8 floor over the frames past the end that still see real samples', () => {
    // A loud click in the last sample peaks in frame ceil(n/160), which dynamic mode drops.
    const n = 160 * 50;
    const x = noise(n, 3, 1e-3);
    x[n - 1] = 1;
    const full = logMel(x, { padding: 'max_length' });
    const dyn = logMel(x, { padding: 'dynamic' });
    expect(maxAbsDiff(dyn.data, 50, full.data, 3000, 50)).toBeLessThanOrEqual(1e-6);
  });

  it('handles audio longer than chunk_length as one piece', () => {
    const x = noise(31 * 16000 + 5, 2);
    const dyn = logMel(x, { padding: 'dynamic' });
    expect(dyn.frames).toBe(Math.ceil(x.length / 160));
    expect(dyn.chunks).toBe(1);
    expect(Number.isFinite(dyn.data[dyn.data.length - 1]!)).toBe(true);
  });

  it('gives no frames for no samples', () => {
    expect(logMel(new Float32Array(0), { padding: 'dynamic' }).frames).toBe(0);
    const padded = logMel(new Float32Array(0));
    expect(padded.frames).toBe(3000);
    expect(padded.validFrames).toBe(0);
    expect(padded.data[0]).toBe(-1.5);
  });

  it('honours chunkLength', () => {
    const x = tone(1.5, 300);
    const r = logMel(x, { padding: 'max_length', chunkLength: 1 });
    expect(r.chunks).toBe(2);
    expect(r.frames).toBe(200);
  });

  it('rejects misuse', () => {
    expect(() => logMel([1, 2] as unknown as Float32Array)).toThrow(TypeError);
    expect(() => logMel(new Float32Array(10), { padding: 'longest' as 'dynamic' })).toThrow(RangeError);
    expect(() => logMel(new Float32Array(10), { chunkLength: 0.001 })).toThrow(RangeError);
  });
});

describe('qwenAudioTokens', () => {
  it('follows Qwen2.5-Omni: f = (L - 1) // 2 + 1, tokens = (f - 2) // 2 + 1', () => {
    expect(qwenAudioTokens(1000)).toBe(250);
    expect(qwenAudioTokens(3000)).toBe(750);
    expect(qwenAudioTokens(100)).toBe(25);
    expect(qwenAudioTokens(1001)).toBe(250);
    expect(qwenAudioTokens(205)).toBe(51);
    expect(qwenAudioTokens(1)).toBe(0);
    expect(qwenAudioTokens(0)).toBe(0);
  });
});
