import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { compareRecords, noiseReport } from '../../src/compare/compare.js';
import { buildCompareReport, compareCommand } from '../../src/compare/command.js';
import { comparabilityProblem, comparisonWarnings, readResultsFolder } from '../../src/compare/folders.js';
import { compareJsonDocument } from '../../src/compare/json.js';
import { compareMarkdown } from '../../src/compare/markdown.js';
import { pairKey, pairRecords } from '../../src/compare/pairing.js';
import { terminalCompare } from '../../src/compare/terminal.js';
import { DEFAULT_COMPARE_OPTIONS, type MeasuredComparison } from '../../src/compare/types.js';
import { UsageError } from '../../src/errors.js';
import type { TrialRecord } from '../../src/report/record.js';
import { syntheticMeta, syntheticRun, trial, writeResultsFolder } from './helpers.js';

const options = DEFAULT_COMPARE_OPTIONS;

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => ((text += chunk.toString()), done()) });
  return { stream, text: () => text };
}

describe('pairing', () => {
  it('pairs ok trials by sample, variant, turn and parameters, ignoring the repeat and error rows', () => {
    const base: TrialRecord[] = [
      trial('a', 0, { ttftMs: 10 }), trial('a', 1, { ttftMs: 11 }),
      trial('a', 0, { ttftMs: 10 }, { variant: 'cached', turn: 1, params: { audio_s: 5 } }),
      trial('b', 0, { ttftMs: 10 }),
      { ...trial('c', 0, {}), status: 'error', error: 'boom' },
    ];
    const cur: TrialRecord[] = [trial('a', 0, { ttftMs: 12 }), trial('a', 0, { ttftMs: 12 }, { variant: 'cached', turn: 1, params: { audio_s: 5 } }), trial('c', 0, { ttftMs: 1 }), trial('d', 0, { ttftMs: 1 })];
    const pairing = pairRecords(base, cur);
    expect(pairing.groups.map((g) => [g.variant, g.params, g.turn, g.samples.map((s) => [s.sample, s.baseline.length, s.current.length])])).toEqual([
      ['baseline', '', 0, [['video-mme/a', 2, 1]]],
      ['cached', 'audio_s=5', 1, [['video-mme/a', 1, 1]]],
    ]);
    expect(pairing.baselineOnly).toEqual(['video-mme/b|baseline|t0']);
    expect(pairing.currentOnly).toEqual(['video-mme/c|baseline|t0', 'video-mme/d|baseline|t0']);
    expect(pairKey({ dataset: 'd', sampleId: 's', variant: 'v', turn: 2, params: { b: 1, a: 'x' } })).toBe('d/s|v|t2|a=x,b=1');
  });

  it('refuses record sets without a common (variant, sample, parameters, turn)', () => {
    expect(() => compareRecords([trial('a', 0, { ttftMs: 1 })], [trial('b', 0, { ttftMs: 1 })], options)).toThrow(/share no \(variant, sample, parameters, turn\)/);
    expect(() => compareRecords([trial('a', 0, { ttftMs: 1 })], [trial('a', 0, { ttftMs: 1 }, { variant: 'other' })], options)).toThrow(UsageError);
  });

  it('refuses a --metric that is not a column in ms or MB', () => {
    expect(() => compareRecords([trial('a', 0, { ttftMs: 1 })], [trial('a', 0, { ttftMs: 1 })], { ...options, metrics: ['ttft_ms', 'answer'] })).toThrow(/--metric answer: not a records.csv column in ms or MB/);
  });
});

