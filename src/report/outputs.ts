/**
 * Writes every derived output of a results folder from its records (and, when present, the
 * timeline of spans and memory samples): summary.csv, summary.json, summary.md, charts/*.png,
 * trace.json. The runner calls it at the end (or on SIGINT); `omni-bench report DIR` calls it
 * again without the model.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';
import type { GpuSample } from '../profiler/gpu-poller.js';
import type { MemorySample, Span } from '../profiler/types.js';
import { summaryCsv } from './csv.js';
import { writeSummaryJson } from './json.js';
import { writeSummaryMarkdown } from './markdown.js';
import type { TrialRecord } from './record.js';
import { summarize, type Summary } from './summary.js';
import { logitsCheck, type LogitsCheck, type TextTable } from './format.js';
import { DEFAULT_LOGITS_TOLERANCE } from '../runner/reference-logits.js';
import { writeCharts } from './charts.js';
import type { SpecChart } from './sweep-charts.js';
import { writeTrace } from './trace.js';
import { runOrtTrace } from './ort-profiles.js';
import type { ReportContext } from './report-context.js';

/** Spans and memory samples of a run, as timeline.json stores them. */
export interface Timeline {
  spans: Span[];
  memory: MemorySample[];
  /** Optional GPU memory.used samples (nvidia-smi). */
  gpu?: GpuSample[];
  /**
   * A merged folder's (omni-bench merge): the processes whose timelines were joined, in order,
   * each with how many spans, memory and GPU samples it holds (they follow one another in the
   * arrays above). trace.json draws one process per entry.
   */
  processes?: TimelineProcess[];
}

/** One process of a joined timeline, e.g. `shard 1/2`: its name and its share of the arrays. */
export interface TimelineProcess {
  name: string;
  spans: number;
  memory: number;
  gpu: number;
}

/** What writeOutputs wrote, and any writer that failed (the others still ran). */
export interface OutputsResult {
  summary: Summary;
  /** The spec's own tables, as summary.md and summary.json hold them. */
  tables: TextTable[];
  /** The answer check, when records compare logits with a reference. */
  logits?: LogitsCheck;
  written: string[];
  failures: string[];
}

/** Writes every derived file of `dir`. A failing writer is reported by name; the others still run. */
export async function writeOutputs(
  dir: string,
  input: {
    spec: string;
    records: readonly TrialRecord[];
    complete: boolean;
    timeline?: Timeline;
    /** Calibrated MatMul peak (meta.json), for % of peak. */
    peakGflops?: number;
    /** The spec's own summary tables (Spec.summarize), appended to summary.md. */
    extraTables?: (summary: Summary, records: readonly TrialRecord[], context: ReportContext) => TextTable[];
    /** --logits-tolerance of the run (default 1e-4). */
    logitsTolerance?: number;
    /** The spec's own charts (Spec.charts). */
    extraCharts?: (summary: Summary, records: readonly TrialRecord[], spans: readonly Span[], context: ReportContext) => SpecChart[];
  },
): Promise<OutputsResult> {
  const summary = summarize(input.spec, input.records);
  const written: string[] = [];
  const failures: string[] = [];
  const step = async (name: string, write: () => Promise<string[] | void>): Promise<void> => {
    try {
      const files = await write();
      written.push(...(files ?? [name]));
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  };
  const context: ReportContext = { dir, spans: input.timeline?.spans ?? [], ...(input.peakGflops ? { peakGflops: input.peakGflops } : {}) };
  const tables = input.extraTables ? input.extraTables(summary, input.records, context) : [];
  const logits = logitsCheck(input.records, input.logitsTolerance ?? DEFAULT_LOGITS_TOLERANCE);
  const info = { records: input.records.length, complete: input.complete, tables, ...(logits ? { logits } : {}) };
  await step('summary.csv', () => writeFileAtomic(join(dir, 'summary.csv'), summaryCsv(summary)));
  await step('summary.json', () => writeSummaryJson(join(dir, 'summary.json'), summary, info));
  await step('summary.md', () =>
    writeSummaryMarkdown(join(dir, 'summary.md'), summary, input.records, {
      ...info,
      ...(input.peakGflops ? { peakGflops: input.peakGflops } : {}),
      extraTables: tables,
    }),
  );
  const specCharts = input.extraCharts ? input.extraCharts(summary, input.records, context.spans, context) : [];
  // Memory samples of several processes (shards, often on several machines) make no one RSS line: no memory chart then.
  const chartTimeline = input.timeline && (input.timeline.processes?.length ?? 0) > 1 ? { ...input.timeline, memory: [] } : input.timeline;
  await step('charts', () => writeCharts(join(dir, 'charts'), { summary, records: input.records, specCharts, ...(chartTimeline ? { timeline: chartTimeline } : {}) }));
  if (input.timeline && input.timeline.spans.length > 0) {
    const timeline = input.timeline;
    // ONNX Runtime's kernels (--ort-profile), aligned with the spans that ran them, on their own rows.
    await step('trace.json', () => writeTrace(join(dir, 'trace.json'), timeline, input.spec, runOrtTrace(dir, timeline.spans)));
  }
  return { summary, tables, ...(logits ? { logits } : {}), written, failures };
}
