import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { recordsCsv, readRecordsCsv, summaryCsv } from '../../src/report/csv.js';
import { breakdownTable, OVERLAP_NOTE, statisticsTable } from '../../src/report/format.js';
import { summaryMarkdown } from '../../src/report/markdown.js';
import { recordColumns, type TrialRecord } from '../../src/report/record.js';
import { summarize } from '../../src/report/summary.js';
import { terminalBreakdown } from '../../src/report/table.js';
import { okRecord, sampleRecords } from './helpers.js';

const NEW_COLUMNS = ['audio_branch_ms', 'vision_branch_ms', 'overlap_ms', 'critical_path_ms', 'audio_branch_cpu_ms', 'vision_branch_cpu_ms', 'ttft_cpu_ms'];

/**
 * Two repeats of a request whose branches ran at once: audio 60 ms beside vision 80 ms, then
 * prefill 100 ms; critical path 180 ms, TTFT 190 ms (10 ms other).
 */
function concurrentRecords(variant = 'parallel'): TrialRecord[] {
  return [0, 1].map((repeat) => ({
    ...okRecord('va', repeat, { audio_encoder: 60, vision_encoder: 80, prefill: 100, decode: 30 }, {
      ttftMs: 190,
      otherMs: 10,
      audioBranchMs: 60,
      visionBranchMs: 80,
      overlapMs: 60,
      criticalPathMs: 180,
      audioBranchCpuMs: null,
      visionBranchCpuMs: null,
      ttftCpuMs: 350.5,
    }),
    variant,
  }));
}

/** The same request run serially: no overlap, critical path 180 of a 242 ms TTFT. */
function serialRecords(): TrialRecord[] {
  return [0, 1].map((repeat) => ({
    ...okRecord('va', repeat, { audio_encoder: 60, vision_encoder: 80, prefill: 100, decode: 30 }, { audioBranchMs: 60, visionBranchMs: 80, overlapMs: 0, criticalPathMs: 180, audioBranchCpuMs: 61.25, visionBranchCpuMs: 90, ttftCpuMs: 250 }),
    variant: 'serial',
  }));
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'omni-bench-concurrency-'));

describe('records.csv concurrency columns', () => {
  it('follow the timing columns', () => {
    const names = recordColumns({ comparesLogits: false }).map((c) => c.name);
    const at = names.indexOf('total_ms');
    expect(names.slice(at + 1, at + 1 + NEW_COLUMNS.length)).toEqual(NEW_COLUMNS);
  });

  it('round-trip through records.csv, empty cells as null', () => {
    const dir = tmp();
    const records = [...serialRecords(), ...concurrentRecords()];
    writeFileSync(join(dir, 'records.csv'), recordsCsv(records, { comparesLogits: false }));
    const back = readRecordsCsv(join(dir, 'records.csv')).records;
    expect(back).toEqual(records);
    expect(back.map((r) => [r.measures.overlapMs, r.measures.criticalPathMs, r.measures.audioBranchCpuMs, r.measures.ttftCpuMs])).toEqual([
      [0, 180, 61.25, 250],
      [0, 180, 61.25, 250],
      [60, 180, null, 350.5],
      [60, 180, null, 350.5],
    ]);
  });

  it('are read as null from a records.csv written before they existed', () => {
    const dir = tmp();
    const rows = parse(recordsCsv(serialRecords(), { comparesLogits: false }), { columns: true }) as Record<string, string>[];
    const old = rows.map((row) => Object.fromEntries(Object.entries(row).filter(([name]) => !NEW_COLUMNS.includes(name))));
    writeFileSync(join(dir, 'records.csv'), stringify(old, { header: true }));
    const back = readRecordsCsv(join(dir, 'records.csv')).records;
    expect(back).toHaveLength(2);
    expect(back[0]!.measures.stageMs.prefill).toBe(100);
    expect([back[0]!.measures.audioBranchMs, back[0]!.measures.overlapMs, back[0]!.measures.criticalPathMs, back[0]!.measures.ttftCpuMs]).toEqual([null, null, null, null]);
    // An old run's summary has no statistics of the new columns, so its breakdown is as before.
    expect(Object.keys(summarize('x', back).variants[0]!.metrics)).not.toContain('overlap_ms');
    expect(breakdownTable(summarize('x', back)).header).toEqual(['stage', 'mean ms', '% of TTFT']);
  });
});

