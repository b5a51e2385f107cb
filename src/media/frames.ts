/**
 * Video frame sampling as qwen-omni-utils (vision_process.py, Qwen2.5-Omni) does it with its
 * decord reader: calculate_video_frame_range turns video_start/video_end into a frame window,
 * smart_nframes picks an even frame count for the window (fps 2, min 4, max 768, at most its
 * frames), linspace indices over the window, smart_resize picks a size in multiples of 28 within
 * the per-frame pixel budget. Frames are decoded by one ffmpeg process that selects the indices,
 * scales and streams raw RGB24 over a pipe, ignoring rotation metadata as decord and torchvision do.
 */
import { MediaWindowError, NoVideoError, UndecodableMediaError } from './errors.js';
import { ffmpegInput, resolveBinary, runTool, type MediaToolOptions } from './ffmpeg.js';
import { classifyFailure, probe, type MediaInfo } from './probe.js';
import { checkWindowSeconds, windowPastEnd } from './window.js';

/** Pixels of one merged vision token side: patch 14 x merge 2 = 28. */
export const IMAGE_FACTOR = 28;
/** Minimum pixels of a video frame: 128 x 28 x 28. */
export const VIDEO_MIN_PIXELS = 128 * 28 * 28;
/** Maximum pixels of a video frame: 768 x 28 x 28. */
export const VIDEO_MAX_PIXELS = 768 * 28 * 28;
/** Pixel budget of a whole video (qwen-omni-utils: int(128000 x 28 x 28 x 0.9)). */
export const VIDEO_TOTAL_PIXELS = Math.trunc(128000 * 28 * 28 * 0.9);
/** Frames per temporal patch: counts are multiples of 2. */
export const FRAME_FACTOR = 2;
/** Default sampling rate: 2 frames per second. */
export const DEFAULT_SAMPLE_FPS = 2;
/** Fewest frames sampled in fps mode: 4. */
export const FPS_MIN_FRAMES = 4;
/** Most frames sampled in fps mode: 768. */
export const FPS_MAX_FRAMES = 768;
/** Widest aspect ratio smart_resize accepts: 200. */
export const MAX_RATIO = 200;

/** Python's round(): halves go to the even neighbour (qwen-omni-utils' round_by_factor, torch.round). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function roundByFactor(x: number, factor: number): number {
  return roundHalfEven(x / factor) * factor;
}
function ceilByFactor(x: number, factor: number): number {
  return Math.ceil(x / factor) * factor;
}
function floorByFactor(x: number, factor: number): number {
  return Math.floor(x / factor) * factor;
}

/**
 * qwen-omni-utils' smart_resize: [height, width] in multiples of `factor`, pixel count within
 * [minPixels, maxPixels], aspect ratio kept as closely as possible. A `maxPixels` below one
 * factor x factor patch is a RangeError: no size can meet it (the reference would silently
 * return one patch, 28x28, over the budget).
 */
export function smartResize(height: number, width: number, factor = IMAGE_FACTOR, minPixels = 4 * 28 * 28, maxPixels = 16384 * 28 * 28): [number, number] {
  if (!(height > 0 && width > 0)) throw new RangeError(`smartResize: height and width must be > 0, got ${height}x${width}`);
  if (!(maxPixels >= factor * factor)) {
    throw new RangeError(`smartResize: maxPixels must be at least ${factor * factor} (one ${factor}x${factor} patch), got ${maxPixels}`);
  }
  if (Math.max(height, width) / Math.min(height, width) > MAX_RATIO) {
    throw new RangeError(`smartResize: aspect ratio must be below ${MAX_RATIO}, got ${Math.max(height, width) / Math.min(height, width)}`);
  }
  let h = Math.max(factor, roundByFactor(height, factor));
  let w = Math.max(factor, roundByFactor(width, factor));
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, floorByFactor(height / beta, factor));
    w = Math.max(factor, floorByFactor(width / beta, factor));
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = ceilByFactor(height * beta, factor);
    w = ceilByFactor(width * beta, factor);
  }
  return [h, w];
}

/** How many frames to sample: an explicit count, or a rate with bounds (qwen-omni-utils' `ele`). */
export interface FrameCountOptions {
  /** Sample exactly this many (rounded to even, at most the real count); excludes `fps`. */
  nframes?: number;
  /** Frames per second to sample. Default 2. */
  fps?: number;
  /** Default 4. */
  minFrames?: number;
  /** Default min(768, total frames). */
  maxFrames?: number;
}

