import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildModel, type BuildOptions } from '../../src/model/builder/build.js';
import { PRESETS } from '../../src/model/builder/presets.js';

/** A fresh temp folder; remove it with `cleanup`. */
export function tempDir(prefix = 'omni-bench-model-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Builds the tiny preset (of `options.family`, default qwen2_5_omni) into `<parent>/<name>`. */
export function buildTiny(parent: string, name = 'tiny', options: BuildOptions = {}): string {
  return buildModel(PRESETS.tiny, join(parent, name), options).dir;
}

/** One session per component, single-threaded (the test machine is shared). */
export function openSession(dir: string, file: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(join(dir, file), { intraOpNumThreads: 1, interOpNumThreads: 1 });
}

/** Deterministic pseudo-random floats in [-1, 1). */
export function randomFloats(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

export function f32(data: Float32Array, dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

export function i64(values: number[], dims: number[]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(values.map((v) => BigInt(v))), dims);
}

export function bool(values: boolean[], dims: number[]): ort.Tensor {
  return new ort.Tensor('bool', Uint8Array.from(values.map((v) => (v ? 1 : 0))), dims);
}

/** A JSON file of a model folder, parsed. */
export function readJson<T = Record<string, unknown>>(dir: string, file: string): T {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
}

export { ort };
