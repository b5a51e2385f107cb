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

describe('logMel agrees with transformers.js WhisperFeatureExtractor (feature_size 128, chunk 30 s)', () => {
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
      const ours = logMel(x, { padding: 'max_length', chunkLengthS: 30 });
      expect(ours.frames).toBe(3000);
      expect(ours.chunkFrames).toBe(3000);
      expect(ours.truncatedSamples).toBe(0);
      expect(ours.validFrames).toBe(Math.ceil(x.length / 160));
      const ref = await referenceLogMel(x, 30);
      expect(maxAbsDiff(ours.data, 3000, ref, 3000, 3000)).toBeLessThanOrEqual(1e-4);
    });
  }
});

describe("logMel at Qwen2.5-Omni's chunk_length 300 s (n_samples 4 800 000, nb_max_frames 30 000)", () => {
  // 35 s whose last 5 s are 20x louder: a max - 8 floor taken per 30 s piece (the old chunking)
  // differs from the processor's single floor over the whole padded chunk.
  const loudTail = (): Float32Array => {
    const x = noise(35 * 16000 + 123, 11, 0.02);
    for (let i = 30 * 16000; i < x.length; i++) x[i] = x[i]! * 20;
    return x;
  };

  it('defaults to the 300 s chunk: 30 000 padded frames', () => {
    const r = logMel(tone(1, 440));
    expect(r.frames).toBe(30_000);
    expect(r.chunkFrames).toBe(30_000);
    expect(r.validFrames).toBe(100);
  });

  it('pads 35 s of audio to 300 s with one max - 8 floor, as WhisperFeatureExtractor(chunk_length 300), within 1e-4', async () => {
    const x = loudTail();
    const ours = logMel(x, { padding: 'max_length', chunkLengthS: 300 });
    expect(ours.frames).toBe(30_000);
    expect(ours.validFrames).toBe(Math.ceil(x.length / 160));
    const ref = await referenceLogMel(x, 300);
    expect(maxAbsDiff(ours.data, 30_000, ref, 30_000, 30_000)).toBeLessThanOrEqual(1e-4);
  });

  it('matches the reference for a 5 s clip padded to 300 s within 1e-4', async () => {
    const x = noise(5 * 16000 + 7, 4, 0.3);
    const ref = await referenceLogMel(x, 300);
    expect(maxAbsDiff(logMel(x, { chunkLengthS: 300 }).data, 30_000, ref, 30_000, 30_000)).toBeLessThanOrEqual(1e-4);
  });

  it('truncates 310 s to the 300 s chunk in max_length mode, as the processor does (truncation to n_samples)', async () => {
    const x = noise(310 * 16000, 13, 0.2);
    for (let i = 300 * 16000; i < x.length; i++) x[i] = 0.9; // loud audio past the chunk must not count
    const ours = logMel(x, { padding: 'max_length', chunkLengthS: 300 });
    expect(ours.frames).toBe(30_000);
    expect(ours.validFrames).toBe(30_000);
    expect(ours.truncatedSamples).toBe(10 * 16000);
    expect(qwenAudioTokens(ours.validFrames)).toBe(7500);
    const ref = await referenceLogMel(x, 300);
    expect(maxAbsDiff(ours.data, 30_000, ref, 30_000, 30_000)).toBeLessThanOrEqual(1e-4);
  });

  it('truncates 310 s to 300 s of features in dynamic mode too, equal to the max_length features', () => {
    const x = noise(310 * 16000, 13, 0.2);
    const dyn = logMel(x, { padding: 'dynamic', chunkLengthS: 300 });
    expect(dyn.frames).toBe(30_000);
    expect(dyn.truncatedSamples).toBe(10 * 16000);
    const full = logMel(x, { padding: 'max_length', chunkLengthS: 300 });
    expect(maxAbsDiff(dyn.data, 30_000, full.data, 30_000, 30_000)).toBeLessThanOrEqual(1e-6);
  });

  it('dynamic features of 35 s equal the first ceil(samples/160) padded frames', () => {
    const x = loudTail();
    const frames = Math.ceil(x.length / 160);
    const dyn = logMel(x, { padding: 'dynamic', chunkLengthS: 300 });
    const full = logMel(x, { padding: 'max_length', chunkLengthS: 300 });
    expect(dyn.frames).toBe(frames);
    expect(maxAbsDiff(dyn.data, frames, full.data, 30_000, frames)).toBeLessThanOrEqual(1e-6);
  });
});

describe('dynamic padding (chunk 30 s)', () => {
  const lengths = [1, 159, 160, 161, 300, 400, 16000, 80000 + 37, 160 * 1234, 479_999, 480_000];
  for (const n of lengths) {
    it(`equals the first ceil(${n}/160) max_length frames`, () => {
      const x = noise(n, n);
      const full = logMel(x, { padding: 'max_length', chunkLengthS: 30 });
      const dyn = logMel(x, { padding: 'dynamic', chunkLengthS: 30 });
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
    const full = logMel(x, { padding: 'max_length', chunkLengthS: 30 });
    const dyn = logMel(x, { padding: 'dynamic', chunkLengthS: 30 });
    expect(maxAbsDiff(dyn.data, 50, full.data, 3000, 50)).toBeLessThanOrEqual(1e-6);
  });

  it('gives no frames for no samples', () => {
    expect(logMel(new Float32Array(0), { padding: 'dynamic', chunkLengthS: 30 }).frames).toBe(0);
    const padded = logMel(new Float32Array(0), { chunkLengthS: 30 });
    expect(padded.frames).toBe(3000);
    expect(padded.validFrames).toBe(0);
    expect(padded.data[0]).toBe(-1.5);
  });

  it('honours a short chunkLengthS, truncating what does not fit', () => {
    const r = logMel(tone(1.5, 300), { padding: 'max_length', chunkLengthS: 1 });
    expect(r.frames).toBe(100);
    expect(r.validFrames).toBe(100);
    expect(r.truncatedSamples).toBe(8000);
  });

  it('rejects misuse', () => {
    expect(() => logMel([1, 2] as unknown as Float32Array)).toThrow(TypeError);
    expect(() => logMel(new Float32Array(10), { padding: 'longest' as 'dynamic' })).toThrow(RangeError);
    expect(() => logMel(new Float32Array(10), { chunkLengthS: 0.001 })).toThrow(RangeError);
    expect(() => logMel(new Float32Array(10), { chunkLengthS: Infinity })).toThrow(RangeError);
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
