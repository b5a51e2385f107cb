/**
 * Scoped spans (stage timers). The model and media pipeline call `tracker.stage(name, fn)`
 * around every stage; the tracker records a Span with try/finally, so a stage that throws still
 * ends. Nesting is tracked per async context (AsyncLocalStorage), so two stages awaited
 * concurrently on one tracker (encoders dispatched to workers in parallel) are both top-level
 * rather than one nested in the other. Cost, measured on Node 20: about 3-5 µs per span, and
 * once any tracker has run, V8's promise hooks add about 0.5 µs to every await in the process
 * (the price of AsyncLocalStorage before Node's AsyncContextFrame); both far below the stages'
 * millisecond scale. A CPU reader (processCpuMs, about 6 µs a reading) adds two readings a
 * span, taken inside the span's wall-clock interval (as the VmHWM readings are) so that they
 * are part of the stage rather than unexplained time between stages (other_ms).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { isStageName, stageTrack, type StageInfo, type StageRunner } from '../stages.js';
import { nowMs } from './clock.js';
import { unionMs } from './concurrency.js';
import type { Span, Tracker } from './types.js';

/** Options of createTracker. */
export interface TrackerOptions {
  /**
   * Reads process CPU time in ms (processCpuMs in cpu-time.ts); when given, every span records
   * its readings at start and end as `cpu`. Default: none, spans carry no `cpu`.
   */
  cpuMs?: () => number;
}

/** What the async context of a running span holds for the spans nested in it. */
interface Enclosing {
  depth: number;
  track: string;
}

/**
 * A Tracker. A canonical stage's span goes on its stageTrack ('audio', 'vision', 'main'); a span
 * of any other name goes on the track of the span it is nested in, or at top level on `track`
 * (default 'main'; e.g. 'worker-1' for a tracker of its own thread).
 */
export function createTracker(track = 'main', options: TrackerOptions = {}): Tracker {
  const { cpuMs } = options;
  const enclosingOf = new AsyncLocalStorage<Enclosing>();
  let recorded: Span[] = [];

  async function trackSpan<T>(name: string, fn: () => Promise<T> | T, info?: StageInfo): Promise<T> {
    const enclosing = enclosingOf.getStore();
    const depth = enclosing?.depth ?? 0;
    const spanTrack = isStageName(name) ? stageTrack(name) : (enclosing?.track ?? track);
    const startMs = nowMs();
    const cpuStart = cpuMs?.();
    let failed = false;
    try {
      return await enclosingOf.run({ depth: depth + 1, track: spanTrack }, fn);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      const cpuEnd = cpuMs?.();
      const endMs = nowMs();
      const span: Span = { name, startMs, endMs, depth, track: spanTrack };
      if (info !== undefined) span.info = info;
      if (failed) span.failed = true;
      if (cpuStart !== undefined && cpuEnd !== undefined) span.cpu = [cpuStart, cpuEnd];
      recorded.push(span);
    }
  }

  const stage: StageRunner = (name, fn, info) => trackSpan(name, fn, info);

  return {
    stage,
    track: trackSpan,
    // Spans are pushed when they end (a parent after its children); callers want start order.
    spans: () => [...recorded].sort((a, b) => a.startMs - b.startMs || a.depth - b.depth),
    reset: () => {
      recorded = [];
    },
  };
}

/** Window of time, epoch ms; an absent bound is open. */
export interface TimeWindow {
  from?: number;
  to?: number;
}

/** Milliseconds of [startMs, endMs] that fall inside `window`. */
function clippedMs(span: Span, window: TimeWindow): number {
  const start = Math.max(span.startMs, window.from ?? -Infinity);
  const end = Math.min(span.endMs, window.to ?? Infinity);
  return Math.max(0, end - start);
}

/**
 * Milliseconds per top-level (depth 0) span name within `window` (spans are clipped to it).
 * A stage entered several times (decode, once per token) sums. Nested spans are left out so
 * that nothing is counted twice.
 */
export function stageTotals(spans: readonly Span[], window: TimeWindow = {}): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const span of spans) {
    if (span.depth !== 0) continue;
    if (span.endMs < (window.from ?? -Infinity) || span.startMs > (window.to ?? Infinity)) continue;
    totals[span.name] = (totals[span.name] ?? 0) + clippedMs(span, window);
  }
  return totals;
}

/** Options of otherMs. */
export interface OtherMsOptions {
  /**
   * Epoch ms at which the request started. When given, spans are clipped to
   * [startMs, startMs + ttftMs]; otherwise every top-level span except 'decode' counts.
   */
  startMs?: number;
}

/**
 * Milliseconds of TTFT that no top-level span explains: `ttftMs` minus the length of the union
 * of top-level span intervals (a union, so that stages run in parallel on several tracks are
 * not counted twice). Never negative.
 */
export function otherMs(ttftMs: number, spans: readonly Span[], options: OtherMsOptions = {}): number {
  const { startMs } = options;
  const window: TimeWindow = startMs === undefined ? {} : { from: startMs, to: startMs + ttftMs };
  const intervals = spans
    .filter((s) => s.depth === 0 && (startMs !== undefined || s.name !== 'decode'))
    .map((s) => [Math.max(s.startMs, window.from ?? -Infinity), Math.min(s.endMs, window.to ?? Infinity)] as const)
    .filter(([a, b]) => b > a);
  return Math.max(0, ttftMs - unionMs(intervals));
}
