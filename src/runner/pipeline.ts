/**
 * The serial baseline request pipeline (what Qwen2.5-Omni's reference code does, one stage
 * after another): audio_decode -> audio_features -> video_decode -> vision_preprocess ->
 * audio_encoder -> vision_encoder -> model.generate (prompt, embed, prefill, first_token,
 * decode). Every stage goes through the StageRunner, so spans cover the whole request and the
 * pipeline itself holds no timing code.
 */
import type { StageRunner } from '../stages.js';
import { MediaError, ModelError } from '../errors.js';
import { phi4mmLogMel, PHI4MM_WIN_LENGTH } from '../media/phi4mm-mel.js';
import type { ContentPart, EncoderOutput, GenerateResult, MelFeatures, Message, VisionPatches } from '../model/types.js';
import type { BenchSample, FrameWindow, MediaLike, ModelLike, SampledVideo } from './types.js';
import type { Measures } from '../report/record.js';
import type { Schedule } from '../middleware/types.js';
import { encodeVisionStage, streamVision, type VisionResult } from './stream-vision.js';

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
  /** Exactly this many frames per video, and a per-frame pixel budget (frame-scaling's sweep); default the processor's. */
  frames?: Pick<FrameWindow, 'nframes' | 'maxPixels'>;
}

/** Sizes of what the request fed the model: the record's media columns. */
export type RequestMedia = Pick<Measures, 'audioSeconds' | 'videoSeconds' | 'videoFrames' | 'frameWidth' | 'frameHeight' | 'melFrames' | 'visionPatches' | 'mediaNote'>;

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
  /** The encoders' output features (what the LLM got), for the answer check against a reference. */
  encoderFeatures: { audio?: Float32Array; vision?: Float32Array };
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

/** The encoded media of one user turn: audio features, and video features with their grid. */
export interface MessageParts {
  audio?: EncoderOutput;
  video?: { features: EncoderOutput; patches: Pick<VisionPatches, 'gridThw' | 'secondsPerGrid'> };
}

/** Builds the user message: media parts first (Qwen's order), then the question text. */
export function buildMessages(prompt: string, parts: MessageParts, audioInVideo: boolean): Message[] {
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
  parts: MessageParts;
  /** The log-mel given to the audio encoder (absent without audio). */
  mel?: MelFeatures;
  media: RequestMedia;
  work: RequestWork;
}

/** What a pipeline needs: the (wrapped) model and media, the stage runner, and the schedule the middleware set. */
export interface PipelineDeps {
  model: ModelLike;
  media: MediaLike;
  stage: StageRunner;
  /** How the two media branches are ordered (Stack.schedule). Default `serial`. */
  schedule?: Schedule;
}

/** Options of the media branches. */
type BranchOptions = Pick<SerialRequestOptions, 'audioPadding' | 'audioSeconds' | 'chunkSeconds' | 'audioOnly' | 'frames'> & {
  /** Decode no audio (a video's soundtrack on a model without an audio encoder). */
  noAudio?: boolean;
};

/** The frames to sample of a sample's video: its clip window and the options' frame count and pixel budget. */
function frameWindow(sample: BenchSample, options: BranchOptions): FrameWindow {
  return { ...clipWindow(sample), ...options.frames };
}

/** What the audio branch produced: the mel the encoder got and its output (both absent without sound). */
interface AudioResult {
  mel?: MelFeatures;
  audio?: EncoderOutput;
  audioSeconds: number | null;
}

/** The request's audio source: the row's audio file, else the video's own track. */
function audioSourceOf(sample: BenchSample): string | undefined {
  return sample.audioPath ?? sample.videoPath;
}

