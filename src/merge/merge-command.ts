/**
 * `omni-bench merge DIR... --out DIR`: combines the results folders of the `--shard K/N` runs
 * of one spec and model into one results folder, as one unsharded run would have written it:
 * records.csv (every record, one stable order), summaries, charts and trace.json recomputed
 * from them (trace.json with one process per shard), timeline.json, reference-logits/ and
 * meta.json with each shard's own facts under `merged`. Every check runs before anything is
 * written (src/merge/checks.ts); docs/results-format.md "Merging shards".
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { readRecordsCsv, writeRecordsCsv } from '../report/csv.js';
import { summaryJson } from '../report/json.js';
import { writeMeta } from '../report/meta.js';
import { writeModuleBreakdown } from '../report/module-breakdown.js';
import { writeOutputs } from '../report/outputs.js';
import { terminalReport } from '../report/table.js';
import { warningMessage } from '../profiler/warnings.js';
import { ortProfilePrefix, prepareResultsDir, resultPath } from '../runner/results-dir.js';
import { acquireResultsLock, LOCK_FILE } from '../runner/results-lock.js';
import { resultWarnings } from '../runner/quality.js';
import { terminalSafe } from '../safe-text.js';
import { listSpecs } from '../specs/registry.js';
import type { Spec } from '../specs/spec.js';
import { checkShards, type ShardCheck } from './checks.js';
import { commonPeakGflops, joinTimelines, mergedMeta, mergedRecordOrder } from './combine.js';
import { readShardFolder, type ShardFolder } from './shard-folder.js';
import { copySideFiles, planSideFiles, type SideFile } from './side-files.js';

/** Options of the merge command. */
export interface MergeOptions {
  /** The merged results folder: must not exist, or be empty. */
  out: string;
  /** Print summary.json to stdout instead of the table. */
  json?: boolean;
  /** Print one line instead of the table. */
  quiet?: boolean;
}

/** Where merge prints, and the command line for meta.json. */
export interface MergeIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** argv after the program, for meta.json `command`. Default ['merge', ...dirs]. */
  argv?: readonly string[];
}

/** Throws UsageError when `out` exists and is not an empty folder (merge never mixes into other results). */
function refuseUsedOut(out: string): void {
  if (!existsSync(out)) return;
  let entries: string[];
  try {
    entries = readdirSync(out);
  } catch {
    return; // a file or a device: prepareResultsDir names the problem
  }
  if (entries.length > 0) throw new UsageError(`merge: --out ${out} is not empty (${entries.length} entries); pass a new folder or an empty one`);
}

/** The records.csv columns of the merged folder: the spec's, else what the shards' files had. */
function csvColumns(spec: Spec | undefined, check: ShardCheck): { comparesLogits: boolean; params: string[] } {
  if (spec) return { comparesLogits: spec.reference !== undefined, params: [...(spec.parameters ?? [])] };
  const params = new Set(check.ordered.flatMap((s) => s.records.flatMap((r) => Object.keys(r.params ?? {}))));
  return { comparesLogits: check.ordered.some((s) => s.hasLogitsColumn), params: [...params].sort() };
}

/** Merges `dirs` into `options.out`; resolves to the exit code (0, or 1 when a writer failed). */
export async function mergeCommand(dirs: readonly string[], options: MergeOptions, io: MergeIo): Promise<number> {
  // Phase 1: read and check everything; nothing is written before every check passed.
  const check = checkShards(dirs.map(readShardFolder));
  const sideFiles = planSideFiles(check.ordered);
  refuseUsedOut(options.out);

  // Phase 2: the folder, locked as a run locks its own.
  const { created } = prepareResultsDir(options.out);
  const lock = acquireResultsLock(options.out);
  let written = false;
  try {
    const code = await writeMerged(check, sideFiles, options, io, dirs);
    written = true;
    return code;
  } finally {
    lock.release();
    if (!written) removeMerged(options.out, created);
  }
}

