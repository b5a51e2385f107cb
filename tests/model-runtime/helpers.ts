import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EncoderOutput, MelFeatures, VisionPatches } from '../../src/model/types.js';
import { pseudoRandom } from '../../src/model/bench.js';

/** A fresh temp folder; remove it with `cleanup`. */
export function tempDir(prefix = 'omni-bench-runtime-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Deterministic values in [-scale, scale) (the bench's generator). */
export function noise(n: number, seed: number, scale = 1): Float32Array {
  return pseudoRandom(n, scale, seed);
}

/** `seconds` of log-mel-like features (100 frames per second), all frames valid. */
export function mel(seconds: number, seed = 1): MelFeatures {
  const frames = Math.round(seconds * 100);
  return { data: noise(128 * frames, seed), frames, validFrames: frames };
}

/** Patches for a grid [t, h, w]. */
export function patches(grid: [number, number, number], seed = 2): VisionPatches {
  return { pixelValues: noise(grid[0] * grid[1] * grid[2] * 1176, seed, 1.5), gridThw: grid, secondsPerGrid: 1 };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

export function rows(e: EncoderOutput): number {
  return e.features.length / e.hiddenSize;
}
