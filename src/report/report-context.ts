/** What a spec's own tables and charts may read besides the records (Spec.summarize, Spec.charts). */
import type { Span } from '../profiler/types.js';

/** The results folder being written, and the run's facts the records do not hold. */
export interface ReportContext {
  /** The results folder (its ort-profile/ files, for module-profile). */
  dir: string;
  /** The run's stage spans (timeline.json); empty when the folder has none. */
  spans: readonly Span[];
  /** The calibrated MatMul peak, GFLOP/s (meta.json calibration), when the run measured it. */
  peakGflops?: number;
}