describe('compareRecords', () => {
  it('lists regressions first, then improvements, then unchanged, and only metrics some run measured', () => {
    const base = syntheticRun(1, 0.02);
    const cur = syntheticRun(2, 0.02, 1.5).map((r) => {
      const copy = structuredClone(r);
      copy.measures.stageMs.vision_encoder = r.measures.stageMs.vision_encoder! * 0.5;
      return copy;
    });
    const result = compareRecords(base, cur, options);
    expect(result.comparisons.map((c) => [c.metric, c.status])).toEqual([
      ['audio_encoder_ms', 'regressed'],
      ['vision_encoder_ms', 'improved'],
      ['ttft_ms', 'unchanged'],
    ]);
    const slow = result.comparisons[0] as MeasuredComparison;
    expect(slow.ratio).toBeGreaterThan(1.4);
    expect(slow.ratio).toBeLessThan(1.6);
    expect(slow.ci95Low).toBeLessThan(slow.ratio);
    expect(slow.ci95High).toBeGreaterThan(slow.ratio);
    expect(slow.samples).toBe(6);
    expect(slow.method).toBe('monte-carlo');
    expect(slow.pValue).toBeCloseTo(1 / 4001, 12);
    expect(result.pairs).toBe(6);
    expect(result.noise.largestUnchanged?.metric).toBe('ttft_ms');
  });

  it('measures the noise on unchanged metrics whose |delta| is beyond the minimum delta', () => {
    const measured = (metric: string, ratio: number, delta: number, status: MeasuredComparison['status'] = 'unchanged', spread = 5): MeasuredComparison => ({
      variant: 'baseline', params: '', turn: 0, metric, unit: 'ms', status, why: '', samples: 6, leftOut: 0, baselineMean: 100, currentMean: 100 + delta, delta,
      ratio, ci95Low: ratio, ci95High: ratio, pValue: 0.5, method: 'exact', arrangements: 20, sampleSpreadPct: spread,
    });
    const noise = noiseReport([measured('slow_ms', 1.5, 50, 'regressed', 40), measured('a_ms', 1.05, 5, 'unchanged', 2), measured('b_ms', 0.9, -8, 'unchanged', 6), measured('tiny_ms', 0.5, -0.5, 'unchanged', 90)], { ms: 1, MB: 1 });
    expect(noise.largestUnchanged).toMatchObject({ metric: 'b_ms', ratio: 0.9 });
    expect(noise.largestUnchanged!.deviationPct).toBeCloseTo((1 / 0.9 - 1) * 100, 9);
    expect(noise.medianSampleSpreadPct).toBe(4);
    expect(noise.largestSampleSpread).toMatchObject({ metric: 'b_ms', spreadPct: 6 });
    expect(noiseReport([measured('tiny_ms', 0.5, -0.5)], { ms: 1, MB: 1 }).largestUnchanged).toBeNull();
  });

  it('gives the same output for the same input and seed', () => {
    const base = syntheticRun(3, 0.1);
    const cur = syntheticRun(4, 0.1);
    expect(compareRecords(base, cur, options)).toEqual(compareRecords(base, cur, options));
    expect(compareRecords(base, cur, { ...options, seed: 2 })).not.toEqual(compareRecords(base, cur, options));
  });

  it('skips a metric measured on one side only, with the reason, and a requested metric nobody measured', () => {
    const base = [0, 1, 2].map((r) => trial('a', r, { ttftMs: 10 + r, rssPeakMb: 500 }));
    const cur = [0, 1, 2].map((r) => trial('a', r, { ttftMs: 10 + r }));
    const byMetric = (list: ReturnType<typeof compareRecords>['comparisons']) => Object.fromEntries(list.map((c) => [c.metric, c.status === 'skipped' ? c.reason : c.status]));
    expect(byMetric(compareRecords(base, cur, options).comparisons)).toEqual({ ttft_ms: 'unchanged', rss_poll_peak_mb: 'no values in the current run' });
    expect(byMetric(compareRecords(base, cur, { ...options, metrics: ['gpu_smi_peak_mb'] }).comparisons)).toEqual({ gpu_smi_peak_mb: 'no values in either run' });
  });

  it('leaves out a stage that did not run (0 on both sides), and samples where it ran on one side only', () => {
    const side = (encoder: (s: number) => number) => [0, 1, 2].flatMap((s) => [0, 1].map((r) => trial(`s${s}`, r, { ttftMs: 100 + r, stageMs: { audio_encoder: encoder(s), vision_encoder: 0 } })));
    const result = compareRecords(side((s) => (s === 0 ? 0 : 50)), side(() => 50), options);
    expect(result.comparisons.map((c) => c.metric)).toEqual(['ttft_ms', 'audio_encoder_ms']);
    const encoder = result.comparisons[1] as MeasuredComparison;
    expect([encoder.samples, encoder.leftOut]).toEqual([2, 1]);
    const explicit = compareRecords(side(() => 0), side(() => 0), { ...options, metrics: ['audio_encoder_ms'] }).comparisons[0]!;
    expect(explicit.status === 'skipped' && explicit.reason).toBe('0 on every paired trial (the stage did not run)');
  });

  it('compares MB metrics against --min-delta-mb', () => {
    const side = (mb: number) => ['a', 'b', 'c'].flatMap((s, i) => [0, 1, 2].map((r) => trial(s, r, { rssPeakMb: mb * (1 + i) + r * 0.01 })));
    const c = compareRecords(side(3), side(4), { ...options, metrics: ['rss_poll_peak_mb'] }).comparisons[0] as MeasuredComparison;
    expect([c.unit, c.status]).toEqual(['MB', 'regressed']);
    expect(compareRecords(side(3), side(4), { ...options, metrics: ['rss_poll_peak_mb'], minDeltaMb: 10 }).comparisons[0]!.status).toBe('unchanged');
  });
});

