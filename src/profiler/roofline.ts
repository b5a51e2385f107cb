/**
 * Roofline figures: a stage's FLOPs over its time, and that rate as a share of the machine's
 * MatMul peak. FLOPs come from src/model/flops.ts (the model's dimensions and the input sizes);
 * the peak from src/model/calibrate.ts (calibrateMatMul, once per run). This file only divides.
 */
import type { MatMulCalibration } from '../model/calibrate.js';

/** Achieved GFLOP/s of `flops` floating-point operations done in `ms` milliseconds. */
export function achievedGflops(flops: number, ms: number): number {
  if (!(ms > 0) || !Number.isFinite(ms)) throw new RangeError(`achievedGflops: ms must be a positive number (got ${ms})`);
  if (!(flops >= 0) || !Number.isFinite(flops)) throw new RangeError(`achievedGflops: flops must be a number >= 0 (got ${flops})`);
  return flops / (ms * 1e6);
}

/** `gflops` as a percent (0-100; above 100 when the peak was underestimated) of `peakGflops`. */
export function peakShare(gflops: number, peakGflops: number): number {
  if (!(peakGflops > 0) || !Number.isFinite(peakGflops)) {
    throw new RangeError(`peakShare: peakGflops must be a positive number (got ${peakGflops}); calibrate the MatMul peak first`);
  }
  return (100 * gflops) / peakGflops;
}

/** One stage's roofline point. */
export interface StageRoofline {
  achievedGflops: number;
  /** Percent of the calibrated MatMul peak. */
  peakSharePct: number;
}

/** Achieved GFLOP/s of a stage and its share of the calibrated peak (calibrateMatMul's peakGflops). */
export function stageRoofline(flops: number, ms: number, calibration: Pick<MatMulCalibration, 'peakGflops'>): StageRoofline {
  const gflops = achievedGflops(flops, ms);
  return { achievedGflops: gflops, peakSharePct: peakShare(gflops, calibration.peakGflops) };
}
