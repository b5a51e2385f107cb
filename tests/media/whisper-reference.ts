/**
 * transformers.js' WhisperFeatureExtractor with Qwen2.5-Omni's (whisper-large-v3's)
 * preprocessor values, built offline (no config download): the reference for logMel.
 */
import { WhisperFeatureExtractor } from '@huggingface/transformers';

/**
 * whisper-large-v3's feature extractor config (preprocessor_config.json, chunk_length 30). Qwen2.5-Omni's
 * is the same with chunk_length 300, n_samples 4 800 000, nb_max_frames 30 000 (referenceExtractor(300)).
 */
export const QWEN_OMNI_WHISPER_CONFIG = {
  feature_extractor_type: 'WhisperFeatureExtractor',
  feature_size: 128,
  sampling_rate: 16000,
  hop_length: 160,
  n_fft: 400,
  chunk_length: 30,
  n_samples: 480000,
  nb_max_frames: 3000,
  padding_value: 0.0,
  padding_side: 'right',
  return_attention_mask: true,
};

const extractors = new Map<number, WhisperFeatureExtractor>();

/** The reference extractor for a chunk of `chunkLengthS` seconds (built once per chunk length). */
export function referenceExtractor(chunkLengthS = 30): WhisperFeatureExtractor {
  let extractor = extractors.get(chunkLengthS);
  if (!extractor) {
    const nSamples = chunkLengthS * 16000;
    extractor = new WhisperFeatureExtractor({ ...QWEN_OMNI_WHISPER_CONFIG, chunk_length: chunkLengthS, n_samples: nSamples, nb_max_frames: nSamples / 160 });
    extractors.set(chunkLengthS, extractor);
  }
  return extractor;
}

/** Reference features [128, chunk x 100] row-major of `samples` (padded or cut to the chunk, as transformers.js does). */
export async function referenceLogMel(samples: Float32Array, chunkLengthS = 30): Promise<Float32Array> {
  const out = (await referenceExtractor(chunkLengthS)(samples)) as { input_features: { data: Float32Array; dims: number[] } };
  return out.input_features.data;
}

/** Max |a - b| over the first `frames` columns of two [128, *] row-major matrices. */
export function maxAbsDiff(a: Float32Array, aCols: number, b: Float32Array, bCols: number, frames: number, bOffset = 0): number {
  let max = 0;
  for (let m = 0; m < 128; m++) {
    for (let f = 0; f < frames; f++) {
      const d = Math.abs(a[m * aCols + f]! - b[m * bCols + bOffset + f]!);
      if (d > max) max = d;
    }
  }
  return max;
}

/** Deterministic test signals at 16 kHz. */
export function tone(seconds: number, hz: number, amplitude = 0.5): Float32Array {
  const x = new Float32Array(Math.round(seconds * 16000));
  for (let i = 0; i < x.length; i++) x[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / 16000);
  return x;
}

export function noise(samples: number, seed = 1, amplitude = 0.3): Float32Array {
  const x = new Float32Array(samples);
  let s = seed;
  for (let i = 0; i < samples; i++) {
    s = (s * 16807) % 2147483647;
    x[i] = amplitude * (2 * (s / 2147483647) - 1);
  }
  return x;
}
