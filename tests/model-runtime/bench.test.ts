import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchWarnings, summarizeBench, type ModelBenchResult } from '../../src/model/bench.js';
import {
  calibrateMatMul,
  calibrationDrift,
  calibrationSpread,
  matMulModel,
  overPeakWarning,
  runBursts,
  summarizeBursts,
  unstableCalibrationWarning,
  type MatMulCalibration,
} from '../../src/model/calibrate.js';
import { runCli } from '../helpers/cli.js';
import { cleanup, tempDir } from './helpers.js';

describe('MatMul calibration', () => {
  it('builds a MatMul model (B a prepacked initializer) that ONNX Runtime computes exactly', async () => {
    const session = await ort.InferenceSession.create(matMulModel(2, Float32Array.from([5, 6, 7, 8])), { intraOpNumThreads: 1 });
    const A = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [2, 2]);
    const { C } = await session.run({ A });
    expect([...(C?.data as Float32Array)]).toEqual([19, 22, 43, 50]);
    await session.release();
  });

  it('reports 2 N^3 FLOPs per run and takes the peak as the best burst, with the spread of the bursts', async () => {
    const c = await calibrateMatMul({ size: 128, warmupMs: 0, bursts: 3, burstMs: 5, threads: 1 });
    expect(c.method).toBe('best-of-bursts');
    expect(c.flops).toBe(2 * 128 ** 3);
    expect(c.warmupRuns).toBeGreaterThanOrEqual(2);
    expect(c.bursts).toHaveLength(3);
    for (const b of c.bursts) expect(b.gflops).toBeCloseTo((b.runs * c.flops) / (b.elapsedMs * 1e6), 6);
    expect(c.peakGflops).toBe(Math.max(...c.bursts.map((b) => b.gflops)));
    expect(c.spread.maxGflops).toBe(c.peakGflops);
    expect(c.bestGflops).toBeGreaterThanOrEqual(c.peakGflops);
    expect(c.threads).toBe(1);
  });
});

/** A clock that only moves when the fake MatMul "runs", by the next scripted duration. */
function scriptedRun(durationsMs: number[]): { now: () => number; run: () => void; left: () => number } {
  let t = 0;
  let i = 0;
  return {
    now: () => t,
    run: () => {
      t += durationsMs[i++] ?? Number.NaN;
    },
    left: () => durationsMs.length - i,
  };
}

describe('calibration bursts (injected timings)', () => {
  it('warms up for warmupMs, then repeats each burst until burstMs has passed', async () => {
    // Warmup: 3 runs of 100 ms reach 250 ms. Burst 1: 5 x 100 ms. Burst 2: 10 x 50 ms. Burst 3: 3 x 200 ms.
    const clock = scriptedRun([100, 100, 100, ...Array<number>(5).fill(100), ...Array<number>(10).fill(50), 200, 200, 200]);
    const measured = await runBursts(clock.run, { warmupMs: 250, bursts: 3, burstMs: 500, now: clock.now });
    expect(clock.left()).toBe(0);
    expect(measured.warmupRuns).toBe(3);
    expect(measured.bursts).toEqual([
      { runs: 5, elapsedMs: 500, fastestRunMs: 100 },
      { runs: 10, elapsedMs: 500, fastestRunMs: 50 },
      { runs: 3, elapsedMs: 600, fastestRunMs: 200 },
    ]);
  });

  it('takes the best burst as the peak, not the median, and reports min/median/max and the CV', () => {
    // 1 GFLOP per run: bursts at 10, 20 and 30 GFLOP/s.
    const s = summarizeBursts(
      [
        { runs: 1, elapsedMs: 100, fastestRunMs: 100 },
        { runs: 2, elapsedMs: 100, fastestRunMs: 40 },
        { runs: 3, elapsedMs: 100, fastestRunMs: 30 },
      ],
      1e9,
    );
    expect(s.bursts.map((b) => b.gflops)).toEqual([10, 20, 30]);
    expect(s.peakGflops).toBe(30);
    expect(s.bestGflops).toBeCloseTo(1e9 / (30 * 1e6), 10);
    expect(s.spread).toEqual({ minGflops: 10, medianGflops: 20, maxGflops: 30, cv: 0.5 }); // sample std 10 / mean 20
  });

  it('warns when the bursts vary by more than 10% (CV), and not at 10% or less', () => {
    expect(calibrationSpread([100, 100, 100]).cv).toBe(0);
    const wide = summarizeBursts(
      [
        { runs: 1, elapsedMs: 10, fastestRunMs: 10 },
        { runs: 1, elapsedMs: 14, fastestRunMs: 14 },
      ],
      1e6,
    );
    expect(wide.warnings).toHaveLength(1);
    expect(wide.warnings[0]).toMatchObject({ kind: 'calibration-unstable', threshold: 0.1 });
    expect(wide.warnings[0]?.message).toMatch(/varied by 2\d\.\d% between bursts/);
    expect(unstableCalibrationWarning({ minGflops: 90, medianGflops: 100, maxGflops: 110, cv: 0.1 })).toBeUndefined();
  });

  it('warns for a stage over 100% of the peak and for a peak that drifts more than 10% over a run', () => {
    expect(overPeakWarning('speech', 101)).toMatchObject({ kind: 'over-peak', stage: 'speech', percentOfPeak: 101 });
    expect(overPeakWarning('speech', 100)).toBeUndefined();
    expect(calibrationDrift({ peakGflops: 200 }, { peakGflops: 170 })).toMatchObject({ driftPercent: -15, warning: { kind: 'peak-drift', driftPercent: -15 } });
    expect(calibrationDrift({ peakGflops: 200 }, { peakGflops: 210 }).warning).toBeUndefined();
  });
});