/** Undoes a merge that failed half-way: the folder was new or empty, so whatever it holds now is this merge's. */
function removeMerged(out: string, created: boolean): void {
  if (created) rmSync(out, { recursive: true, force: true });
  else for (const entry of readdirSync(out)) if (entry !== LOCK_FILE) rmSync(join(out, entry), { recursive: true, force: true });
}

async function writeMerged(check: ShardCheck, sideFiles: readonly SideFile[], options: MergeOptions, io: MergeIo, dirs: readonly string[]): Promise<number> {
  const out = options.out;
  const head = (check.ordered[0] as ShardFolder).meta;
  const spec = listSpecs().find((s) => s.name === head.spec);

  // Phase 3: records (re-read as written, so that `report` rebuilds the same summaries), timeline, side files.
  const ordered = mergedRecordOrder(
    check.ordered.flatMap((s) => s.records),
    head.variants.map((v) => v.name),
  );
  await writeRecordsCsv(resultPath(out, 'records'), ordered, csvColumns(spec, check));
  const records = readRecordsCsv(resultPath(out, 'records')).records;
  const timeline = joinTimelines(check.ordered);
  await writeFileAtomic(resultPath(out, 'timeline'), JSON.stringify(timeline));
  await copySideFiles(out, sideFiles);

  // Phase 4: summaries, charts, trace; module breakdown from the copied ONNX Runtime profiles.
  const peakGflops = commonPeakGflops(check);
  const logitsTolerance = head.options['logitsTolerance'];
  const outputs = await writeOutputs(out, {
    spec: head.spec,
    records,
    complete: check.complete,
    timeline,
    ...(peakGflops !== undefined ? { peakGflops } : {}),
    ...(spec?.summarize ? { extraTables: spec.summarize.bind(spec) } : {}),
    ...(spec?.charts ? { extraCharts: spec.charts.bind(spec) } : {}),
    ...(typeof logitsTolerance === 'number' ? { logitsTolerance } : {}),
  });
  for (const failure of outputs.failures) io.stderr.write(`omni-bench: warning: could not write ${failure}\n`);
  if (head.options['ortProfile'] === true && sideFiles.some((f) => f.folder === 'ort-profile')) {
    await writeModuleBreakdown(resultPath(out, 'moduleBreakdown'), ortProfilePrefix(out)).catch((error: Error) => {
      outputs.failures.push(`module_breakdown.csv: ${error.message}`);
      io.stderr.write(`omni-bench: warning: could not write module_breakdown.csv: ${error.message}\n`);
    });
  }

  // Phase 5: meta.json last (a folder without it is not a results folder), then the terminal.
  // Outliers over the merged records; a slow first run is a process's own, kept in its shard's warnings.
  const quality = resultWarnings(outputs.summary, records).filter((w) => w.kind === 'outliers').map(warningMessage);
  const warnings = [...check.warnings, ...quality];
  const meta = mergedMeta({ check, outDir: out, command: io.argv ?? ['merge', ...dirs, '--out', out], warnings, peakGflops });
  await writeMeta(resultPath(out, 'meta'), meta);
  if (!options.quiet && !options.json) for (const w of warnings) io.stderr.write(`omni-bench: warning: ${terminalSafe(w)}\n`);
  const info = { records: records.length, complete: check.complete, tables: outputs.tables, ...(outputs.logits ? { logits: outputs.logits } : {}) };
  const shards = check.ordered.map((s) => s.label).join(', ');
  const shown = relative(process.cwd(), out);
  const where = shown.startsWith('..') || shown === '' ? out : shown;
  if (options.json) io.stdout.write(summaryJson(outputs.summary, info));
  else if (options.quiet) io.stdout.write(`merged shards ${shards} (${records.length} records) into ${terminalSafe(where)}\n`);
  else {
    io.stdout.write(terminalReport(outputs.summary, { ...info, records, ...(peakGflops !== undefined ? { peakGflops } : {}) }));
    io.stderr.write(`merged shards ${shards} (${records.length} records${check.complete ? '' : ', incomplete'}): ${terminalSafe(where)}\n`);
  }
  return outputs.failures.length > 0 ? 1 : 0;
}
