/**
 * The two results folders of a comparison: read strictly (records.csv and meta.json, or exit 2
 * naming what is missing), checked to measure the same thing (spec, model), and compared for
 * what may make their numbers differ besides the code (machine, versions, calibration, options).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, errorMessage } from '../errors.js';
import { readRecordsCsv } from '../report/csv.js';
import type { RunMeta } from '../report/meta.js';
import type { TrialRecord } from '../report/record.js';
import type { CompareWarning, FolderInfo } from './types.js';

/** One side of a comparison. */
export interface ResultsFolder {
  dir: string;
  role: 'baseline' | 'current';
  meta: RunMeta;
  records: TrialRecord[];
}

function readMetaStrict(dir: string, role: string): RunMeta {
  const path = join(dir, 'meta.json');
  if (!existsSync(path)) throw new UsageError(`${role} ${dir}: no meta.json (pass a results folder written by an omni-bench spec)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${role} ${path}: cannot be read (${errorMessage(error)})`);
  }
  const meta = parsed as Partial<RunMeta> | null;
  if (!meta || typeof meta !== 'object' || meta.format !== 'omni-bench-meta/1' || typeof meta.spec !== 'string') {
    throw new UsageError(`${role} ${path}: not an omni-bench meta.json (no format 'omni-bench-meta/1' and spec)`);
  }
  return meta as RunMeta;
}

