/**
 * Synthetic power of `compare` (issue 11's must-hold): 6 samples of very different sizes
 * (5 ms to 3 s), 3 repeats per side, multiplicative lognormal noise, 100 seeded trials per
 * noise level, the default rules (threshold 1.10, alpha 0.01, min delta 1 ms).
 */
import { describe, it, expect } from 'vitest';
import { compareRecords } from '../../src/compare/compare.js';
import { DEFAULT_COMPARE_OPTIONS } from '../../src/compare/types.js';
import { syntheticRun } from './helpers.js';

const TRIALS = 100;
const METRICS = ['ttft_ms', 'audio_encoder_ms', 'vision_encoder_ms'];
const options = { ...DEFAULT_COMPARE_OPTIONS, metrics: METRICS };

/** Per metric, in how many of TRIALS comparisons it was flagged (regressed or improved). */
function flagRates(cv: number, slowdown: number): { anyFlagged: number; perMetric: Record<string, number> } {
  const perMetric: Record<string, number> = Object.fromEntries(METRICS.map((m) => [m, 0]));
  let anyFlagged = 0;
  for (let t = 0; t < TRIALS; t++) {
    const baseline = syntheticRun(1000 + t * 2, cv);
    const current = syntheticRun(1001 + t * 2, cv, slowdown);
    const flagged = compareRecords(baseline, current, options).comparisons.filter((c) => c.status === 'regressed' || c.status === 'improved');
    for (const c of flagged) perMetric[c.metric]!++;
    if (flagged.length > 0) anyFlagged++;
  }
  return { anyFlagged, perMetric };
}

describe('compare power on synthetic runs (6 samples x 3 repeats, lognormal noise)', () => {
  const rates: Record<string, unknown> = {};

  for (const cv of [0.05, 0.1, 0.15]) {
    it(`CV ${cv * 100}%: no false alarm in >= 95 of 100 null trials, and a 20% slowdown of audio_encoder_ms is found without flagging the others`, () => {
      const nullRun = flagRates(cv, 1);
      const slow = flagRates(cv, 1.2);
      const detected = slow.perMetric['audio_encoder_ms']!;
      rates[`cv${cv * 100}%`] = { nullTrialsWithAnyFlag: nullRun.anyFlagged, detectedOf100: detected, otherMetricsFlagged: { ttft_ms: slow.perMetric['ttft_ms'], vision_encoder_ms: slow.perMetric['vision_encoder_ms'] } };
      console.log('compare power', JSON.stringify({ cv, ...(rates[`cv${cv * 100}%`] as object) }));
      expect(TRIALS - nullRun.anyFlagged).toBeGreaterThanOrEqual(95);
      expect(TRIALS - slow.perMetric['ttft_ms']!).toBeGreaterThanOrEqual(95);
      expect(TRIALS - slow.perMetric['vision_encoder_ms']!).toBeGreaterThanOrEqual(95);
      // Detection must hold at 5% and 10% noise; at 15% the rate is reported (printed above).
      if (cv <= 0.1) expect(detected).toBeGreaterThanOrEqual(95);
      else expect(detected).toBeGreaterThanOrEqual(50);
    });
  }
});
