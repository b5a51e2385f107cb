import { describe, it, expect } from 'vitest';
import { emptyMeasures, type TrialRecord } from '../../src/report/record.js';
import { summarize } from '../../src/report/summary.js';
import { fitPoints, fitSeries, fitTable, formatCoefficient, type FitPoint } from '../../src/report/fit-report.js';
import { tokenPrefill, prefillFits, tokensOf } from '../../src/specs/token-prefill.js';
import { audioLength, audioLengthFits } from '../../src/specs/audio-length.js';
import type { SpecRunOptions } from '../../src/specs/spec.js';

type Datasets = { label: string; data: { x: number; y: number }[]; borderDash: number[]; showLine?: boolean }[];

describe('fit tables and series', () => {
  const exact: FitPoint[] = [0, 100, 200, 300, 400].map((x) => [x, 20 + 0.5 * x]);

  it('puts both fits, the verdict and its reason in one row per fit', () => {
    const table = fitTable({ title: 'Cost', xUnit: 'token', fits: [fitPoints('prefill_ms', exact), fitPoints('lonely', [[5, 1], [5, 2]])] });
    expect(table.header).toEqual(['fit', 'n', 'linear ms', 'linear ms/token', 'linear R²', 'quadratic ms', 'quadratic ms/token', 'quadratic ms/token²', 'quadratic R²', 'verdict', 'p (F-test)']);
    const row = table.rows[0] ?? [];
    expect([...row.slice(0, 7), ...row.slice(8)]).toEqual(['prefill_ms', '5', '20', '0.5', '1.0000', '20', '0.5', '1.0000', 'linear', '1.0']);
    expect(Number(row[7])).toBeCloseTo(0, 15); // the quadratic term of exact linear data: zero up to rounding
    expect(table.rows[1]).toEqual(['lonely', '2', '-', '-', '-', '-', '-', '-', '-', 'none', '-']);
    expect(table.note).toContain('prefill_ms: linear (F-test on the quadratic term (alpha 0.05)): the linear fit is exact');
    expect(table.note).toContain('lonely: no fit, 1 distinct x value (a line needs 2)');
  });

  it('draws the points without a line and both fits dashed over the measured range', () => {
    const series = fitSeries(fitPoints('prefill_ms', [...exact].reverse()));
    expect(series.map((s) => s.label)).toEqual(['prefill_ms', 'prefill_ms linear fit, R^2 1.0000 (verdict)', 'prefill_ms quadratic fit, R^2 1.0000']);
    expect(series[0]).toMatchObject({ scatter: true, points: exact });
    const linear = series[1]?.points ?? [];
    expect(linear[0]?.[0]).toBe(0);
    expect(linear[linear.length - 1]?.[0]).toBe(400);
    expect(linear[linear.length - 1]?.[1]).toBeCloseTo(220, 9);
    expect(series[1]?.dashed).toEqual([8, 4]);
    expect(series[2]?.dashed).toEqual([2, 3]);
    // Too few distinct x values: the points alone.
    expect(fitSeries(fitPoints('one', [[1, 1]]))).toHaveLength(1);
  });

  it('formats coefficients to 3 significant digits, small ones in exponent form', () => {
    expect(formatCoefficient(0.5)).toBe('0.5');
    expect(formatCoefficient(123.456)).toBe('123');
    expect(formatCoefficient(1234.5)).toBe('1235');
    expect(formatCoefficient(2.345e-5)).toBe('2.35e-5');
    expect(formatCoefficient(-0.01234)).toBe('-0.0123');
    expect(formatCoefficient(0)).toBe('0');
  });
});

function record(spec: string, variant: string, sampleId: string, params: Record<string, number>, set: (m: TrialRecord['measures']) => void): TrialRecord {
  const measures = emptyMeasures();
  set(measures);
  return { spec, variant, dataset: 'd', sampleId, repeat: 0, turn: 0, params, isolation: 'none', startedAt: '2026-01-01T00:00:00.000Z', status: 'ok', measures };
}