/** audio_decode then audio_features; undefined mel for a video without sound. */
async function decodeAudioFeatures(
  sample: BenchSample,
  deps: PipelineDeps,
  options: BranchOptions,
  signal: AbortSignal,
): Promise<{ mel?: MelFeatures; audioSeconds: number | null }> {
  const { model, media, stage } = deps;
  const audioSource = audioSourceOf(sample);
  if (audioSource === undefined || options.noAudio) return { audioSeconds: null };
  const padding = options.audioPadding ?? 'pad-features';
  const decoded = await stage(
    'audio_decode',
    async () => {
      const d = await media.decodeAudio(audioSource, clipWindow(sample), { signal });
      return d.kind === 'audio' && options.audioSeconds !== undefined ? { ...d, samples: fitAudio(d.samples, options.audioSeconds) } : d;
    },
    { path: audioSource },
  );
  // A row that names an audio file promises sound: a file without an audio stream is an error,
  // not a text-only trial. A video's own track may be silent (the video is then run without audio).
  if (decoded.kind === 'no-audio' && sample.audioPath !== undefined) {
    throw new MediaError(`audio_path ${sample.audioPath} has no audio stream (fix the manifest row, or leave audio_path empty for a silent video)`, sample.audioPath);
  }
  if (decoded.kind !== 'audio') return { audioSeconds: null };
  if (model.audioFeatureKind === 'phi4mm') {
    // Phi-4-multimodal's own log-mel over the whole clip: its processor pads nothing (no chunk).
    if (decoded.samples.length < PHI4MM_WIN_LENGTH) {
      throw new MediaError(`${audioSource}: ${((1000 * decoded.samples.length) / SAMPLE_RATE).toFixed(1)} ms of audio; Phi-4-multimodal's features need at least ${(1000 * PHI4MM_WIN_LENGTH) / SAMPLE_RATE} ms (one ${PHI4MM_WIN_LENGTH}-sample frame)`, audioSource);
    }
    const features = await stage('audio_features', () => phi4mmLogMel(decoded.samples));
    return { mel: features, audioSeconds: decoded.samples.length / SAMPLE_RATE };
  }
  // Seconds the model hears: audio past the processor's chunk is cut before the features.
  const chunk = options.chunkSeconds ?? model.audioChunkSeconds;
  const audioSeconds = Math.min(decoded.samples.length / SAMPLE_RATE, chunk ?? Number.POSITIVE_INFINITY);
  const features = await stage('audio_features', () =>
    media.logMel(decoded.samples, {
      padding: padding === 'dynamic' ? 'dynamic' : 'max_length',
      ...(chunk !== undefined ? { chunkLengthS: chunk } : {}),
    }),
  );
  return { mel: padding === 'pad-features' ? stripMelPadding(features) : features, audioSeconds };
}

/** audio_encoder on the branch's mel. pad-all: the encoder pays for every padded frame; the LLM still gets only the real audio's tokens. */
async function encodeAudioStage(deps: PipelineDeps, mel: MelFeatures | undefined, options: BranchOptions): Promise<EncoderOutput | undefined> {
  if (!mel) return undefined;
  const encodePadding = options.audioPadding === 'pad-all';
  return deps.stage('audio_encoder', () => deps.model.encodeAudio(mel, { encodePadding }), { melFrames: mel.frames });
}

/** video_decode then vision_preprocess. */
async function decodeVisionPatches(sample: BenchSample, deps: PipelineDeps, options: BranchOptions, signal: AbortSignal): Promise<{ video: SampledVideo; patches: VisionPatches }> {
  const videoPath = sample.videoPath as string;
  const video = await deps.stage('video_decode', () => deps.media.sampleFrames(videoPath, frameWindow(sample, options), { signal }), { path: videoPath });
  const patches = await deps.stage('vision_preprocess', () => deps.media.patchify(video));
  return { video, patches };
}

/**
 * Runs both branches at once; when one fails the other is stopped (its decoder killed through
 * `controller`) and the first failure is thrown once both have settled, so that no stage of
 * this request runs on after it.
 */
async function both<A, V>(controller: AbortController, audio: () => Promise<A>, vision: () => Promise<V>): Promise<[A, V]> {
  let first: { error: unknown } | undefined;
  const watch = <T>(p: Promise<T>): Promise<T> =>
    p.catch((error: unknown) => {
      first ??= { error };
      controller.abort();
      throw error;
    });
  const settled = await Promise.allSettled([watch(audio()), watch(vision())]);
  if (first) throw first.error;
  return [(settled[0] as PromiseFulfilledResult<A>).value, (settled[1] as PromiseFulfilledResult<V>).value];
}

/**
 * Decodes and encodes a sample's media. Under the `serial` schedule (the baseline) the stages
 * run one after the other: audio_decode -> audio_features -> video_decode -> vision_preprocess
 * -> audio_encoder -> vision_encoder. Under `parallel` the audio branch (decode, features,
 * encoder) and the vision branch (decode, preprocess, encoder) run at the same time; under
 * `streaming` the vision branch also encodes each group of frames as ffmpeg delivers it. Audio
 * comes from `audioPath`, or from the video's own track when there is no separate file (a video
 * without sound gives no audio: the audio branch is empty, not an error).
 */
