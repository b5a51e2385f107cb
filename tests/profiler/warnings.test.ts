import { describe, expect, it } from 'vitest';
import { computeStatistics } from '../../src/profiler/stats.js';
import { loadWarning, outlierWarning, slowFirstRunWarning, warningMessage } from '../../src/profiler/warnings.js';

describe('warnings', () => {
  it('warns about outliers and suggests --repeats', () => {
    const w = outlierWarning('ttft_ms', computeStatistics([10, 11, 10, 12, 11, 50, 10]));
    expect(w).toEqual({ kind: 'outliers', metric: 'ttft_ms', outliers: 1, n: 7 });
    expect(warningMessage(w!)).toMatch(/ttft_ms: 1 of 7 runs .*consider --repeats/);
    expect(outlierWarning('ttft_ms', computeStatistics([1, 2, 3]))).toBeUndefined();
  });

  it('warns about a slow first recorded run and suggests --warmup', () => {
    const w = slowFirstRunWarning('ttft_ms', [300, 100, 110, 90]);
    expect(w).toEqual({ kind: 'slow-first-run', metric: 'ttft_ms', firstMs: 300, medianMs: 100, ratio: 3 });
    expect(warningMessage(w!)).toMatch(/3\.0x the median .*consider --warmup/);
    expect(slowFirstRunWarning('ttft_ms', [120, 100, 110])).toBeUndefined();
    expect(slowFirstRunWarning('ttft_ms', [300, 100])).toBeUndefined();
  });

  it('warns when the load average is high for the cores', () => {
    const w = loadWarning({ loadAvg1: 3.1, cores: 2 });
    expect(w).toEqual({ kind: 'machine-under-load', loadAvg1: 3.1, cores: 2 });
    expect(warningMessage(w!)).toMatch(/^machine under load: 1-minute load average 3\.10 on 2 cores/);
    expect(loadWarning({ loadAvg1: 0.5, cores: 2 })).toBeUndefined();
  });
});
