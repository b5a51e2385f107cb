/**
 * The vision branch's encoder stage, and its streaming form: the vision encoder started on each
 * temporal group of two frames while ffmpeg still decodes the later ones (the streaming-encode
 * schedule of src/runner/pipeline.ts). Every stage goes through the caller's StageRunner.
 */
import { concatEncoderOutputs } from '../model/encoder-output.js';
import type { EncoderOutput, VisionPatches } from '../model/types.js';
import type { StageRunner } from '../stages.js';
import type { FrameWindow, MediaLike, ModelLike, SampledVideo } from './types.js';

/** What the vision stages need: the (wrapped) model and media, and the stage runner. */
export interface VisionDeps {
  model: ModelLike;
  media: MediaLike;
  stage: StageRunner;
}

/** What the vision branch produced (everything absent without video). */
export interface VisionResult {
  video?: SampledVideo;
  features?: EncoderOutput;
  grid?: { gridThw: [number, number, number]; secondsPerGrid: number };
  patches: number | null;
  /** False when a cache served every group (0 GFLOP). */
  ran: boolean;
}

/** Rows of pixel_values: patches. */
export const PATCH_VALUES = 1176;

/** vision_encoder on the patches (their count is read first: a worker borrows the buffer). */
export async function encodeVisionStage(deps: VisionDeps, video: SampledVideo, patches: VisionPatches): Promise<VisionResult> {
  const count = patches.pixelValues.length / PATCH_VALUES;
  const features = await deps.stage('vision_encoder', () => deps.model.encodeVision(patches), { patches: count });
  return { video, features, grid: { gridThw: patches.gridThw, secondsPerGrid: patches.secondsPerGrid ?? 1 }, patches: count, ran: features.fromCache !== true };
}

/** Frames per temporal group: the vision encoder's attention never crosses one. */
const GROUP_FRAMES = 2;

/**
 * The streaming vision branch: ffmpeg's frames are grouped by two as they arrive, and each
 * group is preprocessed and encoded (in order, one group at a time) while ffmpeg still decodes
 * the later ones; the groups' features are concatenated in order. A media that delivers no frame
 * while decoding (a cache hit, a double) gets the whole video preprocessed and encoded after.
 */
export async function streamVision(videoPath: string, window: FrameWindow, deps: VisionDeps, signal: AbortSignal): Promise<VisionResult> {
  const { media, model, stage } = deps;
  const outputs: EncoderOutput[] = [];
  let grid: { gridThw: [number, number, number]; secondsPerGrid: number } | undefined;
  let patchCount = 0;
  let ran = false;
  // Groups wait in a queue for one consumer. It is started here, beside the video_decode stage
  // rather than from ffmpeg's callback inside it, so that its stages are top-level spans (a stage
  // started inside another stage's async context is nested in it, and nested spans are not stage time).
  const queue: SampledVideo[] = [];
  let decodeDone = false;
  let wake: (() => void) | undefined;
  let failure: { error: unknown } | undefined;
  const consume = async (): Promise<void> => {
    for (;;) {
      const group = queue.shift();
      if (!group) {
        if (decodeDone) return;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const patches = await stage('vision_preprocess', () => media.patchify(group));
      const count = patches.pixelValues.length / PATCH_VALUES;
      const [t, h, w] = patches.gridThw;
      grid = grid ? { ...grid, gridThw: [grid.gridThw[0] + t, h, w] } : { gridThw: [t, h, w], secondsPerGrid: patches.secondsPerGrid ?? 1 };
      patchCount += count;
      const features = await stage('vision_encoder', () => model.encodeVision(patches), { patches: count, group: outputs.length });
      ran ||= features.fromCache !== true;
      outputs.push(features);
    }
  };
  const consumer = consume().catch((error: unknown) => {
    failure ??= { error };
  });
  const enqueue = (frames: SampledVideo[]): void => {
    const first = frames[0] as SampledVideo;
    const rgb = first.frames as { width: number; height: number; sampleFps?: number };
    queue.push({
      frames: { ...rgb, frames: frames.flatMap((f) => (f.frames as { frames: Uint8Array[] }).frames) },
      count: frames.length,
      width: first.width,
      height: first.height,
      seconds: frames.reduce((total, f) => total + f.seconds, 0),
    });
    wake?.();
  };
  const finish = async (): Promise<void> => {
    decodeDone = true;
    wake?.();
    await consumer;
  };
  let pending: SampledVideo[] = [];
  let streamed = 0;
  let video: SampledVideo;
  try {
    video = await stage(
      'video_decode',
      () =>
        media.sampleFrames(videoPath, window, {
          signal,
          onFrame: (frame) => {
            if (failure) throw failure.error; // stops ffmpeg: the encoder already failed
            streamed++;
            pending.push(frame);
            if (pending.length === GROUP_FRAMES) enqueue(pending.splice(0));
          },
        }),
      { path: videoPath },
    );
  } catch (error) {
    await finish();
    throw failure ? failure.error : error;
  }
  // An odd count: the last frame is a group of its own (patchify repeats it, as for the whole video).
  if (pending.length > 0) enqueue(pending.splice(0));
  await finish();
  if (failure) throw failure.error;
  if (streamed === 0) {
    // Nothing arrived while decoding (a cache hit, a media that cannot stream): the whole video at once.
    const patches = await stage('vision_preprocess', () => media.patchify(video));
    return encodeVisionStage(deps, video, patches);
  }
  return { video, features: concatEncoderOutputs(outputs), ...(grid ? { grid } : {}), patches: patchCount, ran };
}