/** A calibration whose peak is `peakGflops`, with one burst. */
function calibration(peakGflops: number): MatMulCalibration {
  return {
    method: 'best-of-bursts',
    size: 1024,
    threads: 2,
    executionProvider: 'cpu',
    flops: 2 * 1024 ** 3,
    warmupRuns: 2,
    burstMs: 500,
    bursts: [{ runs: 1, elapsedMs: 10, fastestRunMs: 10, gflops: peakGflops }],
    peakGflops,
    bestGflops: peakGflops,
    spread: { minGflops: peakGflops, medianGflops: peakGflops, maxGflops: peakGflops, cv: 0 },
    warnings: [],
    durationMs: 10,
  };
}

describe('model bench summary', () => {
  it('derives median ms, GFLOP/s and % of peak from raw samples', () => {
    const result: ModelBenchResult = {
      dir: '/m',
      threads: 2,
      executionProvider: 'cpu',
      warmup: 1,
      repeats: 3,
      loadMs: 10,
      referencePromptTokens: 1700,
      calibration: calibration(500),
      rows: [
        { id: 'vision', component: 'vision', input: 'x', flops: 2e9, samplesMs: [3, 1, 2] },
        { id: 'embedding', component: 'embedding', input: 'y', flops: null, samplesMs: [4, 5] },
      ],
    };
    const [vision, embedding] = summarizeBench(result);
    expect(vision).toMatchObject({ medianMs: 2, minMs: 1, gflopPerSecond: 1000, percentOfPeak: 200 });
    expect(embedding).toMatchObject({ medianMs: 4.5, gflopPerSecond: null, percentOfPeak: null });
    // vision at 200% of the peak: the peak was measured low.
    expect(benchWarnings(result).map((w) => [w.kind, 'stage' in w ? w.stage : ''])).toEqual([['over-peak', 'vision']]);
  });
});

describe('omni-bench model bench', () => {
  let home: string;
  beforeAll(() => {
    home = tempDir();
  });
  afterAll(() => cleanup(home));

  it('times every component of the tiny preset and prints JSON', async () => {
    const r = await runCli(['model', 'bench', 'tiny', '--json', '--warmup', '0', '--repeats', '1', '--threads', '1'], { env: { OMNI_BENCH_HOME: home } });
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as ModelBenchResult & { summary: { id: string; percentOfPeak: number | null }[] };
    expect(out.rows.map((row) => row.id)).toEqual(['speech', 'vision', 'embedding', 'prefill_reference', 'prefill_1000', 'prefill_2000', 'decode_2000']);
    expect(out.threads).toBe(1);
    expect(out.calibration.peakGflops).toBeGreaterThan(0);
    expect(out.calibration.bursts).toHaveLength(5);
    expect(Array.isArray((out as unknown as { warnings: unknown[] }).warnings)).toBe(true);
    expect(out.summary.find((s) => s.id === 'vision')?.percentOfPeak).toBeGreaterThan(0);
  });

  it('rejects a bad option or a missing model directory with one line and exit code 2', async () => {
    const bad = await runCli(['model', 'bench', 'tiny', '--threads', '0'], { env: { OMNI_BENCH_HOME: home } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--threads '0': expected an integer >= 1/);
    const missing = await runCli(['model', 'bench', './no/such/model'], { env: { OMNI_BENCH_HOME: home } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/model directory '.\/no\/such\/model' not found/);
  });
});
