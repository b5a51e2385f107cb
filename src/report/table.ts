/**
 * Terminal writer: the TTFT breakdown (ms and % of TTFT, or of the critical path where stages
 * ran concurrently) as a cli-table3 table.
 */
import Table from 'cli-table3';
import { terminalSafe } from '../safe-text.js';
import { breakdownTable, logitsCheckLines, rooflineTable, type LogitsCheck, type TextTable } from './format.js';
import type { TrialRecord } from './record.js';
import type { Summary } from './summary.js';

/** Renders a TextTable with cli-table3 (numbers right-aligned), its note on the line under it. */
export function renderTerminalTable(table: TextTable, options: { color?: boolean } = {}): string {
  const t = new Table({
    head: table.header,
    // Text columns left, numeric columns right.
    colAligns: table.header.map((_, i) => (i === 0 || table.rows.every((r) => !/^[-\d.]/.test(r[i] ?? '')) ? 'left' : 'right')),
    style: options.color ? { compact: true } : { head: [], border: [], compact: true },
  });
  // Cells may hold manifest text (sample ids, errors): no escape sequence reaches the terminal.
  for (const row of table.rows) t.push(row.map((cell) => terminalSafe(cell)));
  return table.note === undefined ? t.toString() : `${t.toString()}\n${terminalSafe(table.note)}`;
}

/** The breakdown table of a run as the terminal shows it, with a title line; roofline figures when records are given. */
export function terminalBreakdown(summary: Summary, options: { color?: boolean; records?: readonly TrialRecord[]; peakGflops?: number } = {}): string {
  let text = `TTFT breakdown: ${summary.spec} (mean over ok trials)\n${renderTerminalTable(breakdownTable(summary), options)}\n`;
  const roofline = options.records ? rooflineTable(options.records, options.peakGflops) : undefined;
  if (roofline && roofline.rows.length > 0) {
    const peak = options.peakGflops ? ` (MatMul peak ${options.peakGflops.toFixed(1)} GFLOP/s)` : '';
    text += `Compute stages${peak}\n${renderTerminalTable(roofline, options)}\n`;
  }
  return text;
}

/**
 * What the terminal shows at the end of a run or `report`: the TTFT breakdown (unless the spec's
 * own tables replace it because there are too many groups for its columns), the spec's tables,
 * and the answer check.
 */
export function terminalReport(summary: Summary, options: { records: readonly TrialRecord[]; peakGflops?: number; tables?: readonly TextTable[]; logits?: LogitsCheck; color?: boolean }): string {
  const tables = options.tables ?? [];
  let text = tables.length === 0 || summary.variants.length <= 3 ? terminalBreakdown(summary, options) : '';
  for (const table of tables) text += `${table.title ? `${table.title}\n` : ''}${renderTerminalTable(table, options)}\n`;
  if (options.logits) text += `${logitsCheckLines(options.logits).join('\n')}\n`;
  return text;
}
