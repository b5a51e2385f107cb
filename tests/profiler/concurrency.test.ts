import { describe, expect, it } from 'vitest';
import { assignLanes, branchCpuMs, concurrencyMeasures, spanTrack, unionMs } from '../../src/profiler/concurrency.js';
import type { Span } from '../../src/profiler/types.js';
import { stageTrack } from '../../src/stages.js';

/** A top-level span on its stage's track (as the tracker records it), with optional CPU readings. */
const span = (name: string, startMs: number, endMs: number, cpu?: [number, number]): Span => ({
  name,
  startMs,
  endMs,
  depth: 0,
  track: stageTrack(name),
  ...(cpu ? { cpu } : {}),
});

/** One request run stage after stage: audio 35 ms, vision 65 ms, main 50 ms, a 2 ms gap, then decode. */
const serial = (): Span[] => [
  span('audio_decode', 0, 10, [100, 112]),
  span('audio_features', 10, 15, [112, 117]),
  span('video_decode', 15, 45, [117, 160]),
  span('vision_preprocess', 45, 50, [160, 165]),
  span('audio_encoder', 50, 70, [165, 225]),
  span('vision_encoder', 70, 100, [225, 310]),
  span('prompt', 102, 104, [311, 313]),
  span('embed', 104, 106, [313, 315]),
  span('prefill', 106, 150, [315, 440]),
  span('first_token', 150, 152, [440, 442]),
  span('decode', 152, 200, [442, 560]),
];

/** The two branches at once: audio 0-50, vision 0-90, then the main track 90-137. */
const parallel = (): Span[] => [
  span('audio_decode', 0, 10, [0, 10]),
  span('video_decode', 0, 30, [0, 30]),
  span('audio_features', 10, 20, [10, 20]),
  span('audio_encoder', 20, 50, [20, 80]),
  span('vision_preprocess', 30, 40, [30, 40]),
  span('vision_encoder', 40, 90, [40, 140]),
  span('prompt', 90, 92, [140, 142]),
  span('embed', 92, 95, [142, 145]),
  span('prefill', 95, 135, [145, 225]),
  span('first_token', 135, 137, [225, 227]),
  span('decode', 137, 180, [227, 300]),
];

/**
 * Streamed vision: frames are decoded 0-60 while frame groups are preprocessed and encoded, the
 * preprocess of group 2 (25-32) overlapping the encoder of group 1 (15-30); audio 0-40 alongside.
 * Vision stages sum to 120 ms in a 75 ms branch.
 */
const streaming = (): Span[] => [
  span('audio_decode', 0, 8),
  span('video_decode', 0, 60),
  span('audio_features', 8, 12),
  span('vision_preprocess', 10, 15),
  span('audio_encoder', 12, 40),
  span('vision_encoder', 15, 30),
  span('vision_preprocess', 25, 32),
  span('vision_encoder', 32, 50),
  span('vision_preprocess', 55, 60),
  span('vision_encoder', 60, 75),
  span('prompt', 75, 77),
  span('embed', 77, 80),
  span('prefill', 80, 120),
  span('first_token', 120, 121),
  span('decode', 121, 160),
];

/** Vision spans of `streaming` only, each with CPU readings (process-wide, so overlapping deltas double count). */
const streamedVisionWithCpu = (): Span[] => [
  span('video_decode', 0, 60, [0, 80]),
  span('vision_preprocess', 10, 15, [10, 16]),
  span('vision_encoder', 15, 30, [16, 40]),
  span('vision_preprocess', 25, 32, [33, 45]),
  span('vision_encoder', 32, 50, [45, 70]),
  span('vision_preprocess', 55, 60, [75, 80]),
  span('vision_encoder', 60, 75, [80, 100]),
  span('prompt', 75, 77, [100, 102]),
];

