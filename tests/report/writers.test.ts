import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { recordsCsv, readRecordsCsv, summaryCsv } from '../../src/report/csv.js';
import { recordColumns } from '../../src/report/record.js';
import { summarize, breakdown } from '../../src/report/summary.js';
import { summaryMarkdown, markdownTable } from '../../src/report/markdown.js';
import { terminalBreakdown } from '../../src/report/table.js';
import { renderChart, breakdownChart } from '../../src/report/charts.js';
import { writeOutputs } from '../../src/report/outputs.js';
import { reportCommand } from '../../src/report/report-command.js';
import { STAGES } from '../../src/stages.js';
import { sampleRecords } from './helpers.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'omni-bench-report-'));

/** A stdout/stderr stand-in that keeps what is written. */
function sink(): NodeJS.WritableStream & { text: string } {
  const s = { text: '', write: (chunk: string) => ((s.text += chunk), true) };
  return s as unknown as NodeJS.WritableStream & { text: string };
}

describe('records.csv', () => {
  it('has the key columns first, a <stage>_ms column for every canonical stage, and memory columns naming their method', () => {
    const names = recordColumns({ comparesLogits: false }).map((c) => c.name);
    expect(names.slice(0, 8)).toEqual(['spec', 'variant', 'dataset', 'sample_id', 'repeat', 'turn', 'status', 'error']);
    for (const stage of STAGES) expect(names).toContain(`${stage}_ms`);
    for (const c of ['ttft_ms', 'tpot_ms', 'other_ms', 'audio_tokens', 'video_tokens', 'rss_poll_peak_mb', 'vmhwm_peak_mb', 'gpu_smi_peak_mb', 'answer', 'correct']) expect(names).toContain(c);
    expect(names).not.toContain('logits_max_abs_diff');
    expect(recordColumns({ comparesLogits: true }).map((c) => c.name)).toContain('logits_max_abs_diff');
  });

  it('round-trips records, quoting commas, quotes and newlines in answers and errors', () => {
    const dir = tmp();
    const records = sampleRecords();
    writeFileSync(join(dir, 'records.csv'), recordsCsv(records, { comparesLogits: false }));
    expect(readRecordsCsv(join(dir, 'records.csv')).records).toEqual(records);
  });

  it('writes error rows with blank measurements', () => {
    const rows = parse(recordsCsv(sampleRecords(), { comparesLogits: false }), { columns: true }) as Record<string, string>[];
    const bad = rows.find((r) => r['sample_id'] === 'bad')!;
    expect(bad['status']).toBe('error');
    expect(bad['error']).toMatch(/not found/);
    expect(bad['ttft_ms']).toBe('');
  });
});

describe('summary', () => {
  it('gives statistics per variant and metric over ok records, and multiple-choice accuracy', () => {
    const summary = summarize('ttft-breakdown', sampleRecords());
    const v = summary.variants[0]!;
    expect(v.trials).toBe(7);
    expect(v.ok).toBe(6);
    expect(v.errors).toBe(1);
    expect(v.metrics['prefill_ms']).toMatchObject({ n: 6, mean: 100, p50: 100, min: 100, max: 100, std: 0 });
    expect(v.metrics['audio_encoder_ms']!.mean).toBe(20);
    expect(v.accuracy).toEqual({ total: 4, answered: 2, correct: 2, accuracy: 0.5 });
  });

  it('breaks the mean TTFT into stage shares that sum to 1 with other', () => {
    const b = breakdown(summarize('x', sampleRecords()).variants[0]!)!;
    const sum = b.rows.reduce((a, r) => a + r.share, 0);
    expect(sum).toBeCloseTo(1, 12);
    expect(b.rows.map((r) => r.stage)).toEqual(['audio_encoder', 'vision_encoder', 'prefill', 'other']);
  });

  it('summary.csv has one row per group (variant, parameters, turn) and metric plus accuracy', () => {
    const rows = parse(summaryCsv(summarize('ttft-breakdown', sampleRecords())), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual(['spec', 'variant', 'params', 'turn', 'metric', 'n', 'mean', 'p50', 'p90', 'p99', 'std', 'min', 'max', 'ci95_low', 'ci95_high', 'outliers']);
    expect(rows.find((r) => r['metric'] === 'ttft_ms')?.['mean']).toBe(String(Math.round(((182 + 152 + 132) / 3) * 1e4) / 1e4));
    expect(rows.find((r) => r['metric'] === 'accuracy')).toMatchObject({ n: '4', mean: '0.5' });
  });
});

describe('tables', () => {
  it('the terminal table shows ms and % of TTFT per stage', () => {
    const text = terminalBreakdown(summarize('ttft-breakdown', sampleRecords()));
    expect(text).toMatch(/prefill\s+│\s+100\s+│\s+64\.4%/);
    expect(text).toMatch(/ttft\s+│\s+155\s+│\s+100\.0%/);
    expect(text).toContain('2/4');
  });

  it('summary.md holds the breakdown, statistics, accuracy and errors', () => {
    const records = sampleRecords();
    const md = summaryMarkdown(summarize('ttft-breakdown', records), records, { complete: false });
    expect(md).toContain('> Interrupted');
    expect(md).toContain('| prefill | 100 | 64.4% |');
    expect(md).toContain('Accuracy: 2/4 = 50.0%');
    expect(md).toContain("| video-mme/bad | baseline | 0 | video_path 'x.mp4' not found, check the manifest |");
    expect(markdownTable({ header: ['a', 'b'], rows: [['x|y', '1']] })).toBe('| a | b |\n| --- | ---: |\n| x\\|y | 1 |');
  });
});

describe('charts and report DIR', () => {
  it('renders the breakdown chart as a PNG', async () => {
    const records = sampleRecords();
    const png = await renderChart(breakdownChart(records, summarize('x', records)));
    expect([...png.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('`report DIR` re-renders the summary files and charts from records.csv alone', async () => {
    const dir = tmp();
    const records = sampleRecords();
    writeFileSync(join(dir, 'records.csv'), recordsCsv(records, { comparesLogits: false }));
    await writeOutputs(dir, { spec: 'ttft-breakdown', records, complete: true });
    const before = readFileSync(join(dir, 'summary.json'), 'utf8');
    for (const f of ['summary.json', 'summary.csv', 'summary.md', 'charts']) rmSync(join(dir, f), { recursive: true });
    const stdout = sink();
    const stderr = sink();
    const code = await reportCommand(dir, {}, { stdout, stderr });
    expect(code).toBe(0);
    expect(readFileSync(join(dir, 'summary.json'), 'utf8')).toBe(before);
    for (const f of ['summary.csv', 'summary.md', 'charts/ttft_breakdown.png', 'charts/stage_shares.png']) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(stdout.text).toContain('TTFT breakdown');
  });

  it('`report DIR` on a folder without records.csv says what to pass', async () => {
    await expect(reportCommand(tmp(), {}, { stdout: sink(), stderr: sink() })).rejects.toThrow(/no records\.csv/);
  });
});
