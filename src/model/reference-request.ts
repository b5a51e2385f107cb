/**
 * The reference request of `model inspect`, `model bench` and `module-profile` (flops.ts
 * referenceRequest): 10 s of audio (1,000 mel frames), 20 frames of 392x280 (grid 10x20x28) and
 * a question about both, the video and its audio interleaved (use_audio_in_video); the parts a
 * family takes (the video alone for Qwen2.5-VL, the audio alone for Phi-4-multimodal). Its inputs
 * are deterministic pseudo-random values: the components' cost depends on the shapes only, so
 * every machine and every tool times the same work. One module builds it for all of them.
 */
import { referenceRequest } from './flops.js';
import type { EncoderOutput, GenerateOptions, GenerateResult, MelFeatures, Message, VisionPatches } from './types.js';
import type { StageRunner } from '../stages.js';

/** Mel bins of Qwen2.5-Omni's feature extractor (the reference presets' speech.num_mel_bins). */
export const REFERENCE_MEL_BINS = 128;
/** Values per vision patch: 3 channels x temporal 2 x 14 x 14 (Qwen2.5-VL). */
export const REFERENCE_PATCH_DIM = 1176;
/** The reference question. */
export const REFERENCE_QUESTION = 'What is happening in this video, and what is being said?';

/** Deterministic values in [-scale, scale) (a 32-bit LCG): benchmark inputs whose content does not matter. */
export function pseudoRandom(n: number, scale = 1, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = (x / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

/** The encoder inputs of the reference request. */
export interface ReferenceInputs {
  /** 1,000 mel frames, all valid. */
  mel: MelFeatures;
  /** Patches of grid [10, 20, 28] (20 frames of 392x280, one temporal group per second). */
  patches: VisionPatches;
  grid: [number, number, number];
  /** Seconds of audio (10) and frames (20), for the records' media columns. */
  audioSeconds: number;
  frames: number;
}

/** Input widths of the model the request is built for; the defaults are Qwen2.5-Omni's (and the presets'). */
export interface ReferenceDims {
  melBins?: number;
  patchDim?: number;
}

/** Builds the reference request's encoder inputs (about 7 M values; build once and reuse). */
export function referenceInputs(dims: ReferenceDims = {}): ReferenceInputs {
  const melBins = dims.melBins ?? REFERENCE_MEL_BINS;
  const patchDim = dims.patchDim ?? REFERENCE_PATCH_DIM;
  const ref = referenceRequest();
  const grid = ref.visionGrid ?? [10, 20, 28];
  const frames = ref.audioMelFrames;
  return {
    mel: { data: pseudoRandom(melBins * frames, 1, 1), frames, validFrames: frames, melBins },
    patches: { pixelValues: pseudoRandom(grid[0] * grid[1] * grid[2] * patchDim, 1.5, 2), gridThw: grid, secondsPerGrid: 1 },
    grid,
    audioSeconds: frames / 100,
    frames: grid[0] * 2,
  };
}

/**
 * The reference prompt: the video with its audio interleaved, then the question. A family without
 * an audio encoder (Qwen2.5-VL) gets the video alone; one that takes no video (Phi-4-multimodal)
 * the audio alone.
 */
export function referenceMessages(audio: EncoderOutput | undefined, video: EncoderOutput | undefined, grid: [number, number, number]): Message[] {
  const media: Message['content'] =
    audio && video
      ? [{ type: 'video_with_audio', video, gridThw: grid, secondsPerGrid: 1, audio }]
      : video
        ? [{ type: 'video', features: video, gridThw: grid, secondsPerGrid: 1 }]
        : audio
          ? [{ type: 'audio', features: audio }]
          : [];
  return [{ role: 'user', content: [...(media as Exclude<Message['content'], string>), { type: 'text', text: REFERENCE_QUESTION }] }];
}

/** Which parts of the reference request a model takes (ModelLike.takes; everything when absent). */
export function referenceParts(model: { readonly takes?: { audio: boolean; video: boolean } }): { audio: boolean; video: boolean } {
  return { audio: model.takes?.audio ?? true, video: model.takes?.video ?? true };
}

/** What running the reference request needs from a model (OmniModel, or a middleware's wrapper of it). */
export interface ReferenceModel {
  /** What the model's family takes; absent: audio and video. */
  readonly takes?: { audio: boolean; video: boolean; image: boolean };
  encodeAudio(mel: MelFeatures): Promise<EncoderOutput>;
  encodeVision(patches: VisionPatches): Promise<EncoderOutput>;
  generate(messages: Message[], options: GenerateOptions): Promise<GenerateResult>;
}

/**
 * Runs the reference request through `stage`: audio_encoder, vision_encoder, then the model's
 * prompt, embed, prefill, first_token and decode stages. There is no media stage: the inputs
 * are the encoders' own.
 */
export async function runReferenceRequest(
  model: ReferenceModel,
  inputs: ReferenceInputs,
  options: { stage: StageRunner; maxNewTokens: number },
): Promise<{ result: GenerateResult; audio?: EncoderOutput; video?: EncoderOutput }> {
  const { stage } = options;
  const parts = referenceParts(model);
  const audio = parts.audio ? await stage('audio_encoder', () => model.encodeAudio(inputs.mel), { melFrames: inputs.mel.frames }) : undefined;
  const [t, h, w] = inputs.grid;
  const video = parts.video ? await stage('vision_encoder', () => model.encodeVision(inputs.patches), { patches: t * h * w }) : undefined;
  const result = await model.generate(referenceMessages(audio, video, inputs.grid), { maxNewTokens: options.maxNewTokens, stage });
  return { result, ...(audio ? { audio } : {}), ...(video ? { video } : {}) };
}
