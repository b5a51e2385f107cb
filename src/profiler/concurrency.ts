/**
 * How a request's stages combined when they ran concurrently (DESIGN.md section 8): the audio
 * and vision branches may overlap each other, and a streamed branch overlaps within itself, so
 * per-stage sums no longer add up to TTFT. These pure functions turn spans into the figures that
 * do: each branch's wall time, the time branches ran at once, the critical path, the branches'
 * CPU time where it can be attributed, and the trace lanes that draw overlapping spans apart.
 */
import { isStageName, isTrack, stageTrack, TRACKS, type Track } from '../stages.js';
import type { Span } from './types.js';

/** A time interval [start, end], epoch ms. */
export type Interval = readonly [start: number, end: number];

/** The union of `intervals` as disjoint intervals in time order (touching intervals merge). */
function merge(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter(([a, b]) => b >= a).sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

/** Length in ms of the union of `intervals` (time covered by at least one); 0 for none. */
export function unionMs(intervals: readonly Interval[]): number {
  return merge(intervals).reduce((sum, [a, b]) => sum + (b - a), 0);
}

/**
 * The track a span counts on: a canonical stage's stageTrack whatever track it was recorded on
 * (spans of older runs and test doubles carry 'main'), any other span's own track when it is one
 * of TRACKS, else 'main'.
 */
export function spanTrack(span: Span): Track {
  if (isStageName(span.name)) return stageTrack(span.name);
  return isTrack(span.track) ? span.track : 'main';
}

/** The window of one trial's concurrency figures: request start to first token, epoch ms. */
export interface ConcurrencyWindow {
  from: number;
  to: number;
}

/** How the stages of one trial combined (ms; see concurrencyMeasures). */
export interface ConcurrencyMeasures {
  /** Wall time of the audio branch: the union of its spans; null when it has none. */
  audioBranchMs: number | null;
  /** Wall time of the vision branch: the union of its spans; null when it has none. */
  visionBranchMs: number | null;
  /** Time during which spans of two or more tracks ran at once. */
  overlapMs: number;
  /** The slower branch's wall time plus the main track's: the longest chain of dependent stages. */
  criticalPathMs: number;
}

/** Top-level spans inside `window` as (track, clipped interval); decode is never part of it. */
function clippedByTrack(spans: readonly Span[], window: ConcurrencyWindow): Map<Track, Interval[]> {
  const byTrack = new Map<Track, Interval[]>(TRACKS.map((t) => [t, []]));
  for (const span of spans) {
    if (span.depth !== 0 || span.name === 'decode') continue;
    if (span.endMs < window.from || span.startMs > window.to) continue;
    byTrack.get(spanTrack(span))?.push([Math.max(span.startMs, window.from), Math.min(span.endMs, window.to)]);
  }
  return byTrack;
}

/**
 * Time during which at least two of the interval sets cover the same instant. Each set is
 * merged first, so that spans of one track overlapping each other (a streamed branch) do not
 * count as concurrency.
 */
function multiCoveredMs(sets: readonly (readonly Interval[])[]): number {
  const edges: [number, number][] = [];
  for (const set of sets) for (const [a, b] of merge(set)) if (b > a) edges.push([a, 1], [b, -1]);
  // Ends before starts at the same instant: touching spans do not overlap.
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let since = 0;
  let total = 0;
  for (const [t, step] of edges) {
    if (open >= 2) total += t - since;
    open += step;
    since = t;
  }
  return total;
}

/**
 * Concurrency figures of one trial over its top-level spans clipped to `window` (the trial's
 * request start to its first token; decode spans are left out). A branch counts by its wall
 * time (the union of its spans, not the sum of its overlapping stages), and criticalPathMs =
 * max(audio, vision) + the union of the main track's spans: both branches feed the prompt. In
 * a serial run criticalPathMs is the ideal bound of a parallel schedule of the same stages.
 */
export function concurrencyMeasures(spans: readonly Span[], window: ConcurrencyWindow): ConcurrencyMeasures {
  const byTrack = clippedByTrack(spans, window);
  const branch = (track: Track): number | null => {
    const intervals = byTrack.get(track) ?? [];
    return intervals.length === 0 ? null : unionMs(intervals);
  };
  const audioBranchMs = branch('audio');
  const visionBranchMs = branch('vision');
  const mainMs = unionMs(byTrack.get('main') ?? []);
  return {
    audioBranchMs,
    visionBranchMs,
    overlapMs: multiCoveredMs([...byTrack.values()]),
    criticalPathMs: Math.max(audioBranchMs ?? 0, visionBranchMs ?? 0) + mainMs,
  };
}

/** Whether two spans share more than an instant. */
const overlaps = (a: Span, b: Span): boolean => a.startMs < b.endMs && b.startMs < a.endMs;

/**
 * CPU ms of one track's top-level spans (pass the trial's spans, decode left out by the
 * caller if wanted): over each stretch of the track's union, the CPU reading at its end minus
 * the one at its start, summed; for spans that do not overlap each other that is the sum of
 * their cpu deltas, and a streamed branch's overlapping spans count once. Null when the track
 * has no span, when a span lacks `cpu`, or when any of its spans overlaps a span of another
 * track: the readings are process-wide and cannot be split between concurrent branches.
 */
export function branchCpuMs(spans: readonly Span[], track: Track): number | null {
  const top = spans.filter((s) => s.depth === 0);
  const mine = top.filter((s) => spanTrack(s) === track);
  if (mine.length === 0) return null;
  const others = top.filter((s) => spanTrack(s) !== track);
  if (mine.some((s) => s.cpu === undefined || others.some((o) => overlaps(s, o)))) return null;
  const sorted = [...mine].sort((a, b) => a.startMs - b.startMs);
  let total = 0;
  let stretch: { cpuStart: number; endMs: number; cpuEnd: number } | undefined;
  for (const span of sorted) {
    const [cpuStart, cpuEnd] = span.cpu as [number, number];
    if (stretch && span.startMs <= stretch.endMs) {
      if (span.endMs > stretch.endMs) stretch = { ...stretch, endMs: span.endMs, cpuEnd };
      continue;
    }
    if (stretch) total += stretch.cpuEnd - stretch.cpuStart;
    stretch = { cpuStart, endMs: span.endMs, cpuEnd };
  }
  if (stretch) total += stretch.cpuEnd - stretch.cpuStart;
  return total;
}

/** A span still open on a lane: lanes hold stacks of these, each nested in the one below. */
interface OpenSpan {
  startMs: number;
  endMs: number;
  depth: number;
}

/**
 * Trace lanes: for each span (in input order), its 0-based lane within its own `track`, such
 * that no two spans on one lane partially overlap (the Trace Event Format draws a lane's
 * complete events as a stack, which only nesting fits). A top-level span goes on the first lane
 * of its track that is free at its start. A nested span (depth > 0) goes on its parent's lane
 * (the latest-started open span of its track one level up that contains it) when it nests
 * there, else on the first free lane. Serial spans all get lane 0; a streamed branch gets lanes
 * 1, 2... for its overlapping spans.
 */
export function assignLanes(spans: readonly Span[]): number[] {
  // Parents before children: earlier start first, then the longer span, then the shallower.
  const order = spans.map((_, i) => i).sort((i, j) => {
    const a = spans[i] as Span;
    const b = spans[j] as Span;
    return a.startMs - b.startMs || b.endMs - a.endMs || a.depth - b.depth;
  });
  const lanesOf = new Map<string, OpenSpan[][]>();
  const result = new Array<number>(spans.length).fill(0);
  for (const i of order) {
    const span = spans[i] as Span;
    let lanes = lanesOf.get(span.track);
    if (!lanes) lanesOf.set(span.track, (lanes = []));
    // Close what ended by this span's start (ends are nested, so the top ends first).
    for (const stack of lanes) {
      while ((stack[stack.length - 1]?.endMs ?? Infinity) <= span.startMs) stack.pop();
    }
    let lane = span.depth > 0 ? parentLane(lanes, span) : -1;
    if (lane < 0) lane = lanes.findIndex((stack) => stack.length === 0);
    if (lane < 0) lane = lanes.push([]) - 1;
    lanes[lane]?.push({ startMs: span.startMs, endMs: span.endMs, depth: span.depth });
    result[i] = lane;
  }
  return result;
}

/** The lane of `span`'s parent when `span` nests on top of that lane's stack; -1 otherwise. */
function parentLane(lanes: readonly (readonly OpenSpan[])[], span: Span): number {
  let best = -1;
  let bestStart = -Infinity;
  lanes.forEach((stack, lane) => {
    for (const open of stack) {
      if (open.depth === span.depth - 1 && open.endMs >= span.endMs && open.startMs > bestStart) {
        best = lane;
        bestStart = open.startMs;
      }
    }
  });
  const top = best < 0 ? undefined : lanes[best]?.[(lanes[best]?.length ?? 0) - 1];
  return top && top.endMs >= span.endMs ? best : -1;
}
