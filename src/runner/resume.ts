/**
 * `--resume DIR`: the options of the interrupted run (meta.json) with any option given again on
 * the command line on top, and the records already written.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { readRecordsCsv } from '../report/csv.js';
import { readMeta } from '../report/meta.js';
import type { TrialRecord } from '../report/record.js';
import type { SpecRunOptions } from '../specs/spec.js';
import { resultPath } from './results-dir.js';

/** The state of a results folder to resume. */
export interface ResumeState {
  options: SpecRunOptions;
  records: TrialRecord[];
  startedAt: string | undefined;
}

/**
 * Shared options that change what a trial measures: giving one on --resume with another value
 * than the run's would mix two measurements in one folder. Every spec option counts too.
 */
export const MEASURED_OPTIONS = ['model', 'manifest', 'ep', 'threads', 'maxSamples', 'seed', 'shard', 'maxNewTokens', 'ortProfile', 'memIntervalMs', 'memArena', 'middleware', 'cacheMb', 'threadsAudio', 'threadsVision'] as const;

/** The command-line flag of an option key: `maxNewTokens` -> `--max-new-tokens`. */
export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** An option's value as compared between runs (manifest paths resolved). */
export function comparable(key: string, value: unknown): string {
  if (key === 'manifest' && Array.isArray(value)) return JSON.stringify(value.map((p) => resolve(String(p))));
  return JSON.stringify(value ?? null);
}

/** Throws UsageError when an explicitly given option that changes what is measured differs from the run's. */
function refuseChangedMeasures(dir: string, stored: Partial<SpecRunOptions>, cli: SpecRunOptions, explicit: ReadonlySet<string>): void {
  const storedSpec = (stored.specOptions ?? {}) as Record<string, unknown>;
  const measured = new Set<string>(MEASURED_OPTIONS);
  for (const key of explicit) {
    let before: unknown;
    let now: unknown;
    if (measured.has(key)) {
      before = (stored as Record<string, unknown>)[key];
      now = (cli as unknown as Record<string, unknown>)[key];
    } else if (key in cli.specOptions) {
      before = storedSpec[key];
      now = cli.specOptions[key];
    } else continue;
    if (comparable(key, before) !== comparable(key, now)) {
      throw new UsageError(
        `--resume ${dir}: ${flagOf(key)} ${JSON.stringify(now)} differs from that run's ${JSON.stringify(before ?? null)}; options that change what is measured cannot change on resume (start a new run with another --out)`,
      );
    }
  }
}

/**
 * Reads DIR for --resume. `explicit` are the option keys the user gave on this command line:
 * they win over the stored ones; every other option comes from meta.json.
 */
export function loadResumeState(dir: string, spec: string, cli: SpecRunOptions, explicit: ReadonlySet<string>): ResumeState {
  const meta = readMeta(resultPath(dir, 'meta'));
  if (!meta) throw new UsageError(`--resume ${dir}: no readable meta.json there; is it an omni-bench results folder?`);
  if (meta.spec !== spec) throw new UsageError(`--resume ${dir}: that run is of spec '${meta.spec}', not '${spec}'; run omni-bench ${meta.spec} --resume ${dir}`);
  const stored = meta.options as Partial<SpecRunOptions>;
  refuseChangedMeasures(dir, stored, cli, explicit);
  const options = { ...cli, ...stored, specOptions: { ...cli.specOptions, ...(stored.specOptions ?? {}) } } as SpecRunOptions;
  for (const key of explicit) {
    if (key in cli) (options as unknown as Record<string, unknown>)[key] = (cli as unknown as Record<string, unknown>)[key];
    else if (key in cli.specOptions) (options.specOptions as Record<string, unknown>)[key] = cli.specOptions[key];
  }
  options.resume = dir;
  options.out = dir;
  const recordsPath = resultPath(dir, 'records');
  const records = existsSync(recordsPath) ? readRecordsCsv(recordsPath).records : [];
  return { options, records, startedAt: meta.startedAt };
}
