/** trace.json writer: the run's spans, memory and GPU samples as a Perfetto/Chrome trace (profiler's toChromeTrace). */
import { writeFileAtomic } from '../fs-atomic.js';
import { toChromeTrace, type OrtTraceInput } from '../profiler/trace.js';
import type { Timeline } from './outputs.js';

/** Writes trace.json (open it in https://ui.perfetto.dev). */
export async function writeTrace(path: string, timeline: Timeline, processName: string, ortEvents?: readonly OrtTraceInput[]): Promise<void> {
  const trace = toChromeTrace({
    spans: timeline.spans,
    ...(timeline.memory.length > 0 ? { memory: { samples: timeline.memory, method: 'rss-poll' as const } } : {}),
    ...(timeline.gpu && timeline.gpu.length > 0 ? { gpu: timeline.gpu } : {}),
    ...(ortEvents && ortEvents.length > 0 ? { ortEvents } : {}),
    processName: `omni-bench ${processName}`,
  });
  await writeFileAtomic(path, JSON.stringify(trace));
}
