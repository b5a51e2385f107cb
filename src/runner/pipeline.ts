/**
 * The serial baseline request pipeline (what Qwen2.5-Omni's reference code does, one stage
 * after another): audio_decode -> audio_features -> video_decode -> vision_preprocess ->
 * audio_encoder -> vision_encoder -> model.generate (prompt, embed, prefill, first_token,
 * decode). Every stage goes through the StageRunner, so spans cover the whole request and the
 * pipeline itself holds no timing code.
 */
import type { StageRunner } from '../stages.js';
import { MediaError } from '../errors.js';
import type { ContentPart, EncoderOutput, GenerateResult, MelFeatures, Message, VisionPatches } from '../model/types.js';
import type { BenchSample, MediaLike, ModelLike, SampledVideo } from './types.js';
import type { Measures } from '../report/record.js';

/** Audio padding modes (DESIGN.md section 4). */
export type AudioPadding = 'pad-all' | 'pad-features' | 'dynamic';

/** Options of one serial request. */
export interface SerialRequestOptions {
  maxNewTokens: number;
  /**
   * How audio features are padded: `pad-features` (default: the Qwen2.5-Omni processor pads
   * features to its chunk_length, 300 s, and the mask strips the padding before the encoder), `pad-all` (the encoder
   * runs on the padded frames too), `dynamic` (features for the real length only).
   */
  audioPadding?: AudioPadding;
  /** Fit the decoded audio to exactly this many seconds (trimmed, or looped when shorter): audio-padding's sweep. */
  audioSeconds?: number;
  /** The chunk features are padded to, seconds; default the model's processor config (ModelLike.audioChunkSeconds). */
  chunkSeconds?: number;
  /** Use only the sample's audio (a video row's own track); no vision stages. */
  audioOnly?: boolean;
  /**
   * Video with audio as one interleaved part (Qwen's use_audio_in_video=true, the default for a
   * video with sound) or as separate video and audio parts.
   */
  audioInVideo?: boolean;
}

/** Sizes of what the request fed the model: the record's media columns. */
export type RequestMedia = Pick<Measures, 'audioSeconds' | 'videoSeconds' | 'videoFrames' | 'frameWidth' | 'frameHeight' | 'melFrames' | 'visionPatches'>;

/** Input sizes of the compute stages, for their FLOPs (null: the stage did not run). */
export interface RequestWork {
  /** Mel frames the audio encoder ran on, and how many of them are real audio. */
  audioMelFrames: number | null;
  audioValidFrames: number | null;
  visionGrid: [number, number, number] | null;
  /**
   * Tokens already in the KV cache that the prefill attended to (a later turn on a kept
   * conversation); prefill FLOPs count attention over past + new tokens. Default 0.
   */
  pastTokens?: number;
}

/** What one request produced. */
export interface RequestOutput {
  result: GenerateResult;
  /** The log-mel given to the audio encoder (absent without audio). */
  mel?: MelFeatures;
  media: RequestMedia;
  work: RequestWork;
}

/** Audio sample rate of decodeAudio's output, Hz (Whisper's). */
const SAMPLE_RATE = 16_000;

/**
 * `samples` made exactly `seconds` long: the first seconds of a longer clip, or the clip repeated
 * (looped) until it fills them, so every length of a sweep is real signal, never silence.
 */
export function fitAudio(samples: Float32Array, seconds: number): Float32Array {
  const length = Math.round(seconds * SAMPLE_RATE);
  if (samples.length === length) return samples;
  if (samples.length >= length) return samples.slice(0, length);
  if (samples.length === 0) throw new RangeError('fitAudio: no samples to loop');
  const out = new Float32Array(length);
  for (let at = 0; at < length; at += samples.length) out.set(samples.subarray(0, Math.min(samples.length, length - at)), at);
  return out;
}