describe('summary statistics of the concurrency columns', () => {
  it('appear in summary.csv and the statistics table where measured', () => {
    const summary = summarize('x', serialRecords());
    const rows = parse(summaryCsv(summary), { columns: true }) as Record<string, string>[];
    expect(rows.filter((r) => NEW_COLUMNS.includes(r['metric']!)).map((r) => [r['metric'], r['mean']])).toEqual([
      ['critical_path_ms', '180'],
      ['overlap_ms', '0'],
      ['audio_branch_ms', '60'],
      ['vision_branch_ms', '80'],
      ['ttft_cpu_ms', '250'],
      ['audio_branch_cpu_ms', '61.25'],
      ['vision_branch_cpu_ms', '90'],
    ]);
    const metrics = statisticsTable(summary, 'serial').rows.map((r) => r[0]);
    expect(metrics).toContain('critical_path_ms');
    // Columns empty on every record are left out, as every other metric.
    expect(statisticsTable(summarize('x', concurrentRecords()), 'parallel').rows.map((r) => r[0])).not.toContain('audio_branch_cpu_ms');
  });
});

describe('breakdown shares when stages overlap', () => {
  it('stay % of TTFT, with no note, when no record overlapped (a serial run with critical_path_ms)', () => {
    const table = breakdownTable(summarize('x', serialRecords()));
    expect(table.header).toEqual(['stage', 'mean ms', '% of TTFT']);
    expect(table.note).toBeUndefined();
    expect(table.rows.map((r) => r[0])).not.toContain('critical path');
    expect(table.rows.find((r) => r[0] === 'prefill')).toEqual(['prefill', '100', '41.3%']);
    expect(terminalBreakdown(summarize('x', sampleRecords()))).not.toContain('concurrently');
  });

  it('are of the mean critical path, say so in the header and add the note, when stages overlapped', () => {
    const table = breakdownTable(summarize('x', concurrentRecords()));
    expect(table.header).toEqual(['stage', 'mean ms', '% of critical path']);
    expect(table.rows.slice(0, 6)).toEqual([
      ['audio_encoder', '60.0', '33.3%'],
      ['vision_encoder', '80.0', '44.4%'],
      ['prefill', '100', '55.6%'],
      ['other', '10.0', '5.6%'],
      ['critical path', '180', '100.0%'],
      ['ttft', '190', '105.6%'],
    ]);
    expect(table.note).toBe(OVERLAP_NOTE);
  });

  it('print the note under the terminal table and under the summary.md table', () => {
    const records = concurrentRecords();
    const text = terminalBreakdown(summarize('x', records));
    expect(text).toMatch(/% of critical path/);
    expect(text).toMatch(/┘\nstages ran concurrently \(overlap_ms > 0\): shares are of critical_path_ms; stages off the critical path overlap others\n/);
    const md = summaryMarkdown(summarize('x', records), records, { complete: true });
    expect(md).toContain('## TTFT breakdown (mean over ok trials, % of mean TTFT, or of mean critical path where stages ran concurrently)');
    expect(md).toContain('| prefill | 100 | 55.6% |');
    expect(md).toContain(`| trials ok/total | 2/2 |  |\n\n${OVERLAP_NOTE}\n`);
  });

  it('switch per group: only the group whose stages overlapped is of the critical path', () => {
    const table = breakdownTable(summarize('x', [...serialRecords(), ...concurrentRecords()]));
    expect(table.header).toEqual(['stage', 'serial ms', 'serial %', 'parallel ms', 'parallel % of critical path']);
    expect(table.rows.find((r) => r[0] === 'prefill')).toEqual(['prefill', '100', '41.3%', '100', '55.6%']);
    expect(table.rows.find((r) => r[0] === 'critical path')).toEqual(['critical path', '180', '74.4%', '180', '100.0%']);
    expect(table.rows.find((r) => r[0] === 'ttft')).toEqual(['ttft', '242', '100.0%', '190', '105.6%']);
  });
});

describe('stage shares chart with concurrent stages', () => {
  it('shows an overlapping variant as shares of its critical path, labelled, without capping the axis at 100%', async () => {
    const { sharesChart } = await import('../../src/report/charts.js');
    const chart = sharesChart(summarize('parallel-encode', [...serialRecords(), ...concurrentRecords()]));
    expect(chart.data.labels).toEqual(['serial', 'parallel (of critical path)']);
    const of = (stage: string): number[] => chart.data.datasets.find((d) => d.label === stage)!.data as number[];
    // Parallel: 60 + 80 + 100 ms of stages over a 180 ms critical path.
    expect(of('audio_encoder')[1]).toBeCloseTo((100 * 60) / 180, 9);
    expect(of('prefill')[1]).toBeCloseTo((100 * 100) / 180, 9);
    const scales = chart.options!.scales as Record<string, { max?: number }>;
    expect(scales['x']!.max).toBeUndefined();
    // Without overlap: shares of TTFT, capped at 100%.
    const serialOnly = sharesChart(summarize('ttft-breakdown', serialRecords()));
    expect((serialOnly.options!.scales as Record<string, { max?: number }>)['x']!.max).toBe(100);
    expect(serialOnly.data.labels).toEqual(['serial']);
  });
});
