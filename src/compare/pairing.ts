/**
 * Pairs the ok records of two runs: the unit is a trial's key without its repeat (dataset,
 * sample, variant, turn, parameters), grouped by (variant, parameters, turn). Also resolves
 * which records.csv columns may be compared.
 */
import { UsageError } from '../errors.js';
import { recordColumns, paramsString, type TrialKey, type TrialRecord } from '../report/record.js';
import { TTFT_STAGES } from '../stages.js';
import type { CompareGroup, MetricUnit } from './types.js';

/** A records.csv column that compare can read: lower is better, unit from its suffix. */
export interface CompareMetric {
  name: string;
  unit: MetricUnit;
  read(record: TrialRecord): number | null;
}

/**
 * Metrics compared without --metric, in output order (each only where either run has values):
 * TTFT, every TTFT stage, TPOT, and the memory peaks of each method.
 */
export const DEFAULT_METRICS: readonly string[] = ['ttft_ms', ...TTFT_STAGES.map((s) => `${s}_ms`), 'tpot_ms', 'rss_poll_peak_mb', 'vmhwm_peak_mb', 'gpu_smi_peak_mb'];

/** Every numeric records.csv column in ms or MB (times and sizes, where lower is better). */
const METRIC_COLUMNS = new Map(
  recordColumns({ comparesLogits: true })
    .filter((c) => c.kind === 'number' && /_(ms|mb)$/.test(c.name))
    .map((c): [string, CompareMetric] => [c.name, { name: c.name, unit: c.name.endsWith('_ms') ? 'ms' : 'MB', read: (r) => c.get(r) as number | null }]),
);

/** The metrics named, in order; UsageError for a name that is not an `_ms` or `_mb` column of records.csv. */
export function resolveMetrics(names: readonly string[]): CompareMetric[] {
  if (names.length === 0) throw new UsageError('--metric: no metric named (e.g. --metric ttft_ms,prefill_ms)');
  const unknown = names.filter((n) => !METRIC_COLUMNS.has(n));
  if (unknown.length > 0) {
    throw new UsageError(`--metric ${unknown.join(',')}: not a records.csv column in ms or MB (e.g. ttft_ms, prefill_ms, audio_encoder_ms, rss_poll_peak_mb; see docs/results-format.md)`);
  }
  return [...new Set(names)].map((n) => METRIC_COLUMNS.get(n)!);
}

/** The pair key of a trial: its keyString without the repeat (`dataset/sample|variant|t<turn>[|params]`). */
export function pairKey(key: Omit<TrialKey, 'repeat'>): string {
  const params = paramsString(key.params);
  return `${key.dataset}/${key.sampleId}|${key.variant}|t${key.turn}${params ? `|${params}` : ''}`;
}

/** One sample of a group with its ok trials on each side. */
export interface PairedSample {
  /** `dataset/sample_id`. */
  sample: string;
  baseline: TrialRecord[];
  current: TrialRecord[];
}

/** A group (variant, parameters, turn) and its paired samples, in baseline file order. */
export interface PairedGroup extends CompareGroup {
  samples: PairedSample[];
}

/** The pairing of two record sets. */
export interface Pairing {
  groups: PairedGroup[];
  /** Pair keys with ok trials on one side only. */
  baselineOnly: string[];
  currentOnly: string[];
}

function byPairKey(records: readonly TrialRecord[]): Map<string, TrialRecord[]> {
  const map = new Map<string, TrialRecord[]>();
  for (const r of records) {
    if (r.status !== 'ok') continue;
    const key = pairKey(r);
    const list = map.get(key);
    if (list) list.push(r);
    else map.set(key, [r]);
  }
  return map;
}

/** Pairs the ok records of `baseline` and `current` (error and skipped rows take no part). */
export function pairRecords(baseline: readonly TrialRecord[], current: readonly TrialRecord[]): Pairing {
  const base = byPairKey(baseline);
  const cur = byPairKey(current);
  const groups = new Map<string, PairedGroup>();
  const baselineOnly: string[] = [];
  for (const [key, records] of base) {
    const other = cur.get(key);
    if (!other) {
      baselineOnly.push(key);
      continue;
    }
    const first = records[0]!;
    const params = paramsString(first.params);
    const groupKey = `${first.variant}|${params}|${first.turn}`;
    let group = groups.get(groupKey);
    if (!group) groups.set(groupKey, (group = { variant: first.variant, params, turn: first.turn, samples: [] }));
    group.samples.push({ sample: `${first.dataset}/${first.sampleId}`, baseline: records, current: other });
  }
  const currentOnly = [...cur.keys()].filter((k) => !base.has(k));
  return { groups: [...groups.values()], baselineOnly, currentOnly };
}