/** The mel restricted to its valid frames: what the processor's mask leaves for the encoder. */
export function stripMelPadding(mel: MelFeatures): MelFeatures {
  if (mel.validFrames >= mel.frames) return mel;
  const bins = mel.melBins ?? 128;
  const data = new Float32Array(bins * mel.validFrames);
  for (let b = 0; b < bins; b++) data.set(mel.data.subarray(b * mel.frames, b * mel.frames + mel.validFrames), b * mel.validFrames);
  return { data, frames: mel.validFrames, validFrames: mel.validFrames, melBins: bins };
}

/** Builds the user message: media parts first (Qwen's order), then the question text. */
export function buildMessages(
  prompt: string,
  parts: { audio?: EncoderOutput; video?: { features: EncoderOutput; patches: VisionPatches } },
  audioInVideo: boolean,
): Message[] {
  const content: ContentPart[] = [];
  const { audio, video } = parts;
  if (video) {
    const gridThw = video.patches.gridThw;
    const secondsPerGrid = video.patches.secondsPerGrid ?? 1;
    if (audio && audioInVideo) {
      content.push({ type: 'video_with_audio', video: video.features, gridThw, secondsPerGrid, audio });
    } else {
      content.push({ type: 'video', features: video.features, gridThw, secondsPerGrid });
      if (audio) content.push({ type: 'audio', features: audio });
    }
  } else if (audio) {
    content.push({ type: 'audio', features: audio });
  }
  content.push({ type: 'text', text: prompt });
  return [{ role: 'user', content }];
}

function clipWindow(sample: BenchSample): { start?: number; duration?: number; end?: number } {
  const window: { start?: number; duration?: number; end?: number } = {};
  if (sample.startS !== undefined) window.start = sample.startS;
  if (sample.endS !== undefined) {
    window.end = sample.endS;
    window.duration = sample.endS - (sample.startS ?? 0);
  }
  return window;
}

/** The media of one request, encoded: the message parts the LLM gets, and what the records report. */
export interface EncodedMedia {
  parts: { audio?: EncoderOutput; video?: { features: EncoderOutput; patches: VisionPatches } };
  /** The log-mel given to the audio encoder (absent without audio). */
  mel?: MelFeatures;
  media: RequestMedia;
  work: RequestWork;
}

/**
 * Decodes and encodes a sample's media through the serial baseline stages (audio_decode ->
 * audio_features -> video_decode -> vision_preprocess -> audio_encoder -> vision_encoder). Audio
 * comes from `audioPath`, or from the video's own track when there is no separate file (a video
 * without sound gives no audio).
 */
