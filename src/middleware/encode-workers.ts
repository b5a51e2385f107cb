/**
 * parallel-encode and streaming-encode: the audio branch and the vision branch of a request run
 * at the same time, each in its own worker thread (src/model/branch-worker.ts) that holds the
 * branch's encoder session, loaded once per run, and runs the branch's media functions
 * (log-mel, patchify). onnxruntime-node blocks the thread that calls `session.run`, so two
 * encoders overlap only from two threads, and the main thread stays free to read ffmpeg.
 *
 * The middleware changes where the work runs and sets the stack's schedule; the pipeline
 * (src/runner/pipeline.ts) runs the branches concurrently under `parallel`, and under
 * `streaming` also starts the vision encoder on each temporal group of two frames while ffmpeg
 * still decodes the later ones. streaming-encode also encodes audio window by window (2 s).
 *
 * Why the answer is unchanged: the same sessions run on the same tensors in another thread;
 * the vision encoder's attention never crosses a temporal group and the audio encoder's never
 * crosses a window, so group by group and window by window give the same tokens (the
 * parallel-encode spec checks features and first-token logits against the serial run).
 */
import { availableParallelism } from 'node:os';
import { BranchWorker, type WorkerSessionSource } from '../model/branch-worker.js';
import { concatEncoderOutputs } from '../model/encoder-output.js';

export { concatEncoderOutputs };
import type { Patches, RgbFrames } from '../media/patchify.js';
import type { AudioEncodeOptions, EncoderOutput, MelFeatures, VisionEncodeOptions, VisionPatches } from '../model/types.js';
import type { MediaLike, ModelLike, SampledVideo } from '../runner/types.js';
import type { Middleware, Schedule, Stack } from './types.js';
import { override } from './wrap.js';

/** Intra-op threads of each branch's encoder session. */
export interface BranchThreads {
  audio: number;
  vision: number;
}

/** Cores from which the default gives each branch its own share of them. */
export const SPLIT_FROM_CORES = 4;

/**
 * The default threads of the branches' sessions. From 4 cores the cores are split: the audio
 * branch (the shorter one) gets a quarter (at least one), the vision branch the rest. Below 4
 * both get every core: a split would leave each branch one core for the long stretches when it
 * runs alone (measured on 2 cores: 1+1 threads made parallel-encode slower than serial, 2+2 with
 * non-spinning pools faster; docs/middleware.md).
 */
export function defaultBranchThreads(cores: number = availableParallelism()): BranchThreads {
  if (cores < SPLIT_FROM_CORES) return { audio: Math.max(1, cores), vision: Math.max(1, cores) };
  const audio = Math.max(1, Math.floor(cores / 4));
  return { audio, vision: cores - audio };
}

/** The threads of a run: --threads-audio/--threads-vision where given, else defaultBranchThreads(). */
export function branchThreadsOf(given: { threadsAudio?: number | undefined; threadsVision?: number | undefined }): BranchThreads {
  const split = defaultBranchThreads();
  return { audio: given.threadsAudio ?? split.audio, vision: given.threadsVision ?? split.vision };
}

/**
 * The worker's session: the model's file and options with `threads` intra-op threads that sleep
 * instead of spinning between ops (ORT's allow_spinning 0): two sessions share the cores, and a
 * spinning pool burns the core the other branch needs.
 */
function workerSource(model: ModelLike, component: 'speech' | 'vision', threads: number, spinning: boolean): WorkerSessionSource {
  const source = model.sessionSource!(component, threads);
  if (spinning) return source;
  return { ...source, options: { ...source.options, extra: { ...(source.options.extra as object | undefined), session: { intra_op: { allow_spinning: '0' } } } } };
}

/** The mel columns [from, to) of `mel` as their own features (all of them real). */
function melWindow(mel: MelFeatures, from: number, to: number): MelFeatures {
  const bins = mel.melBins ?? 128;
  const frames = to - from;
  const data = new Float32Array(bins * frames);
  for (let b = 0; b < bins; b++) data.set(mel.data.subarray(b * mel.frames + from, b * mel.frames + to), b * frames);
  return { data, frames, validFrames: frames, melBins: bins };
}

