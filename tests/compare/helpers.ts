/** Records and results folders built in memory for the compare tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordsCsv } from '../../src/report/csv.js';
import type { RunMeta } from '../../src/report/meta.js';
import { emptyMeasures, type TrialRecord } from '../../src/report/record.js';
import { mulberry32 } from '../../src/random.js';

/** An ok ttft-breakdown record of `sampleId` with the given stage times (ms) and TTFT. */
export function trial(sampleId: string, repeat: number, values: { ttftMs?: number; stageMs?: Record<string, number>; rssPeakMb?: number }, key: { variant?: string; turn?: number; params?: Record<string, number | string> } = {}): TrialRecord {
  const measures = emptyMeasures();
  for (const [stage, ms] of Object.entries(values.stageMs ?? {})) (measures.stageMs as Record<string, number | null>)[stage] = ms;
  measures.ttftMs = values.ttftMs ?? null;
  measures.rssPeakMb = values.rssPeakMb ?? null;
  return {
    spec: 'ttft-breakdown',
    variant: key.variant ?? 'baseline',
    dataset: 'video-mme',
    sampleId,
    repeat,
    turn: key.turn ?? 0,
    ...(key.params ? { params: key.params } : {}),
    isolation: 'none',
    startedAt: '2026-01-01T00:00:00.000Z',
    status: 'ok',
    measures,
  };
}

/** A standard normal draw (Box-Muller) from `random`. */
function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Multiplicative lognormal noise with coefficient of variation `cv` and mean 1. */
export function lognormalNoise(random: () => number, cv: number): number {
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  return Math.exp(sigma * normal(random) - (sigma * sigma) / 2);
}

/** Base times of the synthetic samples: sizes over three orders of magnitude, ms. */
export const SAMPLE_BASE_MS = [5, 20, 80, 300, 1000, 3000] as const;

/**
 * One side of a synthetic run: every sample x `repeats`, three metrics with independent noise:
 * audio_encoder_ms (base x `slowdown`), vision_encoder_ms (base / 2) and ttft_ms (base x 3).
 */
export function syntheticRun(seed: number, cv: number, slowdown = 1, repeats = 3): TrialRecord[] {
  const random = mulberry32(seed);
  const records: TrialRecord[] = [];
  SAMPLE_BASE_MS.forEach((base, i) => {
    for (let repeat = 0; repeat < repeats; repeat++) {
      records.push(
        trial(`s${i}`, repeat, {
          ttftMs: base * 3 * lognormalNoise(random, cv),
          stageMs: { audio_encoder: base * slowdown * lognormalNoise(random, cv), vision_encoder: (base / 2) * lognormalNoise(random, cv) },
        }),
      );
    }
  });
  return records;
}

export { mulberry32 };


/** meta.json of a synthetic run (tiny preset, 2-core machine, 100 GFLOP/s peak). */
export function syntheticMeta(overrides: Partial<RunMeta> = {}): RunMeta {
  return {
    format: 'omni-bench-meta/1',
    spec: 'ttft-breakdown',
    command: ['ttft-breakdown'],
    startedAt: '2026-01-01T00:00:00.000Z',
    environment: { omniBench: '0.1.0', node: 'v20.20.2', onnxruntime: '1.30.0', ffmpeg: 'ffmpeg 6', cpuModel: 'AMD EPYC', cores: 2, memoryBytes: 25e9, os: 'linux 6.18 x64', gitSha: 'abcdef0123456789' },
    options: { model: 'tiny', threads: 2, repeats: 3, specOptions: { audioPadding: 'pad-features' } },
    variants: [{ name: 'baseline', settings: {} }],
    model: { dir: '/cache/tiny-s0', preset: 'tiny', seed: 0, hash: 'h-tiny' },
    calibration: { peakGflops: 100 },
    memory: { method: 'rss-poll', intervalMs: 5, vmhwm: true, gpu: 'unavailable' },
    isolation: 'none',
    ...overrides,
  };
}

/** A results folder in a fresh temporary directory with these records and meta.json. */
export function writeResultsFolder(records: readonly TrialRecord[], meta: RunMeta = syntheticMeta()): string {
  const dir = mkdtempSync(join(tmpdir(), 'omni-bench-compare-'));
  writeFileSync(join(dir, 'records.csv'), recordsCsv(records, { comparesLogits: false }));
  writeFileSync(join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return dir;
}