/** Reads a results folder; UsageError (exit 2) naming the folder and the file that is missing or unreadable. */
export function readResultsFolder(dir: string, role: 'baseline' | 'current'): ResultsFolder {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${role} ${dir}: not a folder (pass a results folder written by an omni-bench spec)`);
  const recordsPath = join(dir, 'records.csv');
  if (!existsSync(recordsPath)) throw new UsageError(`${role} ${dir}: no records.csv (pass a results folder written by an omni-bench spec)`);
  const meta = readMetaStrict(dir, role);
  let records: TrialRecord[];
  try {
    records = readRecordsCsv(recordsPath).records;
  } catch (error) {
    throw new UsageError(`${role}: ${errorMessage(error)}`);
  }
  return { dir, role, meta, records };
}

/** How the writers name a folder. */
export function folderInfo(folder: ResultsFolder): FolderInfo {
  return { dir: folder.dir, gitSha: folder.meta.environment?.gitSha ?? null, startedAt: folder.meta.startedAt ?? null, records: folder.records.length };
}

function modelText(model: Record<string, unknown>): string {
  const parts = [model['preset'] ? `preset ${String(model['preset'])}` : undefined, model['dir'] ? String(model['dir']) : undefined, model['hash'] ? `hash ${String(model['hash'])}` : undefined];
  return parts.filter((p) => p !== undefined).join(', ') || 'unknown';
}

/**
 * Why the two runs cannot be compared (another spec, another model), or undefined. The model
 * is the same when both hashes are equal (its folder may have moved); without hashes, when
 * preset and folder are equal.
 */
export function comparabilityProblem(baseline: ResultsFolder, current: ResultsFolder): string | undefined {
  const specs = (f: ResultsFolder): string[] => [...new Set([f.meta.spec, ...f.records.map((r) => r.spec)])];
  const [b, c] = [specs(baseline), specs(current)];
  if (b.length > 1) return `baseline ${baseline.dir} mixes specs (${b.join(', ')})`;
  if (c.length > 1) return `current ${current.dir} mixes specs (${c.join(', ')})`;
  if (b[0] !== c[0]) return `the runs are of other specs (baseline ${b[0]}, current ${c[0]}): compare two runs of one spec`;
  const bm = baseline.meta.model;
  const cm = current.meta.model;
  if (!bm || !cm) return undefined;
  const same = bm['hash'] !== undefined && cm['hash'] !== undefined ? bm['hash'] === cm['hash'] : bm['preset'] === cm['preset'] && bm['dir'] === cm['dir'];
  return same ? undefined : `the runs used other models (baseline ${modelText(bm)}; current ${modelText(cm)}): compare runs of one model`;
}

/** Values of `keys` that differ between two objects, as `key a vs b`. */
function differences(a: Record<string, unknown>, b: Record<string, unknown>, keys: readonly string[]): string[] {
  const text = (v: unknown): string => (v === undefined ? 'unset' : typeof v === 'string' ? `'${v}'` : JSON.stringify(v));
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map((k) => `${k} ${text(a[k])} vs ${text(b[k])}`);
}

/** Options that do not change what is measured (where results go, what is printed, which manifest file). */
const IGNORED_OPTIONS = new Set(['out', 'resume', 'json', 'quiet', 'manifest', 'variants']);

/** meta.json's options with the spec's own as `specOptions.<name>`, so a difference names the option. */
function flatOptions(options: Record<string, unknown> | undefined): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if (key === 'specOptions' && value && typeof value === 'object') {
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) flat[`specOptions.${name}`] = v;
    } else flat[key] = value;
  }
  return flat;
}

/** Calibrated MatMul peaks further apart than this (relative) are warned about. */
export const CALIBRATION_WARN_FRACTION = 0.1;

/**
 * What may make the runs' numbers differ besides the code: another machine (CPU model, cores,
 * memory, OS), other software (Node, onnxruntime, ffmpeg), another omni-bench version,
 * calibrated MatMul peaks more than 10% apart, other options, a missing model record or an
 * interrupted run.
 */
export function comparisonWarnings(baseline: ResultsFolder, current: ResultsFolder): CompareWarning[] {
  const warnings: CompareWarning[] = [];
  const be = (baseline.meta.environment ?? {}) as unknown as Record<string, unknown>;
  const ce = (current.meta.environment ?? {}) as unknown as Record<string, unknown>;
  const machine = differences(be, ce, ['cpuModel', 'cores', 'memoryBytes', 'os']);
  if (machine.length > 0) warnings.push({ kind: 'machine', message: `the runs ran on other machines (${machine.join(', ')}): ratios mix the code's change with the machine's; compare runs from one machine` });
  const software = differences(be, ce, ['node', 'onnxruntime', 'ffmpeg']);
  if (software.length > 0) warnings.push({ kind: 'software', message: `the runs used other software (${software.join(', ')}): a change may come from it rather than the code` });
  const version = differences(be, ce, ['omniBench']);
  if (version.length > 0) warnings.push({ kind: 'version', message: `the runs were made by other omni-bench versions (${version.join(', ')}): how a metric is measured may have changed` });
  const bp = baseline.meta.calibration?.['peakGflops'];
  const cp = current.meta.calibration?.['peakGflops'];
  if (typeof bp === 'number' && typeof cp === 'number' && bp > 0 && Math.abs(cp / bp - 1) > CALIBRATION_WARN_FRACTION) {
    const pct = ((cp / bp - 1) * 100).toFixed(1);
    warnings.push({ kind: 'calibration', message: `the calibrated MatMul peak differs by ${pct}% (baseline ${bp.toFixed(1)}, current ${cp.toFixed(1)} GFLOP/s): the machine, its load or --threads differed; compare runs made under the same conditions` });
  }
  const bo = flatOptions(baseline.meta.options);
  const co = flatOptions(current.meta.options);
  const keys = [...new Set([...Object.keys(bo), ...Object.keys(co)])].filter((k) => !IGNORED_OPTIONS.has(k)).sort();
  const options = differences(bo, co, keys);
  if (options.length > 0) warnings.push({ kind: 'options', message: `the runs used other options (${options.join(', ')}): a change may come from them rather than the code` });
  for (const f of [baseline, current]) {
    if (!f.meta.model) warnings.push({ kind: 'model', message: `${f.role} ${f.dir}: meta.json names no model, so the model cannot be checked to be the same` });
    if (f.meta.interrupted === true) warnings.push({ kind: 'interrupted', message: `${f.role} ${f.dir}: the run was interrupted; only its recorded trials are compared (resume it with --resume)` });
  }
  return warnings;
}
