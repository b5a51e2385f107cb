/**
 * Deterministic seeded weights for the reference model. Every tensor draws from its own
 * stream, keyed by (seed, tensor name), so a tensor's values do not depend on the order
 * in which the graph is built, and the same seed always gives byte-identical files.
 */
import { mulberry32 } from '../../random.js';

/** FNV-1a 32-bit hash of a string: mixes a tensor name into its stream's seed. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export { mulberry32 };

/** Source of seeded tensors for one model build. */
export class WeightSource {
  constructor(readonly seed: number) {}

  /** A stream for the tensor `name`: depends only on (seed, name). */
  stream(name: string): () => number {
    return mulberry32(fnv1a(`${this.seed}:${name}`) ^ Math.imul(this.seed | 0, 0x9e3779b1));
  }

  /**
   * Uniform values in [-bound, bound]. For a weight with fan-in k, bound = sqrt(3 / k) gives
   * unit-variance outputs for unit-variance inputs (LeCun), so activations stay finite
   * through many random layers.
   */
  uniform(name: string, size: number, bound: number): Float32Array {
    const next = this.stream(name);
    const out = new Float32Array(size);
    const span = 2 * bound;
    for (let i = 0; i < size; i++) out[i] = (next() - 0.5) * span;
    return out;
  }

  /** A [fanIn, fanOut] (or any) weight scaled for its fan-in. */
  linear(name: string, size: number, fanIn: number): Float32Array {
    return this.uniform(name, size, Math.sqrt(3 / fanIn));
  }

  /** Values near `center` (norm scales near 1, small biases near 0). */
  near(name: string, size: number, center: number, spread: number): Float32Array {
    const out = this.uniform(name, size, spread);
    for (let i = 0; i < size; i++) out[i] = (out[i] ?? 0) + center;
    return out;
  }
}

/** IEEE 754 binary16 bits of a float32 (round to nearest even), as ONNX FLOAT16 stores them. */
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

export function toFloat16Bits(value: number): number {
  F32[0] = value;
  const x = U32[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++; // a carry into the exponent is correct rounding
  return sign | half;
}

/** float value of binary16 bits. */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let halfTable: Float32Array | undefined;

/** Rounds every value to fp16 in place; returns the fp16 bits alongside. */
export function roundToFloat16(values: Float32Array): Uint16Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let b = 0; b < 65536; b++) halfTable[b] = fromFloat16Bits(b);
  }
  const table = halfTable;
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const b = toFloat16Bits(values[i] ?? 0);
    bits[i] = b;
    values[i] = table[b] ?? 0;
  }
  return bits;
}
