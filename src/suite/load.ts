/**
 * Reads and validates a suite file (JSON or YAML, docs/ci.md) before anything runs: every
 * problem is a UsageError of one line naming the file, the entry and the field.
 */
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';
import { readRegularFileSync } from '../safe-fs.js';
import { terminalSafe } from '../safe-text.js';
import { SUMMARY_METRICS } from '../report/summary.js';
import { getSpec, listSpecs } from '../specs/registry.js';
import type { Spec } from '../specs/spec.js';
import { parseEntryArgs } from './args.js';
import { SUITE_STATS, type Bound, type Counterpart, type Expectation, type SuiteEntry, type SuiteFile, type SuiteStat } from './types.js';

/** A suite file larger than this is not a suite file. */
const MAX_SUITE_BYTES = 4 * 1024 * 1024;

/** Entry names become folder names: letters, digits, `.`, `_`, `-`, not starting with a dot. */
const ENTRY_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

const TOP_KEYS = ['runs', 'args'];
const ENTRY_KEYS = ['name', 'spec', 'args', 'expect'];
const EXPECT_KEYS = ['metric', 'stat', 'variant', 'params', 'turn', 'atMost', 'atLeast', 'lessThan', 'greaterThan'];
const RELATIVE_KEYS = ['variant', 'metric', 'times'];
const BOUND_KINDS = ['atMost', 'atLeast', 'lessThan', 'greaterThan'] as const;
/** Columns filled against the spec's reference variant only. */
const REFERENCE_METRICS = new Set(['logits_max_abs_diff', 'audio_features_max_abs_diff', 'encoder_features_max_abs_diff']);
const METRIC_NAMES = new Set(SUMMARY_METRICS.map((m) => m.name));

type Json = unknown;

/** Throws the UsageError of one field; `where` is the file and entry prefix. */
function fail(where: string, message: string): never {
  throw new UsageError(terminalSafe(`${where}: ${message}`));
}

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: Json): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function refuseUnknownKeys(where: string, value: Record<string, Json>, allowed: readonly string[], field = ''): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(where, `${field}${key}: unknown field (expected ${allowed.join(', ')})`);
  }
}

/** The file's text as data: YAML (JSON is a subset of it), first error line only. */
function parseText(path: string, text: string): Json {
  try {
    return parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const first = (error as Error).message.split('\n')[0] ?? 'cannot be parsed';
    return fail(path, `not valid JSON or YAML: ${first}`);
  }
}

/** An args list: strings (numbers are taken as their text, so YAML's `- 5` works). */
function argsOf(where: string, field: string, value: Json): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail(where, `${field}: expected a list of strings, e.g. ["--repeats", "2"]`);
  return value.map((arg, i) => {
    if (typeof arg === 'string') return arg;
    if (typeof arg === 'number' && Number.isFinite(arg)) return String(arg);
    return fail(where, `${field}[${i}]: expected a string, got ${show(arg)}`);
  });
}

function finiteNumber(where: string, field: string, value: Json): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(where, `${field}: expected a number, got ${show(value)}`);
  return value as number;
}

function metricName(where: string, field: string, value: Json): string {
  if (typeof value !== 'string') return fail(where, `${field}: expected a records.csv column name, e.g. "ttft_ms"`);
  if (!METRIC_NAMES.has(value)) fail(where, `${field} '${value}': not a summarized column (known: ${[...METRIC_NAMES].join(', ')})`);
  return value;
}

function variantName(where: string, field: string, value: Json, variants: readonly string[], spec: Spec): string {
  if (typeof value !== 'string') return fail(where, `${field}: expected a variant name (${variants.join(', ')})`);
  if (!variants.includes(value)) fail(where, `${field} '${value}': ${spec.name} has no such variant (known: ${variants.join(', ')})`);
  return value;
}

