import { describe, it, expect } from 'vitest';
import { copyFileSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { FIXTURES_DIR, PACKAGE_ROOT } from '../../src/paths.js';
import { resolveBinary, runTool } from '../../src/media/ffmpeg.js';

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

  it('exits 2 with one line naming the binary and OMNI_BENCH_FFMPEG when --ffmpeg points nowhere (bad configuration, not a file failure)', async () => {
    const r = await runCli(['inspect-media', '--ffmpeg', '/nonexistent/ffmpeg', media('a01_tone_1s.wav'), media('a06_mix_7s.flac')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('/nonexistent/ffmpeg');
    expect(lines[0]).toContain('OMNI_BENCH_FFMPEG');
    expect(lines[0]).not.toContain('internal error');
  });

  it('exits 2 when OMNI_BENCH_FFPROBE is not ffprobe', async () => {
    const r = await runCli(['inspect-media', media('a01_tone_1s.wav')], { env: { OMNI_BENCH_FFPROBE: '/bin/true' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/bin/true (from OMNI_BENCH_FFPROBE) is not ffprobe');
  });

  it('names the file when a PNG is renamed .mp4', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omni-png-'));
    const path = join(dir, 'picture.mp4');
    const run = await runTool(resolveBinary('ffmpeg'), ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48', '-frames:v', '1', '-f', 'image2', '-c:v', 'png', path]);
    expect(run.code).toBe(0);
    const r = await runCli(['inspect-media', path]);
    expect(r.code).toBe(1);
    const failed = r.stdout.split('\n').find((line) => line.includes('FAILED'));
    expect(failed).toContain('FAILED (not-media)');
    expect(failed).toContain(path);
    expect(failed).toContain('still image');
  });

  it("reads a relative path named like a protocol ('concat:x.mp4') as a file", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omni-protocol-'));
    copyFileSync(media('v04_320x240_h264_aac_2s.mp4'), join(dir, 'concat:x.mp4'));
    // runCli loads tsx from the working folder's node_modules.
    symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(dir, 'node_modules'));
    const r = await runCli(['inspect-media', 'concat:x.mp4'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('h264 320x240, 10.00 fps, 20 frames');
  });

  it('refuses --max-pixels below one 28x28 patch with a usage error (exit 2), never 0x0 frames', async () => {
    const r = await runCli(['inspect-media', '--max-pixels', '1', media('v01_320x240_h264_aac_4s.mp4')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('784');
    expect(r.stdout).not.toContain('0x0');
  });

  it('reports rotation metadata and says it is ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omni-rotate-'));
    const ffmpeg = resolveBinary('ffmpeg');
    const plain = join(dir, 'plain.mp4');
    const rotated = join(dir, 'rotated.mp4');
    const make = await runTool(ffmpeg, ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10:duration=2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', plain]);
    expect(make.code).toBe(0);
    expect((await runTool(ffmpeg, ['-nostdin', '-v', 'error', '-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated])).code).toBe(0);
    const r = await runCli(['inspect-media', rotated, plain]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rotation {3}-?90 degrees in the metadata, ignored as decord and torchvision ignore it: frames are read as stored, 320x240/);
    expect(r.stdout.match(/rotation /g)).toHaveLength(1);
  });

  it("runs the README's example on the readable fixture videos (fixtures/media/v0*.mp4) with exit 0", async () => {
    const videos = readdirSync(join(FIXTURES_DIR, 'media'))
      .filter((name) => /^v0.*\.mp4$/.test(name))
      .map((name) => join('fixtures/media', name));
    expect(videos.length).toBeGreaterThanOrEqual(6);
    const r = await runCli(['inspect-media', ...videos]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('FAILED');
  });
});

describe('omni-bench doctor', () => {
  it('prints both binaries, their paths and versions', async () => {
    const r = await runCli(['doctor']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ffmpeg\s+ok\s+\S+ffmpeg \(bundled\)/);
    expect(r.stdout).toMatch(/ffprobe version/);
  });

  it('does not call a binary ok when it is not ffprobe (--ffprobe /bin/true)', async () => {
    const r = await runCli(['doctor', '--ffprobe', '/bin/true']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ffprobe  MISSING');
    expect(r.stdout).toContain('/bin/true is not ffprobe');
    expect(r.stdout).not.toMatch(/ffprobe\s+ok/);
  });

  it('honours OMNI_BENCH_FFPROBE and fails when it is missing', async () => {
    const r = await runCli(['doctor'], { env: { OMNI_BENCH_FFPROBE: '/nonexistent/ffprobe' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ffprobe  MISSING');
    expect(r.stdout).toContain('/nonexistent/ffprobe');
  });
});
