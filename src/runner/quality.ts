/**
 * Measurement-quality warnings of a run (the profiler's typed warnings): outliers in TTFT, a
 * slow first recorded run, a machine under load. Printed on stderr and kept in meta.json.
 */
import { outlierWarning, slowFirstRunWarning, type ProfilerWarning } from '../profiler/warnings.js';
import type { TrialRecord } from '../report/record.js';
import { groupsOf, type Summary } from '../report/summary.js';

/** Warnings about the recorded TTFTs: outliers per variant, and a first recorded run much slower than its repeats. */
export function resultWarnings(summary: Summary, records: readonly TrialRecord[]): ProfilerWarning[] {
  const warnings: ProfilerWarning[] = [];
  const groups = new Map(groupsOf(records).map((g) => [g.group, g.records]));
  for (const variant of summary.variants) {
    const ttft = variant.metrics['ttft_ms'];
    const outliers = ttft ? outlierWarning(`ttft_ms (${variant.group})`, ttft) : undefined;
    if (outliers) warnings.push(outliers);
    // The first sample run in this group (variant, parameters, turn), its repeats in order.
    const ok = (groups.get(variant.group) ?? []).filter((r) => r.status === 'ok' && r.measures.ttftMs !== null);
    const first = ok[0];
    if (!first) continue;
    const series = ok
      .filter((r) => r.dataset === first.dataset && r.sampleId === first.sampleId)
      .sort((a, b) => a.repeat - b.repeat)
      .map((r) => r.measures.ttftMs as number);
    const slow = slowFirstRunWarning(`ttft_ms (${variant.group}, ${first.sampleId})`, series);
    if (slow) warnings.push(slow);
  }
  return warnings;
}
