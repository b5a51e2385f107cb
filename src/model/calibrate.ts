/**
 * The machine's fp32 MatMul peak through onnxruntime-node: a one-node MatMul model built in
 * memory (onnx-proto), run N x N x N with the given intra-op threads. B is an initializer, as
 * model weights are, so MLAS prepacks it once just as it does for the encoders and the decoder;
 * with B as a graph input every run repacks it and the "peak" reads ~20% low (measured here:
 * 115 vs 136 GFLOP/s at N=1024, 2 threads). `model bench` and the runner's roofline divide
 * achieved GFLOP/s by it to get "% of peak".
 *
 * A peak must be a peak: one median of 10 runs moved between 224 and 406 GFLOP/s over eight
 * back-to-back calibrations on a shared machine, and a stage then showed 101% "of peak". So,
 * after a warmup, the product runs in bursts of back-to-back runs lasting at least `burstMs`
 * each; a burst's GFLOP/s is its FLOPs over its wall time, the peak is the best burst, and the
 * spread of the bursts is reported with a warning when it is wide.
 */
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { median } from '../profiler/stats.js';
import { overPeakWarning as profilerOverPeak, warningMessage } from '../profiler/warnings.js';

const { onnx } = onnxProto;

/** Coefficient of variation of the bursts' GFLOP/s above which the peak is flagged as unstable. */
export const CALIBRATION_CV_THRESHOLD = 0.1;

/** Options of {@link calibrateMatMul}. */
export interface CalibrationOptions {
  /** Intra-op threads (use the same as the sessions being compared). Default: ONNX Runtime's choice. */
  threads?: number;
  /** Matrix size N of the N x N x N product. Default 1536 (the fastest of 1024/1536/2048 measured here). */
  size?: number;
  /** Unrecorded runs last at least this long, ms (and at least 2 runs). Default 300. */
  warmupMs?: number;
  /** Bursts measured. Default 5. */
  bursts?: number;
  /** Each burst repeats the product until this much wall time has passed, ms. Default 500. */
  burstMs?: number;
  /** Execution provider. Default `cpu`. */
  executionProvider?: string;
}

/** One burst of back-to-back runs. */
export interface CalibrationBurst {
  runs: number;
  /** Wall time from the burst's first run's start to its last run's end, ms. */
  elapsedMs: number;
  /** The burst's fastest run, ms. */
  fastestRunMs: number;
  /** runs x FLOPs over elapsedMs. */
  gflops: number;
}

/** How far apart the bursts were. */
export interface CalibrationSpread {
  minGflops: number;
  medianGflops: number;
  maxGflops: number;
  /** Coefficient of variation of the bursts' GFLOP/s: sample standard deviation over mean (0 for one burst). */
  cv: number;
}

/** A warning about a peak or a share of it; `message` says what to do. */
export type CalibrationWarning =
  /** The bursts' GFLOP/s varied by more than CALIBRATION_CV_THRESHOLD: the machine is busy or throttling. */
  | { kind: 'calibration-unstable'; cv: number; threshold: number; message: string }
  /** A stage reached more than 100% of the calibrated peak: the peak is too low. */
  | { kind: 'over-peak'; stage: string; percentOfPeak: number; message: string }
  /** The peak moved between two calibrations (before and after a run) by more than the threshold. */
  | { kind: 'peak-drift'; beforeGflops: number; afterGflops: number; driftPercent: number; message: string };

/** What a calibration measured. */
export interface MatMulCalibration {
  /** How the peak was taken. */
  method: 'best-of-bursts';
  size: number;
  threads: number | null;
  executionProvider: string;
  /** FLOPs of one run: 2 * N^3. */
  flops: number;
  /** Unrecorded runs before the bursts. */
  warmupRuns: number;
  /** The target length of a burst, ms. */
  burstMs: number;
  bursts: CalibrationBurst[];
  /** The peak used for "% of peak": GFLOP/s of the best burst. */
  peakGflops: number;
  /** GFLOP/s of the fastest single run (an upper bound, not a sustained rate). */
  bestGflops: number;
  spread: CalibrationSpread;
  warnings: CalibrationWarning[];
  /** Wall time of the whole calibration (session creation included), ms. */
  durationMs: number;
}

