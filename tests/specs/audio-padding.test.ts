import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { FIXTURES_DIR } from '../../src/paths.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { readRecordsCsv } from '../../src/report/csv.js';
import type { TrialRecord } from '../../src/report/record.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'omni-bench-audio-padding-'));

describe('omni-bench audio-padding (tiny preset, AudioCaps fixtures)', () => {
  it('sweeps audio seconds at the model\'s 300 s chunk: pad-all encodes every padded frame, dynamic only the real ones, and the answer never changes', async () => {
    const out = join(tmp(), 'run');
    const result = await runCli(['audio-padding', '--model', 'tiny', '--max-samples', '1', '--audio-seconds', '1,3', '--repeats', '1', '--warmup', '0', '--isolate', 'none', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Audio stage per length and mode');
    for (const chart of ['audio_stage.png', 'audio_memory.png']) expect(existsSync(join(out, 'charts', chart))).toBe(true);
    const records = readRecordsCsv(join(out, 'records.csv')).records;
    expect(records).toHaveLength(3 * 2);
    const at = (variant: string, seconds: number): TrialRecord => records.find((r) => r.variant === variant && r.params?.['audio_s'] === seconds) as TrialRecord;
    expect(records.every((r) => r.params?.['chunk_s'] === 300)).toBe(true);
    for (const s of [1, 3]) {
      expect(at('pad-all', s).measures.encoderFrames).toBe(30_000);
      expect(at('pad-features', s).measures.encoderFrames).toBe(s * 100);
      expect(at('dynamic', s).measures.encoderFrames).toBe(s * 100);
      expect(at('pad-features', s).measures.melFrames).toBe(s * 100); // the mask stripped the padding
      for (const v of ['pad-all', 'dynamic']) {
        expect(at(v, s).measures.logitsMaxAbsDiff).toBeLessThanOrEqual(1e-4);
        expect(at(v, s).measures.audioFeaturesMaxAbsDiff).toBeLessThanOrEqual(1e-6);
      }
      expect(at('dynamic', s).measures.middleware).toBe('dynamic-padding');
    }
  });

  it('cuts audio longer than --chunk-seconds as the processor does, and with --logits-tolerance 0 names every record that is not exactly equal', async () => {
    const out = join(tmp(), 'run');
    const result = await runCli(['audio-padding', '--model', 'tiny', '--max-samples', '1', '--audio-seconds', '0.005,3', '--chunk-seconds', '2', '--repeats', '1', '--warmup', '0', '--isolate', 'none', '--logits-tolerance', '0', '--out', out, '--quiet']);
    const records = readRecordsCsv(join(out, 'records.csv')).records;
    const long = records.filter((r) => r.params?.['audio_s'] === 3);
    expect(long.every((r) => r.status === 'ok' && r.measures.audioSeconds === 2 && r.measures.encoderFrames === 200)).toBe(true);
    const short = records.filter((r) => r.params?.['audio_s'] === 0.005);
    expect(short.every((r) => r.status === 'ok' && r.measures.melFrames !== null)).toBe(true);
    const differing = records.filter((r) => (r.measures.logitsMaxAbsDiff ?? 0) > 0);
    expect(result.code).toBe(differing.length > 0 ? 1 : 0);
    for (const r of differing) expect(result.stderr).toContain(`${r.dataset}/${r.sampleId}|${r.variant}`);
  });

  it('lists an invalid manifest row as an error record, outside the sweep table', async () => {
    const dir = tmp();
    const manifest = join(dir, 'manifest.csv');
    writeFileSync(manifest, `sample_id,dataset,video_path,audio_path,question,options,answer\ntone,audiocaps,,${join(FIXTURES_DIR, 'media', 'a01_tone_1s.wav')},What is heard?,,a tone\nbad,audiocaps,,${join(dir, 'missing.wav')},What?,,x\n`);
    const out = join(dir, 'run');
    const result = await runCli(['audio-padding', '--model', 'tiny', '--manifest', manifest, '--audio-seconds', '1', '--repeats', '1', '--warmup', '0', '--isolate', 'none', '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Audio stage per length and mode');
    expect(result.stdout).not.toContain('undefined');
    const records = readRecordsCsv(join(out, 'records.csv')).records;
    expect(records.filter((r) => r.sampleId === 'bad').every((r) => r.status === 'error')).toBe(true);
    expect(records.filter((r) => r.sampleId === 'tone').every((r) => r.status === 'ok')).toBe(true);
  });
});