/** lessThan / greaterThan: `{ variant?, metric?, times? }` with a variant or a metric to compare with. */
function relativeBound(where: string, field: string, value: Json, context: { variants: readonly string[]; spec: Spec }): Counterpart {
  if (!isObject(value)) return fail(where, `${field}: expected { variant, times } (another variant's same statistic times a factor)`);
  refuseUnknownKeys(where, value, RELATIVE_KEYS, `${field}.`);
  if (value['variant'] === undefined && value['metric'] === undefined) fail(where, `${field}: give the variant (or the metric) to compare with`);
  const times = value['times'] === undefined ? 1 : finiteNumber(where, `${field}.times`, value['times']);
  if (times <= 0) fail(where, `${field}.times: expected a factor > 0, got ${times}`);
  return {
    ...(value['variant'] !== undefined ? { variant: variantName(where, `${field}.variant`, value['variant'], context.variants, context.spec) } : {}),
    ...(value['metric'] !== undefined ? { metric: metricName(where, `${field}.metric`, value['metric']) } : {}),
    times,
  };
}

function paramsOf(where: string, field: string, value: Json, spec: Spec): Record<string, string> {
  if (!isObject(value)) return fail(where, `${field}: expected { name: value }, e.g. { audio_s: 5 }`);
  const known = spec.parameters ?? [];
  const params: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (!known.includes(name)) fail(where, `${field}.${name}: ${spec.name} has ${known.length > 0 ? `parameters ${known.join(', ')}` : 'no parameters'}`);
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) fail(where, `${field}.${name}: expected a number or text, got ${show(v)}`);
    params[name] = String(v);
  }
  return params;
}

/** One expectation of an entry, validated against the spec's variants and the summary's columns. */
function expectationOf(where: string, field: string, value: Json, context: { variants: readonly string[]; spec: Spec }): Expectation {
  if (!isObject(value)) return fail(where, `${field}: expected { metric, stat, atMost | atLeast | lessThan | greaterThan }`);
  refuseUnknownKeys(where, value, EXPECT_KEYS, `${field}.`);
  if (value['metric'] === undefined) fail(where, `${field}.metric: missing (a records.csv column, e.g. "audio_encoder_ms")`);
  const metric = metricName(where, `${field}.metric`, value['metric']);
  if (value['stat'] === undefined) fail(where, `${field}.stat: missing (one of ${SUITE_STATS.join(', ')})`);
  const stat = value['stat'];
  if (typeof stat !== 'string' || !(SUITE_STATS as readonly string[]).includes(stat)) fail(where, `${field}.stat ${show(stat)}: expected one of ${SUITE_STATS.join(', ')}`);
  const kinds = BOUND_KINDS.filter((k) => value[k] !== undefined);
  if (kinds.length !== 1) fail(where, `${field}: give exactly one of ${BOUND_KINDS.join(', ')}${kinds.length > 1 ? ` (got ${kinds.join(' and ')})` : ''}`);
  const kind = kinds[0] as (typeof BOUND_KINDS)[number];
  const bound: Bound =
    kind === 'atMost' || kind === 'atLeast'
      ? { kind, value: finiteNumber(where, `${field}.${kind}`, value[kind]) }
      : { kind, ...relativeBound(where, `${field}.${kind}`, value[kind], context) };
  const expectation: Expectation = {
    metric,
    stat: stat as SuiteStat,
    ...(value['variant'] !== undefined ? { variant: variantName(where, `${field}.variant`, value['variant'], context.variants, context.spec) } : {}),
    ...(value['params'] !== undefined ? { params: paramsOf(where, `${field}.params`, value['params'], context.spec) } : {}),
    ...(value['turn'] !== undefined ? { turn: turnOf(where, `${field}.turn`, value['turn']) } : {}),
    bound,
  };
  checkMeasurable(where, field, expectation, context.spec);
  return expectation;
}

function turnOf(where: string, field: string, value: Json): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail(where, `${field}: expected a turn number >= 0 (0-based), got ${show(value)}`);
  return value as number;
}

/** Expectations that could never hold: a column the spec never fills, a group compared with itself. */
function checkMeasurable(where: string, field: string, e: Expectation, spec: Spec): void {
  const metrics = e.bound.kind === 'lessThan' || e.bound.kind === 'greaterThan' ? [e.metric, e.bound.metric ?? e.metric] : [e.metric];
  for (const metric of metrics) {
    if (!REFERENCE_METRICS.has(metric)) continue;
    if (!spec.reference) fail(where, `${field}: ${metric} is never filled in ${spec.name} (it has no reference variant to compare with)`);
    if (e.variant === spec.reference) fail(where, `${field}: ${metric} is empty on ${spec.reference}'s own records (the reference); name another variant or none`);
  }
  if ((e.bound.kind === 'lessThan' || e.bound.kind === 'greaterThan') && e.bound.metric === undefined && e.bound.variant !== undefined && e.bound.variant === e.variant) {
    fail(where, `${field}.${e.bound.kind}.variant: compares ${e.variant} with itself; name another variant or a metric`);
  }
}

