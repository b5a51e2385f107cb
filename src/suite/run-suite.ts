/**
 * Runs a validated suite: each entry into DIR/<name>/ one after the other, its expectations
 * evaluated on its records, suite.json and suite.md rewritten after every entry. Exit code: 0
 * every entry ran and passed, 1 some did not (the suite goes on after a failed or crashed entry),
 * 130 interrupted (Ctrl-C or SIGTERM: the running entry stops cleanly, later ones do not start).
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ExitCode, UsageError, errorMessage } from '../errors.js';
import { readRecordsCsv } from '../report/csv.js';
import { summarize, type Summary } from '../report/summary.js';
import { prepareResultsDir, resultPath } from '../runner/results-dir.js';
import { EXIT_INTERRUPTED } from '../runner/execute.js';
import { terminalSafe } from '../safe-text.js';
import { checkLine, evaluateAll } from './expect.js';
import { SUITE_FILES, suiteJson, suitePassed, suiteTerminal, writeSuiteFiles } from './report.js';
import { spawnEntry, type EntryExit, type EntryRunner, type Interrupts } from './run-entry.js';
import type { EntryResult, ExpectationResult, SuiteEntry, SuiteFile, SuiteResult } from './types.js';

/** How the suite runs and what it prints. */
export interface SuiteRunOptions {
  /** The suite's results folder. */
  out: string;
  /** Print suite.json to stdout instead of the tables (entries run with --quiet). */
  json: boolean;
  /** No progress and no tables (entries run with --quiet); failed expectations still go to stderr. */
  quiet: boolean;
}

/** Where output goes, and what runs an entry (a child process of this program by default). */
export interface SuiteIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  runEntry?: EntryRunner;
}

/** Refuses a folder that already holds a suite run or an entry's results: nothing is overwritten. */
function checkFolder(dir: string, out: string, suite: SuiteFile): void {
  if (existsSync(join(dir, SUITE_FILES.json))) throw new UsageError(`--out ${out} already holds a suite run (suite.json); pass another --out`);
  for (const entry of suite.entries) {
    if (existsSync(resultPath(join(dir, entry.name), 'records'))) throw new UsageError(`--out ${out}: ${entry.name}/ already holds results (records.csv); pass another --out`);
  }
}

/** SIGINT/SIGTERM while the suite runs: counted, said once, handed to the running entry. */
function trapInterrupts(stderr: NodeJS.WritableStream): Interrupts & { remove(): void } {
  const listeners = new Set<() => void>();
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count === 1) stderr.write(`\nsuite: interrupted (${signal}); stopping the running entry cleanly, no further entry starts\n`);
    for (const listener of listeners) listener();
  };
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, handler);
  return {
    get count() {
      return count;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    remove() {
      for (const s of ['SIGINT', 'SIGTERM'] as const) process.off(s, handler);
    },
  };
}

/** The summary of an entry's records.csv, or why there is none. */
function entrySummary(dir: string, spec: string): { summary?: Summary; reason?: string } {
  const path = resultPath(dir, 'records');
  if (!existsSync(path)) return { reason: 'the run left no records.csv' };
  try {
    return { summary: summarize(spec, readRecordsCsv(path).records) };
  } catch (error) {
    return { reason: `records.csv cannot be read: ${errorMessage(error)}` };
  }
}

/** An entry's result from how its run ended, its expectations evaluated where it left results. */
function finishEntry(entry: SuiteEntry, dir: string, exit: EntryExit, wallMs: number, interrupted: boolean): EntryResult {
  const base = { name: entry.name, spec: entry.spec, args: entry.args, dir: entry.name, exitCode: exit.code, signal: exit.signal, wallMs };
  const stoppedBySignal = exit.code === EXIT_INTERRUPTED || exit.signal === 'SIGINT' || exit.signal === 'SIGTERM';
  if (stoppedBySignal || (interrupted && exit.code !== ExitCode.Ok && exit.code !== ExitCode.Failures)) {
    return { ...base, status: 'interrupted', reason: 'stopped by Ctrl-C/SIGTERM', expectations: evaluateAll(undefined, entry.expect, 'interrupted') };
  }
  if (exit.code === ExitCode.Ok || exit.code === ExitCode.Failures) {
    const { summary, reason } = entrySummary(dir, entry.spec);
    const expectations = evaluateAll(summary, entry.expect, reason);
    const notHeld = expectations.filter((x) => x.status !== 'pass').length;
    const reasons = [
      ...(exit.code === ExitCode.Failures ? [`the run exited 1: ${exit.errorLine ?? 'some trials failed or an answer changed'} (see ${entry.name}/summary.md)`] : []),
      ...(notHeld > 0 ? [`${notHeld} of ${expectations.length} expectations did not hold`] : []),
    ];
    return { ...base, status: reasons.length === 0 ? 'passed' : 'failed', ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}), expectations };
  }
  const how = exit.code === ExitCode.Usage ? 'exit 2 (nothing could run)' : `crashed (${exit.signal ?? `exit ${exit.code ?? '?'}`})`;
  const reason = exit.errorLine ? `${how}: ${exit.errorLine}` : how;
  return { ...base, status: 'error', reason, expectations: evaluateAll(undefined, entry.expect, 'the run did not finish') };
}