/** qwen-omni-utils' smart_nframes: an even frame count in [2, totalFrames]. Throws RangeError otherwise. */
export function smartNframes(options: FrameCountOptions, totalFrames: number, videoFps: number): number {
  if (options.nframes !== undefined && options.fps !== undefined) throw new TypeError('smartNframes: give either nframes or fps, not both');
  let nframes: number;
  if (options.nframes !== undefined) {
    nframes = Math.min(roundByFactor(options.nframes, FRAME_FACTOR), totalFrames);
  } else {
    const fps = options.fps ?? DEFAULT_SAMPLE_FPS;
    const minFrames = ceilByFactor(options.minFrames ?? FPS_MIN_FRAMES, FRAME_FACTOR);
    const maxFrames = floorByFactor(options.maxFrames ?? Math.min(FPS_MAX_FRAMES, totalFrames), FRAME_FACTOR);
    const wanted = (totalFrames / videoFps) * fps;
    nframes = floorByFactor(Math.min(Math.max(wanted, minFrames), maxFrames, totalFrames), FRAME_FACTOR);
  }
  if (!(nframes >= FRAME_FACTOR && nframes <= totalFrames)) {
    throw new RangeError(`nframes should be in [${FRAME_FACTOR}, ${totalFrames}], got ${nframes} (video too short to sample)`);
  }
  return nframes;
}

/** torch.linspace(first, first + frames - 1, n).round(): the sampled frame indices (first defaults to 0). */
export function linspaceIndices(totalFrames: number, n: number, first = 0): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(first + roundHalfEven(n === 1 ? 0 : ((totalFrames - 1) * i) / (n - 1)));
  return out;
}

/**
 * Per-frame pixel cap of a video of `nframes` (qwen-omni-utils fetch_video):
 * max(min(VIDEO_MAX_PIXELS, totalPixels / nframes x 2), minPixels x 1.05), then min with `maxPixels`.
 */
export function videoMaxPixels(nframes: number, opts: { minPixels?: number; maxPixels?: number; totalPixels?: number } = {}): number {
  const patch = IMAGE_FACTOR * IMAGE_FACTOR;
  if (opts.maxPixels !== undefined && !(opts.maxPixels >= patch)) {
    throw new RangeError(`maxPixels must be at least ${patch} (one ${IMAGE_FACTOR}x${IMAGE_FACTOR} patch), got ${opts.maxPixels}`);
  }
  if (opts.minPixels !== undefined && !(opts.minPixels > 0)) throw new RangeError(`minPixels must be > 0, got ${opts.minPixels}`);
  if (opts.totalPixels !== undefined && !(opts.totalPixels > 0)) throw new RangeError(`totalPixels must be > 0, got ${opts.totalPixels}`);
  const minPixels = opts.minPixels ?? VIDEO_MIN_PIXELS;
  const totalPixels = opts.totalPixels ?? VIDEO_TOTAL_PIXELS;
  const limit = Math.max(Math.min(VIDEO_MAX_PIXELS, (totalPixels / nframes) * FRAME_FACTOR), Math.trunc(minPixels * 1.05));
  return Math.min(opts.maxPixels ?? limit, limit);
}

/** Options of sampleFrames and planFrames. */
export interface SampleFramesOptions extends FrameCountOptions, MediaToolOptions {
  /** Minimum pixels per frame. Default VIDEO_MIN_PIXELS (128 x 28 x 28). */
  minPixels?: number;
  /** Maximum pixels per frame (only lowers the computed cap). Default: the cap. */
  maxPixels?: number;
  /** Pixel budget of the whole video. Default VIDEO_TOTAL_PIXELS. */
  totalPixels?: number;
  /** Probe result when the caller already has one. */
  info?: MediaInfo;
  /**
   * Window start in seconds (qwen-omni-utils' video_start; a manifest's start_s). Frames are
   * sampled from ceil(start x fps). A start at or past the end throws MediaWindowError.
   */
  start?: number;
  /** Window end in seconds (video_end; end_s): frames up to floor(end x fps); past the end is clamped to the last frame. */
  end?: number;
  /**
   * Called with each sampled frame as ffmpeg delivers it, in sample order (`position` indexes
   * the plan's indices), before the whole video is decoded: a streaming encoder starts on the
   * first frames while ffmpeg still decodes the later ones. Frames the container announced but
   * that never decode are delivered at the end as copies of the last decoded one. A callback
   * that throws stops ffmpeg and fails the call.
   */
  onFrame?: (frame: Uint8Array, position: number, plan: FramePlan) => void;
}

