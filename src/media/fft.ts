/**
 * A mixed-radix complex FFT (Stockham autosort, radices 2, 3, 4, 5 unrolled, any other prime by
 * direct sums) and the real-input power spectrum built on it. Whisper's n_fft is 400 = 2^4 5^2,
 * so its frames need an exact 400-point transform, not a zero-padded 512-point one. All
 * arithmetic is float64, as numpy's rfft.
 */
import { genericPass, passes, type Stage } from './fft-passes.js';

/**
 * Radices of n: 8s, then 4s, before 2s (fewer passes), largest radix first (the first pass needs no
 * twiddle multiplications, so it should be the one with most of them).
 */
function factorize(n: number): number[] {
  const factors: number[] = [];
  let rest = n;
  while (rest % 8 === 0) {
    factors.push(8);
    rest /= 8;
  }
  while (rest % 4 === 0) {
    factors.push(4);
    rest /= 4;
  }
  for (let p = 2; rest > 1; p++) {
    while (rest % p === 0) {
      factors.push(p);
      rest /= p;
    }
  }
  return factors.sort((a, b) => b - a);
}

/** A complex FFT plan of one length; reuse it, it holds its scratch buffers. */
export class ComplexFft {
  readonly n: number;
  private readonly stages: Stage[];
  private readonly bufRe: Float64Array;
  private readonly bufIm: Float64Array;

  /** `radices` overrides the factorisation (their product must be n); for tests and tuning. */
  constructor(n: number, radices?: readonly number[]) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`FFT length must be a positive integer, got ${n}`);
    if (radices && radices.reduce((a, b) => a * b, 1) !== n) throw new RangeError(`radices ${radices.join('x')} do not multiply to ${n}`);
    this.n = n;
    this.bufRe = new Float64Array(n);
    this.bufIm = new Float64Array(n);
    this.stages = [];
    let l = 1;
    for (const radix of radices ?? factorize(n)) {
      const big = l * radix;
      const twRe = new Float64Array(l * (radix - 1));
      const twIm = new Float64Array(l * (radix - 1));
      for (let k = 0; k < l; k++) {
        for (let q = 1; q < radix; q++) {
          const angle = (-2 * Math.PI * q * k) / big;
          twRe[k * (radix - 1) + q - 1] = Math.cos(angle);
          twIm[k * (radix - 1) + q - 1] = Math.sin(angle);
        }
      }
      this.stages.push({ radix, l, s: n / big, twRe, twIm });
      l = big;
    }
  }

  /**
   * Forward transform (sign -1, unnormalised) of (re, im) in place.
   * Stage invariant: A[k*s + r] holds bin k of the length-l DFT of x[r], x[r+s], ...
   */
  forward(re: Float64Array, im: Float64Array): void {
    let aRe = re;
    let aIm = im;
    let bRe = this.bufRe;
    let bIm = this.bufIm;
    for (let i = 0; i < this.stages.length; i++) {
      const stage = this.stages[i]!;
      (passes[stage.radix] ?? genericPass)(stage, aRe, aIm, bRe, bIm);
      const tRe = aRe;
      aRe = bRe;
      bRe = tRe;
      const tIm = aIm;
      aIm = bIm;
      bIm = tIm;
    }
    if (aRe !== re) {
      re.set(aRe);
      im.set(aIm);
    }
  }
}

/**
 * |rfft(x)|^2 for real frames of even length n: one complex FFT of n/2 points on the packed
 * even/odd samples, then the standard split into n/2 + 1 bins.
 */
export class RealPowerSpectrum {
  readonly n: number;
  /** n / 2 + 1 bins. */
  readonly bins: number;
  private readonly half: ComplexFft;
  private readonly zRe: Float64Array;
  private readonly zIm: Float64Array;
  private readonly wRe: Float64Array;
  private readonly wIm: Float64Array;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 2 || n % 2 !== 0) throw new RangeError(`real FFT length must be even and >= 2, got ${n}`);
    this.n = n;
    const m = n / 2;
    this.bins = m + 1;
    this.half = new ComplexFft(m);
    this.zRe = new Float64Array(m);
    this.zIm = new Float64Array(m);
    this.wRe = new Float64Array(m + 1);
    this.wIm = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      this.wRe[k] = Math.cos((-2 * Math.PI * k) / n);
      this.wIm[k] = Math.sin((-2 * Math.PI * k) / n);
    }
  }

  /** Writes |X[k]|^2, k = 0..n/2, of the real frame `x` (length n) into `out`. */
  power(x: Float64Array, out: Float64Array): void {
    const m = this.n / 2;
    const zRe = this.zRe;
    const zIm = this.zIm;
    for (let j = 0; j < m; j++) {
      zRe[j] = x[2 * j]!;
      zIm[j] = x[2 * j + 1]!;
    }
    this.half.forward(zRe, zIm);
    for (let k = 0; k <= m; k++) {
      const a = k === m ? 0 : k;
      const b = k === 0 ? 0 : m - k;
      const zr = zRe[a]!;
      const zi = zIm[a]!;
      const cr = zRe[b]!;
      const ci = -zIm[b]!;
      // E = (Z[k] + conj Z[m-k]) / 2, O = (Z[k] - conj Z[m-k]) / 2i, X = E + w^k O
      const er = 0.5 * (zr + cr);
      const ei = 0.5 * (zi + ci);
      const or = 0.5 * (zi - ci);
      const oi = -0.5 * (zr - cr);
      const wr = this.wRe[k]!;
      const wi = this.wIm[k]!;
      const xr = er + wr * or - wi * oi;
      const xi = ei + wr * oi + wi * or;
      out[k] = xr * xr + xi * xi;
    }
  }
}
