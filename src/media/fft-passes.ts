/**
 * The butterfly passes of ComplexFft (fft.ts): radices 2, 3, 4, 5 and 8 unrolled, any other
 * radix by direct sums. Each pass reads A and writes B (Stockham autosort, no bit reversal).
 */

/** One pass of a plan. */
export interface Stage {
  radix: number;
  /** Length of the transforms before this stage (product of earlier radices). */
  l: number;
  /** Stride after this stage: n / (l * radix). */
  s: number;
  /** twRe/twIm[k * (radix - 1) + q - 1] = exp(-2 pi i q k / (l * radix)). */
  twRe: Float64Array;
  twIm: Float64Array;
}

/** A pass: reads (aRe, aIm), writes (bRe, bIm). */
export type Pass = (st: Stage, aRe: Float64Array, aIm: Float64Array, bRe: Float64Array, bIm: Float64Array) => void;

// Each pass: for k < l, r < s' (= st.s): inputs a_q = A[k*S + r + q*s'] * w^(qk), S = s' * radix;
// outputs B[(k + l*m)*s' + r] = sum_q a_q exp(-2 pi i q m / radix).

const pass2: Pass = (st, aRe, aIm, bRe, bIm) => {
  const { l, s, twRe, twIm } = st;
  const S = 2 * s;
  for (let k = 0; k < l; k++) {
    const w1r = twRe[k]!;
    const w1i = twIm[k]!;
    for (let r = 0; r < s; r++) {
      const i0 = k * S + r;
      const i1 = i0 + s;
      const x0r = aRe[i0]!;
      const x0i = aIm[i0]!;
      const x1r = aRe[i1]! * w1r - aIm[i1]! * w1i;
      const x1i = aRe[i1]! * w1i + aIm[i1]! * w1r;
      const o = k * s + r;
      bRe[o] = x0r + x1r;
      bIm[o] = x0i + x1i;
      bRe[o + l * s] = x0r - x1r;
      bIm[o + l * s] = x0i - x1i;
    }
  }
};

const pass4: Pass = (st, aRe, aIm, bRe, bIm) => {
  const { l, s, twRe, twIm } = st;
  const S = 4 * s;
  const ls = l * s;
  for (let k = 0; k < l; k++) {
    const t = 3 * k;
    const w1r = twRe[t]!, w1i = twIm[t]!;
    const w2r = twRe[t + 1]!, w2i = twIm[t + 1]!;
    const w3r = twRe[t + 2]!, w3i = twIm[t + 2]!;
    for (let r = 0; r < s; r++) {
      const i0 = k * S + r;
      const x0r = aRe[i0]!, x0i = aIm[i0]!;
      const y1r = aRe[i0 + s]!, y1i = aIm[i0 + s]!;
      const y2r = aRe[i0 + 2 * s]!, y2i = aIm[i0 + 2 * s]!;
      const y3r = aRe[i0 + 3 * s]!, y3i = aIm[i0 + 3 * s]!;
      const x1r = k === 0 ? y1r : y1r * w1r - y1i * w1i;
      const x1i = k === 0 ? y1i : y1r * w1i + y1i * w1r;
      const x2r = k === 0 ? y2r : y2r * w2r - y2i * w2i;
      const x2i = k === 0 ? y2i : y2r * w2i + y2i * w2r;
      const x3r = k === 0 ? y3r : y3r * w3r - y3i * w3i;
      const x3i = k === 0 ? y3i : y3r * w3i + y3i * w3r;
      const ar = x0r + x2r, ai = x0i + x2i;
      const br = x0r - x2r, bi = x0i - x2i;
      const cr = x1r + x3r, ci = x1i + x3i;
      // -i * (x1 - x3)
      const dr = x1i - x3i, di = x3r - x1r;
      const o = k * s + r;
      bRe[o] = ar + cr;
      bIm[o] = ai + ci;
      bRe[o + ls] = br + dr;
      bIm[o + ls] = bi + di;
      bRe[o + 2 * ls] = ar - cr;
      bIm[o + 2 * ls] = ai - ci;
      bRe[o + 3 * ls] = br - dr;
      bIm[o + 3 * ls] = bi - di;
    }
  }
};

