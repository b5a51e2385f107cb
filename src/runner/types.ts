/**
 * What the runner needs from the world, as interfaces, so that tests inject a model double
 * whose stage times are given (hyperfine's mock executor) and the CLI injects the real model,
 * media pipeline and profiler.
 */
import type { StageRunner } from '../stages.js';
import type { AudioEncodeOptions, EncoderOutput, GenerateOptions, GenerateResult, MelFeatures, Message, VisionEncodeOptions, VisionPatches } from '../model/types.js';
import type { WorkerSessionSource } from '../model/branch-worker.js';
import type { GpuSample } from '../profiler/gpu-poller.js';
import type { MemorySample, Span, Tracker } from '../profiler/types.js';

/** One valid sample as the runner sees it (adapted from the datasets module's Sample). */
export interface BenchSample {
  sampleId: string;
  dataset: string;
  /** Absolute media paths; absent when the sample has none. */
  videoPath?: string;
  audioPath?: string;
  /** Text the model is asked (question, options and answer instruction already formatted). */
  prompt: string;
  /** Multiple-choice options as given in the manifest (e.g. "A. ..."); absent for open questions. */
  options?: string[];
  /** Expected answer (a letter for multiple choice). */
  answer?: string;
  /** Clip window within the media, seconds. */
  startS?: number;
  endS?: number;
}

/** A manifest row that could not be used: it becomes an error record with this reason. */
export interface InvalidSample {
  sampleId: string;
  dataset: string;
  reason: string;
}

/** The model calls a pipeline makes: OmniModel satisfies it; tests pass a double. */
export interface ModelLike {
  /** The model family (genai_config.json model.type), for messages; absent on a double. */
  readonly family?: string;
  /** What media the family's processor takes; absent: everything (a double). */
  readonly takes?: { audio: boolean; video: boolean; image: boolean };
  /** Which log-mel the audio encoder takes (OmniModel.audioFeatureKind); absent or `whisper`: src/media's Whisper log-mel. */
  readonly audioFeatureKind?: 'whisper' | 'phi4mm' | null;
  /** Mel bins the audio encoder takes (128 Qwen2.5-Omni, 80 Phi-4-multimodal); absent: 128. */
  readonly audioMelBins?: number;
  /** The processor config's audio chunk_length in seconds (what features are padded to); media's default when absent. */
  readonly audioChunkSeconds?: number;
  /**
   * For a model that continues a conversation (the kv-cache middleware): how many leading
   * messages of the conversation it already holds in its KV cache. A pipeline then passes only
   * the messages after them to generate(), and need not decode or encode the media of the held
   * ones. Absent or 0: pass every message.
   */
  heldMessages?(): number;
  /**
   * Mel frames of one audio encoder window (attention never crosses one): the streaming encoder
   * encodes window by window. Absent: audio is encoded in one run.
   */
  readonly audioWindowFrames?: number;
  /**
   * The file and options a worker thread loads to run an encoder there (OmniModel); absent on a
   * model that cannot be loaded in another thread: the encode middleware then run it here.
   */
  sessionSource?(component: 'speech' | 'vision', intraOpThreads?: number): WorkerSessionSource;
  /** Tokens the decoder can attend to (genai_config.json model.context_length); absent on a double without a limit. */
  readonly contextLength?: number;
  /**
   * Tokens of the prompt generate() would build from `messages` (chat template, placeholders
   * expanded), without running anything or checking context_length: token-prefill sizes its
   * filler with it. Absent on a double.
   */
  countPromptTokens?(messages: readonly Message[]): number;
  encodeAudio(mel: MelFeatures, options?: AudioEncodeOptions): Promise<EncoderOutput>;
  encodeVision(patches: VisionPatches, options?: VisionEncodeOptions): Promise<EncoderOutput>;
  generate(messages: Message[], options: GenerateOptions): Promise<GenerateResult>;
}

/** Decoded audio, or the explicit "this file has no audio stream" outcome. */
export type DecodedAudio = { kind: 'audio'; samples: Float32Array } | { kind: 'no-audio' };

