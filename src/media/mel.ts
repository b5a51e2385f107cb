/**
 * Whisper log-mel features as Hugging Face's WhisperFeatureExtractor computes them for
 * Qwen2.5-Omni (feature_size 128): periodic Hann window, centered STFT (n_fft 400, hop 160)
 * with reflect padding, power spectrum, 128 Slaney mel filters 0-8000 Hz (Slaney norm),
 * log10(max(x, 1e-10)), last frame dropped, max(x, max - 8), (x + 4) / 4.
 *
 * The chunk is the processor config's `chunk_length` (300 s for Qwen2.5-Omni, 30 s for
 * Whisper), passed by the caller as `chunkLengthS`. Audio longer than the chunk is truncated to
 * it in every mode, as the processor's feature extractor does (truncation=True to n_samples).
 *
 * Two padding modes:
 * - 'max_length': as WhisperFeatureExtractor: samples zero-padded to the chunk and every frame
 *   computed (30 000 for 300 s), one max - 8 floor over all of them.
 * - 'dynamic': only ceil(samples / 160) frames. Whisper's frames near the end of the real audio
 *   see the zero padding (not a reflection of the real end), and its max - 8 floor is taken
 *   over every frame, including the one or two frames past ceil(samples / 160) that still
 *   overlap real samples. Dynamic mode computes those frames over the same zero tail, takes the
 *   max over them too, and then drops them, so its features are exactly the first
 *   ceil(samples / 160) columns of the max_length features.
 */
import type { MelFeatures } from '../model/types.js';
import { RealPowerSpectrum } from './fft.js';

/** Sampling rate the features assume: 16 000 Hz. */
export const MEL_SAMPLE_RATE = 16_000;
/** STFT size: 400 samples (25 ms). */
export const N_FFT = 400;
/** STFT hop: 160 samples (10 ms), so 100 frames per second. */
export const HOP_LENGTH = 160;
/** Mel bins of Qwen2.5-Omni / whisper-large-v3: 128. */
export const MEL_BINS = 128;
/** Qwen2.5-Omni's processor chunk_length: 300 s (n_samples 4 800 000, nb_max_frames 30 000); the default. */
export const DEFAULT_CHUNK_SECONDS = 300;
/** Whisper's chunk_length: 30 s (3000 frames). */
export const WHISPER_CHUNK_SECONDS = 30;

/** 'max_length' pads to the chunk (Whisper, Qwen processor); 'dynamic' computes the real frames only. */
export type MelPadding = 'dynamic' | 'max_length';

/** Options of logMel. */
export interface LogMelOptions {
  /** Default 'max_length' (what WhisperFeatureExtractor does). */
  padding?: MelPadding;
  /**
   * The processor config's chunk_length in seconds: max_length pads to it, dynamic emulates its
   * zero tail, and longer audio is truncated to it in both modes. Default 300 (Qwen2.5-Omni);
   * pass the model's value (30 for Whisper).
   */
  chunkLengthS?: number;
}

/** What logMel returns: MelFeatures plus how the columns were made. */
export interface LogMel extends MelFeatures {
  melBins: number;
  padding: MelPadding;
  /** The chunk in mel frames: chunkLengthS x 100 (the processor's nb_max_frames). */
  chunkFrames: number;
  /** Samples past the chunk that were dropped (truncation to n_samples, as the processor); 0 when the audio fits. */
  truncatedSamples: number;
}

/** Slaney mel scale (librosa htk=False), as transformers' hertz_to_mel(mel_scale='slaney'). */
function hertzToMel(hz: number): number {
  const minLogHertz = 1000;
  const minLogMel = 15;
  const logstep = 27 / Math.log(6.4);
  return hz >= minLogHertz ? minLogMel + Math.log(hz / minLogHertz) * logstep : (3 * hz) / 200;
}

function melToHertz(mel: number): number {
  const minLogHertz = 1000;
  const minLogMel = 15;
  const logstep = Math.log(6.4) / 27;
  return mel >= minLogMel ? minLogHertz * Math.exp(logstep * (mel - minLogMel)) : (200 * mel) / 3;
}

/** One triangular filter: weights for bins [start, start + weights.length). */
export interface MelFilter {
  start: number;
  weights: Float64Array;
}

/**
 * Slaney-normalised triangular mel filters, as transformers' mel_filter_bank(num_frequency_bins,
 * num_mel_filters, fmin, fmax, sr, norm='slaney', mel_scale='slaney'); zero weights are left out.
 */
