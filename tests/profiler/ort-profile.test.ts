import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nowMs } from '../../src/profiler/clock.js';
import {
  arenaPeakBytes,
  findOrtProfiles,
  groupByModule,
  moduleOf,
  ortOriginMs,
  ortProfileStartMs,
  OrtProfileError,
  parseOrtProfile,
  readOrtProfile,
  type OrtOpEvent,
  type OrtProfile,
} from '../../src/profiler/ort-profile.js';
import { TINY_DIM, TINY_NODES, tinyModelBytes } from './fixtures/tiny-onnx.js';

const RUNS = 3;
const dir = mkdtempSync(join(tmpdir(), 'omni-ort-profile-'));
let profilePath: string;
let sessionStartMs: number;
let createdMs: number;
let profile: OrtProfile;
let runWindows: Array<[number, number]>;
let events: OrtOpEvent[];

beforeAll(async () => {
  const prefix = join(dir, 'tiny');
  sessionStartMs = nowMs();
  const session = await ort.InferenceSession.create(tinyModelBytes(), {
    enableProfiling: true,
    profileFilePrefix: prefix,
    graphOptimizationLevel: 'disabled', // keep every node, so every name is in the profile
    intraOpNumThreads: 1,
  });
  createdMs = nowMs();
  const x = new ort.Tensor('float32', new Float32Array(4 * TINY_DIM).fill(0.5), [4, TINY_DIM]);
  runWindows = [];
  for (let i = 0; i < RUNS; i++) {
    const from = nowMs();
    await session.run({ x });
    runWindows.push([from, nowMs()]);
  }
  session.endProfiling(); // returns nothing in onnxruntime-node: the file is found by its prefix
  await session.release();
  const found = findOrtProfiles(prefix);
  expect(found).toHaveLength(1);
  profilePath = found[0]!;
  events = parseOrtProfile(profilePath);
  profile = readOrtProfile(profilePath);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseOrtProfile on a real onnxruntime-node profile', () => {
  it('returns one kernel event per node per run, with op type and provider', () => {
    expect(events).toHaveLength(TINY_NODES.length * RUNS);
    expect(events.slice(0, TINY_NODES.length).map((e) => [e.node, e.opType])).toEqual(TINY_NODES.map(([n, t]) => [n, t]));
    for (const e of events) {
      expect(e.provider).toBe('CPUExecutionProvider');
      expect(e.durUs).toBeGreaterThanOrEqual(0);
      expect(e.tsUs).toBeGreaterThan(0);
    }
    expect(arenaPeakBytes(events)).toBeGreaterThan(0);
  });

  it('reads one model_run per session.run and the end of session initialization', () => {
    expect(profile.ops).toEqual(events);
    expect(profile.runs).toHaveLength(RUNS);
    expect(profile.initEndUs).toBeGreaterThan(0);
  });

  it('places every kernel inside its session.run when aligned by run windows', () => {
    const origin = ortOriginMs(profile, { runWindowsMs: runWindows })!;
    for (const [i, [from, to]] of runWindows.entries()) {
      for (const e of events.slice(i * TINY_NODES.length, (i + 1) * TINY_NODES.length)) {
        const startMs = origin + e.tsUs / 1000;
        expect(startMs).toBeGreaterThanOrEqual(from);
        expect(startMs + e.durUs / 1000).toBeLessThanOrEqual(to);
      }
    }
  });

  it('aligned by the time create() resolved, never places a kernel before the session began, nor the origin after create() resolved', () => {
    // Only the delay between the end of ORT's initialization and the promise resolving separates
    // the two alignments (how long depends on the machine's load, so no bound on it is asserted).
    const byCreate = ortOriginMs(profile, { createdMs })!;
    expect(byCreate).toBeGreaterThanOrEqual(sessionStartMs - 1);
    expect(byCreate).toBeLessThanOrEqual(createdMs);
    // It can only place kernels late (by the resolve delay), never before the session began.
    for (const e of events) expect(byCreate + e.tsUs / 1000).toBeGreaterThanOrEqual(sessionStartMs - 1);
  });

  it('takes the middle of the origins that fit every window', () => {
    const runs = [
      { tsUs: 1000, durUs: 1000 },
      { tsUs: 5000, durUs: 1000 },
    ];
    // origins that fit: [99, 100] from the first window, [100, 100.5] from the second
    expect(ortOriginMs({ ops: [], runs }, { runWindowsMs: [[100, 102], [105, 106.5]] })).toBeCloseTo(100, 9);
  });

  it('falls back to the median of middle alignments when no origin fits every window', () => {
    const runs = [
      { tsUs: 1000, durUs: 1000 },
      { tsUs: 5000, durUs: 1000 },
      { tsUs: 9000, durUs: 1000 },
    ];
    // middles align at 99.5, 101 and 100.2: the windows disagree, the median wins
    const windows = [[100, 102], [106, 107], [108.5, 110.9]] as const;
    expect(ortOriginMs({ ops: [], runs }, { runWindowsMs: windows })).toBeCloseTo(100.2, 9);
    expect(ortOriginMs({ ops: [], runs: [] }, { runWindowsMs: [[0, 1]] })).toBeUndefined();
    expect(ortOriginMs({ ops: [], runs }, { createdMs: 10 })).toBeUndefined();
  });

  it('reads the start time in the file name as a fallback', () => {
    const fromName = ortProfileStartMs(profilePath)!;
    expect(Math.abs(fromName - sessionStartMs)).toBeLessThan(1000);
  });
});

