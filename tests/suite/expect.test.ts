import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/report/summary.js';
import { checkLine, describeExpectation, evaluateExpectation, formatValue } from '../../src/suite/expect.js';
import type { Expectation } from '../../src/suite/types.js';
import { paddingRecords, record } from './helpers.js';

const padding = summarize('audio-padding', paddingRecords());

function failReason(result: ReturnType<typeof evaluateExpectation>): string {
  expect(result.status).toBe('fail');
  return result.status === 'fail' ? (result.reason ?? '') : '';
}

describe('suite expectations on a hand-built audio-padding summary', () => {
  it('atMost holds for every variant that has the metric and leaves out the reference, which has none', () => {
    const e: Expectation = { metric: 'logits_max_abs_diff', stat: 'max', bound: { kind: 'atMost', value: 1e-4 } };
    const result = evaluateExpectation(padding, e);
    expect(result.status).toBe('pass');
    if (result.status === 'not-evaluated') return;
    expect(result.checks.map((c) => [c.group, c.value])).toEqual([
      ['pad-all audio_s=5 chunk_s=300', 3e-5],
      ['dynamic audio_s=5 chunk_s=300', 2e-5],
      ['pad-all audio_s=30 chunk_s=300', 3e-5],
      ['dynamic audio_s=30 chunk_s=300', 2e-5],
    ]);
  });

  it('atMost fails naming the group and the measured value beyond the limit', () => {
    const e: Expectation = { metric: 'logits_max_abs_diff', stat: 'max', bound: { kind: 'atMost', value: 2.5e-5 } };
    const reason = failReason(evaluateExpectation(padding, e));
    expect(reason).toContain('pad-all audio_s=5 chunk_s=300: 3.00e-5 vs 2.50e-5');
    expect(reason).not.toContain('dynamic');
  });

  it('atLeast passes at the limit and fails above it', () => {
    const at: Expectation = { metric: 'encoder_frames', stat: 'min', variant: 'pad-all', bound: { kind: 'atLeast', value: 30000 } };
    expect(evaluateExpectation(padding, at).status).toBe('pass');
    const above: Expectation = { ...at, bound: { kind: 'atLeast', value: 30001 } };
    expect(failReason(evaluateExpectation(padding, above))).toContain('pad-all audio_s=5 chunk_s=300: 30000 vs 30001');
  });

  it('lessThan compares with the other variant at the same parameters, times the factor', () => {
    // p50 of dynamic at 5 s: 10.5 ms; pad-all: 100.5 ms.
    const e: Expectation = { metric: 'audio_encoder_ms', stat: 'p50', variant: 'dynamic', params: { audio_s: '5' }, bound: { kind: 'lessThan', variant: 'pad-all', times: 0.2 } };
    const result = evaluateExpectation(padding, e);
    expect(result.status).toBe('pass');
    if (result.status === 'not-evaluated') return;
    expect(result.checks).toHaveLength(1);
    expect(result.checks[0]).toMatchObject({ group: 'dynamic audio_s=5 chunk_s=300', value: 10.5, against: { group: 'pad-all audio_s=5 chunk_s=300', value: 100.5 }, pass: true });
    expect(result.checks[0]?.limit).toBeCloseTo(20.1, 10);
    expect(describeExpectation(e)).toBe("audio_encoder_ms p50 of dynamic (audio_s=5) < 0.2 x pad-all's");

    const tight = evaluateExpectation(padding, { ...e, bound: { kind: 'lessThan', variant: 'pad-all', times: 0.1 } });
    expect(failReason(tight)).toBe('dynamic audio_s=5 chunk_s=300: 10.5 vs 100.5 (pad-all audio_s=5 chunk_s=300), limit 10.05');
  });

  it('without params, every sweep point of the variant must hold (30 s fails where 5 s passes)', () => {
    const e: Expectation = { metric: 'audio_encoder_ms', stat: 'mean', variant: 'dynamic', bound: { kind: 'lessThan', variant: 'pad-all', times: 0.2 } };
    const reason = failReason(evaluateExpectation(padding, e));
    expect(reason).toBe('dynamic audio_s=30 chunk_s=300: 40.5 vs 100.5 (pad-all audio_s=30 chunk_s=300), limit 20.1');
  });

  it('greaterThan holds and fails strictly', () => {
    const e: Expectation = { metric: 'audio_encoder_ms', stat: 'max', variant: 'pad-all', params: { audio_s: '5' }, bound: { kind: 'greaterThan', variant: 'dynamic', times: 9 } };
    expect(evaluateExpectation(padding, e).status).toBe('pass'); // 101 > 9 x 11 = 99
    const tight = evaluateExpectation(padding, { ...e, bound: { kind: 'greaterThan', variant: 'dynamic', times: 10 } });
    expect(failReason(tight)).toBe('pad-all audio_s=5 chunk_s=300: 101 vs 11 (dynamic audio_s=5 chunk_s=300), limit 110');
  });

  it('without a variant, every variant but the one compared with must hold', () => {
    const e: Expectation = { metric: 'audio_encoder_ms', stat: 'max', params: { audio_s: '5' }, bound: { kind: 'lessThan', variant: 'pad-all', times: 0.5 } };
    const result = evaluateExpectation(padding, e);
    expect(result.status).toBe('pass');
    if (result.status === 'not-evaluated') return;
    expect(result.checks.map((c) => c.group)).toEqual(['pad-features audio_s=5 chunk_s=300', 'dynamic audio_s=5 chunk_s=300']);
  });

  it('compares with another metric of the same group', () => {
    const summary = summarize('ttft-breakdown', [record('ttft-breakdown', 'baseline', {}, { prefill: 99 })]);
    const e: Expectation = { metric: 'other_ms', stat: 'mean', bound: { kind: 'lessThan', metric: 'ttft_ms', times: 0.05 } };
    const result = evaluateExpectation(summary, e);
    expect(result.status).toBe('pass'); // 1 < 0.05 x 100
    if (result.status === 'not-evaluated') return;
    expect(checkLine(result.checks[0]!)).toBe('baseline: 1 vs 100 (baseline ttft_ms), limit 5');
    expect(failReason(evaluateExpectation(summary, { ...e, bound: { kind: 'lessThan', metric: 'ttft_ms', times: 0.01 } }))).toContain('limit 1');
  });

  it('filters by turn', () => {
    const records = [0, 1].flatMap((turn) => [
      record('multiturn', 'none', { turn }, { prefill: 100 }),
      record('multiturn', 'kv-cache', { turn }, { prefill: turn === 0 ? 100 : 10 }),
    ]);
    const summary = summarize('multiturn', records);
    const e: Expectation = { metric: 'prefill_ms', stat: 'p50', variant: 'kv-cache', turn: 1, bound: { kind: 'lessThan', variant: 'none', times: 0.5 } };
    expect(evaluateExpectation(summary, e).status).toBe('pass');
    expect(failReason(evaluateExpectation(summary, { ...e, turn: 0 }))).toBe('kv-cache turn 0: 100 vs 100 (none turn 0), limit 50');
  });

  it('fails when the variant has no group, or no group has the metric', () => {
    const none = summarize('audio-padding', paddingRecords().filter((r) => r.variant !== 'dynamic'));
    const e: Expectation = { metric: 'audio_encoder_ms', stat: 'p50', variant: 'dynamic', bound: { kind: 'lessThan', variant: 'pad-all', times: 0.2 } };
    expect(failReason(evaluateExpectation(none, e))).toBe('no dynamic group in the results');
    const noDiff = summarize('audio-padding', paddingRecords().filter((r) => r.variant === 'pad-features'));
    expect(failReason(evaluateExpectation(noDiff, { metric: 'logits_max_abs_diff', stat: 'max', bound: { kind: 'atMost', value: 1e-4 } }))).toBe('no group has logits_max_abs_diff values');
    const noPartner = summarize('audio-padding', paddingRecords().filter((r) => r.variant !== 'pad-all'));
    expect(failReason(evaluateExpectation(noPartner, e))).toContain('(no pad-all group at the same parameters and turn)');
  });

  it('formats values with 4 significant digits, small ones in exponent form', () => {
    expect([formatValue(2276.44), formatValue(0.2), formatValue(3e-5), formatValue(0), formatValue(null)]).toEqual(['2276', '0.2', '3.00e-5', '0', '-']);
  });
});
