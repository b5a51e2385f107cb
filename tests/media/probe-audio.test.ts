import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { FIXTURES_DIR } from '../../src/paths.js';
import { probe } from '../../src/media/probe.js';
import { decodeAudio, decodeAudioTrack } from '../../src/media/audio.js';
import { liveChildren, resolveBinary, runTool } from '../../src/media/ffmpeg.js';
import {
  EmptyMediaError,
  MediaBinaryError,
  MediaNotFoundError,
  MediaTimeoutError,
  NoAudioError,
  NotMediaError,
  UndecodableMediaError,
} from '../../src/media/errors.js';
import { MediaError } from '../../src/errors.js';

const media = (name: string): string => join(FIXTURES_DIR, 'media', name);

describe('probe', () => {
  it('reads a 320x240 h264/aac mp4', async () => {
    const info = await probe(media('v01_320x240_h264_aac_4s.mp4'));
    expect(info.streams).toEqual(['video', 'audio']);
    expect(info.durationSeconds).toBeCloseTo(4, 1);
    expect(info.video).toMatchObject({ codec: 'h264', width: 320, height: 240, fps: 10, frameCount: 40 });
    expect(info.audio).toMatchObject({ codec: 'aac', sampleRate: 44100, channels: 1 });
  });

  it('counts frames of a vp9/opus webm (no frame count in the container)', async () => {
    const info = await probe(media('v05_320x240_vp9_opus_6s.webm'));
    expect(info.video).toMatchObject({ codec: 'vp9', fps: 12, frameCount: 72 });
    expect(info.audio).toMatchObject({ codec: 'opus', sampleRate: 48000 });
  });

  it('reports audio-only files and videos without audio', async () => {
    const wav = await probe(media('a05_tones_2s.wav'));
    expect(wav.video).toBeUndefined();
    expect(wav.audio).toMatchObject({ codec: 'pcm_s16le', sampleRate: 22050, channels: 2 });
    const silent = await probe(media('v06_320x240_h264_noaudio_5s.mp4'));
    expect(silent.streams).toEqual(['video']);
    expect(silent.audio).toBeUndefined();
  });

  it('gives a distinct error naming the path for each broken kind', async () => {
    const cases: [string, new (...args: never[]) => MediaError, string][] = [
      [media('no_such_file.mp4'), MediaNotFoundError, 'not-found'],
      [media('broken_empty.mp4'), EmptyMediaError, 'empty'],
      [media('broken_text.mp4'), NotMediaError, 'not-media'],
      [media('broken_truncated.mp4'), UndecodableMediaError, 'undecodable'],
    ];
    for (const [path, type, kind] of cases) {
      const error = await probe(path).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(type);
      expect(error).toMatchObject({ kind, path });
      expect((error as Error).message).toContain(path);
    }
  });
});

describe('decodeAudio', () => {
  it('decodes a 16 kHz wav exactly to mono float32', async () => {
    const x = await decodeAudio(media('a01_tone_1s.wav'));
    expect(x).toBeInstanceOf(Float32Array);
    expect(x.length).toBe(16000);
    // sine=440 Hz at amplitude 1/8 (lavfi default), 16-bit.
    const peak = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak).toBeGreaterThan(0.12);
    expect(peak).toBeLessThan(0.13);
  });

  it('resamples and downmixes every container to 16 kHz mono', async () => {
    for (const [name, seconds] of [
      ['a02_chirp_3s.flac', 3],
      ['a03_noise_5s.mp3', 5],
      ['a04_speechlike_10s.m4a', 10],
      ['a05_tones_2s.wav', 2],
      ['a06_mix_7s.flac', 7],
      ['v05_320x240_vp9_opus_6s.webm', 6],
      ['v02_640x360_h264_aac_6s.mp4', 6],
    ] as const) {
      const x = await decodeAudio(media(name));
      expect(Math.abs(x.length / 16000 - seconds), name).toBeLessThan(0.1);
    }
  });

  it('decodes a window with start and duration', async () => {
    const x = await decodeAudio(media('a06_mix_7s.flac'), { start: 2, duration: 1.5 });
    expect(x.length).toBe(24000);
  });

  it('reports a video without audio as no-audio (tagged result) or NoAudioError', async () => {
    const path = media('v06_320x240_h264_noaudio_5s.mp4');
    expect(await decodeAudioTrack(path)).toEqual({ status: 'no-audio', path });
    await expect(decodeAudio(path)).rejects.toBeInstanceOf(NoAudioError);
  });

  it('raises the same error kinds as probe', async () => {
    await expect(decodeAudio(media('nope.wav'))).rejects.toMatchObject({ kind: 'not-found' });
    await expect(decodeAudio(media('broken_empty.mp4'))).rejects.toMatchObject({ kind: 'empty' });
    await expect(decodeAudio(media('broken_text.mp4'))).rejects.toMatchObject({ kind: 'not-media' });
    await expect(decodeAudio(media('broken_truncated.mp4'))).rejects.toMatchObject({ kind: 'undecodable' });
  });

  it('rejects misuse with RangeError', async () => {
    await expect(decodeAudio(media('a01_tone_1s.wav'), { start: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(decodeAudio(media('a01_tone_1s.wav'), { duration: 0 })).rejects.toBeInstanceOf(RangeError);
  });
});

describe('ffmpeg runner', () => {
  it('kills the child when it runs past the timeout', async () => {
    const ffmpeg = resolveBinary('ffmpeg');
    const args = ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'sine=duration=3600', '-f', 'null', '-'];
    const error = await runTool(ffmpeg, args, { timeoutMs: 150 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MediaTimeoutError);
    const pid = (error as MediaTimeoutError).pid!;
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).toThrow(); // ESRCH: gone
    expect(liveChildren()).toBe(0);
  });

  it('kills the child on abort', async () => {
    const controller = new AbortController();
    const ffmpeg = resolveBinary('ffmpeg');
    const run = runTool(ffmpeg, ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'sine=duration=3600', '-f', 'null', '-'], { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(run).rejects.toMatchObject({ kind: 'interrupted' });
    expect(liveChildren()).toBe(0);
  });

  it('passes the timeout through probe and decodeAudio', async () => {
    await expect(decodeAudio(media('a04_speechlike_10s.m4a'), { timeoutMs: 1 })).rejects.toBeInstanceOf(MediaTimeoutError);
  });

  it('prefers an explicit path, then OMNI_BENCH_FFMPEG, then the bundled binary', async () => {
    expect(resolveBinary('ffmpeg').source).toBe('bundled');
    expect(resolveBinary('ffprobe', '/x/ffprobe')).toEqual({ tool: 'ffprobe', path: '/x/ffprobe', source: 'option' });
    const saved = process.env['OMNI_BENCH_FFMPEG'];
    process.env['OMNI_BENCH_FFMPEG'] = '/nonexistent/ffmpeg';
    try {
      expect(resolveBinary('ffmpeg')).toMatchObject({ path: '/nonexistent/ffmpeg', source: 'env' });
      await expect(decodeAudio(media('a01_tone_1s.wav'))).rejects.toBeInstanceOf(MediaBinaryError);
    } finally {
      if (saved === undefined) delete process.env['OMNI_BENCH_FFMPEG'];
      else process.env['OMNI_BENCH_FFMPEG'] = saved;
    }
  });

  it('spawns with an argument array, so a path with shell characters is just a path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omni-media-'));
    const path = join(dir, 'a $(touch pwned) ; b.txt');
    writeFileSync(path, 'not media');
    chmodSync(path, 0o644);
    await expect(probe(path)).rejects.toMatchObject({ kind: 'not-media', path });
  });
});
