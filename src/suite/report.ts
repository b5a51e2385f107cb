/**
 * Writers of a suite run: the same tables as suite.md (Markdown) and on the terminal, and
 * suite.json. Every measured value an expectation read is shown, passed or not.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';
import type { TextTable } from '../report/format.js';
import { markdownTable } from '../report/markdown.js';
import { renderTerminalTable } from '../report/table.js';
import { formatValue } from './expect.js';
import type { EntryResult, SuiteResult } from './types.js';

/** File names the suite writes in its folder. */
export const SUITE_FILES = { json: 'suite.json', markdown: 'suite.md' } as const;

/** Whether every entry ran and passed. */
export function suitePassed(result: SuiteResult): boolean {
  return result.complete && result.entries.every((e) => e.status === 'passed');
}

function expectationCounts(e: EntryResult): string {
  if (e.expectations.length === 0) return '-';
  const held = e.expectations.filter((x) => x.status === 'pass').length;
  return `${held}/${e.expectations.length}`;
}

/** One row per entry: spec, exit, wall time, expectations held, result. */
export function entriesTable(result: SuiteResult): TextTable {
  return {
    header: ['entry', 'spec', 'exit', 'wall s', 'expectations held', 'result'],
    rows: result.entries.map((e) => [
      e.name,
      e.spec,
      e.exitCode !== null ? String(e.exitCode) : e.signal ?? '-',
      e.status === 'not-run' ? '-' : (e.wallMs / 1000).toFixed(1),
      expectationCounts(e),
      e.status,
    ]),
  };
}

/** One row per group an expectation read (the measured value, what it was held against, the limit). */
export function expectationsTable(entry: EntryResult): TextTable {
  const rows: string[][] = [];
  for (const x of entry.expectations) {
    if (x.status === 'not-evaluated') {
      rows.push([x.text, '-', '-', '-', '-', `not evaluated: ${x.reason}`]);
      continue;
    }
    if (x.checks.length === 0) rows.push([x.text, '-', '-', '-', '-', `fail: ${x.reason ?? ''}`]);
    for (const c of x.checks) {
      const against = c.against ? `${formatValue(c.against.value)} (${c.against.group})` : '-';
      rows.push([x.text, c.group, formatValue(c.value), against, formatValue(c.limit), c.pass ? 'pass' : `FAIL${c.note ? ` (${c.note})` : ''}`]);
    }
  }
  return { title: `${entry.name} (${entry.spec})`, header: ['expectation', 'group', 'measured', 'compared with', 'limit', 'result'], rows };
}

function verdict(result: SuiteResult): string {
  const notPassed = result.entries.filter((e) => e.status !== 'passed').length;
  if (!result.complete) return `**interrupted**: ${result.entries.filter((e) => e.status !== 'not-run').length} of ${result.entries.length} entries ran before Ctrl-C/SIGTERM.`;
  if (notPassed === 0) return `**passed**: all ${result.entries.length} entries ran and every expectation held.`;
  return `**failed**: ${notPassed} of ${result.entries.length} entries did not pass.`;
}

/** suite.md text. */
export function suiteMarkdown(result: SuiteResult): string {
  const parts = [`# Suite ${result.file}`, '', verdict(result), '', markdownTable(entriesTable(result))];
  for (const entry of result.entries) {
    parts.push('', `## ${entry.name}`, '', `\`omni-bench ${[entry.spec, ...entry.args].join(' ')}\`: results in [${entry.dir}/](${entry.dir}/summary.md)`);
    if (entry.reason) parts.push('', `${entry.status}: ${entry.reason}`);
    if (entry.expectations.length > 0) parts.push('', markdownTable(expectationsTable(entry)));
  }
  return `${parts.join('\n')}\n`;
}

/** What the terminal shows at the end of a suite: the entries, then every expectation's measured values. */
export function suiteTerminal(result: SuiteResult): string {
  const parts = [renderTerminalTable(entriesTable(result))];
  for (const entry of result.entries) {
    if (entry.expectations.length === 0) continue;
    const table = expectationsTable(entry);
    parts.push(`${table.title ?? entry.name}\n${renderTerminalTable(table)}`);
  }
  return `${parts.join('\n')}\n`;
}

/** suite.json text. */
export function suiteJson(result: SuiteResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}

/** Writes suite.json and suite.md into `dir` (atomically: a reader never sees half a file). */
export async function writeSuiteFiles(dir: string, result: SuiteResult): Promise<void> {
  await writeFileAtomic(join(dir, SUITE_FILES.json), suiteJson(result));
  await writeFileAtomic(join(dir, SUITE_FILES.markdown), suiteMarkdown(result));
}
