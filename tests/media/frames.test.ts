import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { FIXTURES_DIR } from '../../src/paths.js';
import {
  linspaceIndices,
  roundHalfEven,
  sampleFrames,
  smartNframes,
  smartResize,
  videoMaxPixels,
  VIDEO_MAX_PIXELS,
  VIDEO_MIN_PIXELS,
  VIDEO_TOTAL_PIXELS,
} from '../../src/media/frames.js';
import { CLIP_MEAN, CLIP_STD, patchify } from '../../src/media/patchify.js';

const media = (name: string): string => join(FIXTURES_DIR, 'media', name);

describe('smartResize (values from qwen-omni-utils vision_process.py)', () => {
  it('matches the image defaults (min 4*28*28, max 16384*28*28)', () => {
    expect(smartResize(240, 320)).toEqual([252, 308]);
    expect(smartResize(360, 640)).toEqual([364, 644]);
    expect(smartResize(1080, 1920)).toEqual([1092, 1932]);
    expect(smartResize(14, 14)).toEqual([56, 56]);
    expect(smartResize(100, 3000)).toEqual([112, 2996]);
    // Python's round() sends halves to even: 70/28 = 2.5 -> 2, 98/28 = 3.5 -> 4.
    expect(smartResize(70, 98)).toEqual([56, 112]);
  });

  it('matches the video bounds (VIDEO_MIN_PIXELS, VIDEO_MAX_PIXELS)', () => {
    const v = (h: number, w: number) => smartResize(h, w, 28, VIDEO_MIN_PIXELS, VIDEO_MAX_PIXELS);
    expect(v(240, 320)).toEqual([280, 392]);
    expect(v(360, 640)).toEqual([364, 644]);
    expect(v(1080, 1920)).toEqual([560, 1008]);
    expect(v(720, 1280)).toEqual([560, 1008]);
    expect(v(42, 42)).toEqual([336, 336]);
    expect(v(1000, 1000)).toEqual([756, 756]);
  });

  it('rejects aspect ratios above 200', () => {
    expect(() => smartResize(10, 2500)).toThrow(RangeError);
  });

  it('caps per-frame pixels by the total budget', () => {
    expect(VIDEO_TOTAL_PIXELS).toBe(90316800);
    expect(videoMaxPixels(20)).toBe(VIDEO_MAX_PIXELS);
    expect(videoMaxPixels(768)).toBe(Math.max(Math.min(VIDEO_MAX_PIXELS, (VIDEO_TOTAL_PIXELS / 768) * 2), Math.trunc(VIDEO_MIN_PIXELS * 1.05)));
    expect(videoMaxPixels(20, { maxPixels: 200_000 })).toBe(200_000);
    expect(videoMaxPixels(20, { maxPixels: 10_000_000 })).toBe(VIDEO_MAX_PIXELS);
  });
});

describe('smartNframes', () => {
  it('samples 2 fps rounded down to even', () => {
    expect(smartNframes({}, 40, 10)).toBe(8);
    expect(smartNframes({}, 250, 25)).toBe(20);
    expect(smartNframes({ fps: 1 }, 90, 15)).toBe(6);
  });
  it('takes at least 4 frames', () => {
    expect(smartNframes({}, 20, 10)).toBe(4);
    expect(smartNframes({}, 61, 30)).toBe(4);
    expect(smartNframes({}, 7, 10)).toBe(4);
  });
  it('takes at most 768 frames', () => {
    expect(smartNframes({}, 100_000, 30)).toBe(768);
    expect(smartNframes({}, 30 * 3600, 30)).toBe(768);
  });
  it('never exceeds the real frame count and stays even', () => {
    expect(smartNframes({}, 3, 10)).toBe(2);
    expect(() => smartNframes({}, 1, 10)).toThrow(RangeError);
  });
  it('rounds an explicit nframes to even (halves to even)', () => {
    expect(smartNframes({ nframes: 7 }, 100, 25)).toBe(8);
    expect(smartNframes({ nframes: 5 }, 100, 25)).toBe(4);
    expect(smartNframes({ nframes: 50 }, 10, 25)).toBe(10);
    expect(() => smartNframes({ nframes: 4, fps: 2 }, 100, 25)).toThrow(TypeError);
  });
  it('picks linspace indices rounded half to even, as torch.round', () => {
    expect(linspaceIndices(250, 20)).toEqual([0, 13, 26, 39, 52, 66, 79, 92, 105, 118, 131, 144, 157, 170, 183, 197, 210, 223, 236, 249]);
    expect(linspaceIndices(40, 8)).toEqual([0, 6, 11, 17, 22, 28, 33, 39]);
    expect(linspaceIndices(6, 3)).toEqual([0, 2, 5]);
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(3.5)).toBe(4);
    expect(roundHalfEven(-0.5)).toBe(-0);
  });
});

/** A frame whose every pixel encodes its own position and frame number. */
function syntheticFrame(width: number, height: number, frame: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = x % 256;
      data[i + 1] = y % 256;
      data[i + 2] = (frame * 50) % 256;
    }
  }
  return data;
}

const norm = (v: number, c: number): number => Math.fround((v / 255 - CLIP_MEAN[c]!) / CLIP_STD[c]!);

