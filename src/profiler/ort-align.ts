/**
 * Places an ONNX Runtime profile on the run's clock by matching each session run (ORT's
 * `model_run` event) to the stage span that called it. A profile covers its session's whole
 * life, warmups included, while the run records spans of its recorded trials only; and its ts
 * count from ORT's profiler start, an instant no JavaScript clock reading pins down to better
 * than tens of ms (ort-profile.ts ortOriginMs). Warmups run first, so the last runs are the
 * recorded ones: they are paired in order with the spans of the stages that call this session,
 * and the pairing holds when one origin puts every run inside its span (the origin is then known
 * to a fraction of a ms). Where it does not (a span served by a cache ran nothing), the last run
 * is placed inside one of the last spans, which bounds the origin, every run that then falls
 * inside a span is matched to it, and the placement matching the most runs wins. Runs before the
 * first span are the warmups, and are left out.
 */
import type { OrtOpEvent, OrtProfile } from './ort-profile.js';
import type { Span } from './types.js';

/**
 * Stages whose spans call each component's session: the encoders once per span; the embedding
 * for the prompt (embed) and for each generated token (decode); the decoder for the prefill and
 * for each decode step. A worker thread's session (`speech-worker`) is called by its encoder's stage.
 */
export const SESSION_STAGES: Readonly<Record<string, readonly string[]>> = {
  speech: ['audio_encoder'],
  vision: ['vision_encoder'],
  embedding: ['embed', 'decode'],
  decoder: ['prefill', 'decode'],
};

/** The stages that call `component`'s session (`speech-worker` is speech's); empty for an unknown component. */
export function sessionStages(component: string): readonly string[] {
  return SESSION_STAGES[component.replace(/-worker$/, '')] ?? [];
}

/** One session run of the profile (µs since the profiler's start). */
export interface OrtRun {
  tsUs: number;
  durUs: number;
}

/** A recorded session run and the span that called it. */
export interface RunMatch {
  run: OrtRun;
  span: Span;
}

/** How a profile lines up with the run's spans. */
export interface SessionAlignment {
  /** Epoch ms (the spans' clock) of the profile's ts 0: a kernel starts at originMs + tsUs / 1000. */
  originMs: number;
  /** Recorded runs, each with the span that called it, in time order. */
  matches: RunMatch[];
  /** Runs before the first span: warmups (never recorded). */
  warmupRuns: number;
  /** Runs after the first span that no span contains (none when the spans are the session's only callers). */
  unmatchedRuns: number;
  /** Spans of the session's stages that ran no session run (a cache hit, a failure before the run). */
  spansWithoutRun: number;
  /** True when one origin puts every matched run inside its span; false: the median of the pairs (within a fraction of a ms). */
  exact: boolean;
}

/** Margin (ms) around a span inside which a run still counts as the span's, once the origin is exact: float rounding of µs. */
const EXACT_TOLERANCE_MS = 0.002;
/** Spans tried as the last run's partner, from the last one back. */
const ANCHORS = 3;

/** The shifted [start, end] ms of a run at `originMs`. */
const placed = (run: OrtRun, originMs: number): [number, number] => [originMs + run.tsUs / 1000, originMs + (run.tsUs + run.durUs) / 1000];

/** Runs (ascending) matched to the spans (ascending) that contain them within `toleranceMs`. */
function matchRuns(runs: readonly OrtRun[], spans: readonly Span[], originMs: number, toleranceMs: number): RunMatch[] {
  const matches: RunMatch[] = [];
  let j = 0;
  for (const run of runs) {
    const [start, end] = placed(run, originMs);
    while (j < spans.length && (spans[j] as Span).endMs + toleranceMs < end) j++;
    const span = spans[j];
    if (span && span.startMs - toleranceMs <= start && end <= span.endMs + toleranceMs) matches.push({ run, span });
  }
  return matches;
}

/** The origins that put `run` inside `span`: [low, high] (empty when low > high: the run is longer than the span). */
function originRange(run: OrtRun, span: Span): [number, number] {
  return [span.startMs - run.tsUs / 1000, span.endMs - (run.tsUs + run.durUs) / 1000];
}

