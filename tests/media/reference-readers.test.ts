/**
 * Media read the way the reference readers read it (issue 8): stereo mixed as the mean of the
 * channels (librosa.load mono=True), clip windows as qwen-omni-utils' video_start/video_end,
 * rotation metadata ignored (decord, torchvision), file names never taken for ffmpeg protocols.
 * Test media are made here with ffmpeg's lavfi sources.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES_DIR } from '../../src/paths.js';
import { decodeAudio } from '../../src/media/audio.js';
import { MediaWindowError } from '../../src/media/errors.js';
import { resolveBinary, runTool } from '../../src/media/ffmpeg.js';
import { frameWindow, linspaceIndices, planFrames, sampleFrames, smartResize, videoMaxPixels } from '../../src/media/frames.js';
import { probe, type MediaInfo } from '../../src/media/probe.js';

const media = (name: string): string => join(FIXTURES_DIR, 'media', name);
const V07 = media('v07_640x360_h264_aac_12s.mp4'); // 180 frames at 15 fps, 12 s

async function ffmpeg(args: string[]): Promise<void> {
  const run = await runTool(resolveBinary('ffmpeg'), ['-nostdin', '-v', 'error', '-y', ...args]);
  if (run.code !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${run.stderr}`);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('stereo and multichannel audio are mixed as the mean of the channels (librosa.load mono=True)', () => {
  let dir: string;
  const tones = [
    ['c0.wav', 'sine=frequency=440:sample_rate=16000:duration=1'],
    ['c1.wav', 'sine=frequency=1000:sample_rate=16000:duration=1'],
    ['c2.wav', 'anoisesrc=color=white:seed=7:amplitude=0.3:sample_rate=16000:duration=1'],
  ] as const;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'omni-downmix-'));
    for (const [name, source] of tones) await ffmpeg(['-f', 'lavfi', '-i', source, '-c:a', 'pcm_f32le', join(dir, name)]);
    // Channels that differ: a 440 Hz left, a 1000 Hz right (and white noise as a third channel).
    const inputs = tones.flatMap(([name]) => ['-i', join(dir, name)]);
    await ffmpeg([...inputs.slice(0, 4), '-filter_complex', '[0:a][1:a]amerge=inputs=2[a]', '-map', '[a]', '-c:a', 'pcm_f32le', join(dir, 'stereo.wav')]);
    await ffmpeg([...inputs, '-filter_complex', '[0:a][1:a][2:a]amerge=inputs=3[a]', '-map', '[a]', '-c:a', 'pcm_f32le', join(dir, 'three.wav')]);
  });

  it('decodes a stereo file whose channels differ as (L + R) / 2, not (L + R) / sqrt(2)', async () => {
    const [left, right] = await Promise.all(tones.slice(0, 2).map(([name]) => decodeAudio(join(dir, name))));
    const stereo = await decodeAudio(join(dir, 'stereo.wav'));
    expect(stereo.length).toBe(16000);
    const mean = left!.map((l, i) => (l + right![i]!) / 2);
    expect(maxAbsDiff(stereo, mean)).toBeLessThanOrEqual(1e-6);
  });

  it('averages any number of channels (three here)', async () => {
    const channels = await Promise.all(tones.map(([name]) => decodeAudio(join(dir, name))));
    const three = await decodeAudio(join(dir, 'three.wav'));
    const mean = channels[0]!.map((v, i) => (v + channels[1]![i]! + channels[2]![i]!) / 3);
    expect(maxAbsDiff(three, mean)).toBeLessThanOrEqual(1e-6);
  });

  it('mixes after resampling a 22.05 kHz stereo fixture to the same length as before', async () => {
    const x = await decodeAudio(media('a05_tones_2s.wav'));
    expect(Math.abs(x.length - 32000)).toBeLessThanOrEqual(1);
  });
});

describe('clip window for video: qwen-omni-utils video_start / video_end (calculate_video_frame_range)', () => {
  let info: MediaInfo;
  beforeAll(async () => {
    info = await probe(V07);
  });

  it('samples frames inside a 2-5 s window of a 12 s 15 fps video', () => {
    const plan = planFrames(info, { start: 2, end: 5 });
    // start frame ceil(2 x 15) = 30, end frame floor(5 x 15) = 75: 46 frames, 46/15 x 2 = 6.1 -> 6 sampled.
    expect([plan.startFrame, plan.endFrame, plan.windowFrames]).toEqual([30, 75, 46]);
    expect(plan.indices).toEqual(linspaceIndices(46, 6, 30));
    expect(plan.indices).toEqual([30, 39, 48, 57, 66, 75]);
    expect(plan.sampleFps).toBeCloseTo((6 / 46) * 15, 12);
    expect(plan.windowSeconds).toBeCloseTo(46 / 15, 12);
    for (const t of plan.timestamps) expect(t >= 2 && t <= 5).toBe(true);
  });

  it('decodes the window frames', async () => {
    const sampled = await sampleFrames(V07, { start: 2, end: 5 });
    expect(sampled.frames).toHaveLength(6);
    expect(sampled.indices[0]).toBe(30);
    // Frame 30 decoded through a different window is the same picture.
    const other = await sampleFrames(V07, { start: 2, end: 2 + 1 / 15 + 1e-9, nframes: 2 });
    expect(other.indices).toEqual([30, 31]);
    expect(Buffer.compare(Buffer.from(other.frames[0]!), Buffer.from(sampled.frames[0]!))).toBe(0);
  });

  it('clamps an end past the end of the file (end_s = 1e308) to the last frame', () => {
    const plan = planFrames(info, { start: 2, end: 1e308 });
    expect([plan.startFrame, plan.endFrame]).toEqual([30, 179]);
    expect(planFrames(info, { end: Infinity }).endFrame).toBe(179);
  });

  it('gives a clear MediaWindowError naming the file and both numbers for a start past the end (start_s = 1e12)', async () => {
    const error = await sampleFrames(V07, { start: 1e12 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MediaWindowError);
    expect(error).toMatchObject({ kind: 'window', path: V07 });
    const message = (error as Error).message;
    expect(message).toContain(V07);
    expect(message).toContain('1000000000000');
    expect(message).toContain('12.000 s');
    expect(() => planFrames(info, { start: 12 })).toThrow(MediaWindowError);
  });

  it('refuses a window holding fewer than 2 frames, as the reference does', () => {
    expect(() => frameWindow('x.mp4', 180, 15, 2, 2.05)).toThrow(/fewer than 2/);
  });

  it('rejects windows that are not seconds with RangeError', () => {
    expect(() => planFrames(info, { start: -1 })).toThrow(RangeError);
    expect(() => planFrames(info, { start: Number.NaN })).toThrow(RangeError);
    expect(() => planFrames(info, { start: 3, end: 3 })).toThrow(RangeError);
    expect(() => planFrames(info, { end: Number.NaN })).toThrow(RangeError);
  });

  it('keeps the whole-video plan when there is no window', () => {
    const plan = planFrames(info);
    expect([plan.startFrame, plan.endFrame, plan.windowFrames, plan.totalFrames]).toEqual([0, 179, 180, 180]);
    expect(plan.indices).toEqual(linspaceIndices(180, 24));
  });
});

describe('clip window for audio', () => {
  it('clamps a duration past the end (end_s = 1e308) to the end of the file', async () => {
    const toEnd = await decodeAudio(V07, { start: 2 });
    const clamped = await decodeAudio(V07, { start: 2, duration: 1e308 });
    expect(clamped.length).toBe(toEnd.length);
    expect(Math.abs(clamped.length - 10 * 16000)).toBeLessThan(200);
  });

  it('gives a MediaWindowError naming the file and both numbers for a start past the end', async () => {
    for (const window of [{ start: 1e12 }, { start: 50, duration: 3 }]) {
      const error = await decodeAudio(V07, window).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(MediaWindowError);
      const message = (error as Error).message;
      expect(message).toContain(V07);
      expect(message).toContain(String(window.start));
      expect(message).toContain('12.000 s');
    }
  });

  it('rejects a start that is not a finite number of seconds with RangeError', async () => {
    await expect(decodeAudio(V07, { start: Infinity })).rejects.toBeInstanceOf(RangeError);
    await expect(decodeAudio(V07, { start: Number.NaN })).rejects.toBeInstanceOf(RangeError);
  });
});

describe('rotation metadata is ignored, as decord and torchvision ignore it', () => {
  let plain: string;
  let rotated: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omni-rotate-'));
    plain = join(dir, 'plain.mp4');
    rotated = join(dir, 'rotated.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10:duration=2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', plain]);
    // This ffmpeg writes the display matrix only when remuxing (-c copy).
    await ffmpeg(['-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
  });

  it('probe reports the rotation and the stored size', async () => {
    const info = await probe(rotated);
    expect(Math.abs(info.video!.rotation)).toBe(90);
    expect([info.video!.width, info.video!.height]).toEqual([320, 240]);
    expect((await probe(plain)).video!.rotation).toBe(0);
  });

  it('decodes the frames as stored (-noautorotate): the same pixels as the unrotated file', async () => {
    const a = await sampleFrames(plain);
    const b = await sampleFrames(rotated);
    expect([b.width, b.height]).toEqual([a.width, a.height]);
    expect(b.frames).toHaveLength(a.frames.length);
    for (let i = 0; i < a.frames.length; i++) expect(Buffer.compare(Buffer.from(a.frames[i]!), Buffer.from(b.frames[i]!))).toBe(0);
  });
});

describe('a relative file name is never an ffmpeg protocol', () => {
  it("reads a file literally named 'concat:x.mp4' as that file", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omni-protocol-'));
    copyFileSync(media('v04_320x240_h264_aac_2s.mp4'), join(dir, 'concat:x.mp4'));
    const saved = process.cwd();
    process.chdir(dir);
    try {
      const info = await probe('concat:x.mp4');
      expect(info.video).toMatchObject({ width: 320, height: 240 });
      expect((await decodeAudio('concat:x.mp4')).length).toBeGreaterThan(30000);
      expect((await sampleFrames('concat:x.mp4', { info })).frames.length).toBe(4);
    } finally {
      process.chdir(saved);
    }
  });
});

describe('a pixel budget below one 28x28 patch', () => {
  it('is a RangeError, never a 0x0 frame', () => {
    expect(() => smartResize(240, 320, 28, 1, 1)).toThrow(RangeError);
    expect(() => videoMaxPixels(8, { maxPixels: 1 })).toThrow(/at least 784/);
  });

  it('keeps at least one patch per side when shrinking an extreme aspect ratio (as qwen-omni-utils)', () => {
    expect(smartResize(30, 5000, 28, 784, 784 * 10)).toEqual([28, 1120]);
  });
});
