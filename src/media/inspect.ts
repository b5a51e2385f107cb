/**
 * inspectMedia: what probe finds in a file and what the pipeline will make of it (sampled
 * frames, resized size, vision tokens, audio seconds, mel frames, audio tokens), as a tagged
 * outcome so one broken file never stops a listing.
 */
import { errorMessage } from '../errors.js';
import { decodeAudioTrack, WHISPER_SAMPLE_RATE } from './audio.js';
import { MediaFailure, type MediaFailureKind } from './errors.js';
import type { MediaToolOptions } from './ffmpeg.js';
import { checkSampleOptions, planFrames, type FramePlan, type SampleFramesOptions } from './frames.js';
import { DEFAULT_CHUNK_SECONDS, HOP_LENGTH, qwenAudioTokens } from './mel.js';
import { MERGE_SIZE, PATCH_SIZE, TEMPORAL_PATCH_SIZE } from './patchify.js';
import { probe, type MediaInfo } from './probe.js';

/** What the vision side of the pipeline will produce. */
export interface VideoPlanSummary extends FramePlan {
  nframes: number;
  gridThw: [number, number, number];
  visionTokens: number;
}

/** What the audio side of the pipeline will produce (from the decoded sample count). */
export interface AudioPlanSummary {
  samples: number;
  audioSeconds: number;
  /** Valid mel frames: ceil(min(samples, chunk) / 160). */
  melFrames: number;
  /** Columns after max_length padding: chunkLengthS x 100. */
  paddedMelFrames: number;
  /** Samples past the chunk that the processor drops (0 when the audio fits). */
  truncatedSamples: number;
  /** Qwen2.5-Omni audio tokens for melFrames. */
  audioTokens: number;
}

/** Outcome of inspecting one file. */
export type MediaInspection =
  | { status: 'ok'; path: string; info: MediaInfo; video: VideoPlanSummary | undefined; audio: AudioPlanSummary | undefined }
  | { status: 'error'; path: string; kind: MediaFailureKind | 'other'; error: string };

/** Options of inspectMedia. */
export interface InspectOptions extends SampleFramesOptions, MediaToolOptions {
  /** The processor's chunk_length in seconds. Default 300 (Qwen2.5-Omni). */
  chunkLengthS?: number;
}

/** The vision plan of probed media: frames, size, grid, tokens. */
export function summariseVideo(info: MediaInfo, opts: SampleFramesOptions = {}): VideoPlanSummary {
  const plan = planFrames(info, opts);
  const nframes = plan.indices.length;
  const gridT = Math.ceil(nframes / TEMPORAL_PATCH_SIZE);
  const gridH = plan.height / PATCH_SIZE;
  const gridW = plan.width / PATCH_SIZE;
  return { ...plan, nframes, gridThw: [gridT, gridH, gridW], visionTokens: (gridT * gridH * gridW) / (MERGE_SIZE * MERGE_SIZE) };
}

/** The audio plan of `samples` mono 16 kHz samples, truncated to the chunk as logMel does. */
export function summariseAudio(samples: number, chunkLengthS = DEFAULT_CHUNK_SECONDS): AudioPlanSummary {
  const chunkSamples = Math.round(chunkLengthS * WHISPER_SAMPLE_RATE);
  const used = Math.min(samples, chunkSamples);
  const melFrames = Math.ceil(used / HOP_LENGTH);
  return {
    samples,
    audioSeconds: samples / WHISPER_SAMPLE_RATE,
    melFrames,
    paddedMelFrames: chunkSamples / HOP_LENGTH,
    truncatedSamples: samples - used,
    audioTokens: qwenAudioTokens(melFrames),
  };
}

/**
 * Probes `path`, plans its frames and decodes its audio (for the exact sample count). Never
 * throws for a bad file; throws RangeError/TypeError for options no file can satisfy.
 */
export async function inspectMedia(path: string, opts: InspectOptions = {}): Promise<MediaInspection> {
  checkSampleOptions(opts);
  try {
    const info = await probe(path, opts);
    const video = info.video ? summariseVideo(info, { ...opts, info }) : undefined;
    let audio: AudioPlanSummary | undefined;
    if (info.audio) {
      const track = await decodeAudioTrack(path, {
        ffmpegPath: opts.ffmpegPath,
        ffprobePath: opts.ffprobePath,
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
        ...(opts.start !== undefined ? { start: opts.start } : {}),
        ...(opts.end !== undefined ? { duration: opts.end - (opts.start ?? 0) } : {}),
      });
      if (track.status === 'ok') audio = summariseAudio(track.samples.length, opts.chunkLengthS);
    }
    return { status: 'ok', path, info, video, audio };
  } catch (error) {
    if (error instanceof TypeError) throw error;
    const kind = error instanceof MediaFailure ? error.kind : 'other';
    return { status: 'error', path, kind, error: errorMessage(error) };
  }
}