/**
 * The audio encoder run window by window over the real frames (padding masked, never encoded):
 * what one run over every window gives, since attention never crosses a window.
 */
async function encodeByWindows(model: ModelLike, mel: MelFeatures, window: number, options: AudioEncodeOptions): Promise<EncoderOutput> {
  const parts: EncoderOutput[] = [];
  for (let from = 0; from < mel.validFrames; from += window) {
    const to = Math.min(from + window, mel.validFrames);
    // Qwen2.5-Omni's encoder halves the frames twice (conv stride 2, then average pooling by 2
    // over the whole clip): a last window of 1 or 2 frames leaves one conv output, which pairs
    // with nothing and gives no token in one run; run alone it would make one. It is skipped.
    if (from > 0 && Math.floor(((to - from - 1) >> 1) + 1) < 2) break;
    parts.push(await model.encodeAudio(melWindow(mel, from, to), options));
  }
  return concatEncoderOutputs(parts);
}

/** Options of the encode middleware. */
export interface EncodeWorkersOptions {
  schedule: Exclude<Schedule, 'serial'>;
  threads: BranchThreads;
  /** Let the worker sessions' thread pools spin between ops (ONNX Runtime's default). Default false. */
  spinning?: boolean;
}

/** The encode middleware: `parallel-encode` (schedule parallel) or `streaming-encode` (schedule streaming). */
export function createEncodeWorkers(options: EncodeWorkersOptions): Middleware {
  const { schedule, threads } = options;
  const spinning = options.spinning ?? false;
  for (const [branch, n] of Object.entries(threads)) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${schedule}-encode: threads of the ${branch} branch must be an integer >= 1, got ${n}`);
  }
  let audio: BranchWorker | undefined;
  let vision: BranchWorker | undefined;

  function wrap(stack: Stack): Stack {
    const inner = stack.model;
    const media = stack.media;
    // Sessions in workers where the model can name its files (OmniModel); a double runs here.
    const canLoad = typeof inner.sessionSource === 'function';
    const audioWorker = (): BranchWorker => (audio ??= new BranchWorker('audio', canLoad ? workerSource(inner, 'speech', threads.audio, spinning) : undefined));
    const visionWorker = (): BranchWorker => (vision ??= new BranchWorker('vision', canLoad ? workerSource(inner, 'vision', threads.vision, spinning) : undefined));
    // Window by window only where a window's pooled frames pair among themselves (an even number
    // of conv outputs per window: 100 for Qwen2.5-Omni's 200-frame window).
    const modelWindow = inner.audioWindowFrames;
    const window = schedule === 'streaming' && modelWindow !== undefined && (modelWindow / 2) % 2 === 0 ? modelWindow : undefined;

    const model = override<ModelLike>(inner, {
      encodeAudio: (mel: MelFeatures, opts: AudioEncodeOptions = {}) => {
        const withRun: AudioEncodeOptions = canLoad ? { ...opts, run: audioWorker().run } : opts;
        if (window === undefined || opts.encodePadding || mel.validFrames <= window) return inner.encodeAudio(mel, withRun);
        return encodeByWindows(inner, mel, window, withRun);
      },
      encodeVision: (patches: VisionPatches, opts: VisionEncodeOptions = {}) => inner.encodeVision(patches, canLoad ? { ...opts, run: visionWorker().run } : opts),
    });
    const wrappedMedia = media.branchWorkerSafe
      ? override<MediaLike>(media, {
          logMel: (samples, o) => audioWorker().logMel(samples, { padding: o.padding, ...(o.chunkLengthS !== undefined ? { chunkLengthS: o.chunkLengthS } : {}) }),
          patchify: (video: SampledVideo): Promise<Patches> => visionWorker().patchify(video.frames as RgbFrames),
        })
      : media;
    return { ...stack, model, media: wrappedMedia, schedule };
  }

  return {
    name: `${schedule}-encode`,
    wrap,
    reset() {
      // Nothing is kept between requests but the loaded sessions.
    },
    stats: () => ({}),
    dispose() {
      void audio?.close();
      void vision?.close();
      audio = undefined;
      vision = undefined;
    },
  };
}
