import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { FIXTURES_DIR } from '../../src/paths.js';
import { readRecordsCsv } from '../../src/report/csv.js';
import { emptyMeasures, type TrialRecord } from '../../src/report/record.js';
import { summarize } from '../../src/report/summary.js';
import { frameScaling, framesOf, maxPixelsOf } from '../../src/specs/frame-scaling.js';
import type { SpecRunOptions } from '../../src/specs/spec.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'omni-bench-frame-scaling-'));

describe('omni-bench frame-scaling (tiny preset)', () => {
  it('samples exactly each frame count, the vision tokens grow with the frames, and a video too short for a count is an error record that says so', async () => {
    const dir = tmp();
    // v04: 2 s at 10 fps, 20 frames: 4 and 8 fit, 24 does not.
    const video = join(FIXTURES_DIR, 'media', 'v04_320x240_h264_aac_2s.mp4');
    const manifest = join(dir, 'manifest.csv');
    writeFileSync(manifest, `sample_id,dataset,video_path,audio_path,question,options,answer\nshort,video-mme,${video},${video},What is shown?,,bars\n`);
    const out = join(dir, 'run');
    const result = await runCli(['frame-scaling', '--model', 'tiny', '--manifest', manifest, '--frames', '4,8,24', '--repeats', '1', '--warmup', '0', '--out', out]);
    expect(result.code, result.stderr).toBe(1); // the 24-frame trial failed, the others ran
    expect(result.stdout).toContain('Stages per setting');
    expect(result.stdout).toContain('Cost against vision tokens');
    expect(result.stdout).toContain('Fitted cost per frame');
    for (const chart of ['frame_scaling_stages.png', 'frame_scaling_vision_encoder.png', 'frame_scaling_prefill.png', 'frame_scaling_ttft.png']) {
      expect(existsSync(join(out, 'charts', chart)), chart).toBe(true);
    }
    const records = readRecordsCsv(join(out, 'records.csv')).records;
    expect(records).toHaveLength(3);
    const at = (frames: number): TrialRecord => records.find((r) => r.params?.['frames'] === frames) as TrialRecord;
    for (const frames of [4, 8]) {
      const r = at(frames);
      expect(r.status, r.status === 'ok' ? '' : r.error).toBe('ok');
      expect(r.params?.['max_pixels']).toBe(768 * 28 * 28);
      expect(r.measures.videoFrames).toBe(frames);
      // 320x240 is below the processor's min_pixels (128 x 28 x 28): smart_resize raises it to 392x280.
      expect(r.measures.frameWidth).toBe(392);
      expect(r.measures.frameHeight).toBe(280);
    }
    // Two frames make one temporal group of (280/14) x (392/14) patches, 2x2 of them per token.
    expect(at(4).measures.videoTokens).toBe((2 * (20 * 28)) / 4);
    expect(at(8).measures.videoTokens).toBe(2 * (at(4).measures.videoTokens as number));
    const short = at(24);
    expect(short.status).toBe('error');
    expect(short.status === 'ok' ? '' : short.error).toMatch(/the window holds 20 frames .*fewer than the 24 asked/);
  });

  it('shrinks each frame to the pixel budget', async () => {
    const dir = tmp();
    const video = join(FIXTURES_DIR, 'media', 'v04_320x240_h264_aac_2s.mp4');
    const manifest = join(dir, 'manifest.csv');
    writeFileSync(manifest, `sample_id,dataset,video_path,audio_path,question,options,answer\nshort,video-mme,${video},,What is shown?,,bars\n`);
    const out = join(dir, 'run');
    const result = await runCli(['frame-scaling', '--model', 'tiny', '--manifest', manifest, '--frames', '4', '--max-pixels', '25088,602112', '--repeats', '1', '--warmup', '0', '--out', out, '--quiet']);
    expect(result.code, result.stderr).toBe(0);
    const records = readRecordsCsv(join(out, 'records.csv')).records;
    const small = records.find((r) => r.params?.['max_pixels'] === 25088) as TrialRecord;
    const large = records.find((r) => r.params?.['max_pixels'] === 602112) as TrialRecord;
    expect((small.measures.frameWidth as number) * (small.measures.frameHeight as number)).toBeLessThanOrEqual(25088);
    expect(small.measures.videoTokens).toBeLessThan(large.measures.videoTokens as number);
  });
});

describe('frame-scaling options', () => {
  const options = (specOptions: Record<string, unknown>): Pick<SpecRunOptions, 'specOptions'> => ({ specOptions });

  it('takes even frame counts and budgets of at least one patch, and names the value it refuses', () => {
    expect(framesOf(options({}))).toEqual([4, 8, 16, 32, 64]);
    expect(framesOf(options({ frames: '8, 4,8' }))).toEqual([8, 4]);
    expect(() => framesOf(options({ frames: '4,5' }))).toThrow(/--frames '5': frame counts must be even/);
    expect(() => framesOf(options({ frames: '0' }))).toThrow(/at least 2 frames/);
    expect(() => framesOf(options({ frames: '4.5' }))).toThrow(/whole number/);
    expect(maxPixelsOf(options({}))).toEqual([602112]);
    expect(() => maxPixelsOf(options({ maxPixels: '100' }))).toThrow(/--max-pixels '100': expected at least 784 pixels/);
  });
});

