import { describe, it, expect } from 'vitest';
import { checkRules, decide } from '../../src/compare/decision.js';
import { compareRecords } from '../../src/compare/compare.js';
import { DEFAULT_COMPARE_OPTIONS } from '../../src/compare/types.js';
import { trial } from './helpers.js';

const rules = { threshold: 1.1, alpha: 0.01, minDelta: 1 };
const slower = { ratio: 1.2, pValue: 0.001, delta: 50, unit: 'ms' };

describe('decide', () => {
  it('flags a regression only when the ratio, the p-value and the delta all say so', () => {
    expect(decide(slower, rules)).toEqual({ status: 'regressed', why: '' });
  });

  it('holds back a change within the threshold alone', () => {
    const v = decide({ ...slower, ratio: 1.08 }, rules);
    expect(v.status).toBe('unchanged');
    expect(v.why).toBe('ratio within 1.1x');
    expect(decide({ ...slower, ratio: 1.1 }, rules).status).toBe('unchanged'); // strictly beyond
  });

  it('holds back a change that is not significant alone', () => {
    const v = decide({ ...slower, pValue: 0.02 }, rules);
    expect(v).toEqual({ status: 'unchanged', why: 'p 0.02 >= 0.01' });
    expect(decide({ ...slower, pValue: 0.01 }, rules).status).toBe('unchanged');
  });

  it('holds back a change smaller than the minimum delta alone', () => {
    const v = decide({ ...slower, delta: 0.6 }, rules);
    expect(v).toEqual({ status: 'unchanged', why: '|delta| 0.60 ms <= 1 ms' });
  });

  it('calls the mirror image an improvement (ratio below 1/threshold)', () => {
    expect(decide({ ratio: 0.85, pValue: 0.001, delta: -50, unit: 'ms' }, rules).status).toBe('improved');
    expect(decide({ ratio: 0.92, pValue: 0.001, delta: -50, unit: 'ms' }, rules).status).toBe('unchanged'); // 1/1.1 = 0.909
    expect(decide({ ratio: 0.85, pValue: 0.001, delta: -0.5, unit: 'ms' }, rules).status).toBe('unchanged');
  });

  it('does not flag a ratio whose pooled means moved the other way', () => {
    expect(decide({ ...slower, delta: -20 }, rules)).toEqual({ status: 'unchanged', why: 'pooled means moved the other way' });
  });

  it('refuses rules no comparison can use', () => {
    expect(() => checkRules({ ...rules, threshold: 1 })).toThrow(RangeError);
    expect(() => checkRules({ ...rules, alpha: 0 })).toThrow(RangeError);
    expect(() => checkRules({ ...rules, minDelta: -1 })).toThrow(RangeError);
  });
});

describe('the rules on records', () => {
  // Every sample's prefill doubles from 0.1 ms to 0.2 ms: large and significant, but 0.1 ms.
  const side = (ms: number) => ['a', 'b', 'c'].flatMap((s, i) => [0, 1, 2].map((r) => trial(s, r, { stageMs: { prefill: ms * (1 + i / 10) * (1 + r / 100) } })));

  it('min-delta alone keeps a doubling of a 0.1 ms stage from counting, and 0 lets it count', () => {
    const options = { ...DEFAULT_COMPARE_OPTIONS, metrics: ['prefill_ms'] };
    const held = compareRecords(side(0.1), side(0.2), options).comparisons[0]!;
    expect(held.status).toBe('unchanged');
    expect(held.status !== 'skipped' && held.ratio).toBeCloseTo(2, 6);
    expect(held.status !== 'skipped' && held.pValue).toBeLessThan(0.01);
    expect(compareRecords(side(0.1), side(0.2), { ...options, minDeltaMs: 0 }).comparisons[0]!.status).toBe('regressed');
  });

  it('threshold alone keeps the same doubling from counting at --threshold 2.5', () => {
    const options = { ...DEFAULT_COMPARE_OPTIONS, metrics: ['prefill_ms'], minDeltaMs: 0 };
    expect(compareRecords(side(0.1), side(0.2), { ...options, threshold: 2.5 }).comparisons[0]!.status).toBe('unchanged');
  });

  it('alpha alone keeps it from counting at --alpha 1e-4 (3 samples of 3 + 3 reach p = 2/20^3 = 2.5e-4 at best, exact)', () => {
    const options = { ...DEFAULT_COMPARE_OPTIONS, metrics: ['prefill_ms'], minDeltaMs: 0 };
    const c = compareRecords(side(0.1), side(0.2), options).comparisons[0]!;
    expect(c.status !== 'skipped' && c.method).toBe('exact');
    expect(c.status !== 'skipped' && c.pValue).toBeCloseTo(2 / 8000, 12);
    expect(compareRecords(side(0.1), side(0.2), { ...options, alpha: 1e-4 }).comparisons[0]!.status).toBe('unchanged');
  });
});
