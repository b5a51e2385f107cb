import { describe, expect, it } from 'vitest';
import { toChromeTrace, type ChromeTraceEvent } from '../../src/profiler/trace.js';
import type { Span } from '../../src/profiler/types.js';
import { stageTrack } from '../../src/stages.js';

const T0 = 1_700_000_000_000; // epoch ms
const span = (name: string, start: number, end: number, depth = 0, track = 'main'): Span => ({
  name,
  startMs: T0 + start,
  endMs: T0 + end,
  depth,
  track,
});

describe('toChromeTrace', () => {
  const trace = toChromeTrace({
    processName: 'omni-bench ttft-breakdown',
    spans: [
      span('audio_encoder', 0, 10, 0, 'worker-1'),
      span('vision_encoder', 0, 12),
      { ...span('attn', 2, 4, 1), info: { layer: 0 } },
      { ...span('prefill', 12, 20), failed: true },
    ],
    memory: { method: 'rss-poll', samples: [{ tMs: T0 + 1, bytes: 150e6 }, { tMs: T0 + 6, bytes: 250e6 }] },
    gpu: [{ tMs: T0 + 3, bytes: 1024 * 1024 * 1024, gpu: 0 }],
    ortEvents: [
      {
        label: 'decoder',
        originMs: T0 + 10,
        events: [{ node: '/decoder/layers.0/MatMul', opType: 'MatMul', provider: 'CPUExecutionProvider', tsUs: 2500, durUs: 1200 }],
      },
    ],
  });
  const json = JSON.parse(JSON.stringify(trace)) as { traceEvents: ChromeTraceEvent[]; displayTimeUnit: string; otherData: { originEpochMs: number } };
  const byPh = (ph: string) => json.traceEvents.filter((e) => e.ph === ph);
  const threadNames = Object.fromEntries(byPh('M').filter((e) => e.name === 'thread_name').map((e) => [e.args!.name, e.tid]));

  it('is JSON with µs times from the earliest event', () => {
    expect(json.displayTimeUnit).toBe('ms');
    expect(json.otherData.originEpochMs).toBe(T0);
    expect(byPh('M').find((e) => e.name === 'process_name')!.args).toEqual({ name: 'omni-bench ttft-breakdown' });
  });

  it('gives every span a complete event on its own track, with info and failure in args', () => {
    const spans = byPh('X').filter((e) => e.cat === 'stage');
    expect(spans.map((e) => [e.name, e.ts, e.dur, e.tid])).toEqual([
      ['audio_encoder', 0, 10_000, threadNames['worker-1']],
      ['vision_encoder', 0, 12_000, threadNames.main],
      ['attn', 2000, 2000, threadNames.main],
      ['prefill', 12_000, 8000, threadNames.main],
    ]);
    expect(spans[2]!.args).toEqual({ layer: 0, depth: 1 });
    expect(spans[3]!.args).toEqual({ depth: 0, failed: true });
    expect(threadNames['worker-1']).not.toBe(threadNames.main);
  });

  it('puts ORT kernels on their session track, aligned to the profile origin', () => {
    const ops = byPh('X').filter((e) => e.cat === 'ort-op');
    expect(ops).toEqual([
      {
        name: '/decoder/layers.0/MatMul',
        cat: 'ort-op',
        ph: 'X',
        pid: 1,
        tid: threadNames['ort:decoder'],
        ts: 12_500,
        dur: 1200,
        args: { op_type: 'MatMul', provider: 'CPUExecutionProvider' },
      },
    ]);
  });

  it('draws memory as counter tracks in MB that name their method', () => {
    expect(byPh('C').map((e) => [e.name, e.ts, e.args])).toEqual([
      ['RSS MB (rss-poll)', 1000, { MB: 150 }],
      ['RSS MB (rss-poll)', 6000, { MB: 250 }],
      ['GPU 0 memory MB (nvidia-smi)', 3000, { MB: 1073.741824 }],
    ]);
  });

  it('handles a run with no spans', () => {
    expect(toChromeTrace({ spans: [] }).traceEvents).toHaveLength(1);
  });
});

describe('toChromeTrace lanes', () => {
  /** A streamed request: audio beside vision, and vision's spans overlapping each other. */
  const streamed = (name: string, start: number, end: number, depth = 0): Span => span(name, start, end, depth, stageTrack(name));
  const spans: Span[] = [
    streamed('audio_decode', 0, 8),
    streamed('video_decode', 0, 60),
    streamed('audio_features', 8, 12),
    streamed('vision_preprocess', 10, 15),
    streamed('audio_encoder', 12, 40),
    streamed('vision_encoder', 15, 30),
    { ...streamed('vision_encoder', 15, 30), name: 'attn', depth: 1, startMs: T0 + 16, endMs: T0 + 20 },
    streamed('vision_preprocess', 25, 32),
    streamed('vision_encoder', 32, 50),
    streamed('vision_preprocess', 55, 60),
    streamed('vision_encoder', 60, 75),
    { ...streamed('prompt', 75, 77), trial: 'video-mme/a|baseline|r0|t0', cpu: [1000.25, 1002.5] },
    streamed('prefill', 77, 120),
  ];
  const json = JSON.parse(JSON.stringify(toChromeTrace({ spans, ortEvents: [{ label: 'vision', originMs: T0, events: [] }] }))) as { traceEvents: ChromeTraceEvent[] };
  const meta = json.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name');
  const nameOf = new Map(meta.map((e) => [e.tid, e.args!.name as string]));
  const stages = json.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'stage');

  it('gives each track its own row, main then audio then vision, and extra rows where a track\'s spans overlap', () => {
    const rows = meta.map((e) => [e.args!.name, json.traceEvents.find((m) => m.name === 'thread_sort_index' && m.tid === e.tid)!.args!.sort_index]);
    expect(rows).toEqual([
      ['main', 1],
      ['audio', 2],
      ['vision', 3],
      ['vision #2', 4],
      ['vision #3', 5],
      ['ort:vision', 6],
    ]);
    expect(stages.filter((e) => e.name.startsWith('audio_')).map((e) => nameOf.get(e.tid))).toEqual(['audio', 'audio', 'audio']);
    expect(stages.filter((e) => e.name === 'prefill').map((e) => nameOf.get(e.tid))).toEqual(['main']);
    expect(stages.find((e) => e.name === 'attn') && nameOf.get(stages.find((e) => e.name === 'attn')!.tid)).toBe('vision #2');
  });

  it('never lets two stage events on one row partially overlap (the viewer would draw them wrongly)', () => {
    const bad: string[] = [];
    for (const a of stages) {
      for (const b of stages) {
        if (a === b || a.tid !== b.tid) continue;
        const [aEnd, bEnd] = [a.ts! + a.dur!, b.ts! + b.dur!];
        // Partial overlap: b starts inside a and ends after it.
        if (b.ts! > a.ts! && b.ts! < aEnd && bEnd > aEnd) bad.push(`${a.name}@${a.ts} / ${b.name}@${b.ts} on ${nameOf.get(a.tid)}`);
      }
    }
    expect(bad).toEqual([]);
    expect(new Set(stages.map((e) => e.tid)).size).toBe(5);
  });

  it('carries the trial key and the span\'s process CPU ms in args', () => {
    expect(stages.find((e) => e.name === 'prompt')!.args).toEqual({ depth: 0, trial: 'video-mme/a|baseline|r0|t0', cpu_ms: 2.25 });
  });
});