export async function encodeRequestMedia(
  sample: BenchSample,
  deps: { model: ModelLike; media: MediaLike; stage: StageRunner },
  options: Pick<SerialRequestOptions, 'audioPadding' | 'audioSeconds' | 'chunkSeconds' | 'audioOnly'>,
): Promise<EncodedMedia> {
  const { model, media, stage } = deps;
  const padding = options.audioPadding ?? 'pad-features';
  const window = clipWindow(sample);
  const out: RequestMedia = {
    audioSeconds: null,
    videoSeconds: null,
    videoFrames: null,
    frameWidth: null,
    frameHeight: null,
    melFrames: null,
    visionPatches: null,
  };

  // Phase 1: media decode and features, serially.
  let mel: MelFeatures | undefined;
  const audioSource = sample.audioPath ?? sample.videoPath;
  if (audioSource !== undefined) {
    const decoded = await stage(
      'audio_decode',
      async () => {
        const d = await media.decodeAudio(audioSource, window);
        return d.kind === 'audio' && options.audioSeconds !== undefined ? { ...d, samples: fitAudio(d.samples, options.audioSeconds) } : d;
      },
      { path: audioSource },
    );
    // A row that names an audio file promises sound: a file without an audio stream is an error,
    // not a text-only trial. A video's own track may be silent (the video is then run without audio).
    if (decoded.kind === 'no-audio' && sample.audioPath !== undefined) {
      throw new MediaError(`audio_path ${sample.audioPath} has no audio stream (fix the manifest row, or leave audio_path empty for a silent video)`, sample.audioPath);
    }
    if (decoded.kind === 'audio') {
      // Seconds the model hears: audio past the processor's chunk is cut before the features.
      const chunk = options.chunkSeconds ?? model.audioChunkSeconds;
      out.audioSeconds = Math.min(decoded.samples.length / SAMPLE_RATE, chunk ?? Number.POSITIVE_INFINITY);
      const features = await stage('audio_features', () =>
        media.logMel(decoded.samples, {
          padding: padding === 'dynamic' ? 'dynamic' : 'max_length',
          ...(chunk !== undefined ? { chunkLengthS: chunk } : {}),
        }),
      );
      mel = padding === 'pad-features' ? stripMelPadding(features) : features;
      out.melFrames = mel.frames;
    }
  }
  let video: SampledVideo | undefined;
  let patches: VisionPatches | undefined;
  if (sample.videoPath !== undefined && !options.audioOnly) {
    const videoPath = sample.videoPath;
    video = await stage('video_decode', () => media.sampleFrames(videoPath, window), { path: videoPath });
    const sampled = video;
    patches = await stage('vision_preprocess', () => media.patchify(sampled));
    out.videoSeconds = video.seconds;
    out.videoFrames = video.count;
    out.frameWidth = video.width;
    out.frameHeight = video.height;
    out.visionPatches = patches.pixelValues.length / 1176;
  }

  // Phase 2: encoders, one after the other.
  const melIn = mel;
  // pad-all: the encoder pays for every padded frame (Whisper style); the LLM still gets only
  // the real audio's tokens. The other modes mask (pad-features) or never make (dynamic) padding.
  const encodePadding = padding === 'pad-all';
  const audio = melIn
    ? await stage('audio_encoder', () => model.encodeAudio(melIn, { encodePadding }), { melFrames: melIn.frames })
    : undefined;
  const patchesIn = patches;
  const visionFeatures = patchesIn
    ? await stage('vision_encoder', () => model.encodeVision(patchesIn), { patches: out.visionPatches ?? 0 })
    : undefined;

  // FLOPs of what ran: an encoder output a cache served is 0 GFLOP.
  const audioRan = audio !== undefined && audio.fromCache !== true;
  const visionRan = visionFeatures !== undefined && visionFeatures.fromCache !== true;
  const work: RequestWork = {
    audioMelFrames: melIn ? (audioRan ? melIn.frames : 0) : null,
    // Frames the encoder treated as real: all of them under pad-all.
    audioValidFrames: melIn ? (audioRan ? (encodePadding ? melIn.frames : melIn.validFrames) : 0) : null,
    visionGrid: patchesIn ? (visionRan ? patchesIn.gridThw : [0, patchesIn.gridThw[1], patchesIn.gridThw[2]]) : null,
  };
  return {
    ...(melIn ? { mel: melIn } : {}),
    parts: {
      ...(audio ? { audio } : {}),
      ...(visionFeatures && patchesIn ? { video: { features: visionFeatures, patches: patchesIn } } : {}),
    },
    media: out,
    work,
  };
}

/** Runs one request through the serial baseline pipeline: the media stages, then the LLM. */
export async function runSerialRequest(
  sample: BenchSample,
  deps: { model: ModelLike; media: MediaLike; stage: StageRunner },
  options: SerialRequestOptions,
): Promise<RequestOutput> {
  const { parts, media, work, mel } = await encodeRequestMedia(sample, deps, options);
  // The LLM: prompt, embed, prefill, first_token, decode are staged by the model.
  const messages = buildMessages(sample.prompt, parts, options.audioInVideo ?? true);
  const result = await deps.model.generate(messages, { maxNewTokens: options.maxNewTokens, stage: deps.stage });
  return { result, media, work, ...(mel ? { mel } : {}) };
}
