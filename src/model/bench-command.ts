/**
 * `omni-bench model bench DIR|preset [--threads N] [--warmup N] [--repeats N] [--ep NAME] [--json]`:
 * per-component latency on the reference request, achieved GFLOP/s and % of this machine's
 * fp32 MatMul peak (calibrated with the same threads). Registered into the `model` group.
 */
import { availableParallelism } from 'node:os';
import { capThreads } from '../specs/common-options.js';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { benchModel, benchWarnings, summarizeBench, type ModelBenchResult } from './bench.js';
import { ensureModel } from './builder/cache.js';

function parseInteger(flag: string, min: number): (raw: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min) throw new UsageError(`${flag} '${raw}': expected an integer >= ${min}`);
    return value;
  };
}

const fixed = (value: number | null, digits: number): string => (value === null ? 'n/a' : value.toFixed(digits));

/** The terminal table of a bench result. */
export function formatBenchTable(result: ModelBenchResult): string {
  const rows = summarizeBench(result);
  const table = new Table({ head: ['stage', 'input', 'ms (median)', 'ms (min)', 'GFLOP', 'GFLOP/s', '% of peak'], style: { head: [], border: [] } });
  for (const r of rows) {
    table.push([r.id, r.input, fixed(r.medianMs, 1), fixed(r.minMs, 1), fixed(r.flops === null ? null : r.flops / 1e9, 2), fixed(r.gflopPerSecond, 1), fixed(r.percentOfPeak, 1)]);
  }
  const byId = new Map(rows.map((r) => [r.id, r.medianMs]));
  const reference = ['speech', 'vision', 'embedding', 'prefill_reference'].reduce((n, id) => n + (byId.get(id) ?? 0), 0);
  const c = result.calibration;
  const s = c.spread;
  const bursts = c.bursts.map((b) => b.gflops.toFixed(1)).join(', ');
  return [
    `${result.dir}`,
    `execution provider ${result.executionProvider}, intra-op threads ${result.threads ?? 'default'}, warmup ${result.warmup}, repeats ${result.repeats}, load ${result.loadMs.toFixed(0)} ms`,
    table.toString(),
    `reference request (encoders + embedding + prefill of ${result.referencePromptTokens} tokens, medians, run one after another): ${reference.toFixed(0)} ms`,
    `fp32 MatMul peak: ${c.peakGflops.toFixed(1)} GFLOP/s (best of ${c.bursts.length} bursts of >= ${c.burstMs} ms of ${c.size}^3 runs, same threads; ` +
      `bursts ${bursts}; min ${s.minGflops.toFixed(1)}, median ${s.medianGflops.toFixed(1)}, max ${s.maxGflops.toFixed(1)}, CV ${(100 * s.cv).toFixed(1)}%)`,
    ...benchWarnings(result, rows).map((w) => `warning: ${w.message}`),
  ].join('\n');
}

/** Adds `bench` to the `model` command group. */
export function registerModelBench(group: Command): void {
  group
    .command('bench')
    .description('time each component on the reference request: ms, GFLOP/s and % of the fp32 MatMul peak')
    .argument('<dir|preset>', 'model directory, or a preset name (built into the cache if needed)')
    .option('--threads <n>', 'intra-op threads for the sessions and the calibration (default: available cores)', parseInteger('--threads', 1))
    .option('--warmup <n>', 'unrecorded runs per stage', parseInteger('--warmup', 0), 1)
    .option('--repeats <n>', 'recorded runs per stage', parseInteger('--repeats', 1), 5)
    .option('--ep <provider>', "ONNX Runtime execution provider (default: the model's genai_config.json session_options provider, else cpu)")
    .option('--json', 'print the raw samples and derived figures as JSON')
    .action(async (target: string, opts: { threads?: number; warmup: number; repeats: number; ep?: string; json?: boolean }) => {
      const progress = (message: string): void => void process.stderr.write(`${message}\n`);
      const threads = capThreads(opts.threads ?? availableParallelism());
      if (threads.warning) process.stderr.write(`omni-bench: warning: ${threads.warning}\n`);
      const dir = await ensureModel(target, { onProgress: progress });
      const result = await benchModel(dir, {
        threads: threads.threads,
        warmup: opts.warmup,
        repeats: opts.repeats,
        ...(opts.ep !== undefined ? { executionProvider: opts.ep } : {}),
        onProgress: progress,
      });
      const summary = summarizeBench(result);
      if (opts.json) process.stdout.write(`${JSON.stringify({ ...result, summary, warnings: benchWarnings(result, summary) }, null, 2)}\n`);
      else process.stdout.write(`${formatBenchTable(result)}\n`);
    });
}
