/**
 * Phi-4-multimodal's log-mel features, as Phi4MMAudioFeatureExtractor._extract_features computes
 * them for 16 kHz mono audio (processing_phi4mm.py of microsoft/Phi-4-multimodal-instruct; the
 * older transformers port, models/phi4_multimodal/feature_extraction_phi4_multimodal.py with
 * speechlib_mel, does the same in torch):
 *
 * - frames of 400 samples (25 ms) every 160 (10 ms), (len - 400) // 160 + 1 of them: no centre
 *   padding, and the tail short of a hop is dropped ("SpeechLib cut remaining sample");
 * - pre-emphasis 0.97 within each frame: y[j] - 0.97 y[j - 1], the first sample against itself
 *   (np.roll, then prev[0] = prev[1]), in float32, times 32768;
 * - symmetric Hamming window (np.hamming(400)), rfft zero-padded to 512, power spectrum;
 * - 80 triangular filters of speechlib_mel(16000, 512, 80, fmin=None, fmax=7690): triangles in
 *   mel = 1127 ln(1 + f / 700), unnormalised, over FFT bins [1, 246) only;
 * - ln(max(mel power, 1)).
 *
 * Transformers' current port builds its filters with mel_filter_bank(mel_scale='kaldi',
 * triangularize_in_mel_space=True) instead, which also weights bin 246 (7687.5 Hz); its log
 * values differ from these by up to ~0.01 in the top filter. These follow the model's own
 * processor.
 */
import type { MelFeatures } from '../model/types.js';
import { RealPowerSpectrum } from './fft.js';

/** Mel bins of Phi-4-multimodal's audio encoder: 80. */
export const PHI4MM_MEL_BINS = 80;
/** Sampling rate the features assume: 16 000 Hz. */
export const PHI4MM_SAMPLE_RATE = 16_000;
/** Frame length: 400 samples (25 ms); also the shortest input that gives a frame. */
export const PHI4MM_WIN_LENGTH = 400;
/** Frame hop: 160 samples (10 ms). */
export const PHI4MM_HOP_LENGTH = 160;

const N_FFT = 512;
const MEL_MAX_HZ = 7690;
/** 0.97 as numpy 2 applies it to a float32 array (NEP 50: the Python float becomes float32). */
const PREEMPHASIS = Math.fround(0.97);
const SCALE = 32768;

/** One triangular filter: weights for FFT bins [start, start + weights.length). */
export interface Phi4mmMelFilter {
  start: number;
  /** float32 values, as speechlib_mel's float32 matrix holds them. */
  weights: Float32Array;
}

/**
 * speechlib_mel(sampleRate, nFft, melBins, fmin=None, fmax=maxHz) of processing_phi4mm.py
 * ("a Mel filter-bank the same as SpeechLib FbankFC"), its zero weights left out. Defaults are
 * Phi-4-multimodal's: 16 kHz, n_fft 512, 80 bins, 0-7690 Hz.
 */
export function phi4mmMelFilterBank(melBins = PHI4MM_MEL_BINS, nFft = N_FFT, sampleRate = PHI4MM_SAMPLE_RATE, maxHz = MEL_MAX_HZ): Phi4mmMelFilter[] {
  const mel = (hz: number): number => 1127 * Math.log(1 + hz / 700);
  const binToMel = (bin: number): number => 1127 * Math.log(1 + (bin * sampleRate) / (nFft * 700));
  const hzToBin = (hz: number): number => Math.trunc((hz * nFft) / sampleRate + 0.5);
  // As speechlib_mel: bins [f2bin(fmin) + 1, f2bin(fmax)), so neither DC nor the bin nearest fmax.
  const lowBin = hzToBin(0) + 1;
  const highBin = Math.max(hzToBin(maxHz), lowBin);
  const melHigh = mel(maxHz);
  const spacing = melHigh / (melBins + 1);
  // np.linspace(0, mhi, n + 2): i * step + start, the last point exactly mhi.
  const edge = (i: number): number => (i === melBins + 1 ? melHigh : i * spacing);
  const filters: Phi4mmMelFilter[] = [];
  for (let m = 0; m < melBins; m++) {
    const left = edge(m);
    const center = edge(m + 1);
    const right = edge(m + 2);
    const row: number[] = [];
    let start = -1;
    for (let bin = lowBin; bin < highBin; bin++) {
      const at = binToMel(bin);
      if (left < at && at < right) {
        if (start < 0) start = bin;
        row[bin - start] = 1 - Math.abs(center - at) / spacing;
      }
    }
    filters.push({ start: Math.max(start, 0), weights: Float32Array.from(row) });
  }
  return filters;
}

