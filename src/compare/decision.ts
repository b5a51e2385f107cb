/**
 * The verdict on one metric, as asv's `compare`: a change counts only when it is large
 * (ratio beyond the threshold), significant (p below alpha) and material (the pooled means
 * differ by more than a minimum), all in the same direction.
 */
import type { Verdict } from './types.js';

/** The rules of one verdict. */
export interface DecisionRules {
  /** > 1: ratio above it may be a regression, below 1/threshold an improvement. */
  threshold: number;
  /** Significance level, in (0, 1). */
  alpha: number;
  /** Smallest |delta| (metric's unit) that counts, >= 0. */
  minDelta: number;
}

/** What the verdict reads. */
export interface DecisionInput {
  /** current/baseline (geometric mean over samples). */
  ratio: number;
  pValue: number;
  /** Pooled mean current - pooled mean baseline, in the metric's unit. */
  delta: number;
  unit: string;
}

/** RangeError for rules no comparison can use. */
export function checkRules(rules: DecisionRules): void {
  if (!(rules.threshold > 1) || !Number.isFinite(rules.threshold)) throw new RangeError(`threshold must be a finite number > 1 (got ${rules.threshold})`);
  if (!(rules.alpha > 0 && rules.alpha < 1)) throw new RangeError(`alpha must be within (0, 1) (got ${rules.alpha})`);
  if (!(rules.minDelta >= 0) || !Number.isFinite(rules.minDelta)) throw new RangeError(`minimum delta must be a finite number >= 0 (got ${rules.minDelta})`);
}

function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

/**
 * regressed: ratio > threshold, p < alpha and delta > minDelta; improved: ratio < 1/threshold,
 * p < alpha and delta < -minDelta; otherwise unchanged, with the rules that held it back in
 * `why` (e.g. `p 0.03 >= 0.01`).
 */
export function decide(input: DecisionInput, rules: DecisionRules): { status: Verdict; why: string } {
  checkRules(rules);
  const slower = input.ratio > 1;
  const large = slower ? input.ratio > rules.threshold : input.ratio < 1 / rules.threshold;
  const significant = input.pValue < rules.alpha;
  const material = slower ? input.delta > rules.minDelta : input.delta < -rules.minDelta;
  if (large && significant && material) return { status: slower ? 'regressed' : 'improved', why: '' };
  const held: string[] = [];
  if (!large) held.push(`ratio within ${rules.threshold}x`);
  if (!significant) held.push(`p ${formatP(input.pValue)} >= ${rules.alpha}`);
  if (!material) {
    // The pooled means may move against the ratio when large samples and small ones disagree.
    const against = slower ? input.delta < 0 : input.delta > 0;
    held.push(against ? 'pooled means moved the other way' : `|delta| ${Math.abs(input.delta).toFixed(2)} ${input.unit} <= ${rules.minDelta} ${input.unit}`);
  }
  return { status: 'unchanged', why: held.join('; ') };
}
