/** `omni-bench compare BASELINE CURRENT` (docs/compare.md). */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { compareCommand, type CompareCommandOptions } from '../compare/command.js';
import { DEFAULT_COMPARE_OPTIONS } from '../compare/types.js';

function parseNumber(flag: string, ok: (v: number) => boolean, expected: string): (raw: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || !ok(value)) throw new UsageError(`${flag} '${raw}': expected ${expected}`);
    return value;
  };
}

function collectMetrics(raw: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...raw.split(',').map((m) => m.trim()).filter((m) => m !== '')];
}

/** Registers `compare` (one line in src/commands/index.ts). */
export function compareCommands(program: Command): void {
  const d = DEFAULT_COMPARE_OPTIONS;
  program
    .command('compare')
    .description('compare two results folders metric by metric; exit 1 when a metric regressed')
    .argument('<baseline>', 'results folder of the reference run')
    .argument('<current>', 'results folder of the run to judge')
    .option('--metric <list>', 'records.csv columns in ms or MB to compare, comma-separated or repeated (default: ttft_ms, each TTFT stage, tpot_ms, memory peaks)', collectMetrics)
    .option('--threshold <ratio>', 'ratio current/baseline beyond which a change may count (1/ratio for improvements)', parseNumber('--threshold', (v) => v > 1, 'a ratio > 1, e.g. 1.10'), d.threshold)
    .option('--alpha <p>', 'significance level of the permutation test', parseNumber('--alpha', (v) => v > 0 && v < 1, 'a probability in (0, 1)'), d.alpha)
    .option('--min-delta-ms <ms>', 'smallest difference of the pooled means that counts for _ms metrics', parseNumber('--min-delta-ms', (v) => v >= 0, 'ms >= 0'), d.minDeltaMs)
    .option('--min-delta-mb <mb>', 'smallest difference of the pooled means that counts for _mb metrics', parseNumber('--min-delta-mb', (v) => v >= 0, 'MB >= 0'), d.minDeltaMb)
    .option('--permutations <n>', 'random permutations when exact enumeration is too large', parseNumber('--permutations', (v) => Number.isInteger(v) && v >= 100, 'an integer >= 100'), d.permutations)
    .option('--seed <n>', 'seed of the bootstrap and the permutations (same seed, same output)', parseNumber('--seed', (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0'), d.seed)
    .option('--json', 'print the comparison as JSON (omni-bench-compare/1) instead of the table', false)
    .action(async (baseline: string, current: string, values: { metric?: string[] } & Omit<CompareCommandOptions, 'metrics'>) => {
      const { metric, ...rest } = values;
      process.exitCode = await compareCommand(baseline, current, { ...rest, ...(metric ? { metrics: metric } : {}) }, { stdout: process.stdout, stderr: process.stderr });
    });
}