describe('token-prefill tables and chart', () => {
  // Two samples with 500 and 800 tokens of their own; prefill = 10 ms + 0.25 ms/token + 1e-5 ms/token², TTFT = prefill + 300.
  const records: TrialRecord[] = ['s1', 's2'].flatMap((sampleId, i) =>
    [0, 256, 1024, 2048].map((tokens) =>
      record('token-prefill', 'baseline', sampleId, { tokens }, (m) => {
        const prompt = (i === 0 ? 500 : 800) + tokens;
        m.promptTokens = prompt;
        m.stageMs.prefill = 10 + 0.25 * prompt + 1e-5 * prompt * prompt;
        m.ttftMs = (m.stageMs.prefill as number) + 300;
      }),
    ),
  );
  const failed: TrialRecord = { ...record('token-prefill', 'baseline', 's1', { tokens: 40000 }, () => undefined), status: 'error', error: "--tokens 40000: the filler alone reaches the model's context_length" };

  it('tabulates each target with the prompt tokens prefilled, and fits ms per token and per token²', () => {
    const all = [...records, failed];
    const [sweep, fits] = tokenPrefill.summarize?.(summarize('token-prefill', all), all) ?? [];
    expect(sweep?.header.slice(0, 3)).toEqual(['tokens added', 'n', 'prompt tokens']);
    expect(sweep?.rows.map((r) => r.slice(0, 3))).toEqual([
      ['0', '2', '500-800'],
      ['256', '2', '756-1056'],
      ['1024', '2', '1524-1824'],
      ['2048', '2', '2548-2848'],
      ['40000', '0', '-'],
    ]);
    expect(fits?.rows.map((r) => [r[0], r[7], r[9]])).toEqual([
      ['prefill_ms', '1.00e-5', 'quadratic'],
      ['ttft_ms', '1.00e-5', 'quadratic'],
    ]);
    const [prefill] = prefillFits(all);
    expect(prefill?.status === 'ok' && prefill.choice.quadratic.coefficients[1]).toBeCloseTo(0.25, 9);
  });

  it('draws token_prefill.png: the points and both fits of prefill and TTFT', () => {
    const charts = tokenPrefill.charts?.(summarize('token-prefill', records), records, []) ?? [];
    expect(charts.map((c) => c.file)).toEqual(['token_prefill.png']);
    const datasets = charts[0]?.config.data.datasets as unknown as Datasets;
    expect(datasets.map((d) => d.label)).toEqual([
      'prefill_ms',
      'prefill_ms linear fit, R^2 0.9995',
      'prefill_ms quadratic fit, R^2 1.0000 (verdict)',
      'ttft_ms',
      'ttft_ms linear fit, R^2 0.9995',
      'ttft_ms quadratic fit, R^2 1.0000 (verdict)',
    ]);
    expect(datasets[0]?.showLine).toBe(false);
    expect(datasets[0]?.data).toHaveLength(8);
  });

  it('reads --tokens as whole counts >= 0 and refuses anything else', () => {
    const options = (tokens?: string): SpecRunOptions => ({ specOptions: tokens === undefined ? {} : { tokens } }) as unknown as SpecRunOptions;
    expect(tokensOf(options())).toEqual([0, 256, 512, 1024, 2048, 4096]);
    expect(tokensOf(options('0, 100,100,7'))).toEqual([0, 100, 7]);
    for (const bad of ['-1', '1.5', 'x', '1,,2']) expect(() => tokensOf(options(bad))).toThrow(/--tokens/);
  });
});

describe('audio-length tables and charts', () => {
  // dynamic: features 2 ms/s, encoder 1 + 3 ms/s; pad-features: features flat 800 ms (the whole chunk), encoder as dynamic.
  const records: TrialRecord[] = (['pad-features', 'dynamic'] as const).flatMap((variant) =>
    [1, 5, 10, 30].map((seconds) =>
      record('audio-length', variant, 'a1', { audio_s: seconds }, (m) => {
        m.audioSeconds = seconds;
        m.audioTokens = seconds * 25;
        m.stageMs.audio_features = variant === 'dynamic' ? 2 * seconds : 800;
        m.stageMs.audio_encoder = 1 + 3 * seconds;
        m.ttftMs = 50 + (m.stageMs.audio_features as number) + (m.stageMs.audio_encoder as number);
      }),
    ),
  );

  it('tabulates each length per variant and fits ms per second per variant and stage', () => {
    const [lengths, fits] = audioLength.summarize?.(summarize('audio-length', records), records) ?? [];
    expect(lengths?.rows[0]).toEqual(['1', 'pad-features', '1', '1', '25', '800', '4.00', '804', '854']);
    expect(lengths?.rows[1]).toEqual(['1', 'dynamic', '1', '1', '25', '2.00', '4.00', '6.00', '56.0']);
    expect(fits?.header[3]).toBe('linear ms/s');
    expect(fits?.rows.map((r) => [r[0], r[3], r[4]])).toEqual([
      ['pad-features audio_features_ms', '0', '1.0000'],
      ['pad-features audio_encoder_ms', '3', '1.0000'],
      ['dynamic audio_features_ms', '2', '1.0000'],
      ['dynamic audio_encoder_ms', '3', '1.0000'],
    ]);
    expect(audioLengthFits(records).every((f) => f.status === 'ok' && f.choice.verdict === 'linear')).toBe(true);
  });

  it('draws one chart per audio stage with both variants and their fits', () => {
    const charts = audioLength.charts?.(summarize('audio-length', records), records, []) ?? [];
    expect(charts.map((c) => c.file)).toEqual(['audio_features_length.png', 'audio_encoder_length.png']);
    const labels = (charts[1]?.config.data.datasets as unknown as Datasets).map((d) => d.label);
    expect(labels.filter((l) => !l.includes(' fit'))).toEqual(['pad-features audio_encoder_ms', 'dynamic audio_encoder_ms']);
    expect(labels).toHaveLength(6);
  });
});
