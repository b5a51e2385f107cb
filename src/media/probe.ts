/**
 * probe(path): what a media file holds, from ffprobe's JSON. Missing, empty, non-media and
 * corrupt files each raise their own MediaFailure kind, naming the path.
 */
import { open, stat } from 'node:fs/promises';
import { EmptyMediaError, MediaNotFoundError, NotMediaError, UndecodableMediaError } from './errors.js';
import { ffmpegInput, lastErrorLine, resolveBinary, runTool, type MediaToolOptions } from './ffmpeg.js';

/** The first video stream of a file. */
export interface VideoStreamInfo {
  index: number;
  codec: string;
  width: number;
  height: number;
  /** Average frame rate (frames per second), as decord's get_avg_fps. */
  fps: number;
  /** Frames in the stream (container count, else counted packets, else duration x fps). */
  frameCount: number;
  /** Stream duration in seconds (the container's when the stream has none). */
  durationSeconds: number;
  /**
   * Display rotation in degrees as ffprobe reports it (display matrix, else the old `rotate`
   * tag); 0 when none. Ignored when frames are decoded, as decord and torchvision ignore it:
   * frames keep the stored width x height.
   */
  rotation: number;
}

/** The first audio stream of a file. */
export interface AudioStreamInfo {
  index: number;
  codec: string;
  sampleRate: number;
  channels: number;
  durationSeconds: number;
}

/** What probe() finds. */
export interface MediaInfo {
  path: string;
  /** Container format name(s) as ffprobe prints them, e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  format: string;
  /** Container duration in seconds. */
  durationSeconds: number;
  sizeBytes: number;
  /** Every stream's codec type in file order, e.g. ['video', 'audio']. */
  streams: string[];
  video: VideoStreamInfo | undefined;
  audio: AudioStreamInfo | undefined;
}

interface FfprobeStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  nb_read_packets?: string;
  duration?: string;
  sample_rate?: string;
  channels?: number;
  tags?: { rotate?: string };
  side_data_list?: { side_data_type?: string; rotation?: number }[];
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string; size?: string };
}

/** Leading bytes of containers ffmpeg reads: a file starting so is media, even when broken. */
const MEDIA_MAGIC: { offset: number; bytes: number[] }[] = [
  { offset: 4, bytes: [0x66, 0x74, 0x79, 0x70] }, // ....ftyp (mp4, mov, m4a)
  { offset: 4, bytes: [0x6d, 0x64, 0x61, 0x74] }, // ....mdat
  { offset: 4, bytes: [0x6d, 0x6f, 0x6f, 0x76] }, // ....moov
  { offset: 0, bytes: [0x1a, 0x45, 0xdf, 0xa3] }, // EBML (webm, mkv)
  { offset: 0, bytes: [0x52, 0x49, 0x46, 0x46] }, // RIFF (wav, avi)
  { offset: 0, bytes: [0x66, 0x4c, 0x61, 0x43] }, // fLaC
  { offset: 0, bytes: [0x4f, 0x67, 0x67, 0x53] }, // OggS
  { offset: 0, bytes: [0x49, 0x44, 0x33] }, // ID3 (mp3)
];

/** ffprobe's demuxers for still images (png_pipe, jpeg_pipe, webp_pipe, image2...): not video. */
const IMAGE_DEMUXER = /^(image2|[a-z0-9]+_pipe)$/;

/** Whether the file starts like a container ffmpeg reads (so a failure means corrupt, not foreign). */
export async function looksLikeMedia(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(12);
    await handle.read(head, 0, 12, 0);
    return MEDIA_MAGIC.some(({ offset, bytes }) => bytes.every((b, i) => head[offset + i] === b));
  } finally {
    await handle.close();
  }
}

/** Throws MediaNotFoundError or EmptyMediaError; returns the size in bytes. */
export async function checkMediaFile(path: string): Promise<number> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new MediaNotFoundError(path);
    size = info.size;
  } catch (error) {
    if (error instanceof MediaNotFoundError) throw error;
    throw new MediaNotFoundError(path);
  }
  if (size === 0) throw new EmptyMediaError(path);
  return size;
}

/** The error for a file ffmpeg/ffprobe failed on: corrupt media, or not media at all. */
export async function classifyFailure(path: string, stderr: string): Promise<NotMediaError | UndecodableMediaError> {
  const detail = lastErrorLine(stderr, path);
  if (await looksLikeMedia(path)) return new UndecodableMediaError(path, detail);
  // The demuxer ffprobe guessed from the extension says nothing useful about a foreign file.
  return new NotMediaError(path, detail.split('; ').pop() ?? detail);
}

