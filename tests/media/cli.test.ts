import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { FIXTURES_DIR } from '../../src/paths.js';

const media = (name: string): string => join(FIXTURES_DIR, 'media', name);

describe('omni-bench inspect-media', () => {
  it('shows probe facts and pipeline counts, exit 0 when every file is readable', async () => {
    const r = await runCli(['inspect-media', media('v01_320x240_h264_aac_4s.mp4'), media('v06_320x240_h264_noaudio_5s.mp4'), media('a04_speechlike_10s.m4a')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('h264 320x240, 10.00 fps, 40 frames');
    expect(r.stdout).toContain('8 sampled at 2.00 fps, resized 392x280, grid [4, 20, 28] = 2240 patches, 560 vision tokens');
    expect(r.stdout).toContain('no audio stream');
    expect(r.stdout).toMatch(/1001 mel frames \(30000 padded\), 250 audio tokens/);
  });

  it('prints one clear line per broken file and exits 1', async () => {
    const r = await runCli([
      'inspect-media',
      media('a01_tone_1s.wav'),
      media('broken_empty.mp4'),
      media('broken_text.mp4'),
      media('broken_truncated.mp4'),
      media('missing.mp4'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAILED (empty)');
    expect(r.stdout).toContain('FAILED (not-media)');
    expect(r.stdout).toContain('FAILED (undecodable)');
    expect(r.stdout).toContain('FAILED (not-found)');
    expect(r.stdout).toContain('100 mel frames');
    expect(r.stderr).toContain('4 of 5 file(s) failed');
  });

  it('prints JSON with --json and honours --nframes', async () => {
    const r = await runCli(['inspect-media', '--json', '--nframes', '6', media('v02_640x360_h264_aac_6s.mp4')]);
    expect(r.code).toBe(0);
    const [result] = JSON.parse(r.stdout) as [{ status: string; video: { nframes: number; width: number; height: number; visionTokens: number } }];
    expect(result.status).toBe('ok');
    expect(result.video).toMatchObject({ nframes: 6, width: 644, height: 364, visionTokens: 897 });
  });

  it('exits 1 when --ffmpeg points nowhere', async () => {
    const r = await runCli(['inspect-media', '--ffmpeg', '/nonexistent/ffmpeg', media('a01_tone_1s.wav')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAILED (binary)');
  });
});

describe('omni-bench doctor', () => {
  it('prints both binaries, their paths and versions', async () => {
    const r = await runCli(['doctor']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ffmpeg\s+ok\s+\S+ffmpeg \(bundled\)/);
    expect(r.stdout).toMatch(/ffprobe version/);
  });

  it('honours OMNI_BENCH_FFPROBE and fails when it is missing', async () => {
    const r = await runCli(['doctor'], { env: { OMNI_BENCH_FFPROBE: '/nonexistent/ffprobe' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ffprobe  MISSING');
    expect(r.stdout).toContain('/nonexistent/ffprobe');
  });
});