describe('unionMs', () => {
  it('counts time covered by overlapping and touching intervals once', () => {
    expect(unionMs([[0, 10], [5, 15], [20, 30], [30, 35], [40, 40]])).toBe(30);
  });

  it('is 0 for no intervals and ignores their order', () => {
    expect(unionMs([])).toBe(0);
    expect(unionMs([[50, 60], [0, 10], [55, 70]])).toBe(30);
  });
});

describe('spanTrack', () => {
  it('puts canonical stages on their stage track whatever the span was recorded on, other names on their own track', () => {
    expect(spanTrack({ name: 'audio_encoder', startMs: 0, endMs: 1, depth: 0, track: 'main' })).toBe('audio');
    expect(spanTrack({ name: 'video_decode', startMs: 0, endMs: 1, depth: 0, track: 'main' })).toBe('vision');
    expect(spanTrack({ name: 'conv', startMs: 0, endMs: 1, depth: 1, track: 'vision' })).toBe('vision');
    expect(spanTrack({ name: 'glue', startMs: 0, endMs: 1, depth: 0, track: 'worker-1' })).toBe('main');
  });
});

describe('concurrencyMeasures', () => {
  it('in a serial run: no overlap, and the critical path is the slower branch plus the main stages', () => {
    expect(concurrencyMeasures(serial(), { from: 0, to: 152 })).toEqual({ audioBranchMs: 35, visionBranchMs: 65, overlapMs: 0, criticalPathMs: 115 });
  });

  it('with parallel branches: overlap is the time both ran, the critical path follows the vision branch', () => {
    expect(concurrencyMeasures(parallel(), { from: 0, to: 137 })).toEqual({ audioBranchMs: 50, visionBranchMs: 90, overlapMs: 50, criticalPathMs: 137 });
  });

  it('with a streamed branch: the branch counts by its wall time, and its own overlapping spans are not overlap', () => {
    expect(concurrencyMeasures(streaming(), { from: 0, to: 121 })).toEqual({ audioBranchMs: 40, visionBranchMs: 75, overlapMs: 40, criticalPathMs: 121 });
    const onlyVision = streaming().filter((s) => s.track !== 'audio');
    expect(concurrencyMeasures(onlyVision, { from: 0, to: 121 })).toEqual({ audioBranchMs: null, visionBranchMs: 75, overlapMs: 0, criticalPathMs: 121 });
  });

  it('counts main-track stages that overlap a branch, and time three tracks share once', () => {
    const spans = [span('audio_encoder', 0, 10), span('vision_encoder', 5, 20), span('prompt', 8, 12), span('prefill', 20, 30)];
    // audio 0-10, vision 5-20, main 8-12 and 20-30: two or more at once over 5-12.
    expect(concurrencyMeasures(spans, { from: 0, to: 30 })).toEqual({ audioBranchMs: 10, visionBranchMs: 15, overlapMs: 7, criticalPathMs: 29 });
  });

  it('clips spans to the window and leaves out decode and nested spans', () => {
    const spans = [span('audio_decode', -5, 10), { ...span('inner', 2, 8), depth: 1, track: 'vision' }, span('vision_encoder', 20, 40), span('decode', 30, 35), span('prefill', 40, 60)];
    expect(concurrencyMeasures(spans, { from: 0, to: 50 })).toEqual({ audioBranchMs: 10, visionBranchMs: 20, overlapMs: 0, criticalPathMs: 30 });
  });

  it('gives null branches and a 0 critical path for a window without spans', () => {
    expect(concurrencyMeasures(serial(), { from: 300, to: 400 })).toEqual({ audioBranchMs: null, visionBranchMs: null, overlapMs: 0, criticalPathMs: 0 });
  });
});

