/**
 * decodeAudio: mono float32 samples at 16 kHz from any container ffmpeg reads, streamed as
 * f32le over a pipe. A file without an audio stream is an explicit outcome, not a crash.
 */
import { NoAudioError, UndecodableMediaError } from './errors.js';
import { lastErrorLine, resolveBinary, runTool, type MediaToolOptions } from './ffmpeg.js';
import { checkMediaFile, classifyFailure } from './probe.js';

/** Whisper's (and Qwen2.5-Omni's) sampling rate: 16 000 Hz. */
export const WHISPER_SAMPLE_RATE = 16_000;

/** Options of decodeAudio. */
export interface DecodeAudioOptions extends MediaToolOptions {
  /** Start in seconds. Default 0. */
  start?: number;
  /** Seconds to decode from `start`. Default: to the end. */
  duration?: number;
  /** Output rate in Hz. Default 16 000. */
  sampleRate?: number;
}

/** Outcome of decodeAudioTrack: samples, or the file has no audio stream. */
export type AudioTrack =
  | { status: 'ok'; samples: Float32Array; sampleRate: number; path: string }
  | { status: 'no-audio'; path: string };

function checkOptions(opts: DecodeAudioOptions): void {
  if (opts.start !== undefined && !(opts.start >= 0)) throw new RangeError(`start must be >= 0 seconds, got ${opts.start}`);
  if (opts.duration !== undefined && !(opts.duration > 0)) throw new RangeError(`duration must be > 0 seconds, got ${opts.duration}`);
  if (opts.sampleRate !== undefined && !(Number.isInteger(opts.sampleRate) && opts.sampleRate > 0)) {
    throw new RangeError(`sampleRate must be a positive integer, got ${opts.sampleRate}`);
  }
}

/**
 * Decodes the first audio stream of `path` to mono float32 (ffmpeg downmix, soxr resampler as
 * librosa's default). Resolves `{ status: 'no-audio' }` when there is no audio stream; throws
 * MediaNotFoundError, EmptyMediaError, NotMediaError or UndecodableMediaError otherwise.
 */
export async function decodeAudioTrack(path: string, opts: DecodeAudioOptions = {}): Promise<AudioTrack> {
  checkOptions(opts);
  await checkMediaFile(path);
  const sampleRate = opts.sampleRate ?? WHISPER_SAMPLE_RATE;
  const ffmpeg = resolveBinary('ffmpeg', opts.ffmpegPath);
  const args = ['-nostdin', '-hide_banner', '-v', 'error'];
  if (opts.start !== undefined && opts.start > 0) args.push('-ss', String(opts.start));
  args.push('-i', path);
  if (opts.duration !== undefined) args.push('-t', String(opts.duration));
  args.push('-map', '0:a:0', '-vn', '-af', `aresample=${sampleRate}:resampler=soxr`, '-ac', '1', '-ar', String(sampleRate));
  args.push('-c:a', 'pcm_f32le', '-f', 'f32le', 'pipe:1');
  const run = await runTool(ffmpeg, args, { timeoutMs: opts.timeoutMs, signal: opts.signal, mediaPath: path });
  if (run.code !== 0) {
    if (/matches no streams/.test(run.stderr)) return { status: 'no-audio', path };
    throw await classifyFailure(path, run.stderr);
  }
  if (run.stdout.length === 0 && run.stderr.trim().length > 0) throw new UndecodableMediaError(path, lastErrorLine(run.stderr, path));
  const bytes = run.stdout.length - (run.stdout.length % 4);
  // Copy into a fresh, aligned buffer (Buffer.concat may leave an unaligned offset).
  const samples = new Float32Array(bytes / 4);
  new Uint8Array(samples.buffer).set(run.stdout.subarray(0, bytes));
  return { status: 'ok', samples, sampleRate, path };
}

/**
 * Mono float32 samples of `path` at 16 kHz (or `sampleRate`). Throws NoAudioError for a file
 * without audio (see decodeAudioTrack for a non-throwing variant) and the MediaFailure kinds of probe.
 */
export async function decodeAudio(path: string, opts: DecodeAudioOptions = {}): Promise<Float32Array> {
  const track = await decodeAudioTrack(path, opts);
  if (track.status === 'no-audio') throw new NoAudioError(path);
  return track.samples;
}
