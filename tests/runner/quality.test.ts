import { describe, it, expect } from 'vitest';
import { resultWarnings } from '../../src/runner/quality.js';
import { summarize } from '../../src/report/summary.js';
import { warningMessage } from '../../src/profiler/warnings.js';
import { okRecord } from '../report/helpers.js';

describe('measurement-quality warnings', () => {
  it('says when the first recorded run is much slower than its repeats, and suggests --warmup', () => {
    const records = [0, 1, 2, 3].map((repeat) => okRecord('va', repeat, { prefill: repeat === 0 ? 500 : 100 }));
    const messages = resultWarnings(summarize('s', records), records).map(warningMessage);
    expect(messages.some((m) => /first recorded run .* consider --warmup/.test(m))).toBe(true);
  });

  it('says nothing about steady runs', () => {
    const records = [0, 1, 2].map((repeat) => okRecord('va', repeat, { prefill: 100 }));
    expect(resultWarnings(summarize('s', records), records)).toEqual([]);
  });
});
