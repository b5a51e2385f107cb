import { describe, expect, it } from 'vitest';
import { achievedGflops, peakShare, stageRoofline } from '../../src/profiler/roofline.js';

describe('roofline', () => {
  it('turns FLOPs and ms into GFLOP/s', () => {
    expect(achievedGflops(2e9, 1000)).toBe(2);
    expect(achievedGflops(2 * 1000 ** 3, 10)).toBe(200);
    expect(achievedGflops(0, 3)).toBe(0);
  });

  it('gives the share of the peak in percent', () => {
    expect(peakShare(50, 200)).toBe(25);
    expect(peakShare(250, 200)).toBe(125);
    expect(stageRoofline(2e9, 20, { peakGflops: 400 })).toEqual({ achievedGflops: 100, peakSharePct: 25 });
  });

  it('rejects times and peaks that are not positive', () => {
    expect(() => achievedGflops(1e9, 0)).toThrow(RangeError);
    expect(() => achievedGflops(-1, 1)).toThrow(RangeError);
    expect(() => peakShare(10, 0)).toThrow(/calibrate the MatMul peak/);
  });
});
