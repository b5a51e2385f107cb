/**
 * Least-squares cost curves for the scaling specs (token-prefill, frame-scaling, audio-length):
 * polynomial fits of a stage's ms against its input size, and the choice between a linear and a
 * quadratic model by an F-test on the quadratic term of the nested pair.
 */
import { fSurvival } from './f-distribution.js';

/** A least-squares polynomial fit y ≈ c0 + c1 x (+ c2 x²). */
export interface Fit {
  /** c0, c1[, c2], in the units of y per unit of x^k (e.g. ms, ms per token, ms per token²). */
  coefficients: number[];
  /** Coefficient of determination 1 - rss/tss; 1 when y is constant (nothing left to explain). */
  r2: number;
  /** Residual sum of squares, in y units². */
  rss: number;
  /** Points fitted. */
  n: number;
}

/** chooseModel's answer: both fits and which one describes the data. */
export interface ModelChoice {
  linear: Fit;
  quadratic: Fit;
  verdict: 'linear' | 'quadratic';
  /** The test that decided, e.g. `F-test on the quadratic term (alpha 0.05)`, or `none` when none could run. */
  test: string;
  /** The test's p-value; null when no test ran. */
  pValue: number | null;
  /** One sentence: why this verdict (the statistic, its p-value, the quadratic term's sign and size). */
  reason: string;
}

/** Options of chooseModel. */
export interface ChooseModelOptions {
  /** Significance level of the F-test. Default 0.05. */
  alpha?: number;
}

function checkPoints(xs: readonly number[], ys: readonly number[], what: string): void {
  if (xs.length !== ys.length) throw new RangeError(`${what}: xs and ys differ in length (${xs.length} and ${ys.length})`);
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i]) || !Number.isFinite(ys[i])) throw new RangeError(`${what}: point ${i} is not finite (x=${xs[i]}, y=${ys[i]})`);
  }
}

function distinctCount(xs: readonly number[]): number {
  return new Set(xs).size;
}

/**
 * Solves min |A c - y| by Householder QR (A given as columns), without forming AᵀA, whose
 * condition number is the square of A's (Golub and Van Loan, section 5.3). RangeError when a
 * column is (numerically) a combination of the earlier ones.
 */
function solveLeastSquares(columns: Float64Array[], y: Float64Array): number[] {
  const m = y.length;
  const p = columns.length;
  const r = columns.map((c) => Float64Array.from(c));
  const qty = Float64Array.from(y);
  const diagonal = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    const col = r[k] as Float64Array;
    let norm = 0;
    let full = 0;
    for (let i = 0; i < m; i++) full += (col[i] as number) ** 2;
    for (let i = k; i < m; i++) norm += (col[i] as number) ** 2;
    norm = Math.sqrt(norm);
    if (norm <= 1e-12 * Math.sqrt(full) || norm === 0) throw new RangeError('fitPolynomial: the design matrix is rank-deficient (x values too close together for this degree)');
    const alpha = (col[k] as number) > 0 ? -norm : norm;
    // v = col[k..] - alpha e_k; H = I - 2 v vᵀ / vᵀv.
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = col[i] as number;
    v[0] = (v[0] as number) - alpha;
    let vv = 0;
    for (const value of v) vv += value * value;
    const reflect = (target: Float64Array): void => {
      let dot = 0;
      for (let i = k; i < m; i++) dot += (v[i - k] as number) * (target[i] as number);
      const s = (2 * dot) / vv;
      for (let i = k; i < m; i++) target[i] = (target[i] as number) - s * (v[i - k] as number);
    };
    for (let j = k + 1; j < p; j++) reflect(r[j] as Float64Array);
    reflect(qty);
    diagonal[k] = alpha;
  }
  // Back substitution on the upper triangle R (R[i][j] = r[j][i] for j > i, R[k][k] = diagonal[k]).
  const c = new Array<number>(p).fill(0);
  for (let i = p - 1; i >= 0; i--) {
    let s = qty[i] as number;
    for (let j = i + 1; j < p; j++) s -= ((r[j] as Float64Array)[i] as number) * (c[j] as number);
    c[i] = s / (diagonal[i] as number);
  }
  return c;
}

/** The polynomial with `coefficients` (c0, c1, ...) at x. */
export function evaluatePolynomial(coefficients: readonly number[], x: number): number {
  let y = 0;
  for (let k = coefficients.length - 1; k >= 0; k--) y = y * x + (coefficients[k] as number);
  return y;
}

/**
 * Ordinary least squares of `ys` on a polynomial of `degree` in `xs`. x is centred and scaled to
 * [-1, 1] before a QR solve (a power basis in raw x, e.g. tokens up to 4096 and their squares,
 * is badly conditioned), and the coefficients are mapped back to raw x. RangeError when the
 * lengths differ, a value is not finite, or there are fewer distinct x values than degree + 1
 * (constant x, fewer than 2 or 3 points).
 */