/** Deterministic fill in [-0.5, 0.5). */
function fill(length: number, seed: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => ((i * 2654435761 + seed) % 1000) / 1000 - 0.5);
}

/** ONNX bytes of C = A x B with A a f32 [n, n] graph input and B a f32 [n, n] initializer (a weight). */
export function matMulModel(n: number, weight: Float32Array = fill(n * n, 2)): Uint8Array {
  if (weight.length !== n * n) throw new RangeError(`weight must hold ${n * n} values, got ${weight.length}`);
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const info = (name: string): InstanceType<typeof onnx.ValueInfoProto> =>
    onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: n }, { dimValue: n }] } } } });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'omni-bench',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'calibrate',
      node: [onnx.NodeProto.create({ name: '/calibrate/MatMul', opType: 'MatMul', input: ['A', 'B'], output: ['C'] })],
      initializer: [onnx.TensorProto.create({ name: 'B', dataType: FLOAT, dims: [n, n], rawData: new Uint8Array(weight.buffer) })],
      input: [info('A')],
      output: [info('C')],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Options of {@link runBursts}. */
export interface BurstOptions {
  /** Warmup lasts at least this long, ms, and at least `minWarmupRuns` runs. */
  warmupMs: number;
  minWarmupRuns?: number;
  bursts: number;
  burstMs: number;
  /** The clock, ms. Default performance.now (tests inject one). */
  now?: () => number;
}

/**
 * Runs `run` for a warmup, then `bursts` bursts, each repeating `run` back to back until
 * `burstMs` has passed (at least one run). Returns the warmup's run count and each burst's runs,
 * wall time and fastest run.
 */
export async function runBursts(run: () => unknown, options: BurstOptions): Promise<{ warmupRuns: number; bursts: Omit<CalibrationBurst, 'gflops'>[] }> {
  const now = options.now ?? ((): number => performance.now());
  const minWarmupRuns = options.minWarmupRuns ?? 2;
  if (!Number.isInteger(options.bursts) || options.bursts < 1) throw new RangeError(`bursts must be an integer >= 1, got ${options.bursts}`);
  if (!(options.burstMs > 0)) throw new RangeError(`burstMs must be > 0, got ${options.burstMs}`);
  if (!(options.warmupMs >= 0)) throw new RangeError(`warmupMs must be >= 0, got ${options.warmupMs}`);
  let warmupRuns = 0;
  const warmupStart = now();
  while (warmupRuns < minWarmupRuns || now() - warmupStart < options.warmupMs) {
    await run();
    warmupRuns++;
  }
  const bursts: Omit<CalibrationBurst, 'gflops'>[] = [];
  for (let b = 0; b < options.bursts; b++) {
    const start = now();
    let runs = 0;
    let fastestRunMs = Infinity;
    let end = start;
    do {
      const t0 = now();
      await run();
      end = now();
      fastestRunMs = Math.min(fastestRunMs, end - t0);
      runs++;
    } while (end - start < options.burstMs);
    bursts.push({ runs, elapsedMs: end - start, fastestRunMs });
  }
  return { warmupRuns, bursts };
}

/** Min, median, max and coefficient of variation (sample std / mean) of burst rates. */
export function calibrationSpread(gflops: readonly number[]): CalibrationSpread {
  if (gflops.length === 0) throw new RangeError('calibrationSpread needs at least one burst');
  const n = gflops.length;
  const mean = gflops.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? gflops.reduce((a, g) => a + (g - mean) ** 2, 0) / (n - 1) : 0;
  return {
    minGflops: gflops.reduce((a, b) => Math.min(a, b), Infinity),
    medianGflops: median(gflops),
    maxGflops: gflops.reduce((a, b) => Math.max(a, b), -Infinity),
    cv: mean > 0 ? Math.sqrt(variance) / mean : 0,
  };
}

/** The `calibration-unstable` warning when `cv` exceeds `threshold` (default CALIBRATION_CV_THRESHOLD). */
export function unstableCalibrationWarning(spread: CalibrationSpread, threshold = CALIBRATION_CV_THRESHOLD): CalibrationWarning | undefined {
  if (!(spread.cv > threshold)) return undefined;
  return {
    kind: 'calibration-unstable',
    cv: spread.cv,
    threshold,
    message:
      `MatMul peak calibration varied by ${(100 * spread.cv).toFixed(1)}% between bursts (${spread.minGflops.toFixed(1)}-${spread.maxGflops.toFixed(1)} GFLOP/s, over ${(100 * threshold).toFixed(0)}%); ` +
      `"% of peak" figures are uncertain: close other programs, or set --threads below the core count`,
  };
}