const C3 = -0.5;
const S3 = Math.sin((2 * Math.PI) / 3);
const pass3: Pass = (st, aRe, aIm, bRe, bIm) => {
  const { l, s, twRe, twIm } = st;
  const S = 3 * s;
  const ls = l * s;
  for (let k = 0; k < l; k++) {
    const w1r = twRe[2 * k]!, w1i = twIm[2 * k]!;
    const w2r = twRe[2 * k + 1]!, w2i = twIm[2 * k + 1]!;
    for (let r = 0; r < s; r++) {
      const i0 = k * S + r;
      const x0r = aRe[i0]!, x0i = aIm[i0]!;
      const y1r = aRe[i0 + s]!, y1i = aIm[i0 + s]!;
      const y2r = aRe[i0 + 2 * s]!, y2i = aIm[i0 + 2 * s]!;
      const x1r = k === 0 ? y1r : y1r * w1r - y1i * w1i;
      const x1i = k === 0 ? y1i : y1r * w1i + y1i * w1r;
      const x2r = k === 0 ? y2r : y2r * w2r - y2i * w2i;
      const x2i = k === 0 ? y2i : y2r * w2i + y2i * w2r;
      const tr = x1r + x2r, ti = x1i + x2i;
      const br = x0r + C3 * tr, bi = x0i + C3 * ti;
      // -i * S3 * (x1 - x2)
      const dr = S3 * (x1i - x2i), di = -S3 * (x1r - x2r);
      const o = k * s + r;
      bRe[o] = x0r + tr;
      bIm[o] = x0i + ti;
      bRe[o + ls] = br + dr;
      bIm[o + ls] = bi + di;
      bRe[o + 2 * ls] = br - dr;
      bIm[o + 2 * ls] = bi - di;
    }
  }
};

const C51 = Math.cos((2 * Math.PI) / 5);
const C52 = Math.cos((4 * Math.PI) / 5);
const S51 = Math.sin((2 * Math.PI) / 5);
const S52 = Math.sin((4 * Math.PI) / 5);
const pass5: Pass = (st, aRe, aIm, bRe, bIm) => {
  const { l, s, twRe, twIm } = st;
  const S = 5 * s;
  const ls = l * s;
  for (let k = 0; k < l; k++) {
    const t = 4 * k;
    const w1r = twRe[t]!, w1i = twIm[t]!;
    const w2r = twRe[t + 1]!, w2i = twIm[t + 1]!;
    const w3r = twRe[t + 2]!, w3i = twIm[t + 2]!;
    const w4r = twRe[t + 3]!, w4i = twIm[t + 3]!;
    for (let r = 0; r < s; r++) {
      const i0 = k * S + r;
      const x0r = aRe[i0]!, x0i = aIm[i0]!;
      const y1r = aRe[i0 + s]!, y1i = aIm[i0 + s]!;
      const y2r = aRe[i0 + 2 * s]!, y2i = aIm[i0 + 2 * s]!;
      const y3r = aRe[i0 + 3 * s]!, y3i = aIm[i0 + 3 * s]!;
      const y4r = aRe[i0 + 4 * s]!, y4i = aIm[i0 + 4 * s]!;
      const x1r = k === 0 ? y1r : y1r * w1r - y1i * w1i;
      const x1i = k === 0 ? y1i : y1r * w1i + y1i * w1r;
      const x2r = k === 0 ? y2r : y2r * w2r - y2i * w2i;
      const x2i = k === 0 ? y2i : y2r * w2i + y2i * w2r;
      const x3r = k === 0 ? y3r : y3r * w3r - y3i * w3i;
      const x3i = k === 0 ? y3i : y3r * w3i + y3i * w3r;
      const x4r = k === 0 ? y4r : y4r * w4r - y4i * w4i;
      const x4i = k === 0 ? y4i : y4r * w4i + y4i * w4r;
      const t1r = x1r + x4r, t1i = x1i + x4i;
      const t2r = x2r + x3r, t2i = x2i + x3i;
      const t3r = x1r - x4r, t3i = x1i - x4i;
      const t4r = x2r - x3r, t4i = x2i - x3i;
      const b1r = x0r + C51 * t1r + C52 * t2r, b1i = x0i + C51 * t1i + C52 * t2i;
      const b2r = x0r + C52 * t1r + C51 * t2r, b2i = x0i + C52 * t1i + C51 * t2i;
      const dr = S51 * t3r + S52 * t4r, di = S51 * t3i + S52 * t4i;
      const er = S52 * t3r - S51 * t4r, ei = S52 * t3i - S51 * t4i;
      const o = k * s + r;
      bRe[o] = x0r + t1r + t2r;
      bIm[o] = x0i + t1i + t2i;
      // y1 = b1 - i d, y4 = b1 + i d, y2 = b2 - i e, y3 = b2 + i e
      bRe[o + ls] = b1r + di;
      bIm[o + ls] = b1i - dr;
      bRe[o + 4 * ls] = b1r - di;
      bIm[o + 4 * ls] = b1i + dr;
      bRe[o + 2 * ls] = b2r + ei;
      bIm[o + 2 * ls] = b2i - er;
      bRe[o + 3 * ls] = b2r - ei;
      bIm[o + 3 * ls] = b2i + er;
    }
  }
};

