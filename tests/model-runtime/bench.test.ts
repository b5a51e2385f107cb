import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { median, summarizeBench, type ModelBenchResult } from '../../src/model/bench.js';
import { calibrateMatMul, matMulModel } from '../../src/model/calibrate.js';
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

  it('reports 2 N^3 FLOPs per run and GFLOP/s from the median run', async () => {
    const c = await calibrateMatMul({ size: 128, warmup: 1, repeats: 3, threads: 1 });
    expect(c.flops).toBe(2 * 128 ** 3);
    expect(c.samplesMs).toHaveLength(3);
    expect(c.peakGflops).toBeCloseTo(c.flops / (median(c.samplesMs) * 1e6), 6);
    expect(c.bestGflops).toBeGreaterThanOrEqual(c.peakGflops);
    expect(c.threads).toBe(1);
  });
});

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
      calibration: { size: 1024, threads: 2, executionProvider: 'cpu', samplesMs: [10], flops: 2 * 1024 ** 3, peakGflops: 500, bestGflops: 500 },
      rows: [
        { id: 'vision', component: 'vision', input: 'x', flops: 2e9, samplesMs: [3, 1, 2] },
        { id: 'embedding', component: 'embedding', input: 'y', flops: null, samplesMs: [4, 5] },
      ],
    };
    const [vision, embedding] = summarizeBench(result);
    expect(vision).toMatchObject({ medianMs: 2, minMs: 1, gflopPerSecond: 1000, percentOfPeak: 200 });
    expect(embedding).toMatchObject({ medianMs: 4.5, gflopPerSecond: null, percentOfPeak: null });
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