/** The `over-peak` warning when a stage reached more than 100% of the calibrated peak (the profiler's check and text). */
export function overPeakWarning(stage: string, percentOfPeak: number): CalibrationWarning | undefined {
  const warning = profilerOverPeak(stage, percentOfPeak);
  return warning ? { kind: 'over-peak', stage, percentOfPeak, message: warningMessage(warning) } : undefined;
}

/**
 * Change of the peak between two calibrations (before and after a run), percent of the first;
 * with a `peak-drift` warning when it is more than `thresholdPercent` (default 10) either way.
 */
export function calibrationDrift(
  before: Pick<MatMulCalibration, 'peakGflops'>,
  after: Pick<MatMulCalibration, 'peakGflops'>,
  thresholdPercent = 10,
): { driftPercent: number; warning: CalibrationWarning | undefined } {
  const driftPercent = (100 * (after.peakGflops - before.peakGflops)) / before.peakGflops;
  const warning: CalibrationWarning | undefined =
    Math.abs(driftPercent) > thresholdPercent
      ? {
          kind: 'peak-drift',
          beforeGflops: before.peakGflops,
          afterGflops: after.peakGflops,
          driftPercent,
          message: `the MatMul peak moved ${driftPercent.toFixed(1)}% during the run (${before.peakGflops.toFixed(1)} -> ${after.peakGflops.toFixed(1)} GFLOP/s): the machine's speed changed (load, thermal throttling); compare figures with care`,
        }
      : undefined;
  return { driftPercent, warning };
}

/** Burst rates, peak (best burst), fastest run, spread and warnings from raw bursts of `flops`-FLOP runs. */
export function summarizeBursts(
  raw: readonly Omit<CalibrationBurst, 'gflops'>[],
  flops: number,
): Pick<MatMulCalibration, 'bursts' | 'peakGflops' | 'bestGflops' | 'spread' | 'warnings'> {
  const bursts = raw.map((b) => ({ ...b, gflops: (b.runs * flops) / (b.elapsedMs * 1e6) }));
  const spread = calibrationSpread(bursts.map((b) => b.gflops));
  const fastest = raw.reduce((a, b) => Math.min(a, b.fastestRunMs), Infinity);
  const unstable = unstableCalibrationWarning(spread);
  return { bursts, peakGflops: spread.maxGflops, bestGflops: flops / (fastest * 1e6), spread, warnings: unstable ? [unstable] : [] };
}

/** Measures the fp32 MatMul peak through onnxruntime-node (best of bursts, see the file comment). About 3 s with the defaults. */
export async function calibrateMatMul(options: CalibrationOptions = {}): Promise<MatMulCalibration> {
  const started = performance.now();
  const n = options.size ?? 1536;
  const burstMs = options.burstMs ?? 500;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`size must be a positive integer, got ${n}`);
  const ep = options.executionProvider ?? 'cpu';
  const sessionOptions: ort.InferenceSession.SessionOptions = { executionProviders: [ep], graphOptimizationLevel: 'all', logSeverityLevel: 3 };
  if (options.threads !== undefined) sessionOptions.intraOpNumThreads = options.threads;
  const session = await ort.InferenceSession.create(matMulModel(n), sessionOptions);
  try {
    const feeds = { A: new ort.Tensor('float32', fill(n * n, 1), [n, n]) };
    const measured = await runBursts(() => session.run(feeds), { warmupMs: options.warmupMs ?? 300, bursts: options.bursts ?? 5, burstMs });
    const flops = 2 * n * n * n;
    return {
      method: 'best-of-bursts',
      size: n,
      threads: options.threads ?? null,
      executionProvider: ep,
      flops,
      warmupRuns: measured.warmupRuns,
      burstMs,
      ...summarizeBursts(measured.bursts, flops),
      durationMs: performance.now() - started,
    };
  } finally {
    await session.release();
  }
}
