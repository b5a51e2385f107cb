import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { readRecordsCsv } from '../../src/report/csv.js';
import type { TrialRecord } from '../../src/report/record.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'omni-bench-audio-length-'));

describe('omni-bench audio-length (tiny preset, AudioCaps fixtures)', () => {
  it('runs every length under pad-features and dynamic, fits the audio stages against seconds, and keeps the answer', async () => {
    const out = join(tmp(), 'run');
    const result = await runCli(['audio-length', '--model', 'tiny', '--max-samples', '1', '--audio-seconds', '1,3,6', '--repeats', '1', '--warmup', '0', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Audio stages per length');
    expect(result.stdout).toContain('Audio stage cost against seconds heard');
    expect(result.stdout).toMatch(/dynamic audio_encoder_ms\s*│\s*3\s*│/);
    for (const chart of ['audio_features_length.png', 'audio_encoder_length.png']) expect(existsSync(join(out, 'charts', chart))).toBe(true);
    const records = readRecordsCsv(join(out, 'records.csv')).records;
    expect(records).toHaveLength(2 * 3);
    const at = (variant: string, seconds: number): TrialRecord => records.find((r) => r.variant === variant && r.params?.['audio_s'] === seconds) as TrialRecord;
    for (const s of [1, 3, 6]) {
      for (const variant of ['pad-features', 'dynamic']) {
        const r = at(variant, s);
        expect(r.status).toBe('ok');
        expect(r.measures.audioSeconds).toBe(s);
        expect(r.measures.encoderFrames).toBe(s * 100);
        expect(r.measures.videoFrames).toBeNull(); // audio only
      }
      expect(at('dynamic', s).measures.middleware).toBe('dynamic-padding');
      expect(at('dynamic', s).measures.logitsMaxAbsDiff).toBeLessThanOrEqual(1e-4);
      // pad-features computes the features of the whole 300 s chunk; dynamic only the real seconds.
      expect(at('pad-features', s).measures.melFrames).toBe(s * 100);
    }
  });
});
