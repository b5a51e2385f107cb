/**
 * `omni-bench compare BASELINE CURRENT`: reads both results folders, refuses runs that do not
 * measure the same thing (exit 2), warns about what else differs, compares, prints the table
 * (or JSON), appends Markdown to $GITHUB_STEP_SUMMARY, and exits 1 on any regression.
 */
import { appendFileSync } from 'node:fs';
import { ExitCode, UsageError, errorMessage } from '../errors.js';
import { terminalSafe } from '../safe-text.js';
import { compareRecords } from './compare.js';
import { comparabilityProblem, comparisonWarnings, folderInfo, readResultsFolder } from './folders.js';
import { warningLines } from './format.js';
import { compareJson } from './json.js';
import { compareMarkdown } from './markdown.js';
import { terminalCompare } from './terminal.js';
import { DEFAULT_COMPARE_OPTIONS, type CompareOptions, type CompareReport } from './types.js';

/** Options of the compare command: the comparison's settings and how to print. */
export interface CompareCommandOptions extends Partial<CompareOptions> {
  /** Print the JSON document (omni-bench-compare/1) instead of the table. */
  json?: boolean;
}

/** Where the command writes, and the environment it reads GITHUB_STEP_SUMMARY from. */
export interface CompareIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

/** Reads, checks and compares two results folders into the report the writers print. UsageError when they cannot be compared. */
export function buildCompareReport(baselineDir: string, currentDir: string, options: Partial<CompareOptions> = {}): CompareReport {
  const settings: CompareOptions = { ...DEFAULT_COMPARE_OPTIONS, ...options };
  const baseline = readResultsFolder(baselineDir, 'baseline');
  const current = readResultsFolder(currentDir, 'current');
  const problem = comparabilityProblem(baseline, current);
  if (problem) throw new UsageError(`cannot compare ${baselineDir} with ${currentDir}: ${problem}`);
  const result = compareRecords(baseline.records, current.records, settings);
  return { spec: baseline.meta.spec, baseline: folderInfo(baseline), current: folderInfo(current), options: settings, result, warnings: comparisonWarnings(baseline, current) };
}

/** Runs the command; resolves to the exit code (1 when any metric regressed, else 0). */
export async function compareCommand(baselineDir: string, currentDir: string, options: CompareCommandOptions, io: CompareIo): Promise<number> {
  const { json, ...settings } = options;
  const report = buildCompareReport(baselineDir, currentDir, settings);
  for (const line of warningLines(report)) io.stderr.write(`${terminalSafe(line)}\n`);
  io.stdout.write(json ? compareJson(report) : terminalCompare(report));
  const summaryPath = (io.env ?? process.env)['GITHUB_STEP_SUMMARY'];
  if (summaryPath) {
    try {
      appendFileSync(summaryPath, compareMarkdown(report));
    } catch (error) {
      io.stderr.write(`omni-bench: warning: could not append to $GITHUB_STEP_SUMMARY ${terminalSafe(summaryPath)} (${terminalSafe(errorMessage(error))}); the comparison is on stdout\n`);
    }
  }
  return report.result.comparisons.some((c) => c.status === 'regressed') ? ExitCode.Failures : ExitCode.Ok;
}
