/**
 * A deterministic model double (hyperfine's mock executor): a virtual clock that only the
 * double advances, a tracker on that clock, and model and media whose stage times are given.
 * The real runner, pipeline and writers run on top of it.
 */
import type { Span, Tracker } from '../../../src/profiler/types.js';
import type { StageName } from '../../../src/stages.js';
import type { GenerateResult, Message } from '../../../src/model/types.js';
import type { BenchSample, Instruments, MediaLike, ModelLike } from '../../../src/runner/types.js';
import type { LoadedModel, RunDeps } from '../../../src/runner/run.js';
import { profilerInstruments } from '../../../src/runner/instruments.js';

/** Milliseconds of virtual time per stage. */
export type StageTimes = Record<StageName, number>;

export const DEFAULT_TIMES: StageTimes = {
  audio_decode: 20,
  audio_features: 30,
  video_decode: 100,
  vision_preprocess: 10,
  audio_encoder: 50,
  vision_encoder: 200,
  prompt: 2,
  embed: 3,
  prefill: 400,
  first_token: 5,
  decode: 25,
};

export class VirtualClock {
  t = 1_000_000;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** A Tracker on the virtual clock (same contract as the profiler's createTracker). */
export function virtualTracker(clock: VirtualClock, track = 'main'): Tracker {
  let spans: Span[] = [];
  let depth = 0;
  const run = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
    const startMs = clock.t;
    const d = depth++;
    let failed = false;
    try {
      return await fn();
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      depth--;
      spans.push({ name, startMs, endMs: clock.t, depth: d, track, ...(failed ? { failed } : {}) });
    }
  };
  return {
    stage: run,
    track: run,
    spans: () => [...spans].sort((a, b) => a.startMs - b.startMs || a.depth - b.depth),
    reset: () => {
      spans = [];
    },
  };
}

/** Options of the double. */
export interface DoubleOptions {
  times?: Partial<StageTimes>;
  /** Virtual ms spent between stages inside generate, outside any span (becomes other_ms). */
  gapMs?: number;
  /** Tokens generated per request. */
  outputTokens?: number;
  /** Answer text per sample id (default "B"). */
  answers?: Record<string, string>;
  /** Virtual model load time. */
  loadMs?: number;
  /** Called when a stage starts (e.g. to abort a run from inside a trial). */
  onStage?: (stage: string) => void;
  /** Sleep the stage times in real time with the real profiler instruments (for child-process tests). */
  realTime?: boolean;
}

/** Everything a runSpec call needs, on a virtual clock. */
export function doubleDeps(options: DoubleOptions = {}): { clock: VirtualClock; deps: RunDeps; calls: string[] } {
  const clock = new VirtualClock();
  const times = { ...DEFAULT_TIMES, ...options.times };
  const calls: string[] = [];
  const spend = async (stage: StageName): Promise<void> => {
    calls.push(stage);
    options.onStage?.(stage);
    if (options.realTime) await new Promise((r) => setTimeout(r, times[stage]));
    else clock.advance(times[stage]);
  };
  const media: MediaLike = {
    async decodeAudio(path) {
      await spend('audio_decode');
      if (path.includes('silent')) return { kind: 'no-audio' };
      if (path.includes('broken')) throw new Error(`${path}: moov atom not found`);
      return { kind: 'audio', samples: new Float32Array(16_000 * 4) };
    },
    async logMel(samples, opts) {
      await spend('audio_features');
      const valid = Math.ceil(samples.length / 160);
      const frames = opts.padding === 'max_length' ? 3000 : valid;
      return { data: new Float32Array(128 * frames), frames, validFrames: valid, melBins: 128 };
    },
    async sampleFrames(path) {
      await spend('video_decode');
      if (path.includes('broken')) throw new Error(`${path}: moov atom not found`);
      return { frames: null, count: 8, width: 392, height: 280, seconds: 4 };
    },
    async patchify() {
      await spend('vision_preprocess');
      return { pixelValues: new Float32Array(1176 * 560), gridThw: [4, 20, 28], secondsPerGrid: 1 };
    },
  };
  const model: ModelLike = {
    async encodeAudio(mel) {
      await spend('audio_encoder');
      return { features: new Float32Array(0), tokens: Math.floor(mel.validFrames / 4), hiddenSize: 8 };
    },
    async encodeVision() {
      await spend('vision_encoder');
      return { features: new Float32Array(0), tokens: 140, hiddenSize: 8 };
    },
    async generate(messages: Message[], opts): Promise<GenerateResult> {
      const stage = opts.stage ?? (async (_s, fn) => fn());
      const gap = async (): Promise<void> => {
        if (options.realTime) await new Promise((r) => setTimeout(r, options.gapMs ?? 0));
        else clock.advance(options.gapMs ?? 0);
      };
      const parts = Array.isArray(messages[0]?.content) ? messages[0].content : [];
      let audio = 0;
      let video = 0;
      for (const p of parts) {
        if (p.type === 'audio') audio += p.features.tokens;
        if (p.type === 'video') video += p.features.tokens;
        if (p.type === 'video_with_audio') {
          audio += p.audio.tokens;
          video += p.video.tokens;
        }
      }
      const text = parts.find((p) => p.type === 'text');
      const sampleId = text && text.type === 'text' ? text.text : '';
      await stage('prompt', () => spend('prompt'));
      await gap();
      await stage('embed', () => spend('embed'));
      await stage('prefill', () => spend('prefill'));
      await stage('first_token', () => spend('first_token'));
      const n = Math.min(options.outputTokens ?? 4, opts.maxNewTokens ?? 16);
      for (let i = 1; i < n; i++) await stage('decode', () => spend('decode'));
      return {
        ids: Array.from({ length: n }, (_, i) => 100 + i),
        text: options.answers?.[sampleId] ?? 'B',
        firstTokenLogits: new Float32Array(4),
        promptTokens: { text: 20, audio, video, image: 0, total: 20 + audio + video },
        stopReason: 'max_new_tokens',
      };
    },
  };
  const instruments: Instruments = options.realTime
    ? profilerInstruments()
    : { now: () => clock.t, createTracker: (track) => virtualTracker(clock, track) };
  const loadModel = async (): Promise<LoadedModel> => {
    if (!options.realTime) clock.advance(options.loadMs ?? 1500);
    return { model, loadMs: options.loadMs ?? 1500, info: { dir: '/double', preset: 'double' } };
  };
  return { clock, deps: { loadModel, media, instruments }, calls };
}

/** Samples covering each modality mix; the prompt is the sample id so the double can answer per sample. */
export function doubleSamples(): BenchSample[] {
  const mc = { options: ['A. one', 'B. two', 'C. three', 'D. four'] };
  return [
    { sampleId: 'va', dataset: 'video-mme', videoPath: '/m/va.mp4', prompt: 'va', answer: 'B', ...mc },
    { sampleId: 'v', dataset: 'video-mme', videoPath: '/m/silent.mp4', prompt: 'v', answer: 'C', ...mc },
    { sampleId: 'a', dataset: 'audiocaps', audioPath: '/m/a.wav', prompt: 'a', answer: 'a dog barks' },
  ];
}