/** One entry: name, spec, args (parsed as the spec's command would) and expectations. */
function entryOf(path: string, index: number, value: Json, shared: readonly string[], extra: readonly string[], names: Set<string>): SuiteEntry {
  const label = isObject(value) && typeof value['name'] === 'string' ? ` '${value['name']}'` : '';
  const where = `${path}: entry ${index + 1}${label}`;
  if (!isObject(value)) return fail(where, 'expected { name, spec, args, expect }');
  refuseUnknownKeys(where, value, ENTRY_KEYS);
  const name = value['name'];
  if (name === undefined) fail(where, 'name: missing (it names the entry\'s results folder DIR/<name>/)');
  if (typeof name !== 'string' || !ENTRY_NAME.test(name)) fail(where, `name ${show(name)}: expected a folder name of letters, digits, '.', '_' and '-'`);
  if (names.has(name as string)) fail(where, `name '${name as string}': another entry has this name (each entry needs its own results folder)`);
  names.add(name as string);
  const specName = value['spec'];
  if (specName === undefined) fail(where, `spec: missing (one of ${listSpecs().map((s) => s.name).join(', ')})`);
  if (typeof specName !== 'string') fail(where, `spec: expected a spec name (one of ${listSpecs().map((s) => s.name).join(', ')})`);
  let spec: Spec;
  try {
    spec = getSpec(specName as string);
  } catch (error) {
    return fail(where, `spec: ${(error as Error).message}`);
  }
  const own = argsOf(where, 'args', value['args']);
  const args = [...shared, ...own, ...extra];
  if (extra.length > 0 && [...shared, ...own].some((a) => a === '--shard' || a.startsWith('--shard='))) {
    fail(where, 'args: --shard is given to the suite; leave it out of the entry');
  }
  let variants: string[];
  try {
    const { options } = parseEntryArgs(spec, args);
    const specVariants = spec.variants(options);
    // Planning without samples checks the spec's own option values (--audio-seconds, --turns...).
    spec.plan({ samples: [], variants: specVariants, options });
    variants = specVariants.map((v) => v.name);
  } catch (error) {
    return fail(where, `args: ${(error as Error).message}`);
  }
  const rawExpect = value['expect'] ?? [];
  if (!Array.isArray(rawExpect)) return fail(where, 'expect: expected a list of expectations');
  const expect = rawExpect.map((e, i) => expectationOf(where, `expect[${i}]`, e, { variants, spec }));
  return { name: name as string, spec: spec.name, args, expect };
}

/** The entries of the parsed file: a list, or `{ args?, runs }`. */
function entriesOf(path: string, data: Json, extra: readonly string[]): SuiteEntry[] {
  let list: Json = data;
  let shared: string[] = [];
  if (isObject(data)) {
    refuseUnknownKeys(path, data, TOP_KEYS);
    if (data['runs'] === undefined) fail(path, 'runs: missing (the list of entries)');
    shared = argsOf(path, 'args', data['args']);
    list = data['runs'];
  }
  if (!Array.isArray(list)) return fail(path, 'expected a list of entries, or { runs: [...] }');
  if (list.length === 0) fail(path, 'no entries (nothing to run)');
  const names = new Set<string>();
  return list.map((entry, i) => entryOf(path, i, entry, shared, extra, names));
}

/**
 * Reads and validates the suite file at `path`. `extraArgs` (the suite's own --shard) are
 * appended to every entry's args. UsageError naming the file, entry and field otherwise.
 */
export function loadSuite(path: string, extraArgs: readonly string[] = []): SuiteFile {
  const text = readRegularFileSync(path, 'suite file', (m) => new UsageError(m), MAX_SUITE_BYTES).toString('utf8');
  return { path, entries: entriesOf(path, parseText(path, text), extraArgs) };
}

/** Validates suite data already parsed (the library's entry point; `path` names it in errors). */
export function validateSuite(path: string, data: unknown, extraArgs: readonly string[] = []): SuiteFile {
  return { path, entries: entriesOf(path, data, extraArgs) };
}
