/**
 * Chrome/Perfetto trace (trace.json) of one run: stage spans as complete ('X') events on one
 * track per thread or worker, ONNX Runtime kernels on one track per session, and memory as
 * counter ('C') tracks in MB. Open in https://ui.perfetto.dev or chrome://tracing.
 * Format: the Trace Event Format (ts and dur in µs).
 */
import type { GpuSample } from './gpu-poller.js';
import type { OrtOpEvent } from './ort-profile.js';
import type { MemoryMethod, MemorySample, Span } from './types.js';

/** One session's ORT kernels, placed on the run's clock. */
export interface OrtTraceInput {
  /** Track label, e.g. the component: 'audio', 'vision', 'decoder'. */
  label: string;
  /** Epoch ms (shared clock) of the profile's ts 0: ortOriginMs(). */
  originMs: number;
  events: readonly OrtOpEvent[];
}

/** What toChromeTrace merges. */
export interface TraceInput {
  spans: readonly Span[];
  memory?: { samples: readonly MemorySample[]; method: MemoryMethod };
  gpu?: readonly GpuSample[];
  ortEvents?: readonly OrtTraceInput[];
  /** Process name shown by the viewer. Default 'omni-bench'. */
  processName?: string;
}

/** One Trace Event Format event. */
export interface ChromeTraceEvent {
  name: string;
  ph: 'X' | 'C' | 'M';
  pid: number;
  tid?: number;
  /** µs since the trace's origin. */
  ts?: number;
  dur?: number;
  cat?: string;
  args?: Record<string, unknown>;
}

/** The trace object; JSON.stringify it to write trace.json. */
export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: 'ms';
  /** originEpochMs: epoch ms of ts 0 (the earliest event). */
  otherData: { originEpochMs: number; processName: string };
}

const PID = 1;
const BYTES_PER_MB = 1e6;

/** µs with ns precision, which keeps trace.json small. */
const us = (ms: number): number => Math.round(ms * 1e6) / 1e3;

/** Builds the trace; times become µs since the earliest event. */
export function toChromeTrace(input: TraceInput): ChromeTrace {
  const processName = input.processName ?? 'omni-bench';
  const ort = input.ortEvents ?? [];
  // A loop, not Math.min(...spans): a long run has more spans than the call stack takes arguments.
  let origin = Infinity;
  for (const span of input.spans) origin = Math.min(origin, span.startMs);
  origin = Math.min(origin, input.memory?.samples[0]?.tMs ?? Infinity, input.gpu?.[0]?.tMs ?? Infinity);
  for (const session of ort) {
    for (const e of session.events) origin = Math.min(origin, session.originMs + e.tsUs / 1000);
  }
  const originEpochMs = Number.isFinite(origin) ? origin : 0;

  const tids = new Map<string, number>();
  const tidOf = (track: string): number => {
    let tid = tids.get(track);
    if (tid === undefined) tids.set(track, (tid = tids.size + 1));
    return tid;
  };
  const events: ChromeTraceEvent[] = [];

  for (const span of input.spans) {
    const args: Record<string, unknown> = { ...span.info, depth: span.depth };
    if (span.failed) args.failed = true;
    events.push({
      name: String(span.name),
      cat: 'stage',
      ph: 'X',
      pid: PID,
      tid: tidOf(span.track),
      ts: us(span.startMs - originEpochMs),
      dur: us(span.endMs - span.startMs),
      args,
    });
  }
  for (const session of ort) {
    const tid = tidOf(`ort:${session.label}`);
    const base = session.originMs - originEpochMs;
    for (const e of session.events) {
      events.push({
        name: e.node,
        cat: 'ort-op',
        ph: 'X',
        pid: PID,
        tid,
        ts: us(base + e.tsUs / 1000),
        dur: e.durUs,
        args: { op_type: e.opType, provider: e.provider },
      });
    }
  }
  if (input.memory) {
    const name = `RSS MB (${input.memory.method})`;
    for (const s of input.memory.samples) {
      events.push({ name, ph: 'C', pid: PID, ts: us(s.tMs - originEpochMs), args: { MB: s.bytes / BYTES_PER_MB } });
    }
  }
  for (const s of input.gpu ?? []) {
    events.push({
      name: `GPU ${s.gpu} memory MB (nvidia-smi)`,
      ph: 'C',
      pid: PID,
      ts: us(s.tMs - originEpochMs),
      args: { MB: s.bytes / BYTES_PER_MB },
    });
  }

  const metadata: ChromeTraceEvent[] = [{ name: 'process_name', ph: 'M', pid: PID, args: { name: processName } }];
  for (const [track, tid] of tids) {
    metadata.push({ name: 'thread_name', ph: 'M', pid: PID, tid, args: { name: track } });
    metadata.push({ name: 'thread_sort_index', ph: 'M', pid: PID, tid, args: { sort_index: tid } });
  }
  return { traceEvents: [...metadata, ...events], displayTimeUnit: 'ms', otherData: { originEpochMs, processName } };
}