function notRun(entry: SuiteEntry): EntryResult {
  const expectations: ExpectationResult[] = evaluateAll(undefined, entry.expect, 'not run (the suite was interrupted)');
  return { name: entry.name, spec: entry.spec, args: entry.args, dir: entry.name, status: 'not-run', exitCode: null, signal: null, wallMs: 0, expectations };
}

/** stderr lines of an entry that did not pass: the reason, then each failed expectation with its measured values. */
function failureLines(entry: EntryResult): string[] {
  const lines = [`suite: ${entry.name}: ${entry.status}${entry.reason ? `: ${entry.reason}` : ''}`];
  for (const x of entry.expectations) {
    if (x.status === 'fail') lines.push(`suite: ${entry.name}: expectation failed: ${x.text}: ${x.checks.length > 0 ? x.checks.map(checkLine).join('; ') : (x.reason ?? '')}`);
  }
  return lines.map((l) => terminalSafe(l));
}

/** Runs every entry of `suite`; resolves to the suite's exit code. */
export async function runSuite(suite: SuiteFile, options: SuiteRunOptions, io: SuiteIo): Promise<number> {
  const dir = resolve(options.out);
  checkFolder(dir, options.out, suite);
  prepareResultsDir(dir);
  const runEntry = io.runEntry ?? spawnEntry;
  const quietEntries = options.quiet || options.json;
  const result: SuiteResult = { format: 'omni-bench-suite/1', file: suite.path, dir, startedAt: new Date().toISOString(), complete: false, entries: [] };
  const interrupts = trapInterrupts(io.stderr);
  // A run stopped by a signal stops the suite too, whether the signal came through it or not.
  const stopped = (): boolean => interrupts.count > 0 || result.entries.some((e) => e.status === 'interrupted');
  try {
    for (const [index, entry] of suite.entries.entries()) {
      if (stopped()) {
        result.entries.push(notRun(entry));
        continue;
      }
      const entryDir = join(dir, entry.name);
      if (!options.quiet) io.stderr.write(`suite: [${index + 1}/${suite.entries.length}] ${entry.name}: omni-bench ${terminalSafe([entry.spec, ...entry.args].join(' '))}\n`);
      const started = performance.now();
      let exit: EntryExit;
      try {
        exit = await runEntry({ spec: entry.spec, args: entry.args, dir: entryDir, quiet: quietEntries, interrupts, output: io.stderr });
      } catch (error) {
        exit = { code: null, signal: null, errorLine: `could not start the run: ${errorMessage(error)}` };
      }
      const done = finishEntry(entry, entryDir, exit, performance.now() - started, interrupts.count > 0);
      result.entries.push(done);
      if (done.status === 'passed') {
        if (!options.quiet) io.stderr.write(`suite: ${entry.name}: passed in ${(done.wallMs / 1000).toFixed(1)} s\n`);
      } else {
        io.stderr.write(`${failureLines(done).join('\n')}\n`);
      }
      await writeSuiteFiles(dir, result);
    }
  } finally {
    interrupts.remove();
  }
  result.complete = !stopped();
  result.finishedAt = new Date().toISOString();
  await writeSuiteFiles(dir, result);
  if (options.json) io.stdout.write(suiteJson(result));
  else if (!options.quiet) io.stdout.write(suiteTerminal(result));
  const shown = relative(process.cwd(), dir);
  if (!options.quiet) io.stderr.write(`suite results: ${shown.startsWith('..') || shown === '' ? dir : shown}/${SUITE_FILES.markdown}\n`);
  if (!result.complete) return EXIT_INTERRUPTED;
  return suitePassed(result) ? ExitCode.Ok : ExitCode.Failures;
}
