/**
 * `--resume DIR`: the options of the interrupted run (meta.json) with any option given again on
 * the command line on top, and the records already written.
 */
import { existsSync } from 'node:fs';
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
 * Reads DIR for --resume. `explicit` are the option keys the user gave on this command line:
 * they win over the stored ones; every other option comes from meta.json.
 */
export function loadResumeState(dir: string, spec: string, cli: SpecRunOptions, explicit: ReadonlySet<string>): ResumeState {
  const meta = readMeta(resultPath(dir, 'meta'));
  if (!meta) throw new UsageError(`--resume ${dir}: no readable meta.json there; is it an omni-bench results folder?`);
  if (meta.spec !== spec) throw new UsageError(`--resume ${dir}: that run is of spec '${meta.spec}', not '${spec}'; run omni-bench ${meta.spec} --resume ${dir}`);
  const stored = meta.options as Partial<SpecRunOptions>;
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