function parseRate(rate: string | undefined): number {
  if (!rate) return 0;
  const [num, den] = rate.split('/').map(Number);
  if (num === undefined || !Number.isFinite(num)) return 0;
  if (den === undefined) return num;
  return den > 0 ? num / den : 0;
}

/** Rotation of a video stream in degrees, normalised to (-180, 180]; 0 when none. */
function rotationOf(stream: FfprobeStream): number {
  const matrix = stream.side_data_list?.find((d) => d.side_data_type === 'Display Matrix' && typeof d.rotation === 'number');
  const raw = matrix?.rotation ?? Number(stream.tags?.rotate ?? 0);
  if (!Number.isFinite(raw) || raw === 0) return 0;
  const r = ((raw % 360) + 360) % 360;
  return r > 180 ? r - 360 : r;
}

function positive(value: string | number | undefined): number | undefined {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * Probes `path` with ffprobe (packets of the first video stream are counted when the container
 * does not store a frame count). Throws MediaNotFoundError, EmptyMediaError, NotMediaError
 * or UndecodableMediaError.
 */
export async function probe(path: string, options: MediaToolOptions = {}): Promise<MediaInfo> {
  const sizeBytes = await checkMediaFile(path);
  const ffprobe = resolveBinary('ffprobe', options.ffprobePath);
  const runOptions = { timeoutMs: options.timeoutMs, signal: options.signal, mediaPath: path };
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-i', ffmpegInput(path)];
  const run = await runTool(ffprobe, args, runOptions);
  if (run.code !== 0) throw await classifyFailure(path, run.stderr);
  const parsed = JSON.parse(run.stdout.toString('utf8')) as FfprobeOutput;
  const streams = parsed.streams ?? [];
  const formatDuration = positive(parsed.format?.duration) ?? 0;
  if (streams.length === 0) {
    if (await looksLikeMedia(path)) throw new UndecodableMediaError(path, 'no readable streams');
    throw new NotMediaError(path, 'no audio or video streams');
  }

  const v = streams.find((s) => s.codec_type === 'video');
  const a = streams.find((s) => s.codec_type === 'audio');
  const format = parsed.format?.format_name ?? 'unknown';
  if (!a && IMAGE_DEMUXER.test(format)) throw new NotMediaError(path, `a still image (ffprobe reads it as ${format}); give a video or audio file`);
  if (v && positive(v.nb_frames) === undefined) {
    // No frame count in the container (webm, mkv): count the packets (demux only, no decode).
    const countArgs = ['-v', 'error', '-count_packets', '-select_streams', `${v.index ?? 0}`];
    countArgs.push('-show_entries', 'stream=nb_read_packets', '-print_format', 'json', '-i', ffmpegInput(path));
    const count = await runTool(ffprobe, countArgs, runOptions);
    if (count.code === 0) {
      v.nb_read_packets = (JSON.parse(count.stdout.toString('utf8')) as FfprobeOutput).streams?.[0]?.nb_read_packets;
    }
  }
  let video: VideoStreamInfo | undefined;
  if (v) {
    const fps = parseRate(v.avg_frame_rate) || parseRate(v.r_frame_rate);
    const durationSeconds = positive(v.duration) ?? formatDuration;
    const frameCount = positive(v.nb_frames) ?? positive(v.nb_read_packets) ?? Math.round(durationSeconds * fps);
    const width = v.width ?? 0;
    const height = v.height ?? 0;
    if (width <= 0 || height <= 0 || frameCount <= 0) {
      throw new UndecodableMediaError(path, `video stream ${v.index ?? 0} has no decodable frames (${width}x${height}, ${frameCount} frames)`);
    }
    video = { index: v.index ?? 0, codec: v.codec_name ?? 'unknown', width, height, fps, frameCount, durationSeconds, rotation: rotationOf(v) };
  }
  let audio: AudioStreamInfo | undefined;
  if (a) {
    const sampleRate = positive(a.sample_rate) ?? 0;
    if (sampleRate === 0) throw new UndecodableMediaError(path, `audio stream ${a.index ?? 0} has no sample rate`);
    audio = {
      index: a.index ?? 0,
      codec: a.codec_name ?? 'unknown',
      sampleRate,
      channels: a.channels ?? 0,
      durationSeconds: positive(a.duration) ?? formatDuration,
    };
  }
  return {
    path,
    format,
    durationSeconds: formatDuration || Math.max(video?.durationSeconds ?? 0, audio?.durationSeconds ?? 0),
    sizeBytes,
    streams: streams.map((s) => s.codec_type ?? 'unknown'),
    video,
    audio,
  };
}
