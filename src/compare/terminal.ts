/** Terminal writer of a comparison: header, verdict counts, the cli-table3 table, skipped metrics and the noise line. */
import { renderTerminalTable } from '../report/table.js';
import { terminalSafe } from '../safe-text.js';
import { compareTable, headerLine, noiseLine, rulesLine, skippedLines, summaryLine } from './format.js';
import type { CompareReport } from './types.js';

/** What `omni-bench compare` prints on stdout (warnings go to stderr separately). */
export function terminalCompare(report: CompareReport, options: { color?: boolean } = {}): string {
  // Folder names, variants and parameters come from the user: no escape sequence reaches the terminal.
  const lines = [headerLine(report), summaryLine(report)].map((l) => terminalSafe(l));
  const table = compareTable(report);
  if (table.rows.length > 0) lines.push(renderTerminalTable(table, options));
  lines.push(...[...skippedLines(report), noiseLine(report), rulesLine(report)].map((l) => terminalSafe(l)));
  return `${lines.join('\n')}\n`;
}