/** What sampling will do to a video, computed from probe alone. */
export interface FramePlan {
  /** Frames in the whole video. */
  totalFrames: number;
  videoFps: number;
  /** First and last frame (inclusive) of the window: 0 and totalFrames - 1 without one. */
  startFrame: number;
  endFrame: number;
  /** Frames in the window: endFrame - startFrame + 1 (qwen's total_frames after calculate_video_frame_range). */
  windowFrames: number;
  /** Seconds of video the window covers: windowFrames / videoFps. */
  windowSeconds: number;
  /** Frame indices to decode (ascending, inside the window). */
  indices: number[];
  /** Seconds of each sampled frame from the start of the file (index / video fps). */
  timestamps: number[];
  /** Frames per second of the sample: nframes / windowFrames x videoFps (qwen's video_sample_fps). */
  sampleFps: number;
  sourceWidth: number;
  sourceHeight: number;
  width: number;
  height: number;
}

/** Decoded frames: RGB24, row-major [height, width, 3], one Uint8Array per frame. */
export interface SampledFrames extends FramePlan {
  frames: Uint8Array[];
}

/** Throws RangeError for options no file can satisfy: pixel budgets below one patch, windows that are not seconds. */
export function checkSampleOptions(opts: SampleFramesOptions): void {
  videoMaxPixels(2, opts);
  checkWindow(opts);
}

/** Throws RangeError for window options that are not seconds (negative, NaN, end not after start). */
function checkWindow(opts: SampleFramesOptions): void {
  checkWindowSeconds('start', opts.start, false);
  if (opts.end !== undefined && (typeof opts.end !== 'number' || Number.isNaN(opts.end) || !(opts.end > (opts.start ?? 0)))) {
    throw new RangeError(`end must be a number of seconds after start (${opts.start ?? 0}), got ${String(opts.end)}`);
  }
}

/**
 * qwen-omni-utils' calculate_video_frame_range: the first and last frame of the window
 * [start, end] seconds, both clamped to the video's total_frames / fps; throws MediaWindowError
 * where the reference raises (the window starts at or past the end, or holds fewer than 2 frames).
 */
export function frameWindow(path: string, totalFrames: number, fps: number, start?: number, end?: number): { startFrame: number; endFrame: number } {
  if (start === undefined && end === undefined) return { startFrame: 0, endFrame: totalFrames - 1 };
  const maxDuration = totalFrames / fps;
  const startFrame = start === undefined ? 0 : Math.ceil(Math.max(0, Math.min(start, maxDuration)) * fps);
  const endFrame = end === undefined ? totalFrames - 1 : Math.min(Math.floor(Math.max(0, Math.min(end, maxDuration)) * fps), totalFrames - 1);
  if (start !== undefined && startFrame >= totalFrames) throw windowPastEnd(path, 'video', start, end, maxDuration);
  if (startFrame >= endFrame) {
    throw new MediaWindowError(
      path,
      `window ${start ?? 0}-${end ?? maxDuration} s holds frames ${startFrame}-${endFrame} at ${fps} fps, fewer than 2 (the video is ${maxDuration.toFixed(3)} s); widen start_s/end_s`,
    );
  }
  return { startFrame, endFrame };
}