export function fitPolynomial(xs: readonly number[], ys: readonly number[], degree: 1 | 2): Fit {
  if (degree !== 1 && degree !== 2) throw new RangeError(`fitPolynomial: degree must be 1 or 2 (got ${String(degree)})`);
  checkPoints(xs, ys, 'fitPolynomial');
  const n = xs.length;
  const distinct = distinctCount(xs);
  if (distinct < degree + 1) {
    throw new RangeError(`fitPolynomial: a degree-${degree} fit needs at least ${degree + 1} distinct x values (got ${distinct} among ${n} points)`);
  }
  let centre = 0;
  for (const x of xs) centre += x;
  centre /= n;
  let scale = 0;
  for (const x of xs) scale = Math.max(scale, Math.abs(x - centre));
  const z = Float64Array.from(xs, (x) => (x - centre) / scale);
  const columns = [new Float64Array(n).fill(1), z];
  if (degree === 2) columns.push(Float64Array.from(z, (v) => v * v));
  const y = Float64Array.from(ys);
  const a = solveLeastSquares(columns, y);
  let rss = 0;
  for (let i = 0; i < n; i++) rss += ((y[i] as number) - evaluatePolynomial(a, z[i] as number)) ** 2;
  let mean = 0;
  for (const v of ys) mean += v;
  mean /= n;
  let tss = 0;
  for (const v of ys) tss += (v - mean) ** 2;
  // Back to raw x: z = (x - m) / s.
  const [a0, a1, a2 = 0] = a as [number, number, number?];
  const m = centre;
  const s = scale;
  const coefficients = degree === 1 ? [a0 - (a1 * m) / s, a1 / s] : [a0 - (a1 * m) / s + (a2 * m * m) / (s * s), a1 / s - (2 * a2 * m) / (s * s), a2 / (s * s)];
  return { coefficients, r2: tss > 0 ? 1 - rss / tss : 1, rss, n };
}

const formatP = (p: number): string => (p < 1e-4 ? p.toExponential(1) : p.toPrecision(2));

/**
 * Linear or quadratic: both fits, and an F-test of the nested pair, F = (rss1 - rss2) /
 * (rss2 / (n - 3)) against F(1, n - 3). The verdict is `quadratic` only when the quadratic term
 * is significant (p < alpha) AND positive: a cost curve that bends up is what attention over a
 * longer sequence predicts, while a significant negative term says the per-unit cost falls as
 * the input grows (threads filling up on small inputs), which a quadratic cost model would
 * misdescribe; the linear fit's slope is then the honest cost per unit, and `reason` says so.
 * Fewer than 4 points (the F-test then has no residual degree of freedom) or fewer than 3
 * distinct x values (no quadratic is identified; the quadratic returned is the linear fit with
 * c2 = 0, one of its least-squares solutions) give `linear` with pValue null. RangeError when
 * the linear fit itself cannot be made (fewer than 2 distinct x values).
 */
export function chooseModel(xs: readonly number[], ys: readonly number[], options: ChooseModelOptions = {}): ModelChoice {
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`chooseModel: alpha must be within (0, 1) (got ${alpha})`);
  const linear = fitPolynomial(xs, ys, 1);
  const n = xs.length;
  if (distinctCount(xs) < 3) {
    const quadratic: Fit = { ...linear, coefficients: [...linear.coefficients, 0] };
    return { linear, quadratic, verdict: 'linear', test: 'none', pValue: null, reason: 'fewer than 3 distinct x values: a quadratic term cannot be identified' };
  }
  const quadratic = fitPolynomial(xs, ys, 2);
  if (n < 4) return { linear, quadratic, verdict: 'linear', test: 'none', pValue: null, reason: 'fewer than 4 points' };
  const test = `F-test on the quadratic term (alpha ${alpha})`;
  const df = n - 3;
  const gain = Math.max(0, linear.rss - quadratic.rss);
  // A linear fit that is exact up to rounding (relative to the data's own size): nothing for the quadratic term to explain.
  const size = ys.reduce((a, b) => a + b * b, 0);
  if (linear.rss <= 1e-20 * size) {
    return { linear, quadratic, verdict: 'linear', test, pValue: 1, reason: 'the linear fit is exact (no residual for a quadratic term to explain)' };
  }
  const f = quadratic.rss > 0 ? gain / (quadratic.rss / df) : Number.POSITIVE_INFINITY;
  const pValue = fSurvival(f, 1, df);
  const c2 = quadratic.coefficients[2] as number;
  const xMax = xs.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
  const atMax = evaluatePolynomial(quadratic.coefficients, xMax);
  const share = atMax !== 0 ? ` (c2 x² is ${((100 * c2 * xMax * xMax) / atMax).toFixed(1)}% of the quadratic fit at x = ${xMax})` : '';
  const stat = `F(1, ${df}) = ${f === Number.POSITIVE_INFINITY ? 'inf' : f.toPrecision(3)}, p = ${formatP(pValue)}`;
  if (pValue >= alpha) {
    return { linear, quadratic, verdict: 'linear', test, pValue, reason: `${stat} >= ${alpha}: the quadratic term explains no significant extra variance${share}` };
  }
  if (c2 <= 0) {
    return {
      linear,
      quadratic,
      verdict: 'linear',
      test,
      pValue,
      reason: `${stat} < ${alpha} but the quadratic term is negative${share}: the cost per unit falls as x grows, not quadratic growth, so the linear slope stands as the cost per unit`,
    };
  }
  return { linear, quadratic, verdict: 'quadratic', test, pValue, reason: `${stat} < ${alpha} and the quadratic term is positive${share}` };
}