describe('groupByModule', () => {
  it('groups a real profile by module and op type with calls, ms and shares', () => {
    const rows = groupByModule(events, 2);
    const keys = rows.map((r) => `${r.module} ${r.opType} x${r.calls}`).sort();
    expect(keys).toEqual([
      '/enc/layers.0 MatMul x3',
      '/enc/layers.0 Relu x3',
      '/enc/layers.1 Add x3',
      '/enc/layers.1 MatMul x3',
      '/head MatMul x3',
    ]);
    expect(rows.reduce((sum, r) => sum + r.sharePct, 0)).toBeCloseTo(100, 6);
    const totalUs = events.reduce((sum, e) => sum + e.durUs, 0);
    expect(rows.reduce((sum, r) => sum + r.totalMs, 0)).toBeCloseTo(totalUs / 1000, 9);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.totalMs).toBeLessThanOrEqual(rows[i - 1]!.totalMs);
  });

  it('computes exact rows on hand-built events', () => {
    const e = (node: string, opType: string, durUs: number): OrtOpEvent => ({ node, opType, provider: 'CPUExecutionProvider', tsUs: 0, durUs });
    const hand = [
      e('/audio/layers.3/attn/MatMul', 'MatMul', 600),
      e('/audio/layers.3/attn/MatMul_1', 'MatMul', 200),
      e('/audio/layers.3/attn/Softmax', 'Softmax', 100),
      e('/audio/layers.3/mlp/MatMul', 'MatMul', 100),
    ];
    expect(groupByModule(hand, 3)).toEqual([
      { module: '/audio/layers.3/attn', opType: 'MatMul', calls: 2, totalMs: 0.8, sharePct: 80 },
      { module: '/audio/layers.3/attn', opType: 'Softmax', calls: 1, totalMs: 0.1, sharePct: 10 },
      { module: '/audio/layers.3/mlp', opType: 'MatMul', calls: 1, totalMs: 0.1, sharePct: 10 },
    ]);
    expect(groupByModule(hand, 0).map((r) => [r.module, r.opType, r.calls])).toEqual([
      ['/', 'MatMul', 3],
      ['/', 'Softmax', 1],
    ]);
    expect(() => groupByModule(hand, -1)).toThrow(RangeError);
  });
});

describe('moduleOf', () => {
  it('cuts the node name to depth components, never including the node itself', () => {
    expect(moduleOf('/audio/layers.3/attn/MatMul', 1)).toBe('/audio');
    expect(moduleOf('/audio/layers.3/attn/MatMul', 3)).toBe('/audio/layers.3/attn');
    expect(moduleOf('/audio/layers.3/attn/MatMul', 9)).toBe('/audio/layers.3/attn');
    expect(moduleOf('MatMul_12', 2)).toBe('/');
  });
});

describe('parseOrtProfile on damaged files', () => {
  it('reads a profile cut short up to its last complete event', () => {
    const path = join(dir, 'cut_2026-01-02_03-04-05_678.json');
    writeFileSync(
      path,
      '[\n{"cat":"Node","name":"/a/Add_kernel_time","ts":5,"dur":2,"args":{"op_name":"Add","provider":"CPUExecutionProvider"}},\n{"cat":"Node","args":{"op_name":"Mul"},"na',
    );
    expect(parseOrtProfile(path)).toEqual([{ node: '/a/Add', opType: 'Add', provider: 'CPUExecutionProvider', tsUs: 5, durUs: 2 }]);
    expect(ortProfileStartMs(path)).toBe(new Date(2026, 0, 2, 3, 4, 5, 678).getTime());
  });

  it('names the file when it is not a profile', () => {
    const path = join(dir, 'not-a-profile.json');
    writeFileSync(path, '{"hello": 1}');
    expect(() => parseOrtProfile(path)).toThrow(OrtProfileError);
    expect(() => parseOrtProfile(path)).toThrow(/not-a-profile\.json: not an ONNX Runtime profile/);
    expect(() => parseOrtProfile(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read the ONNX Runtime profile/);
  });
});
