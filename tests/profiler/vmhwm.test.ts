import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runStage } from '../../src/stages.js';
import { peakRssSupported, readPeakRss, resetPeakRss, withPeakRss, type VmHwmPeak } from '../../src/profiler/vmhwm.js';

const MB = 1e6;
const linux = process.platform === 'linux' && peakRssSupported();

describe.runIf(linux)('VmHWM per stage (Linux)', () => {
  it('reads VmHWM and resets it to the current RSS', () => {
    const peak = readPeakRss()!;
    expect(peak).toBeGreaterThan(10 * MB);
    expect(resetPeakRss()).toBe(true);
    const rss = process.memoryUsage.rss();
    expect(Math.abs(readPeakRss()! - rss)).toBeLessThan(0.2 * rss);
  });

  it('sees an allocation spike inside a stage', async () => {
    const peaks: VmHwmPeak[] = [];
    const stage = withPeakRss(runStage, (p) => peaks.push(p));
    const rss = process.memoryUsage.rss();
    const bytes = await stage('audio_features', () => Buffer.alloc(200e6, 1).length);
    expect(bytes).toBe(200e6);
    expect(peaks).toHaveLength(1);
    expect(peaks[0]).toMatchObject({ stage: 'audio_features', method: 'vmhwm' });
    expect(peaks[0]!.peakBytes - rss).toBeGreaterThan(180 * MB);
    expect(peaks[0]!.endMs).toBeGreaterThanOrEqual(peaks[0]!.startMs);
  });

  it('catches a spike freed before the stage ends, per stage, nested stages included', async () => {
    const script = fileURLToPath(new URL('./fixtures/vmhwm-spike.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    const { peaks, rssBefore } = JSON.parse(stdout) as { peaks: VmHwmPeak[]; rssBefore: number[] };
    const by = Object.fromEntries(peaks.map((p) => [p.stage, p.peakBytes]));
    // The 300 MB block is gone by the end of 'prefill': only VmHWM still knows it was there.
    expect(by.prefill! - rssBefore[0]!).toBeGreaterThan(250 * MB);
    expect(by.embed! - rssBefore[1]!).toBeLessThan(50 * MB);
    // The inner stage's reset must not hide the outer stage's earlier spike.
    expect(by.audio_encoder! - rssBefore[1]!).toBeGreaterThan(250 * MB);
    expect(by.vision_encoder!).toBeLessThan(by.audio_encoder! - 200 * MB);
    expect(peaks.map((p) => p.stage)).toEqual(['prefill', 'embed', 'vision_encoder', 'audio_encoder']);
  });
});

describe('withPeakRss without VmHWM', () => {
  it.skipIf(linux)('returns the stage runner unchanged', () => {
    expect(withPeakRss(runStage, () => undefined)).toBe(runStage);
  });
});
