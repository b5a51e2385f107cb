/** Markdown writer of a comparison, for $GITHUB_STEP_SUMMARY: a heading with the verdict, the table, skipped metrics, noise and warnings. */
import { markdownTable } from '../report/markdown.js';
import { compareTable, headerLine, noiseLine, rulesLine, skippedLines, summaryLine, verdictCounts } from './format.js';
import type { CompareReport } from './types.js';

function escapeText(text: string): string {
  return text.replace(/[\\`*_<>|[\]]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** The comparison as GitHub Markdown, ending with a blank line so that appended sections stay apart. */
export function compareMarkdown(report: CompareReport): string {
  const n = verdictCounts(report);
  const verdict = n.regressed > 0 ? `:x: ${n.regressed} regression${n.regressed === 1 ? '' : 's'}` : n.improved > 0 ? `:white_check_mark: no regression, ${n.improved} improved` : ':white_check_mark: no regression';
  const parts = [`### omni-bench compare: ${escapeText(report.spec)}: ${verdict}`, '', escapeText(headerLine(report)), '', escapeText(summaryLine(report)), ''];
  const table = compareTable(report);
  if (table.rows.length > 0) parts.push(markdownTable(table), '');
  for (const line of skippedLines(report)) parts.push(`- ${escapeText(line)}`);
  if (skippedLines(report).length > 0) parts.push('');
  parts.push(escapeText(noiseLine(report)), '', escapeText(rulesLine(report)), '');
  for (const w of report.warnings) parts.push(`> **warning**: ${escapeText(w.message)}`, '');
  return `${parts.join('\n')}\n`;
}