/** Refines the origin from the matched pairs: the middle of the origins every pair allows, else the median of the pairs' middles. */
function refine(matches: readonly RunMatch[]): { originMs: number; exact: boolean } {
  let low = -Infinity;
  let high = Infinity;
  const middles: number[] = [];
  for (const { run, span } of matches) {
    const [lo, hi] = originRange(run, span);
    low = Math.max(low, lo);
    high = Math.min(high, hi);
    middles.push((lo + hi) / 2);
  }
  if (low <= high) return { originMs: (low + high) / 2, exact: true };
  middles.sort((a, b) => a - b);
  return { originMs: middles[middles.length >> 1] as number, exact: false };
}

/**
 * Aligns `profile` with the top-level spans of `stages` (the stages that call its session; see
 * {@link sessionStages}). Undefined when there is nothing to align (no run or no such span) or
 * no pairing puts the last run inside a span.
 */
export function alignSession(profile: Pick<OrtProfile, 'runs'>, spans: readonly Span[], stages: readonly string[]): SessionAlignment | undefined {
  const callers = spans.filter((s) => s.depth === 0 && stages.includes(String(s.name))).sort((a, b) => a.startMs - b.startMs);
  const runs = [...profile.runs].sort((a, b) => a.tsUs - b.tsUs);
  const last = runs[runs.length - 1];
  if (!last || callers.length === 0) return undefined;
  let best: { matches: RunMatch[]; originMs: number; exact: boolean } | undefined;
  // In order: warmups come first, so the last runs pair with the spans one to one (every span
  // ran the session once) when one origin puts each inside its span.
  if (callers.length <= runs.length) {
    const tail = runs.slice(runs.length - callers.length);
    const matches = callers.map((span, i) => ({ run: tail[i] as OrtRun, span }));
    const refined = refine(matches);
    if (refined.exact) best = { matches, ...refined };
  }
  // Otherwise by containment: the last run inside one of the last spans bounds the origin; every
  // run inside a span at that origin (within the bound's width) is matched, and the origin refined.
  for (let k = 0; k < Math.min(ANCHORS, callers.length) && !best?.exact; k++) {
    const [low, high] = originRange(last, callers[callers.length - 1 - k] as Span);
    if (low > high) continue;
    const rough = matchRuns(runs, callers, (low + high) / 2, (high - low) / 2 + EXACT_TOLERANCE_MS);
    if (rough.length === 0) continue;
    const { originMs, exact } = refine(rough);
    const matches = matchRuns(runs, callers, originMs, exact ? EXACT_TOLERANCE_MS : (high - low) / 2 + EXACT_TOLERANCE_MS);
    if (!best || matches.length > best.matches.length) best = { matches, originMs, exact };
  }
  if (!best || best.matches.length === 0) return undefined;
  const matched = new Set(best.matches.map((m) => m.run));
  const firstSpanMs = (callers[0] as Span).startMs;
  const unmatched = runs.filter((r) => !matched.has(r));
  const warmupRuns = unmatched.filter((r) => placed(r, best.originMs)[0] < firstSpanMs).length;
  const spansWithRun = new Set(best.matches.map((m) => m.span));
  return {
    originMs: best.originMs,
    matches: best.matches,
    warmupRuns,
    unmatchedRuns: unmatched.length - warmupRuns,
    spansWithoutRun: callers.length - spansWithRun.size,
    exact: best.exact,
  };
}

/** A recorded run's kernels, in start order. */
export interface RunKernels extends RunMatch {
  kernels: OrtOpEvent[];
}

/** The kernels of each matched run (those that start inside it); kernels of warmups and unmatched runs are left out. */
export function kernelsByRun(ops: readonly OrtOpEvent[], matches: readonly RunMatch[]): RunKernels[] {
  const sorted = [...ops].sort((a, b) => a.tsUs - b.tsUs);
  const out: RunKernels[] = [];
  let i = 0;
  for (const match of [...matches].sort((a, b) => a.run.tsUs - b.run.tsUs)) {
    const end = match.run.tsUs + match.run.durUs;
    while (i < sorted.length && (sorted[i] as OrtOpEvent).tsUs < match.run.tsUs) i++;
    const kernels: OrtOpEvent[] = [];
    while (i < sorted.length && (sorted[i] as OrtOpEvent).tsUs <= end) kernels.push(sorted[i++] as OrtOpEvent);
    out.push({ ...match, kernels });
  }
  return out;
}
