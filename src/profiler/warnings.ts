/**
 * Warnings about the quality of a measurement, as data: the runner prints them (and may store
 * them in meta.json); each says what to do, as hyperfine's do.
 */
import { availableParallelism, loadavg } from 'node:os';
import { isNonEmpty, quantile, sortSamples } from './stats.js';
import type { Statistics } from './types.js';

/** A warning about one metric or about the machine. */
export type ProfilerWarning =
  /** Some repeats fall outside Tukey's fences. */
  | { kind: 'outliers'; metric: string; outliers: number; n: number }
  /** The first recorded run is much slower than the median of the others (caches, lazy init). */
  | { kind: 'slow-first-run'; metric: string; firstMs: number; medianMs: number; ratio: number }
  /** The 1-minute load average is high for the number of cores. */
  | { kind: 'machine-under-load'; loadAvg1: number; cores: number }
  /** A compute stage ran faster than the calibrated MatMul peak: the peak was measured low. */
  | { kind: 'over-peak'; stage: string; percentOfPeak: number };

/** Warns when a stage reached more than 100% of the calibrated MatMul peak. */
export function overPeakWarning(stage: string, percentOfPeak: number): ProfilerWarning | undefined {
  return percentOfPeak > 100 ? { kind: 'over-peak', stage, percentOfPeak } : undefined;
}

/** Warns when `stats` flags outliers. */
export function outlierWarning(metric: string, stats: Statistics): ProfilerWarning | undefined {
  return stats.outliers.length > 0 ? { kind: 'outliers', metric, outliers: stats.outliers.length, n: stats.n } : undefined;
}

/**
 * Warns when the first recorded value (in run order) exceeds `factor` (default 1.5) times the
 * median of the rest. Needs at least 3 values.
 */
export function slowFirstRunWarning(metric: string, valuesMs: readonly number[], factor = 1.5): ProfilerWarning | undefined {
  const [firstMs, ...rest] = valuesMs;
  if (firstMs === undefined || rest.length < 2 || !isNonEmpty(rest)) return undefined;
  const medianMs = quantile(sortSamples(rest), 0.5);
  if (!(medianMs > 0) || firstMs <= factor * medianMs) return undefined;
  return { kind: 'slow-first-run', metric, firstMs, medianMs, ratio: firstMs / medianMs };
}

/** Options of loadWarning; defaults read this machine. */
export interface LoadOptions {
  /** 1-minute load average. Default os.loadavg()[0] (0 on Windows, where it is not reported). */
  loadAvg1?: number;
  /** Cores. Default os.availableParallelism(). */
  cores?: number;
  /** Load per core above which to warn. Default 0.7. */
  perCoreThreshold?: number;
}

/** Warns when the machine is busy with other work (call it before the run starts). */
export function loadWarning(options: LoadOptions = {}): ProfilerWarning | undefined {
  const loadAvg1 = options.loadAvg1 ?? loadavg()[0] ?? 0;
  const cores = options.cores ?? availableParallelism();
  const threshold = options.perCoreThreshold ?? 0.7;
  return loadAvg1 > threshold * cores ? { kind: 'machine-under-load', loadAvg1, cores } : undefined;
}

/** One line for the terminal, saying what to do. */
export function warningMessage(warning: ProfilerWarning): string {
  switch (warning.kind) {
    case 'outliers':
      return `${warning.metric}: ${warning.outliers} of ${warning.n} runs are statistical outliers (flagged, kept); consider --repeats with a larger value, or closing other programs`;
    case 'slow-first-run':
      return `${warning.metric}: the first recorded run took ${warning.firstMs.toFixed(1)} ms, ${warning.ratio.toFixed(1)}x the median of the others (${warning.medianMs.toFixed(1)} ms); consider --warmup with a larger value`;
    case 'over-peak':
      return `${warning.stage} reached ${warning.percentOfPeak.toFixed(1)}% of the calibrated MatMul peak: the peak was measured low (a busy machine during calibration); rerun on a quiet machine`;
    case 'machine-under-load':
      return `machine under load: 1-minute load average ${warning.loadAvg1.toFixed(2)} on ${warning.cores} cores; timings may be noisy, consider waiting for other work to finish`;
  }
}