export async function encodeRequestMedia(sample: BenchSample, deps: PipelineDeps, options: BranchOptions): Promise<EncodedMedia> {
  const schedule = deps.schedule ?? 'serial';
  const controller = new AbortController();
  const takes = deps.model.takes;
  const family = deps.model.family ?? 'this model';
  // Rows the family cannot take at all are error records that say so; a video's own soundtrack
  // is simply not used by a family without an audio encoder (the record's media_note says so).
  // A Video-MME row names its video as its audio source too: that is the video's own soundtrack.
  const separateAudio = sample.audioPath !== undefined && sample.audioPath !== sample.videoPath;
  if (takes && separateAudio && !takes.audio) throw new ModelError(`${family} has no audio encoder: the row's audio_path ${sample.audioPath} cannot be run on it`);
  if (takes && sample.videoPath !== undefined && !options.audioOnly && !takes.video) {
    const runs = [takes.audio ? 'audio' : '', takes.image ? 'images' : ''].filter(Boolean).join(' and ') || 'text';
    throw new ModelError(`${family} takes no video (omni-bench runs its ${runs}): the row's video_path cannot be run on it`);
  }
  if (takes && options.audioOnly && !takes.audio) throw new ModelError(`${family} has no audio encoder: an audio-only request cannot be run on it`);
  const soundtrackUnused = takes !== undefined && !takes.audio && !separateAudio && sample.videoPath !== undefined;
  if (soundtrackUnused) options = { ...options, noAudio: true };
  const hasVideo = sample.videoPath !== undefined && !options.audioOnly;
  let audio: AudioResult;
  let vision: VisionResult = { patches: null, ran: false };
  if (schedule === 'serial') {
    // Phase 1: media decode and features, serially; phase 2: the encoders, one after the other.
    const features = await decodeAudioFeatures(sample, deps, options, controller.signal);
    const decoded = hasVideo ? await decodeVisionPatches(sample, deps, options, controller.signal) : undefined;
    audio = { ...features, ...(features.mel ? { audio: await encodeAudioStage(deps, features.mel, options) } : {}) };
    if (decoded) vision = await encodeVisionStage(deps, decoded.video, decoded.patches);
  } else {
    const audioBranch = async (): Promise<AudioResult> => {
      const features = await decodeAudioFeatures(sample, deps, options, controller.signal);
      return { ...features, ...(features.mel ? { audio: await encodeAudioStage(deps, features.mel, options) } : {}) };
    };
    const visionBranch = async (): Promise<VisionResult> => {
      if (!hasVideo) return { patches: null, ran: false };
      if (schedule === 'streaming') return streamVision(sample.videoPath as string, frameWindow(sample, options), deps, controller.signal);
      const decoded = await decodeVisionPatches(sample, deps, options, controller.signal);
      return encodeVisionStage(deps, decoded.video, decoded.patches);
    };
    [audio, vision] = await both(controller, audioBranch, visionBranch);
  }
  const encoded = assemble(audio, vision, options);
  if (soundtrackUnused) encoded.media.mediaNote = `video soundtrack not used: ${family} has no audio encoder`;
  return encoded;
}

/** The message parts, media columns and FLOP inputs of both branches' results. */
function assemble(audio: AudioResult, vision: VisionResult, options: BranchOptions): EncodedMedia {
  const { mel } = audio;
  const media: RequestMedia = {
    audioSeconds: audio.audioSeconds,
    videoSeconds: vision.video?.seconds ?? null,
    videoFrames: vision.video?.count ?? null,
    frameWidth: vision.video?.width ?? null,
    frameHeight: vision.video?.height ?? null,
    melFrames: mel?.frames ?? null,
    visionPatches: vision.patches,
    mediaNote: null,
  };
  // FLOPs of what ran: an encoder output a cache served is 0 GFLOP. Frames the encoder treated
  // as real: all of them under pad-all.
  const audioRan = audio.audio !== undefined && audio.audio.fromCache !== true;
  const encodePadding = options.audioPadding === 'pad-all';
  const grid = vision.grid?.gridThw;
  const work: RequestWork = {
    audioMelFrames: mel ? (audioRan ? mel.frames : 0) : null,
    audioValidFrames: mel ? (audioRan ? (encodePadding ? mel.frames : mel.validFrames) : 0) : null,
    visionGrid: grid ? (vision.ran ? grid : [0, grid[1], grid[2]]) : null,
  };
  return {
    ...(mel ? { mel } : {}),
    parts: {
      ...(audio.audio ? { audio: audio.audio } : {}),
      ...(vision.features && vision.grid ? { video: { features: vision.features, patches: vision.grid } } : {}),
    },
    media,
    work,
  };
}

/** Runs one request: the media stages (in the schedule deps.schedule names; serial by default), then the LLM. */
export async function runSerialRequest(sample: BenchSample, deps: PipelineDeps, options: SerialRequestOptions): Promise<RequestOutput> {
  const { parts, media, work, mel } = await encodeRequestMedia(sample, deps, options);
  // The LLM: prompt, embed, prefill, first_token, decode are staged by the model.
  const messages = buildMessages(sample.prompt, parts, options.audioInVideo ?? true);
  const result = await deps.model.generate(messages, { maxNewTokens: options.maxNewTokens, stage: deps.stage });
  const encoderFeatures = { ...(parts.audio ? { audio: parts.audio.features } : {}), ...(parts.video ? { vision: parts.video.features.features } : {}) };
  return { result, media, work, encoderFeatures, ...(mel ? { mel } : {}) };
}