/** Symmetric Hamming window of n samples (np.hamming: 0.54 - 0.46 cos(2 pi i / (n - 1))). */
function hammingWindow(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (n - 1));
  return w;
}

interface Kernel {
  window: Float64Array;
  spectrum: RealPowerSpectrum;
  filters: Phi4mmMelFilter[];
}

let cached: Kernel | undefined;
function kernel(): Kernel {
  cached ??= { window: hammingWindow(PHI4MM_WIN_LENGTH), spectrum: new RealPowerSpectrum(N_FFT), filters: phi4mmMelFilterBank() };
  return cached;
}

/** Frames Phi4MMAudioFeatureExtractor gives `samples` samples: (samples - 400) // 160 + 1, at least 0. */
export function phi4mmFrameCount(samples: number): number {
  return samples < PHI4MM_WIN_LENGTH ? 0 : Math.floor((samples - PHI4MM_WIN_LENGTH) / PHI4MM_HOP_LENGTH) + 1;
}

/**
 * Phi-4-multimodal log-mel features of mono 16 kHz `samples`: data [80, frames] row-major with
 * frames = validFrames = (samples - 400) // 160 + 1. Throws a RangeError below 400 samples (the
 * original extractor would give no frame).
 */
export function phi4mmLogMel(samples: Float32Array): MelFeatures {
  if (!(samples instanceof Float32Array)) throw new TypeError('phi4mmLogMel: samples must be a Float32Array of mono 16 kHz audio');
  if (samples.length < PHI4MM_WIN_LENGTH) {
    throw new RangeError(
      `phi4mmLogMel: needs at least ${PHI4MM_WIN_LENGTH} samples (25 ms at 16 kHz) for one frame, got ${samples.length}; pad the audio or skip it`,
    );
  }
  const { window, spectrum, filters } = kernel();
  const frames = phi4mmFrameCount(samples.length);
  const data = new Float32Array(PHI4MM_MEL_BINS * frames);
  const frame = new Float64Array(N_FFT); // samples 400..511 stay zero: rfft(n=512) pads them
  const power = new Float64Array(spectrum.bins);
  for (let f = 0; f < frames; f++) {
    const base = f * PHI4MM_HOP_LENGTH;
    // Pre-emphasis within the frame (the first sample is its own predecessor), in float32 as
    // numpy does on the float32 frames; the scale by 2^15 is exact.
    let prev = samples[base]!;
    for (let j = 0; j < PHI4MM_WIN_LENGTH; j++) {
      const y = samples[base + j]!;
      frame[j] = window[j]! * (Math.fround(y - Math.fround(PREEMPHASIS * prev)) * SCALE);
      prev = y;
    }
    spectrum.power(frame, power);
    for (let m = 0; m < PHI4MM_MEL_BINS; m++) {
      const { start, weights } = filters[m]!;
      let acc = 0;
      for (let k = 0; k < weights.length; k++) acc += weights[k]! * power[start + k]!;
      data[m * frames + f] = Math.log(acc > 1 ? acc : 1);
    }
  }
  return { data, frames, validFrames: frames, melBins: PHI4MM_MEL_BINS };
}

/**
 * Audio tokens Phi-4-multimodal gives `frames` mel frames (_compute_audio_embed_size):
 * ceil(frames / compressionRate), then ceil of that over qformerRate. Defaults are the model's
 * audio_compression_rate 8 and audio_downsample_rate 1.
 */
export function phi4mmAudioTokens(frames: number, compressionRate = 8, qformerRate = 1): number {
  if (!Number.isInteger(frames) || frames < 0) throw new RangeError(`phi4mmAudioTokens: frames must be a non-negative integer, got ${frames}`);
  for (const [name, rate] of [['compressionRate', compressionRate], ['qformerRate', qformerRate]] as const) {
    if (!Number.isInteger(rate) || rate < 1) throw new RangeError(`phi4mmAudioTokens: ${name} must be a positive integer, got ${rate}`);
  }
  const compressed = Math.ceil(frames / compressionRate);
  return Math.ceil(compressed / qformerRate);
}