/** Sampled video frames, with what the records report about them. */
export interface SampledVideo {
  /** Opaque frames handed to patchify. */
  frames: unknown;
  count: number;
  width: number;
  height: number;
  /** Seconds of video covered. */
  seconds: number;
}

/** Options of MediaLike's decoders. */
export interface DecodeOptions {
  /** Aborting kills the decoder (ffmpeg) and rejects: a failed sibling branch stops this one. */
  signal?: AbortSignal;
}

/**
 * Which frames MediaLike.sampleFrames takes: the clip window (seconds) and, optionally, how many
 * frames and how many pixels each may have. Part of what a cache keys a video on.
 */
export interface FrameWindow {
  start?: number;
  end?: number;
  /**
   * Exactly this many frames (an even count, spread over the window as the processor spreads
   * them); a window with fewer frames is a MediaWindowError, as qwen-omni-utils' smart_nframes
   * raises. Default: the processor's rate (2 per second, 4 to 768).
   */
  nframes?: number;
  /** Per-frame pixel budget (qwen-omni-utils' max_pixels: only lowers the processor's cap). Default: the cap. */
  maxPixels?: number;
}

/** Options of MediaLike.sampleFrames. */
export interface SampleFramesCallOptions extends DecodeOptions {
  /**
   * Receives each sampled frame as a one-frame SampledVideo (same size and sample rate as the
   * whole), in sample order, while the decoder still runs (a streaming pipeline groups them).
   * A media that cannot stream never calls it; the caller then works on the returned video.
   */
  onFrame?(frame: SampledVideo, position: number): void;
}

/** The media calls a pipeline makes (src/media/ through an adapter; tests pass a double). */
export interface MediaLike {
  /**
   * True when logMel and patchify are src/media's own functions on src/media's frames, so that
   * a branch worker thread may run them in their place (the encode middleware); absent on doubles.
   */
  readonly branchWorkerSafe?: boolean;
  decodeAudio(path: string, window: { start?: number; duration?: number }, options?: DecodeOptions): Promise<DecodedAudio>;
  logMel(samples: Float32Array, options: { padding: 'dynamic' | 'max_length'; chunkLengthS?: number }): MelFeatures | Promise<MelFeatures>;
  sampleFrames(path: string, window: FrameWindow, options?: SampleFramesCallOptions): Promise<SampledVideo>;
  patchify(video: SampledVideo): VisionPatches | Promise<VisionPatches>;
}

/** A running memory poller: samples so far and how they were obtained. */
export interface MemoryRecorder {
  /** Every `rss-poll` sample so far (epoch ms, bytes), in time order. */
  collect(): Promise<MemorySample[]>;
  /** Stops polling; resolves to every sample. */
  stop(): Promise<MemorySample[]>;
  intervalMs: number;
}

/** Clock, tracker and memory instruments (src/profiler/ by default; a virtual clock in tests). */
export interface Instruments {
  /** Epoch ms on the tracker's clock. */
  now(): number;
  createTracker(track: string): Tracker;
  /**
   * Process CPU time in ms (user + system of every thread plus reaped children; processCpuMs),
   * read at request start for ttft_cpu_ms. Absent where CPU time is not measured.
   */
  cpuMs?(): number;
  /** Starts the RSS poller (worker thread); undefined when unavailable. */
  startMemory?(intervalMs: number): Promise<MemoryRecorder | undefined>;
  /** Resets the kernel's VmHWM counter; false where the OS does not allow it. */
  resetPeakRss?(): boolean;
  /** VmHWM in bytes, or undefined where unavailable. */
  readPeakRss?(): number | undefined;
  /** Starts the GPU memory poller (nvidia-smi); undefined without a GPU. Samples come at stop(). */
  startGpu?(): Promise<{ stop(): Promise<GpuSample[]> } | undefined>;
  /**
   * Wraps a StageRunner so that each stage call reports its VmHWM peak (reset before the stage,
   * read after); absent where Linux does not allow the reset.
   */
  withStagePeaks?(stage: StageRunner, sink: (stage: string, peakBytes: number) => void): StageRunner;
  /** Peak RSS bytes per stage from samples and spans. */
  stagePeaks?(samples: readonly MemorySample[], spans: readonly Span[]): Record<string, number>;
}
