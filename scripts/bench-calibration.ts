/**
 * How stable is the MatMul peak? Runs N calibrations back to back and prints each peak and
 * their spread (min, median, max, max/min). `--method best-of-bursts` is calibrateMatMul as
 * shipped (best of bursts of >= 0.5 s after a warmup); `--method median-of-10` is the OLD
 * algorithm, reimplemented here for a before/after comparison (2 warmup runs, then the median of
 * 10 single runs, in a fresh session each time, as calibrate.ts did before the bursts).
 * Usage:
 *   npx tsx scripts/bench-calibration.ts [--runs 8] [--threads 2] [--method best-of-bursts|median-of-10|both] [--size 1536]
 */
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { calibrateMatMul, matMulModel } from '../src/model/calibrate.js';
import { median } from '../src/profiler/stats.js';

const METHODS = ['best-of-bursts', 'median-of-10'] as const;
type Method = (typeof METHODS)[number];

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '8' },
    threads: { type: 'string' },
    method: { type: 'string', default: 'best-of-bursts' },
    size: { type: 'string', default: '1536' },
  },
});

function positiveInteger(flag: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${flag} must be a positive integer, got ${raw}`);
  return n;
}

const runs = positiveInteger('--runs', values.runs);
const size = positiveInteger('--size', values.size);
const threads = values.threads === undefined ? undefined : positiveInteger('--threads', values.threads);
const methods: Method[] = values.method === 'both' ? [...METHODS] : [values.method as Method];
if (!methods.every((m) => (METHODS as readonly string[]).includes(m))) {
  throw new RangeError(`--method must be one of ${METHODS.join(', ')} or both, got ${values.method}`);
}

/** The OLD calibration (before best-of-bursts): 2 warmup runs, GFLOP/s at the median of 10 runs. */
async function medianOf10(n: number, intraOpThreads: number | undefined): Promise<number> {
  const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3 };
  if (intraOpThreads !== undefined) options.intraOpNumThreads = intraOpThreads;
  const session = await ort.InferenceSession.create(matMulModel(n), options);
  try {
    const a = Float32Array.from({ length: n * n }, (_, i) => ((i * 2654435761 + 1) % 1000) / 1000 - 0.5);
    const feeds = { A: new ort.Tensor('float32', a, [n, n]) };
    for (let i = 0; i < 2; i++) await session.run(feeds);
    const samplesMs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      samplesMs.push(performance.now() - t0);
    }
    return (2 * n ** 3) / (median(samplesMs) * 1e6);
  } finally {
    await session.release();
  }
}

process.stdout.write(`MatMul ${size}^3 fp32, intra-op threads ${threads ?? 'default'}, ${runs} calibrations back to back per method\n`);
for (const method of methods) {
  const peaks: number[] = [];
  const started = performance.now();
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    let line: string;
    if (method === 'median-of-10') {
      const peak = await medianOf10(size, threads);
      peaks.push(peak);
      line = `${peak.toFixed(1)} GFLOP/s`;
    } else {
      const c = await calibrateMatMul({ size, ...(threads !== undefined ? { threads } : {}) });
      peaks.push(c.peakGflops);
      const s = c.spread;
      line =
        `${c.peakGflops.toFixed(1)} GFLOP/s (bursts ${c.bursts.map((b) => b.gflops.toFixed(0)).join(', ')}; CV ${(100 * s.cv).toFixed(1)}%` +
        `${c.warnings.length > 0 ? '; unstable' : ''})`;
    }
    process.stdout.write(`  ${method} #${r + 1}: ${line} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const min = Math.min(...peaks);
  const max = Math.max(...peaks);
  process.stdout.write(
    `${method}${method === 'median-of-10' ? ' (OLD algorithm)' : ''}: min ${min.toFixed(1)}, median ${median(peaks).toFixed(1)}, max ${max.toFixed(1)} GFLOP/s, ` +
      `max/min ${(max / min).toFixed(2)}; ${((performance.now() - started) / 1000).toFixed(1)} s in all\n`,
  );
}