describe('branchCpuMs', () => {
  it('sums the cpu deltas of a branch that ran alone', () => {
    const spans = serial().filter((s) => s.name !== 'decode');
    expect(branchCpuMs(spans, 'audio')).toBe(12 + 5 + 60);
    expect(branchCpuMs(spans, 'vision')).toBe(43 + 5 + 85);
    expect(branchCpuMs(spans, 'main')).toBe(2 + 2 + 125 + 2);
  });

  it('is null when the branch overlaps another track', () => {
    const spans = parallel().filter((s) => s.name !== 'decode');
    expect(branchCpuMs(spans, 'audio')).toBeNull();
    expect(branchCpuMs(spans, 'vision')).toBeNull();
    // The main track ran after both branches: its CPU is its own.
    expect(branchCpuMs(spans, 'main')).toBe(2 + 3 + 80 + 2);
  });

  it('counts a streamed branch by the readings at the ends of its union, not the sum of overlapping deltas', () => {
    // One stretch 0-75: reading 0 at its start, 100 at the end of its last span (the deltas sum to 172).
    expect(branchCpuMs(streamedVisionWithCpu(), 'vision')).toBe(100);
  });

  it('is null when a span of the branch has no CPU readings, or the branch has no span', () => {
    const spans = [span('audio_decode', 0, 10, [0, 10]), span('audio_encoder', 10, 20)];
    expect(branchCpuMs(spans, 'audio')).toBeNull();
    expect(branchCpuMs(spans, 'vision')).toBeNull();
  });

  it('treats spans of other tracks that only touch the branch as not overlapping', () => {
    const spans = [span('audio_encoder', 0, 10, [0, 9]), span('vision_encoder', 10, 20, [9, 30])];
    expect(branchCpuMs(spans, 'audio')).toBe(9);
    expect(branchCpuMs(spans, 'vision')).toBe(21);
  });
});

/** Pairs of spans on one lane of one track that partially overlap (neither disjoint nor nested). */
function partialOverlaps(spans: readonly Span[], lanes: readonly number[]): string[] {
  const bad: string[] = [];
  spans.forEach((a, i) =>
    spans.forEach((b, j) => {
      if (j <= i || a.track !== b.track || lanes[i] !== lanes[j]) return;
      const disjoint = a.endMs <= b.startMs || b.endMs <= a.startMs;
      const nested = (a.startMs <= b.startMs && b.endMs <= a.endMs) || (b.startMs <= a.startMs && a.endMs <= b.endMs);
      if (!disjoint && !nested) bad.push(`${a.name}@${a.startMs} / ${b.name}@${b.startMs}`);
    }),
  );
  return bad;
}

describe('assignLanes', () => {
  it('keeps every span of a serial run on lane 0', () => {
    expect(assignLanes(serial())).toEqual(serial().map(() => 0));
  });

  it('gives overlapping spans of one track further lanes, the first free one each', () => {
    const spans = streaming();
    const lanes = assignLanes(spans);
    const vision = spans.map((s, i) => [s.name, s.startMs, lanes[i]]).filter((_, i) => spans[i]!.track === 'vision');
    expect(vision).toEqual([
      ['video_decode', 0, 0],
      ['vision_preprocess', 10, 1],
      ['vision_encoder', 15, 1],
      ['vision_preprocess', 25, 2],
      ['vision_encoder', 32, 1],
      ['vision_preprocess', 55, 1],
      ['vision_encoder', 60, 0],
    ]);
    expect(spans.filter((_, i) => spans[i]!.track !== 'vision' && lanes[i] !== 0)).toEqual([]);
    expect(partialOverlaps(spans, lanes)).toEqual([]);
  });

  it('puts a nested span on its parent\'s lane, and never lets two spans on one lane partially overlap', () => {
    const nested = (name: string, startMs: number, endMs: number, depth: number): Span => ({ name, startMs, endMs, depth, track: 'vision' });
    const spans = [
      ...streaming(),
      nested('attn', 33, 40, 1), // inside vision_encoder 32-50 on lane 1 (and video_decode 0-60 on lane 0)
      nested('mlp', 34, 35, 2), // inside that attn
      nested('attn', 36, 45, 1), // overlaps its sibling: cannot stay on lane 1, goes to the free lane 2
    ];
    const lanes = assignLanes(spans);
    expect(lanes.slice(-3)).toEqual([1, 1, 2]);
    expect(partialOverlaps(spans, lanes)).toEqual([]);
  });
});
