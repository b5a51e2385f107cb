/**
 * Fitted cost curves as the scaling specs report them: chooseModel over a metric's points (one
 * per ok record), a table of both fits with the verdict and why, and the fit lines for a chart.
 * The specs only pick the points; the fitting, formatting and look are decided here.
 */
import { chooseModel, evaluatePolynomial, type ModelChoice } from '../profiler/fit.js';
import type { TextTable } from './format.js';
import type { Series } from './sweep-charts.js';

/** One measurement: (x, y), e.g. (prompt tokens, prefill ms). */
export type FitPoint = readonly [number, number];

/** A fit to report, or why there is none. */
export type ReportedFit = { label: string; status: 'ok'; choice: ModelChoice; points: readonly FitPoint[] } | { label: string; status: 'skipped'; reason: string; points: readonly FitPoint[] };

/**
 * chooseModel over `points`, labelled (e.g. `prefill_ms`); `skipped` with the reason when no
 * line can be fitted (fewer than 2 distinct x values).
 */
export function fitPoints(label: string, points: readonly FitPoint[]): ReportedFit {
  const distinct = new Set(points.map(([x]) => x)).size;
  if (distinct < 2) return { label, status: 'skipped', reason: `${distinct} distinct x value${distinct === 1 ? '' : 's'} (a line needs 2)`, points };
  return { label, status: 'ok', choice: chooseModel(points.map(([x]) => x), points.map(([, y]) => y)), points };
}

/** A coefficient with 3 significant digits; exponent notation below 0.001 (ms per token² is ~1e-6). */
export function formatCoefficient(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs < 1e-3) return value.toExponential(2);
  if (abs >= 1000) return value.toFixed(0);
  return String(Number(value.toPrecision(3)));
}

const formatR2 = (r2: number): string => (Number.isFinite(r2) ? r2.toFixed(4) : '-');
const formatP = (p: number | null): string => (p === null ? '-' : p < 1e-4 ? p.toExponential(1) : p.toPrecision(2));

/**
 * Both fits per row: the linear fit's intercept (ms), slope (ms per `xUnit`) and R², the
 * quadratic's three coefficients and R², the verdict and the F-test's p-value; the note gives
 * each verdict's reason.
 */
export function fitTable(input: { title: string; xUnit: string; yUnit?: string; fits: readonly ReportedFit[] }): TextTable {
  const y = input.yUnit ?? 'ms';
  const u = input.xUnit;
  const header = ['fit', 'n', `linear ${y}`, `linear ${y}/${u}`, 'linear R²', `quadratic ${y}`, `quadratic ${y}/${u}`, `quadratic ${y}/${u}²`, 'quadratic R²', 'verdict', 'p (F-test)'];
  const rows = input.fits.map((f): string[] => {
    if (f.status === 'skipped') return [f.label, String(f.points.length), '-', '-', '-', '-', '-', '-', '-', 'none', '-'];
    const { linear, quadratic, verdict, pValue } = f.choice;
    const [c0 = 0, c1 = 0] = linear.coefficients;
    const [q0 = 0, q1 = 0, q2 = 0] = quadratic.coefficients;
    return [f.label, String(linear.n), formatCoefficient(c0), formatCoefficient(c1), formatR2(linear.r2), formatCoefficient(q0), formatCoefficient(q1), formatCoefficient(q2), formatR2(quadratic.r2), verdict, formatP(pValue)];
  });
  const reasons = input.fits.map((f) => `${f.label}: ${f.status === 'ok' ? `${f.choice.verdict} (${f.choice.test}): ${f.choice.reason}` : `no fit, ${f.reason}`}`);
  return { title: input.title, header, rows, note: `least squares over every ok trial; verdict: ${reasons.join('. ')}.` };
}

/** Points between the smallest and largest x: evenly spaced, or geometrically on a log axis (x > 0). */
function sampleXs(xs: readonly number[], logX: boolean, count = 48): number[] {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  if (lo === hi) return [lo];
  if (logX && lo > 0) return Array.from({ length: count }, (_, i) => lo * (hi / lo) ** (i / (count - 1)));
  return Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));
}

/**
 * The measured points (no line) and both fits as dashed lines (linear long dashes, quadratic
 * short) over the measured x range, for lineChart. Labels start with `label`, so the fits take
 * the points' colour.
 */
export function fitSeries(fit: ReportedFit, options: { logX?: boolean } = {}): Series[] {
  const points: Series = { label: fit.label, points: [...fit.points].sort((a, b) => a[0] - b[0]), scatter: true };
  if (fit.status !== 'ok') return [points];
  const xs = sampleXs(fit.points.map(([x]) => x), options.logX === true);
  const line = (coefficients: readonly number[]): [number, number][] => xs.map((x) => [x, evaluatePolynomial(coefficients, x)]);
  const { linear, quadratic, verdict } = fit.choice;
  const mark = (kind: 'linear' | 'quadratic'): string => (verdict === kind ? ' (verdict)' : '');
  return [
    points,
    // R^2, not R²: the charts' bundled font has no superscript two.
    { label: `${fit.label} linear fit, R^2 ${formatR2(linear.r2)}${mark('linear')}`, points: line(linear.coefficients), dashed: [8, 4] },
    { label: `${fit.label} quadratic fit, R^2 ${formatR2(quadratic.r2)}${mark('quadratic')}`, points: line(quadratic.coefficients), dashed: [2, 3] },
  ];
}