/** An ok record of a setting: vision_encoder and prefill linear in the tokens (2 ms and 0.5 ms per token), plus noise-free offsets. */
function settingRecord(frames: number, repeat: number, tokensPerFrame = 150): TrialRecord {
  const measures = emptyMeasures();
  const tokens = frames * tokensPerFrame;
  measures.videoTokens = tokens;
  measures.videoFrames = frames;
  measures.frameWidth = 644;
  measures.frameHeight = 364;
  measures.stageMs.video_decode = 10 + frames;
  measures.stageMs.vision_preprocess = 2 * frames;
  measures.stageMs.vision_encoder = 5 + 2 * tokens;
  measures.stageMs.prefill = 20 + 0.5 * tokens + 1e-4 * tokens * tokens;
  measures.stageMs.audio_encoder = 30;
  const stages = (measures.stageMs.video_decode ?? 0) + (measures.stageMs.vision_preprocess ?? 0) + (measures.stageMs.vision_encoder ?? 0) + (measures.stageMs.prefill ?? 0) + 30;
  measures.ttftMs = stages + 1;
  measures.otherMs = 1;
  return { spec: 'frame-scaling', variant: 'baseline', dataset: 'video-mme', sampleId: 's', repeat, turn: 0, params: { frames, max_pixels: 602112 }, isolation: 'none', startedAt: '2026-01-01T00:00:00.000Z', status: 'ok', measures };
}

describe('frame-scaling tables and charts (hand-built records)', () => {
  const records = [4, 8, 16, 32].flatMap((frames) => [0, 1].map((repeat) => settingRecord(frames, repeat)));
  records.push({ ...settingRecord(64, 0), status: 'error', error: 'the window holds 50 frames, fewer than the 64 asked', measures: emptyMeasures() });
  const summary = summarize('frame-scaling', records);

  it('gives one row per setting, the fits against vision tokens with their verdicts, and the cost per frame', () => {
    const [settings, fits, perFrame] = frameScaling.summarize!(summary, records);
    expect(settings!.rows.map((r) => r.slice(0, 5))).toEqual([
      ['4', '602112', '2', '644x364', '600'],
      ['8', '602112', '2', '644x364', '1200'],
      ['16', '602112', '2', '644x364', '2400'],
      ['32', '602112', '2', '644x364', '4800'],
    ]);
    // vision_encoder: exactly 5 + 2 x tokens; other stages = audio 30 + other 1.
    expect(settings!.rows[0]!.slice(5)).toEqual(['14.0', '8.00', '1205', '356', '31.0', '1614']);
    const row = (label: string): string[] => fits!.rows.find((r) => r[0] === label) as string[];
    expect(row('vision_encoder_ms').slice(1, 5)).toEqual(['8', '5', '2', '1.0000']);
    expect(row('vision_encoder_ms')[9]).toBe('linear');
    expect(row('prefill_ms')[9]).toBe('quadratic');
    expect(row('prefill_ms')[7]).toBe('1.00e-4');
    expect(fits!.note).toContain('prefill_ms: quadratic (F-test on the quadratic term');
    // 150 tokens per frame at 2 ms per token: 300 ms per frame of vision encoder.
    expect(perFrame!.rows).toEqual([['602112', '150', '300', expect.any(String), expect.any(String)]]);
  });

  it('charts the stages per setting, each fit against vision tokens, and TTFT against frames', () => {
    const charts = frameScaling.charts!(summary, records, []);
    expect(charts.map((c) => c.file)).toEqual(['frame_scaling_stages.png', 'frame_scaling_vision_encoder.png', 'frame_scaling_prefill.png', 'frame_scaling_ttft.png']);
    const stacked = charts[0]!.config as { data: { labels: string[] } };
    expect(stacked.data.labels).toEqual(['4 frames', '8 frames', '16 frames', '32 frames']);
    const fit = charts[1]!.config as { data: { datasets: { label: string; data: { x: number; y: number }[] }[] } };
    expect(fit.data.datasets[0]!.data).toHaveLength(8);
    expect(fit.data.datasets.map((d) => d.label)).toEqual(['vision_encoder_ms', expect.stringMatching(/^vision_encoder_ms linear fit, R\S* 1\.0000 \(verdict\)/), expect.stringMatching(/^vision_encoder_ms quadratic fit/)]);
    const ttft = charts[3]!.config as { data: { datasets: { label: string; data: { x: number; y: number }[] }[] } };
    expect(ttft.data.datasets.map((d) => d.label)).toEqual(['ttft', 'vision_encoder', 'prefill']);
    expect(ttft.data.datasets[1]!.data.map((p) => p.x)).toEqual([4, 8, 16, 32]);
  });
});