export function melFilterBank(frequencyBins = N_FFT / 2 + 1, melBins = MEL_BINS, minHz = 0, maxHz = 8000, sampleRate = MEL_SAMPLE_RATE): MelFilter[] {
  const melMin = hertzToMel(minHz);
  const melMax = hertzToMel(maxHz);
  const filterHz: number[] = [];
  for (let i = 0; i < melBins + 2; i++) filterHz.push(melToHertz(melMin + ((melMax - melMin) * i) / (melBins + 1)));
  const nyquist = Math.floor(sampleRate / 2);
  const fftHz: number[] = [];
  for (let k = 0; k < frequencyBins; k++) fftHz.push((nyquist * k) / (frequencyBins - 1));
  const filters: MelFilter[] = [];
  for (let m = 0; m < melBins; m++) {
    const lo = filterHz[m]!;
    const center = filterHz[m + 1]!;
    const hi = filterHz[m + 2]!;
    const enorm = 2 / (hi - lo);
    const row = fftHz.map((f) => Math.max(0, Math.min((f - lo) / (center - lo), (hi - f) / (hi - center))) * enorm);
    let start = row.findIndex((w) => w > 0);
    if (start < 0) start = 0;
    let end = row.length;
    while (end > start && row[end - 1] === 0) end--;
    filters.push({ start, weights: Float64Array.from(row.slice(start, end)) });
  }
  return filters;
}