describe('results folders', () => {
  const records = syntheticRun(1, 0.05);

  it('refuses another spec and another model, and accepts the same model in another folder', () => {
    const read = (meta = syntheticMeta()) => readResultsFolder(writeResultsFolder(records, meta), 'current');
    const base = readResultsFolder(writeResultsFolder(records), 'baseline');
    expect(comparabilityProblem(base, read())).toBeUndefined();
    const otherSpec = readResultsFolder(writeResultsFolder(records.map((r) => ({ ...r, spec: 'audio-padding' })), syntheticMeta({ spec: 'audio-padding' })), 'current');
    expect(comparabilityProblem(base, otherSpec)).toMatch(/other specs \(baseline ttft-breakdown, current audio-padding\)/);
    expect(comparabilityProblem(base, read(syntheticMeta({ model: { preset: 'small', dir: '/cache/small', hash: 'h-small' } })))).toMatch(/other models/);
    expect(comparabilityProblem(base, read(syntheticMeta({ model: { preset: 'tiny', dir: '/elsewhere', hash: 'h-tiny' } })))).toBeUndefined();
  });

  it('warns about another machine, omni-bench version, calibration beyond 10% and options, and not about a 5% calibration drift', () => {
    const base = readResultsFolder(writeResultsFolder(records), 'baseline');
    const same = readResultsFolder(writeResultsFolder(records, syntheticMeta({ calibration: { peakGflops: 105 } })), 'current');
    expect(comparisonWarnings(base, same)).toEqual([]);
    const meta = syntheticMeta();
    const other = readResultsFolder(
      writeResultsFolder(records, { ...meta, environment: { ...meta.environment, cpuModel: 'Intel Xeon', cores: 8, omniBench: '0.2.0' }, calibration: { peakGflops: 120 }, options: { ...meta.options, threads: 1 } }),
      'current',
    );
    const warnings = comparisonWarnings(base, other);
    expect(warnings.map((w) => w.kind)).toEqual(['machine', 'version', 'calibration', 'options']);
    expect(warnings[0]!.message).toContain("cpuModel 'AMD EPYC' vs 'Intel Xeon', cores 2 vs 8");
    expect(warnings[2]!.message).toContain('differs by 20.0%');
    expect(warnings[3]!.message).toContain('threads 2 vs 1');
  });

  it('names the missing file of a folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omni-bench-compare-'));
    expect(() => readResultsFolder(dir, 'baseline')).toThrow(/baseline .*: no records\.csv/);
    writeFileSync(join(dir, 'records.csv'), 'spec,variant\n');
    expect(() => readResultsFolder(dir, 'baseline')).toThrow(/no meta\.json/);
    writeFileSync(join(dir, 'meta.json'), '{');
    expect(() => readResultsFolder(dir, 'baseline')).toThrow(/meta\.json: cannot be read/);
  });
});

describe('writers and the command', () => {
  const baseDir = writeResultsFolder(syntheticRun(1, 0.03));
  const curDir = writeResultsFolder(syntheticRun(2, 0.03, 1.3));

  it('prints the table with the regression first, the noise line, and exits 1', async () => {
    const out = sink();
    const err = sink();
    const summaryPath = join(mkdtempSync(join(tmpdir(), 'omni-bench-compare-')), 'step-summary.md');
    writeFileSync(summaryPath, '# earlier step\n');
    const code = await compareCommand(baseDir, curDir, {}, { stdout: out.stream, stderr: err.stream, env: { GITHUB_STEP_SUMMARY: summaryPath } });
    expect(code).toBe(1);
    const text = out.text();
    expect(text).toMatch(/^compare ttft-breakdown: baseline .* -> current /);
    expect(text).toContain('1 regressed, 0 improved, 2 unchanged, 0 skipped; 6 samples paired in 1 group');
    const rows = text.split('\n').filter((l) => /│ (regressed|unchanged)/.test(l));
    expect(rows[0]).toMatch(/regressed\s+│ baseline\s+│ audio_encoder_ms/);
    expect(text).toMatch(/^noise: unchanged metrics within \d+\.\d% of 1 \(largest \w+_ms \[baseline\]/m);
    expect(err.text()).toBe('');
    const markdown = readFileSync(summaryPath, 'utf8');
    expect(markdown.startsWith('# earlier step\n### omni-bench compare: ttft-breakdown: :x: 1 regression\n')).toBe(true);
    expect(markdown).toMatch(/\| regressed \| baseline \| audio_encoder_ms \|/);
  });

  it('prints omni-bench-compare/1 JSON with --json and exits 0 without a regression', async () => {
    const out = sink();
    const code = await compareCommand(baseDir, writeResultsFolder(syntheticRun(3, 0.03)), { json: true }, { stdout: out.stream, stderr: sink().stream, env: {} });
    expect(code).toBe(0);
    const doc = JSON.parse(out.text());
    expect(doc.format).toBe('omni-bench-compare/1');
    expect(doc.counts).toEqual({ regressed: 0, improved: 0, unchanged: 3, skipped: 0 });
    expect(doc.settings).toMatchObject({ threshold: 1.1, alpha: 0.01, minDeltaMs: 1, minDeltaMb: 1, seed: 1 });
    expect(doc.metrics[0]).toMatchObject({ status: 'unchanged', variant: 'baseline', metric: 'ttft_ms', unit: 'ms', samples: 6, method: 'monte-carlo' });
    expect(doc.noise.largestUnchanged.deviationPct).toBeGreaterThan(0);
    expect(doc.noise.medianSampleSpreadPct).toBeGreaterThan(0);
  });

  it('renders the same report in the terminal, Markdown and JSON', () => {
    const report = buildCompareReport(baseDir, curDir);
    const json = compareJsonDocument(report);
    expect(json['metrics']).toBe(report.result.comparisons);
    expect(terminalCompare(report)).toContain('audio_encoder_ms');
    expect(compareMarkdown(report)).toContain('noise: unchanged metrics within');
  });
});