const R8 = Math.SQRT1_2;
const pass8: Pass = (st, aRe, aIm, bRe, bIm) => {
  const { l, s, twRe, twIm } = st;
  const S = 8 * s;
  const ls = l * s;
  for (let k = 0; k < l; k++) {
    const t = 7 * k;
    for (let r = 0; r < s; r++) {
      const i0 = k * S + r;
      const x0r = aRe[i0]!, x0i = aIm[i0]!;
      let x1r = aRe[i0 + s]!, x1i = aIm[i0 + s]!;
      let x2r = aRe[i0 + 2 * s]!, x2i = aIm[i0 + 2 * s]!;
      let x3r = aRe[i0 + 3 * s]!, x3i = aIm[i0 + 3 * s]!;
      let x4r = aRe[i0 + 4 * s]!, x4i = aIm[i0 + 4 * s]!;
      let x5r = aRe[i0 + 5 * s]!, x5i = aIm[i0 + 5 * s]!;
      let x6r = aRe[i0 + 6 * s]!, x6i = aIm[i0 + 6 * s]!;
      let x7r = aRe[i0 + 7 * s]!, x7i = aIm[i0 + 7 * s]!;
      if (k !== 0) {
        let wr = twRe[t]!, wi = twIm[t]!, u = x1r;
        x1r = u * wr - x1i * wi; x1i = u * wi + x1i * wr;
        wr = twRe[t + 1]!; wi = twIm[t + 1]!; u = x2r;
        x2r = u * wr - x2i * wi; x2i = u * wi + x2i * wr;
        wr = twRe[t + 2]!; wi = twIm[t + 2]!; u = x3r;
        x3r = u * wr - x3i * wi; x3i = u * wi + x3i * wr;
        wr = twRe[t + 3]!; wi = twIm[t + 3]!; u = x4r;
        x4r = u * wr - x4i * wi; x4i = u * wi + x4i * wr;
        wr = twRe[t + 4]!; wi = twIm[t + 4]!; u = x5r;
        x5r = u * wr - x5i * wi; x5i = u * wi + x5i * wr;
        wr = twRe[t + 5]!; wi = twIm[t + 5]!; u = x6r;
        x6r = u * wr - x6i * wi; x6i = u * wi + x6i * wr;
        wr = twRe[t + 6]!; wi = twIm[t + 6]!; u = x7r;
        x7r = u * wr - x7i * wi; x7i = u * wi + x7i * wr;
      }
      // Two radix-4 DFTs (even and odd inputs), then combine with w8^m.
      const a0r = x0r + x4r, a0i = x0i + x4i;
      const a1r = x0r - x4r, a1i = x0i - x4i;
      const a2r = x2r + x6r, a2i = x2i + x6i;
      const a3r = x2i - x6i, a3i = x6r - x2r; // -i (x2 - x6)
      const e0r = a0r + a2r, e0i = a0i + a2i;
      const e2r = a0r - a2r, e2i = a0i - a2i;
      const e1r = a1r + a3r, e1i = a1i + a3i;
      const e3r = a1r - a3r, e3i = a1i - a3i;
      const b0r = x1r + x5r, b0i = x1i + x5i;
      const b1r = x1r - x5r, b1i = x1i - x5i;
      const b2r = x3r + x7r, b2i = x3i + x7i;
      const b3r = x3i - x7i, b3i = x7r - x3r;
      const o0r = b0r + b2r, o0i = b0i + b2i;
      const o2r = b0r - b2r, o2i = b0i - b2i;
      const o1r = b1r + b3r, o1i = b1i + b3i;
      const o3r = b1r - b3r, o3i = b1i - b3i;
      // w8^1 = (r, -r), w8^2 = -i, w8^3 = (-r, -r)
      const p1r = R8 * (o1r + o1i), p1i = R8 * (o1i - o1r);
      const p2r = o2i, p2i = -o2r;
      const p3r = R8 * (o3i - o3r), p3i = -R8 * (o3r + o3i);
      const o = k * s + r;
      bRe[o] = e0r + o0r;
      bIm[o] = e0i + o0i;
      bRe[o + 4 * ls] = e0r - o0r;
      bIm[o + 4 * ls] = e0i - o0i;
      bRe[o + ls] = e1r + p1r;
      bIm[o + ls] = e1i + p1i;
      bRe[o + 5 * ls] = e1r - p1r;
      bIm[o + 5 * ls] = e1i - p1i;
      bRe[o + 2 * ls] = e2r + p2r;
      bIm[o + 2 * ls] = e2i + p2i;
      bRe[o + 6 * ls] = e2r - p2r;
      bIm[o + 6 * ls] = e2i - p2i;
      bRe[o + 3 * ls] = e3r + p3r;
      bIm[o + 3 * ls] = e3i + p3i;
      bRe[o + 7 * ls] = e3r - p3r;
      bIm[o + 7 * ls] = e3i - p3i;
    }
  }
};

