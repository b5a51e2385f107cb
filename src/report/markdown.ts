/** summary.md writer: breakdown, statistics per variant, accuracy and errors as Markdown tables. */
import { writeFileAtomic } from '../fs-atomic.js';
import { breakdownTable, errorsTable, logitsCheckLines, rooflineTable, statisticsTable, type LogitsCheck, type TextTable } from './format.js';
import type { TrialRecord } from './record.js';
import type { Summary } from './summary.js';

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A TextTable as a GitHub Markdown table (numeric columns right-aligned), its note a paragraph under it. */
export function markdownTable(table: TextTable): string {
  const line = (cells: string[]): string => `| ${cells.map(escapeCell).join(' | ')} |`;
  const align = table.header.map((_, i) => (i === 0 || table.rows.every((r) => !/^[-\d.]/.test(r[i] ?? '')) ? '---' : '---:'));
  // A blank line ends the table: a text line right under it would be read as one more row.
  const note = table.note === undefined ? [] : ['', escapeCell(table.note)];
  return [line(table.header), line(align), ...table.rows.map(line), ...note].join('\n');
}

/** summary.md text. */
export function summaryMarkdown(summary: Summary, records: readonly TrialRecord[], info: { complete: boolean; peakGflops?: number; extraTables?: TextTable[]; logits?: LogitsCheck }): string {
  const parts: string[] = [`# ${summary.spec}`, ''];
  if (!info.complete) parts.push('> Interrupted: this summary covers the records written so far (resume to complete it).', '');
  const breakdown = breakdownTable(summary);
  // Shares are of the critical path in groups whose stages overlapped (the table's note says so).
  const shareOf = breakdown.note === undefined ? '% of mean TTFT' : '% of mean TTFT, or of mean critical path where stages ran concurrently';
  parts.push(`## TTFT breakdown (mean over ok trials, ${shareOf})`, '', markdownTable(breakdown), '');
  const roofline = rooflineTable(records, info.peakGflops);
  if (roofline.rows.length > 0) {
    const peak = info.peakGflops ? `, % of the calibrated fp32 MatMul peak ${info.peakGflops.toFixed(1)} GFLOP/s` : '';
    parts.push(`## Compute stages (achieved GFLOP/s${peak})`, '', markdownTable(roofline), '');
  }
  for (const variant of summary.variants) {
    parts.push(`## Statistics: ${variant.group}`, '', markdownTable(statisticsTable(summary, variant.group)), '');
    if (variant.accuracy) {
      const a = variant.accuracy;
      parts.push(`Accuracy: ${a.correct}/${a.total} = ${(a.accuracy * 100).toFixed(1)}% (${a.answered} answers had a parseable letter).`, '');
    }
    const flagged = Object.entries(variant.outliers);
    if (flagged.length > 0) {
      parts.push('Outliers (Tukey fences, kept in every statistic):', '');
      for (const [metric, keys] of flagged) parts.push(`- ${metric}: ${keys.join(', ')}`);
      parts.push('');
    }
  }
  for (const table of info.extraTables ?? []) parts.push(...(table.title ? [`## ${table.title}`, ''] : []), markdownTable(table), '');
  if (info.logits) parts.push('## Answer check', '', ...logitsCheckLines(info.logits).map((l) => (l.startsWith('  ') ? `- ${l.trim()}` : l)), '');
  const errors = errorsTable(records);
  if (errors.rows.length > 0) parts.push('## Errors', '', markdownTable(errors), '');
  parts.push('Every number above is computed from records.csv in this folder (docs/results-format.md).', '');
  return parts.join('\n');
}

/** Writes summary.md atomically. */
export async function writeSummaryMarkdown(path: string, summary: Summary, records: readonly TrialRecord[], info: { complete: boolean; peakGflops?: number; extraTables?: TextTable[]; logits?: LogitsCheck }): Promise<void> {
  await writeFileAtomic(path, summaryMarkdown(summary, records, info));
}
