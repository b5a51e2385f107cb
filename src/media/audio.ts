/**
 * decodeAudio: mono float32 samples at 16 kHz from any container ffmpeg reads. ffmpeg resamples
 * every channel (soxr, as librosa's default) and streams them as float WAV over a pipe; the
 * channels are then averaged here, as librosa.load(mono=True) does (np.mean over channels), not
 * mixed by ffmpeg's `-ac 1`, which gives (L + R) / sqrt(2) for stereo. A file without an audio
 * stream is an explicit outcome, not a crash.
 */
import { NoAudioError, UndecodableMediaError } from './errors.js';
import { ffmpegInput, lastErrorLine, resolveBinary, runTool, type MediaToolOptions } from './ffmpeg.js';
import { checkMediaFile, classifyFailure, probe } from './probe.js';
import { checkWindowSeconds, formatSeconds, MAX_WINDOW_SECONDS, windowPastEnd } from './window.js';

/** Whisper's (and Qwen2.5-Omni's) sampling rate: 16 000 Hz. */
export const WHISPER_SAMPLE_RATE = 16_000;

/** Options of decodeAudio. */
export interface DecodeAudioOptions extends MediaToolOptions {
  /** Start in seconds. Default 0. A start at or past the end of the audio throws MediaWindowError. */
  start?: number;
  /** Seconds to decode from `start`. Default: to the end; a duration past the end is clamped to it. */
  duration?: number;
  /** Output rate in Hz. Default 16 000. */
  sampleRate?: number;
}

/** Outcome of decodeAudioTrack: samples, or the file has no audio stream. */
export type AudioTrack =
  | { status: 'ok'; samples: Float32Array; sampleRate: number; path: string }
  | { status: 'no-audio'; path: string };

function checkOptions(opts: DecodeAudioOptions): void {
  checkWindowSeconds('start', opts.start, false);
  if (opts.duration !== undefined && !(opts.duration > 0)) throw new RangeError(`duration must be > 0 seconds, got ${opts.duration}`);
  if (opts.sampleRate !== undefined && !(Number.isInteger(opts.sampleRate) && opts.sampleRate > 0)) {
    throw new RangeError(`sampleRate must be a positive integer, got ${opts.sampleRate}`);
  }
}

/** Channel count and the byte range of the samples of ffmpeg's float WAV (RIFF chunks walked; sizes may be 0xFFFFFFFF on a pipe). */
function parseFloatWav(bytes: Buffer, path: string): { channels: number; dataStart: number } {
  const bad = (why: string): UndecodableMediaError => new UndecodableMediaError(path, `ffmpeg's WAV output ${why}`);
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WAVE') throw bad('has no RIFF/WAVE header');
  let at = 12;
  let channels = 0;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('latin1', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'data') {
      if (channels === 0) throw bad('has data before its fmt chunk');
      return { channels, dataStart: at + 8 };
    }
    if (id === 'fmt ') {
      if (at + 24 > bytes.length) throw bad('has a short fmt chunk');
      const format = bytes.readUInt16LE(at + 8);
      channels = bytes.readUInt16LE(at + 10);
      const bits = bytes.readUInt16LE(at + 22);
      // 3: IEEE float; 0xFFFE: WAVE_FORMAT_EXTENSIBLE (ffmpeg's choice above 2 channels).
      if ((format !== 3 && format !== 0xfffe) || bits !== 32 || channels < 1) throw bad(`is not 32-bit float (format ${format}, ${bits} bits, ${channels} channels)`);
    }
    at += 8 + size + (size % 2);
  }
  throw bad('has no data chunk');
}

/** Mean of the channels of interleaved float32 samples (librosa's to_mono), as float32. */
function meanOfChannels(bytes: Buffer, dataStart: number, channels: number): Float32Array {
  const frameBytes = 4 * channels;
  const frames = Math.floor((bytes.length - dataStart) / frameBytes);
  // Copy into an aligned buffer first (Buffer.concat may leave an unaligned offset).
  const interleaved = new Float32Array(frames * channels);
  new Uint8Array(interleaved.buffer).set(bytes.subarray(dataStart, dataStart + frames * frameBytes));
  if (channels === 1) return interleaved;
  const mono = new Float32Array(frames);
  for (let f = 0, i = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i++]!;
    mono[f] = sum / channels;
  }
  return mono;
}

/**
 * Decodes the first audio stream of `path` to mono float32 (the mean of its channels, soxr
 * resampler as librosa's default). Resolves `{ status: 'no-audio' }` when there is no audio
 * stream; throws MediaNotFoundError, EmptyMediaError, NotMediaError, UndecodableMediaError, or
 * MediaWindowError for a `start` at or past the end.
 */
export async function decodeAudioTrack(path: string, opts: DecodeAudioOptions = {}): Promise<AudioTrack> {
  checkOptions(opts);
  await checkMediaFile(path);
  const start = opts.start ?? 0;
  if (start >= MAX_WINDOW_SECONDS) {
    // Past anything ffmpeg can seek to (its times are int64 microseconds): no media is that long.
    throw await audioWindowError(path, opts);
  }
  const sampleRate = opts.sampleRate ?? WHISPER_SAMPLE_RATE;
  const ffmpeg = resolveBinary('ffmpeg', opts.ffmpegPath);
  const args = ['-nostdin', '-hide_banner', '-v', 'error'];
  if (start > 0) args.push('-ss', formatSeconds(start));
  args.push('-i', ffmpegInput(path));
  // A duration reaching past any real media means "to the end" (end_s is clamped, docs/datasets.md).
  if (opts.duration !== undefined && start + opts.duration < MAX_WINDOW_SECONDS) args.push('-t', formatSeconds(opts.duration));
  args.push('-map', '0:a:0', '-vn', '-af', `aresample=${sampleRate}:resampler=soxr`, '-ar', String(sampleRate));
  args.push('-c:a', 'pcm_f32le', '-f', 'wav', '-bitexact', 'pipe:1');
  const run = await runTool(ffmpeg, args, { timeoutMs: opts.timeoutMs, signal: opts.signal, mediaPath: path });
  if (run.code !== 0) {
    if (/matches no streams/.test(run.stderr)) return { status: 'no-audio', path };
    throw await classifyFailure(path, run.stderr);
  }
  if (run.stdout.length === 0) {
    if (run.stderr.trim().length > 0) throw new UndecodableMediaError(path, lastErrorLine(run.stderr, path));
    throw new UndecodableMediaError(path, 'ffmpeg wrote no audio');
  }
  const { channels, dataStart } = parseFloatWav(run.stdout, path);
  const samples = meanOfChannels(run.stdout, dataStart, channels);
  if (samples.length === 0 && start > 0) throw await audioWindowError(path, opts);
  if (samples.length === 0 && run.stderr.trim().length > 0) throw new UndecodableMediaError(path, lastErrorLine(run.stderr, path));
  return { status: 'ok', samples, sampleRate, path };
}

/** Why a window starting at `opts.start` gave no samples: past the end (MediaWindowError naming the probed duration), else undecodable. */
async function audioWindowError(path: string, opts: DecodeAudioOptions): Promise<Error> {
  const info = await probe(path, opts);
  const seconds = info.audio?.durationSeconds || info.durationSeconds;
  const start = opts.start ?? 0;
  if (start < seconds) return new UndecodableMediaError(path, `no audio could be decoded from ${formatSeconds(start)} s on`);
  return windowPastEnd(path, 'audio', start, opts.duration !== undefined ? start + opts.duration : undefined, seconds);
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
