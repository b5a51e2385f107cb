/** summary.json writer: the Summary as JSON (outliers flagged by record key). */
import { writeFileAtomic } from '../fs-atomic.js';
import type { Summary } from './summary.js';
import type { LogitsCheck, TextTable } from './format.js';

/** What summary.json adds to the summary. */
export interface SummaryInfo {
  records: number;
  complete: boolean;
  /** The spec's own tables. */
  tables?: TextTable[];
  /** The answer check against the reference variant. */
  logits?: LogitsCheck;
}

/** What summary.json holds (docs/results-format.md). */
export interface SummaryJson extends Summary {
  /** Format version of this file. */
  format: 'omni-bench-summary/1';
  /** Records (ok + error) the summary was built from. */
  records: number;
  /** Whether the run was interrupted before every planned trial ran. */
  complete: boolean;
  tables?: TextTable[];
  logits?: LogitsCheck;
}

/** summary.json text. */
export function summaryJson(summary: Summary, info: SummaryInfo): string {
  const body: SummaryJson = { format: 'omni-bench-summary/1', ...summary, ...info };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** Writes summary.json atomically. */
export async function writeSummaryJson(path: string, summary: Summary, info: SummaryInfo): Promise<void> {
  await writeFileAtomic(path, summaryJson(summary, info));
}
