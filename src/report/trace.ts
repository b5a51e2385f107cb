/** trace.json writer: the run's spans, memory and GPU samples as a Perfetto/Chrome trace (profiler's toChromeTrace). */
import { writeFileAtomic } from '../fs-atomic.js';
import { toChromeTrace, traceOriginMs, type ChromeTrace, type OrtTraceInput, type TraceInput } from '../profiler/trace.js';
import type { Timeline } from './outputs.js';

/** The trace input of a timeline's spans and samples. */
function traceInput(timeline: Pick<Timeline, 'spans' | 'memory' | 'gpu'>): TraceInput {
  return {
    spans: timeline.spans,
    ...(timeline.memory.length > 0 ? { memory: { samples: timeline.memory, method: 'rss-poll' as const } } : {}),
    ...(timeline.gpu && timeline.gpu.length > 0 ? { gpu: timeline.gpu } : {}),
  };
}

/**
 * A joined timeline (Timeline.processes) as one trace with one process per entry (pid 1, 2, ...),
 * on one clock: ts 0 is the earliest event of any process. Undefined when the counts do not add
 * up to the arrays (a hand-edited file): the caller draws one process then.
 */
function processesTrace(timeline: Timeline, processName: string): ChromeTrace | undefined {
  const processes = timeline.processes ?? [];
  const sum = (field: 'spans' | 'memory' | 'gpu'): number => processes.reduce((n, p) => n + p[field], 0);
  if (sum('spans') !== timeline.spans.length || sum('memory') !== timeline.memory.length || sum('gpu') !== (timeline.gpu?.length ?? 0)) return undefined;
  const at = { spans: 0, memory: 0, gpu: 0 };
  const parts = processes.map((p) => {
    const part = traceInput({
      spans: timeline.spans.slice(at.spans, (at.spans += p.spans)),
      memory: timeline.memory.slice(at.memory, (at.memory += p.memory)),
      gpu: (timeline.gpu ?? []).slice(at.gpu, (at.gpu += p.gpu)),
    });
    return { name: p.name, part };
  });
  const origin = Math.min(...parts.map(({ part }) => traceOriginMs(part)));
  const originEpochMs = Number.isFinite(origin) ? origin : 0;
  const traceEvents = parts.flatMap(({ name, part }, i) => toChromeTrace({ ...part, pid: i + 1, processName: name, originEpochMs }).traceEvents);
  return { traceEvents, displayTimeUnit: 'ms', otherData: { originEpochMs, processName } };
}

/**
 * Writes trace.json (open it in https://ui.perfetto.dev): one process, or one per entry of
 * `timeline.processes` (a merged folder's shards).
 */
export async function writeTrace(path: string, timeline: Timeline, processName: string, ortEvents?: readonly OrtTraceInput[]): Promise<void> {
  const name = `omni-bench ${processName}`;
  const joined = timeline.processes && timeline.processes.length > 0 ? processesTrace(timeline, name) : undefined;
  const trace =
    joined ??
    toChromeTrace({
      ...traceInput(timeline),
      ...(ortEvents && ortEvents.length > 0 ? { ortEvents } : {}),
      processName: name,
    });
  await writeFileAtomic(path, JSON.stringify(trace));
}
