/**
 * `omni-bench report DIR`: re-renders summary.csv, summary.json, summary.md, charts and
 * trace.json of a results folder from its records.csv (and timeline.json when present),
 * without the model, and prints the breakdown table.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { readRecordsCsv } from './csv.js';
import { summaryJson } from './json.js';
import { readMeta } from './meta.js';
import { writeOutputs, type Timeline } from './outputs.js';
import { terminalReport } from './table.js';
import { listSpecs } from '../specs/registry.js';

/** Options of the report command. */
export interface ReportOptions {
  json?: boolean;
  quiet?: boolean;
}

/** Re-renders DIR's outputs; resolves to the exit code (0, or 1 when a writer failed). */
export async function reportCommand(dir: string, options: ReportOptions, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const recordsPath = join(dir, 'records.csv');
  if (!existsSync(recordsPath)) throw new UsageError(`${dir}: no records.csv (pass a results folder written by an omni-bench spec)`);
  const { records } = readRecordsCsv(recordsPath);
  const meta = readMeta(join(dir, 'meta.json'));
  const spec = meta?.spec ?? records[0]?.spec ?? 'unknown';
  let timeline: Timeline | undefined;
  try {
    const parsed = JSON.parse(readFileSync(join(dir, 'timeline.json'), 'utf8')) as Timeline;
    timeline = { spans: parsed.spans ?? [], memory: parsed.memory ?? [], ...(parsed.gpu ? { gpu: parsed.gpu } : {}), ...(parsed.processes ? { processes: parsed.processes } : {}) };
  } catch {
    timeline = undefined;
  }
  const complete = meta?.interrupted !== true;
  const peak = meta?.calibration?.['peakGflops'];
  const peakGflops = typeof peak === 'number' ? peak : undefined;
  const specDef = listSpecs().find((s) => s.name === spec);
  const result = await writeOutputs(dir, {
    spec,
    records,
    complete,
    ...(timeline ? { timeline } : {}),
    ...(peakGflops ? { peakGflops } : {}),
    ...(specDef?.summarize ? { extraTables: specDef.summarize.bind(specDef) } : {}),
    ...(specDef?.charts ? { extraCharts: specDef.charts.bind(specDef) } : {}),
    ...(typeof meta?.options['logitsTolerance'] === 'number' ? { logitsTolerance: meta.options['logitsTolerance'] } : {}),
  });
  for (const failure of result.failures) io.stderr.write(`omni-bench: could not write ${failure}\n`);
  const info = { records: records.length, complete, tables: result.tables, ...(result.logits ? { logits: result.logits } : {}) };
  if (options.json) io.stdout.write(summaryJson(result.summary, info));
  else if (!options.quiet) {
    io.stdout.write(terminalReport(result.summary, { ...info, records, ...(peakGflops ? { peakGflops } : {}) }));
    io.stderr.write(`re-rendered from ${records.length} records: ${result.written.join(', ')}\n`);
  }
  return result.failures.length > 0 ? 1 : 0;
}