describe('patchify', () => {
  it('orders patches as Qwen does: each 2x2 merge group contiguous, channel-major rows of 1176', () => {
    const width = 56;
    const height = 56;
    const frames = [syntheticFrame(width, height, 0), syntheticFrame(width, height, 1)];
    const p = patchify({ frames, width, height, sampleFps: 2 });
    expect(p.gridThw).toEqual([1, 4, 4]);
    expect(p.patches).toBe(16);
    expect(p.visionTokens).toBe(4);
    expect(p.pixelValues.length).toBe(16 * 1176);
    // Row r = ((hb * 2 + wb) * 2 + mh) * 2 + mw for the patch at (y, x) = ((2hb + mh) * 14, (2wb + mw) * 14).
    for (let hb = 0; hb < 2; hb++) {
      for (let wb = 0; wb < 2; wb++) {
        for (let mh = 0; mh < 2; mh++) {
          for (let mw = 0; mw < 2; mw++) {
            const row = ((hb * 2 + wb) * 2 + mh) * 2 + mw;
            const y0 = (2 * hb + mh) * 14;
            const x0 = (2 * wb + mw) * 14;
            for (const [c, tp, py, px] of [[0, 0, 0, 0], [0, 1, 3, 5], [1, 0, 13, 2], [2, 1, 7, 13], [2, 0, 0, 0]] as const) {
              const col = ((c * 2 + tp) * 14 + py) * 14 + px;
              const want = c === 0 ? x0 + px : c === 1 ? y0 + py : tp * 50;
              expect(p.pixelValues[row * 1176 + col]).toBe(norm(want, c));
            }
          }
        }
      }
    }
  });

  it('pads odd frame counts by repeating the last frame', () => {
    const frames = [0, 1, 2].map((f) => syntheticFrame(28, 28, f));
    const p = patchify({ frames, width: 28, height: 28 });
    expect(p.gridThw).toEqual([2, 2, 2]);
    // Second temporal group: frames 2 and 2 (repeated); blue channel plane of tp = 1 holds frame 2.
    const row = 4; // first patch of t = 1
    const blueTp1 = ((2 * 2 + 1) * 14 + 0) * 14 + 0;
    const blueTp0 = ((2 * 2 + 0) * 14 + 0) * 14 + 0;
    expect(p.pixelValues[row * 1176 + blueTp0]).toBe(norm(100, 2));
    expect(p.pixelValues[row * 1176 + blueTp1]).toBe(norm(100, 2));
  });

  it('turns a 392x280 frame pair into grid [1, 20, 28], 560 patches, 140 tokens', () => {
    const frames = [syntheticFrame(392, 280, 0), syntheticFrame(392, 280, 1)];
    const p = patchify({ frames, width: 392, height: 280, sampleFps: 2 });
    expect(p.gridThw).toEqual([1, 20, 28]);
    expect(p.patches).toBe(560);
    expect(p.visionTokens).toBe(140);
    expect(p.secondsPerGrid).toBe(1);
  });

  it('rejects sizes that are not multiples of 28 and short frames', () => {
    expect(() => patchify({ frames: [new Uint8Array(30 * 28 * 3)], width: 30, height: 28 })).toThrow(RangeError);
    expect(() => patchify({ frames: [new Uint8Array(10)], width: 28, height: 28 })).toThrow(RangeError);
    expect(() => patchify({ frames: [], width: 28, height: 28 })).toThrow(RangeError);
  });
});

describe('sampleFrames on fixtures', () => {
  it('samples 8 frames of a 4 s 10 fps 320x240 clip at 392x280 through one pipe', async () => {
    const s = await sampleFrames(media('v01_320x240_h264_aac_4s.mp4'));
    expect(s.indices).toEqual([0, 6, 11, 17, 22, 28, 33, 39]);
    expect(s.timestamps[1]).toBeCloseTo(0.6, 10);
    expect([s.width, s.height]).toEqual([392, 280]);
    expect(s.frames).toHaveLength(8);
    for (const f of s.frames) expect(f.length).toBe(392 * 280 * 3);
    expect(s.sampleFps).toBeCloseTo(2, 10);
    // testsrc2 moves: sampled frames differ.
    expect(Buffer.compare(Buffer.from(s.frames[0]!), Buffer.from(s.frames[1]!))).not.toBe(0);
    const p = patchify(s);
    expect(p.gridThw).toEqual([4, 20, 28]);
    expect(p.visionTokens).toBe(4 * 140);
  });

  it('honours nframes and maxPixels on a vp9 webm', async () => {
    const s = await sampleFrames(media('v05_320x240_vp9_opus_6s.webm'), { nframes: 6, maxPixels: 200 * 28 * 28 });
    expect(s.frames).toHaveLength(6);
    expect(s.indices).toEqual(linspaceIndices(72, 6));
    expect(s.width * s.height).toBeLessThanOrEqual(200 * 28 * 28);
    expect(s.width % 28).toBe(0);
  });

  it('rejects a file without video', async () => {
    await expect(sampleFrames(media('a01_tone_1s.wav'))).rejects.toMatchObject({ kind: 'no-video' });
  });
});
