/**
 * Video frame sampling as qwen-omni-utils (vision_process.py, Qwen2.5-Omni) does it:
 * smart_nframes picks an even frame count (fps 2, min 4, max 768, at most the real count),
 * linspace indices over the real frames, smart_resize picks a size in multiples of 28 within
 * the per-frame pixel budget. Frames are decoded by one ffmpeg process that selects the indices,
 * scales and streams raw RGB24 over a pipe.
 */
import { NoVideoError, UndecodableMediaError } from './errors.js';
import { resolveBinary, runTool, type MediaToolOptions } from './ffmpeg.js';
import { classifyFailure, probe, type MediaInfo } from './probe.js';

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
 * [minPixels, maxPixels], aspect ratio kept as closely as possible.
 */
export function smartResize(height: number, width: number, factor = IMAGE_FACTOR, minPixels = 4 * 28 * 28, maxPixels = 16384 * 28 * 28): [number, number] {
  if (!(height > 0 && width > 0)) throw new RangeError(`smartResize: height and width must be > 0, got ${height}x${width}`);
  if (Math.max(height, width) / Math.min(height, width) > MAX_RATIO) {
    throw new RangeError(`smartResize: aspect ratio must be below ${MAX_RATIO}, got ${Math.max(height, width) / Math.min(height, width)}`);
  }
  let h = Math.max(factor, roundByFactor(height, factor));
  let w = Math.max(factor, roundByFactor(width, factor));
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = floorByFactor(height / beta, factor);
    w = floorByFactor(width / beta, factor);
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

/** torch.linspace(0, total - 1, n).round(): the sampled frame indices. */
export function linspaceIndices(totalFrames: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(roundHalfEven(n === 1 ? 0 : ((totalFrames - 1) * i) / (n - 1)));
  return out;
}

/**
 * Per-frame pixel cap of a video of `nframes` (qwen-omni-utils fetch_video):
 * max(min(VIDEO_MAX_PIXELS, totalPixels / nframes x 2), minPixels x 1.05), then min with `maxPixels`.
 */
export function videoMaxPixels(nframes: number, opts: { minPixels?: number; maxPixels?: number; totalPixels?: number } = {}): number {
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
}

/** What sampling will do to a video, computed from probe alone. */
export interface FramePlan {
  totalFrames: number;
  videoFps: number;
  /** Frame indices to decode (ascending). */
  indices: number[];
  /** Seconds of each sampled frame (index / video fps). */
  timestamps: number[];
  /** Frames per second of the sample: nframes / totalFrames x videoFps (qwen's video_sample_fps). */
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

/** The sampling plan of a probed video: counts, indices and resized size. Throws NoVideoError. */
export function planFrames(info: MediaInfo, opts: SampleFramesOptions = {}): FramePlan {
  const video = info.video;
  if (!video) throw new NoVideoError(info.path);
  const countOptions: FrameCountOptions = { nframes: opts.nframes, fps: opts.fps, minFrames: opts.minFrames, maxFrames: opts.maxFrames };
  if (countOptions.nframes === undefined) delete countOptions.nframes;
  if (countOptions.fps === undefined) delete countOptions.fps;
  const nframes = smartNframes(countOptions, video.frameCount, video.fps);
  const indices = linspaceIndices(video.frameCount, nframes);
  const minPixels = opts.minPixels ?? VIDEO_MIN_PIXELS;
  const maxPixels = videoMaxPixels(nframes, { minPixels, maxPixels: opts.maxPixels, totalPixels: opts.totalPixels });
  const [height, width] = smartResize(video.height, video.width, IMAGE_FACTOR, minPixels, maxPixels);
  return {
    totalFrames: video.frameCount,
    videoFps: video.fps,
    indices,
    timestamps: indices.map((i) => i / video.fps),
    sampleFps: (nframes / Math.max(video.frameCount, 1e-6)) * video.fps,
    sourceWidth: video.width,
    sourceHeight: video.height,
    width,
    height,
  };
}

/**
 * Samples frames of `path` as qwen-omni-utils does: one ffmpeg process selects the linspace
 * indices (select by frame number), scales them (bicubic) to the smart_resize size and streams
 * RGB24 over a pipe. Throws NoVideoError and the MediaFailure kinds of probe.
 */
export async function sampleFrames(path: string, opts: SampleFramesOptions = {}): Promise<SampledFrames> {
  const info = opts.info ?? (await probe(path, opts));
  const plan = planFrames(info, opts);
  const unique = [...new Set(plan.indices)];
  const frameBytes = plan.width * plan.height * 3;
  const select = unique.map((i) => `eq(n\\,${i})`).join('+');
  const filter = `select='${select}',scale=${plan.width}:${plan.height}:flags=bicubic+accurate_rnd+full_chroma_int,format=rgb24`;
  const args = ['-nostdin', '-hide_banner', '-v', 'error', '-i', path, '-map', '0:v:0', '-an', '-sn', '-vf', filter];
  args.push('-vsync', '0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');

  const decoded: Uint8Array[] = [];
  let current = new Uint8Array(frameBytes);
  let filled = 0;
  const onStdout = (chunk: Buffer): void => {
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(frameBytes - filled, chunk.length - at);
      current.set(chunk.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === frameBytes) {
        decoded.push(current);
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
  return { ...plan, frames: plan.indices.map((i) => byIndex.get(i)!) };
}