/** Periodic Hann window of `n` samples (scipy/torch periodic=True). */
export function hannWindow(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

interface Kernel {
  window: Float64Array;
  spectrum: RealPowerSpectrum;
  /** Filters flattened: filter m has weights[offset[m] .. offset[m + 1]) for bins from start[m]. */
  start: Int32Array;
  offset: Int32Array;
  weights: Float64Array;
}

let cached: Kernel | undefined;
function kernel(): Kernel {
  if (cached) return cached;
  const filters = melFilterBank();
  const start = new Int32Array(MEL_BINS);
  const offset = new Int32Array(MEL_BINS + 1);
  filters.forEach((f, m) => {
    start[m] = f.start;
    offset[m + 1] = offset[m]! + f.weights.length;
  });
  const weights = new Float64Array(offset[MEL_BINS]!);
  filters.forEach((f, m) => weights.set(f.weights, offset[m]!));
  cached = { window: hannWindow(N_FFT), spectrum: new RealPowerSpectrum(N_FFT), start, offset, weights };
  return cached;
}

const INV_LN10 = 1 / Math.LN10;

/**
 * log10 mel energies (floored at 1e-10), frame-major [frames][128], of the virtual signal
 * `x[offset .. offset + length)` followed by zeros to `padTo` samples, reflect-padded by
 * n_fft/2 at both ends (numpy 'reflect': the edge sample is not repeated).
 */
function logMelFrames(x: Float32Array, offset: number, length: number, padTo: number, frames: number): Float64Array {
  const { window, spectrum, start, offset: woff, weights } = kernel();
  const half = N_FFT / 2;
  const out = new Float64Array(frames * MEL_BINS);
  const frame = new Float64Array(N_FFT);
  const power = new Float64Array(spectrum.bins);
  const sample = (i: number): number => {
    let j = i < 0 ? -i : i;
    if (j >= padTo) j = 2 * (padTo - 1) - j;
    return j < length ? x[offset + j]! : 0;
  };
  for (let f = 0; f < frames; f++) {
    const first = f * HOP_LENGTH - half;
    if (first >= 0 && first + N_FFT <= length) {
      for (let j = 0; j < N_FFT; j++) frame[j] = x[offset + first + j]! * window[j]!;
    } else if (first >= length && first + N_FFT <= padTo) {
      // Entirely in the zero padding: still transformed, as WhisperFeatureExtractor does.
      frame.fill(0);
    } else {
      for (let j = 0; j < N_FFT; j++) frame[j] = sample(first + j) * window[j]!;
    }
    spectrum.power(frame, power);
    const row = f * MEL_BINS;
    for (let m = 0; m < MEL_BINS; m++) {
      const end = woff[m + 1]!;
      let bin = start[m]!;
      let acc = 0;
      for (let w = woff[m]!; w < end; w++) acc += weights[w]! * power[bin++]!;
      // log(x) / ln 10: within an ulp of log10 and cheaper in V8. Taken of every value, padding
      // included, as WhisperFeatureExtractor does.
      out[row + m] = Math.log(acc > 1e-10 ? acc : 1e-10) * INV_LN10;
    }
  }
  return out;
}

/**
 * Whisper's max(x, max - 8), (x + 4) / 4 with the max over all `maxFrames` leading frames of
 * `logs`; writes the first `keep` frames transposed into `data` (row-major [128, columns])
 * from column `column`.
 */
function normaliseInto(logs: Float64Array, maxFrames: number, keep: number, data: Float32Array, columns: number, column: number): void {
  let max = -Infinity;
  const n = maxFrames * MEL_BINS;
  for (let i = 0; i < n; i++) if (logs[i]! > max) max = logs[i]!;
  const floor = max - 8;
  for (let f = 0; f < keep; f++) {
    const row = f * MEL_BINS;
    for (let m = 0; m < MEL_BINS; m++) {
      const v = logs[row + m]!;
      data[m * columns + column + f] = ((v > floor ? v : floor) + 4) / 4;
    }
  }
}

function chunkSamplesOf(chunkLengthS: number): number {
  const samples = Math.round(chunkLengthS * MEL_SAMPLE_RATE);
  if (!(chunkLengthS > 0) || !Number.isFinite(chunkLengthS) || samples % HOP_LENGTH !== 0 || samples < N_FFT) {
    throw new RangeError(`chunkLengthS must be a positive multiple of 0.01 s and at least 0.025 s, got ${chunkLengthS}`);
  }
  return samples;
}

/**
 * Whisper log-mel features of mono 16 kHz `samples`: data [128, frames] row-major, and
 * validFrames = ceil(min(samples, chunk) / 160) (the columns that come from real audio).
 */
export function logMel(samples: Float32Array, options: LogMelOptions = {}): LogMel {
  if (!(samples instanceof Float32Array)) throw new TypeError('logMel: samples must be a Float32Array of mono 16 kHz audio');
  const padding = options.padding ?? 'max_length';
  if (padding !== 'dynamic' && padding !== 'max_length') throw new RangeError(`padding must be 'dynamic' or 'max_length', got '${String(padding)}'`);
  const chunkSamples = chunkSamplesOf(options.chunkLengthS ?? DEFAULT_CHUNK_SECONDS);
  const chunkFrames = chunkSamples / HOP_LENGTH;
  // As the processor (WhisperFeatureExtractor, truncation=True): audio past n_samples is dropped.
  const length = Math.min(samples.length, chunkSamples);
  const truncatedSamples = samples.length - length;
  const validFrames = Math.ceil(length / HOP_LENGTH);

  if (padding === 'max_length') {
    // As WhisperFeatureExtractor: pad to n_samples, compute n_samples/160 + 1 frames, drop the
    // last, and take the max - 8 floor over all of them (one piece: the floor of the whole
    // padded chunk, never of a shorter piece).
    const data = new Float32Array(MEL_BINS * chunkFrames);
    const logs = logMelFrames(samples, 0, length, chunkSamples, chunkFrames);
    normaliseInto(logs, chunkFrames, chunkFrames, data, chunkFrames, 0);
    return { data, frames: chunkFrames, validFrames, melBins: MEL_BINS, padding, chunkFrames, truncatedSamples };
  }

  // Dynamic: the signal as max_length pads it (zeros to the chunk); frames that still overlap
  // real samples count for the max, then are dropped.
  const framesForMax = Math.max(validFrames, Math.min(Math.ceil((length + N_FFT / 2) / HOP_LENGTH), chunkFrames));
  const data = new Float32Array(MEL_BINS * validFrames);
  if (validFrames > 0) {
    const logs = logMelFrames(samples, 0, length, chunkSamples, framesForMax);
    normaliseInto(logs, framesForMax, validFrames, data, validFrames, 0);
  }
  return { data, frames: validFrames, validFrames, melBins: MEL_BINS, padding, chunkFrames, truncatedSamples };
}
/**
 * Audio tokens Qwen2.5-Omni's audio encoder produces for `validFrames` mel frames
 * (_get_feat_extract_output_lengths: f = (L - 1) // 2 + 1, tokens = (f - 2) // 2 + 1).
 */
export function qwenAudioTokens(validFrames: number): number {
  if (validFrames <= 0) return 0;
  const f = Math.floor((validFrames - 1) / 2) + 1;
  return Math.max(0, Math.floor((f - 2) / 2) + 1);
}