/** The sampling plan of a probed video: window, counts, indices and resized size. Throws NoVideoError, MediaWindowError, RangeError. */
export function planFrames(info: MediaInfo, opts: SampleFramesOptions = {}): FramePlan {
  checkWindow(opts);
  const video = info.video;
  if (!video) throw new NoVideoError(info.path);
  const countOptions: FrameCountOptions = { nframes: opts.nframes, fps: opts.fps, minFrames: opts.minFrames, maxFrames: opts.maxFrames };
  if (countOptions.nframes === undefined) delete countOptions.nframes;
  if (countOptions.fps === undefined) delete countOptions.fps;
  if (video.frameCount < FRAME_FACTOR) throw new NoVideoError(info.path, `has a video stream of ${video.frameCount} frame; sampling needs at least ${FRAME_FACTOR}`);
  const { startFrame, endFrame } = frameWindow(info.path, video.frameCount, video.fps, opts.start, opts.end);
  const windowFrames = endFrame - startFrame + 1;
  const nframes = smartNframes(countOptions, windowFrames, video.fps);
  const indices = linspaceIndices(windowFrames, nframes, startFrame);
  const minPixels = opts.minPixels ?? VIDEO_MIN_PIXELS;
  const maxPixels = videoMaxPixels(nframes, { minPixels, maxPixels: opts.maxPixels, totalPixels: opts.totalPixels });
  // Stored width x height: rotation metadata is ignored, as decord and torchvision ignore it.
  const [height, width] = smartResize(video.height, video.width, IMAGE_FACTOR, minPixels, maxPixels);
  return {
    totalFrames: video.frameCount,
    videoFps: video.fps,
    startFrame,
    endFrame,
    windowFrames,
    windowSeconds: windowFrames / video.fps,
    indices,
    timestamps: indices.map((i) => i / video.fps),
    sampleFps: (nframes / Math.max(windowFrames, 1e-6)) * video.fps,
    sourceWidth: video.width,
    sourceHeight: video.height,
    width,
    height,
  };
}

/**
 * Samples frames of `path` as qwen-omni-utils does: one ffmpeg process selects the linspace
 * indices inside the window (select by frame number), scales them (bicubic) to the smart_resize
 * size and streams RGB24 over a pipe. Rotation metadata is ignored (`-noautorotate`), as decord
 * and torchvision ignore it. Throws NoVideoError, MediaWindowError and the MediaFailure kinds of probe.
 */
export async function sampleFrames(path: string, opts: SampleFramesOptions = {}): Promise<SampledFrames> {
  checkSampleOptions(opts);
  const info = opts.info ?? (await probe(path, opts));
  const plan = planFrames(info, opts);
  const unique = [...new Set(plan.indices)];
  const frameBytes = plan.width * plan.height * 3;
  const select = unique.map((i) => `eq(n\\,${i})`).join('+');
  const filter = `select='${select}',scale=${plan.width}:${plan.height}:flags=bicubic+accurate_rnd+full_chroma_int,format=rgb24`;
  const args = ['-nostdin', '-hide_banner', '-v', 'error', '-noautorotate', '-i', ffmpegInput(path), '-map', '0:v:0', '-an', '-sn', '-vf', filter];
  // -frames:v stops decoding after the last selected frame instead of reading to the end.
  args.push('-vsync', '0', '-frames:v', String(unique.length), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');

  const decoded: Uint8Array[] = [];
  let current = new Uint8Array(frameBytes);
  let filled = 0;
  // Positions of the plan delivered to onFrame so far (indices ascend, so repeats are adjacent).
  let delivered = 0;
  const deliver = (frame: Uint8Array, index: number): void => {
    while (delivered < plan.indices.length && plan.indices[delivered] === index) opts.onFrame?.(frame, delivered++, plan);
  };
  const onStdout = (chunk: Buffer): void => {
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(frameBytes - filled, chunk.length - at);
      current.set(chunk.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === frameBytes) {
        decoded.push(current);
        if (opts.onFrame && decoded.length <= unique.length) deliver(current, unique[decoded.length - 1]!);
        current = new Uint8Array(frameBytes);
        filled = 0;
      }
    }
  };
  const ffmpeg = resolveBinary('ffmpeg', opts.ffmpegPath);
  const run = await runTool(ffmpeg, args, { timeoutMs: opts.timeoutMs, signal: opts.signal, mediaPath: path, onStdout });
  if (run.code !== 0) throw await classifyFailure(path, run.stderr);
  if (decoded.length === 0) throw new UndecodableMediaError(path, 'no video frame could be decoded');
  // The container's frame count can overstate what decodes (a few trailing frames): such indices
  // get the last decoded frame, as a reader clamping to the stream end would.
  const byIndex = new Map<number, Uint8Array>();
  unique.forEach((index, k) => byIndex.set(index, decoded[Math.min(k, decoded.length - 1)]!));
  while (opts.onFrame && delivered < plan.indices.length) deliver(byIndex.get(plan.indices[delivered]!)!, plan.indices[delivered]!);
  return { ...plan, frames: plan.indices.map((i) => byIndex.get(i)!) };
}
