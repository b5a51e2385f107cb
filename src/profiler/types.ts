/**
 * Contracts of the profiler (src/profiler/). All times are epoch milliseconds on one clock,
 * `performance.timeOrigin + performance.now()`, so that spans from the main thread and samples
 * from worker threads line up.
 */
import type { StageName, StageRunner, StageInfo } from '../stages.js';

/** One timed stage (a scoped span). */
export interface Span {
  name: StageName | string;
  /** Epoch ms (high resolution) at start and end. */
  startMs: number;
  endMs: number;
  /** 0 for top-level spans; nested spans have depth >= 1. */
  depth: number;
  /**
   * The span's track: for a canonical stage its stageTrack ('audio', 'vision' or 'main', in
   * serial runs too, so that trace rows compare across variants); for any other name the
   * enclosing span's track, or at top level the tracker's own label ('main', 'worker-1', ...).
   */
  track: string;
  info?: StageInfo;
  /** True when the span's function threw (the span still ends; the error propagates). */
  failed?: boolean;
  /**
   * Process CPU time in ms at the span's start and end (absolute readings of processCpuMs():
   * user + system of every thread of this process plus its reaped children, e.g. ffmpeg).
   * Process-wide: while spans overlap, a delta is not the span's own CPU. Absent when the
   * tracker has no CPU reader.
   */
  cpu?: [number, number];
  /** The trial the span belongs to (its keyString), where the runner tags it; trace.json shows it in args. */
  trial?: string;
}

/** Collects spans. `stage` is the StageRunner handed to the model and media pipeline. */
export interface Tracker {
  readonly stage: StageRunner;
  /** Runs `fn` as a span named `name` (try/finally: the span ends even when fn throws). */
  track<T>(name: string, fn: () => Promise<T> | T, info?: StageInfo): Promise<T>;
  spans(): Span[];
  reset(): void;
}

/** One memory sample. */
export interface MemorySample {
  tMs: number;
  bytes: number;
}

/** A memory figure always names how it was obtained. */
export type MemoryMethod =
  | 'rss-poll' /** process RSS from /proc/self/statm (or process.memoryUsage) polled in a worker */
  | 'vmhwm' /** kernel high-water mark VmHWM, reset per stage through /proc/self/clear_refs */
  | 'nvidia-smi' /** GPU memory.used polled by nvidia-smi -lms */
  | 'ort-profile'; /** ONNX Runtime arena figures from its profiler */

/** Result of statistics over one metric's repeats. */
export interface Statistics {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  std: number;
  min: number;
  max: number;
  /** Bootstrap 95% confidence interval of the mean. */
  ci95Low: number;
  ci95High: number;
  /** Indexes (into the input) of values outside Tukey's fences (1.5 IQR); flagged, never dropped. */
  outliers: number[];
}
