/**
 * Chrome/Perfetto trace (trace.json) of one run: stage spans as complete ('X') events on one
 * thread row per span track ('main', 'audio', 'vision', in that order, then any other label),
 * with extra rows ('vision #2', ...) where spans of one track overlap (assignLanes: a row's
 * events must nest, or the viewer draws them wrongly); ONNX Runtime kernels on one row per
 * session, and memory as counter ('C') tracks in MB. Open in https://ui.perfetto.dev or
 * chrome://tracing. Format: the Trace Event Format (ts and dur in µs).
 */
import { TRACKS } from '../stages.js';
import { assignLanes } from './concurrency.js';
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
  /** Process id of every event (default 1): traces of several processes in one file (merged shards) each take their own. */
  pid?: number;
  /** Epoch ms of ts 0 (default: the earliest event, {@link traceOriginMs}): traces joined into one file share one origin. */
  originEpochMs?: number;
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

const DEFAULT_PID = 1;
const BYTES_PER_MB = 1e6;

/** µs with ns precision, which keeps trace.json small. */
const us = (ms: number): number => Math.round(ms * 1e6) / 1e3;

/** The row name of a track's lane: the track itself, then 'vision #2', 'vision #3'... */
const laneName = (track: string, lane: number): string => (lane === 0 ? track : `${track} #${lane + 1}`);

/** Row order of span tracks: TRACKS first, any other label after them (stable sort keeps first-seen order). */
const rank = (track: string): number => {
  const i = (TRACKS as readonly string[]).indexOf(track);
  return i < 0 ? TRACKS.length : i;
};

/** Epoch ms of the earliest event of `input` (memory and GPU samples are in time order); Infinity when it has none. */
export function traceOriginMs(input: TraceInput): number {
  // A loop, not Math.min(...spans): a long run has more spans than the call stack takes arguments.
  let origin = Infinity;
  for (const span of input.spans) origin = Math.min(origin, span.startMs);
  origin = Math.min(origin, input.memory?.samples[0]?.tMs ?? Infinity, input.gpu?.[0]?.tMs ?? Infinity);
  for (const session of input.ortEvents ?? []) {
    for (const e of session.events) origin = Math.min(origin, session.originMs + e.tsUs / 1000);
  }
  return origin;
}

/**
 * Builds the trace; times become µs since the earliest event (or `originEpochMs`). A span's args
 * hold its info, its depth, `failed`, `trial` (the trial's key) and `cpu_ms` (process CPU during
 * the span) where the span has them.
 */
export function toChromeTrace(input: TraceInput): ChromeTrace {
  const processName = input.processName ?? 'omni-bench';
  const pid = input.pid ?? DEFAULT_PID;
  const ort = input.ortEvents ?? [];
  const origin = input.originEpochMs ?? traceOriginMs(input);
  const originEpochMs = Number.isFinite(origin) ? origin : 0;

  // Rows: the span tracks' lanes (main, audio, vision, then other labels as first seen), then ORT sessions.
  const lanes = assignLanes(input.spans);
  const laneCount = new Map<string, number>();
  input.spans.forEach((span, i) => laneCount.set(span.track, Math.max(laneCount.get(span.track) ?? 0, (lanes[i] ?? 0) + 1)));
  const trackOrder = [...laneCount.keys()].sort((a, b) => rank(a) - rank(b));
  const tids = new Map<string, number>();
  const tidOf = (row: string): number => {
    let tid = tids.get(row);
    if (tid === undefined) tids.set(row, (tid = tids.size + 1));
    return tid;
  };
  for (const track of trackOrder) for (let lane = 0; lane < (laneCount.get(track) ?? 0); lane++) tidOf(laneName(track, lane));
  const events: ChromeTraceEvent[] = [];

  input.spans.forEach((span, i) => {
    const args: Record<string, unknown> = { ...span.info, depth: span.depth };
    if (span.failed) args.failed = true;
    if (span.trial !== undefined) args.trial = span.trial;
    if (span.cpu) args.cpu_ms = Math.round((span.cpu[1] - span.cpu[0]) * 1e3) / 1e3;
    events.push({
      name: String(span.name),
      cat: 'stage',
      ph: 'X',
      pid,
      tid: tidOf(laneName(span.track, lanes[i] ?? 0)),
      ts: us(span.startMs - originEpochMs),
      dur: us(span.endMs - span.startMs),
      args,
    });
  });
  for (const session of ort) {
    const tid = tidOf(`ort:${session.label}`);
    const base = session.originMs - originEpochMs;
    for (const e of session.events) {
      events.push({
        name: e.node,
        cat: 'ort-op',
        ph: 'X',
        pid,
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
      events.push({ name, ph: 'C', pid, ts: us(s.tMs - originEpochMs), args: { MB: s.bytes / BYTES_PER_MB } });
    }
  }
  for (const s of input.gpu ?? []) {
    events.push({
      name: `GPU ${s.gpu} memory MB (nvidia-smi)`,
      ph: 'C',
      pid,
      ts: us(s.tMs - originEpochMs),
      args: { MB: s.bytes / BYTES_PER_MB },
    });
  }

  const metadata: ChromeTraceEvent[] = [{ name: 'process_name', ph: 'M', pid, args: { name: processName } }];
  for (const [track, tid] of tids) {
    metadata.push({ name: 'thread_name', ph: 'M', pid, tid, args: { name: track } });
    metadata.push({ name: 'thread_sort_index', ph: 'M', pid, tid, args: { sort_index: tid } });
  }
  return { traceEvents: [...metadata, ...events], displayTimeUnit: 'ms', otherData: { originEpochMs, processName } };
}