/** Unrolled passes by radix; others use genericPass. */
export const passes: Record<number, Pass> = { 2: pass2, 3: pass3, 4: pass4, 5: pass5, 8: pass8 };

/** Any radix, by direct sums over the radix-point DFT. */
export function genericPass(st: Stage, aRe: Float64Array, aIm: Float64Array, bRe: Float64Array, bIm: Float64Array): void {
  const { radix: p, l, s, twRe, twIm } = st;
  const S = p * s;
  const xr = new Float64Array(p);
  const xi = new Float64Array(p);
  for (let k = 0; k < l; k++) {
    for (let r = 0; r < s; r++) {
      for (let q = 0; q < p; q++) {
        const i = k * S + r + q * s;
        if (q === 0) {
          xr[0] = aRe[i]!;
          xi[0] = aIm[i]!;
        } else {
          const wr = twRe[k * (p - 1) + q - 1]!;
          const wi = twIm[k * (p - 1) + q - 1]!;
          xr[q] = aRe[i]! * wr - aIm[i]! * wi;
          xi[q] = aRe[i]! * wi + aIm[i]! * wr;
        }
      }
      for (let m = 0; m < p; m++) {
        let sr = 0;
        let si = 0;
        for (let q = 0; q < p; q++) {
          const angle = (-2 * Math.PI * ((q * m) % p)) / p;
          const c = Math.cos(angle);
          const sn = Math.sin(angle);
          sr += xr[q]! * c - xi[q]! * sn;
          si += xr[q]! * sn + xi[q]! * c;
        }
        bRe[(k + l * m) * s + r] = sr;
        bIm[(k + l * m) * s + r] = si;
      }
    }
  }
}
