/**
 * Evaluates a suite entry's expectations on the summary of its records (statistics per variant,
 * parameters and turn, src/report/summary.ts). Pure: the same summary gives the same verdicts.
 */
import type { Summary, VariantSummary } from '../report/summary.js';
import type { Check, Expectation, ExpectationResult } from './types.js';

/** A statistic as text: whole numbers from 1000 on, else 4 significant digits, exponent form below 0.001. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  if (value === 0) return '0';
  if (Math.abs(value) >= 1000) return String(Math.round(value));
  if (Math.abs(value) < 1e-3) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/** One line saying what the expectation asks, e.g. `audio_encoder_ms p50 of dynamic (audio_s=5) < 0.2 x pad-all's`. */
export function describeExpectation(e: Expectation): string {
  const filters = [
    ...Object.entries(e.params ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(e.turn !== undefined ? [`turn ${e.turn}`] : []),
  ];
  const who = `${e.variant ?? 'every variant'}${filters.length > 0 ? ` (${filters.join(' ')})` : ''}`;
  const subject = `${e.metric} ${e.stat} of ${who}`;
  const b = e.bound;
  if (b.kind === 'atMost') return `${subject} <= ${b.value}`;
  if (b.kind === 'atLeast') return `${subject} >= ${b.value}`;
  const other = [b.variant !== undefined ? `${b.variant}'s` : 'its own', b.metric !== undefined ? `${b.metric} ${e.stat}` : ''].filter(Boolean).join(' ');
  return `${subject} ${b.kind === 'lessThan' ? '<' : '>'} ${b.times === 1 ? '' : `${b.times} x `}${other}`;
}

function sameParams(a: Readonly<Record<string, number | string>>, b: Readonly<Record<string, number | string>>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => String(a[k]) === String(b[k]));
}

/** The groups an expectation reads: its variant (or every variant), its parameters and its turn. */
function selectedGroups(summary: Summary, e: Expectation): VariantSummary[] {
  return summary.variants.filter(
    (g) =>
      (e.variant === undefined || g.variant === e.variant) &&
      (e.turn === undefined || g.turn === e.turn) &&
      Object.entries(e.params ?? {}).every(([k, v]) => g.params[k] !== undefined && String(g.params[k]) === v),
  );
}

/** The check of one group against a fixed limit or its counterpart group. */
function checkGroup(summary: Summary, e: Expectation, g: VariantSummary): Check {
  const value = g.metrics[e.metric]?.[e.stat] ?? null;
  const b = e.bound;
  if (b.kind === 'atMost' || b.kind === 'atLeast') {
    if (value === null) return { group: g.group, value, limit: b.value, pass: false, note: `no ${e.metric} values` };
    return { group: g.group, value, limit: b.value, pass: b.kind === 'atMost' ? value <= b.value : value >= b.value };
  }
  const variant = b.variant ?? g.variant;
  const metric = b.metric ?? e.metric;
  const other = summary.variants.find((o) => o.variant === variant && o.turn === g.turn && sameParams(o.params, g.params));
  if (!other) return { group: g.group, value, limit: null, pass: false, note: `no ${variant} group at the same parameters and turn` };
  const otherValue = other.metrics[metric]?.[e.stat] ?? null;
  const against = { group: metric === e.metric ? other.group : `${other.group} ${metric}`, value: otherValue };
  if (value === null || otherValue === null) {
    return { group: g.group, value, against, limit: null, pass: false, note: `no ${value === null ? e.metric : metric} values${value === null ? '' : ` in ${other.group}`}` };
  }
  const limit = otherValue * b.times;
  return { group: g.group, value, against, limit, pass: b.kind === 'lessThan' ? value < limit : value > limit };
}

/**
 * Evaluates `e` on `summary`. With a variant named, each of its selected groups must have the
 * metric and satisfy the bound. Without one, every group that has the metric must satisfy it
 * (the reference's own groups have no `logits_max_abs_diff`, for instance), the compared-with
 * variant's own groups are left out, and at least one group must have been checked.
 */
export function evaluateExpectation(summary: Summary, e: Expectation): ExpectationResult {
  const text = describeExpectation(e);
  const b = e.bound;
  const selfCompared = (g: VariantSummary): boolean => (b.kind === 'lessThan' || b.kind === 'greaterThan') && b.metric === undefined && g.variant === b.variant;
  let groups = selectedGroups(summary, e);
  if (e.variant === undefined) groups = groups.filter((g) => g.metrics[e.metric] !== undefined && !selfCompared(g));
  if (groups.length === 0) {
    const what = e.variant === undefined ? `no group has ${e.metric} values` : `no ${e.variant} group in the results`;
    const filtered = e.params !== undefined || e.turn !== undefined ? ' at the given params/turn' : '';
    return { status: 'fail', expectation: e, text, checks: [], reason: `${what}${filtered}` };
  }
  const checks = groups.map((g) => checkGroup(summary, e, g));
  const failed = checks.filter((c) => !c.pass);
  if (failed.length === 0) return { status: 'pass', expectation: e, text, checks };
  return { status: 'fail', expectation: e, text, checks, reason: failed.map(checkLine).join('; ') };
}

/** One check as text: `dynamic audio_s=5: 52.1 vs 0.2 x 2276 (pad-all audio_s=5) = 455.2: pass`. */
export function checkLine(c: Check): string {
  const measured = `${c.group}: ${formatValue(c.value)}`;
  const limit = c.against ? `${formatValue(c.against.value)} (${c.against.group})${c.limit !== null ? `, limit ${formatValue(c.limit)}` : ''}` : formatValue(c.limit);
  return `${measured} vs ${limit}${c.note ? ` (${c.note})` : ''}`;
}

/** Every expectation of an entry, or `not-evaluated` for all when the run left no records. */
export function evaluateAll(summary: Summary | undefined, expectations: readonly Expectation[], reason = 'the run left no records'): ExpectationResult[] {
  return expectations.map((e): ExpectationResult => (summary ? evaluateExpectation(summary, e) : { status: 'not-evaluated', expectation: e, text: describeExpectation(e), reason }));
}
