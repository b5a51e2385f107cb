import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../helpers/cli.js';
import { readRecordsCsv } from '../../src/report/csv.js';
import { readRunProfiles, profileComponent } from '../../src/report/ort-profiles.js';
import { partsOf } from '../../src/report/module-profile.js';
import { MODULE_CATEGORIES } from '../../src/profiler/module-profile.js';
import { findOrtProfiles, readOrtProfile } from '../../src/profiler/ort-profile.js';
import { SESSION_STAGES } from '../../src/profiler/ort-align.js';
import type { Span } from '../../src/profiler/types.js';
import type { TrialRecord } from '../../src/report/record.js';
import { ortProfilePrefix } from '../../src/runner/results-dir.js';

const REPEATS = 2;
const WARMUP = 1;
/** Default --max-new-tokens of module-profile: one prefill and three decode steps per request. */
const DECODE_STEPS = 3;

let out: string;
let result: CliResult;
let spans: Span[];

beforeAll(async () => {
  out = join(mkdtempSync(join(tmpdir(), 'omni-bench-module-profile-')), 'run');
  result = await runCli(['module-profile', '--model', 'tiny', '--repeats', String(REPEATS), '--warmup', String(WARMUP), '--top', '5', '--out', out]);
  spans = (JSON.parse(readFileSync(join(out, 'timeline.json'), 'utf8')) as { spans: Span[] }).spans;
}, 300_000);

describe('omni-bench module-profile (tiny preset, the reference request)', () => {
  it('profiles the reference request and prints the session, module, op-type and top-operator tables', () => {
    expect(result.code, result.stderr).toBe(0);
    for (const title of ['ONNX Runtime session time per part', 'Modules per part', 'Operator types per part', 'Top 5 operators']) expect(result.stdout).toContain(title);
    expect(existsSync(join(out, 'charts', 'module_profile.png'))).toBe(true);
    const records = readRecordsCsv(join(out, 'records.csv')).records;
    expect(records).toHaveLength(REPEATS);
    for (const r of records) {
      expect([r.status, r.dataset, r.sampleId]).toEqual(['ok', 'reference', 'reference-request']);
      // 10 s of audio and 20 frames of 392x280 (model bench's reference request).
      expect([r.measures.melFrames, r.measures.videoFrames, r.measures.visionPatches, r.measures.videoTokens]).toEqual([1000, 20, 5600, 1400]);
    }
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')) as { options: { ortProfile: boolean } };
    expect(meta.options.ortProfile).toBe(true);
  });

  it('leaves the warmup out and puts every kernel of every recorded run in one module', () => {
    const profiles = readRunProfiles(out, spans);
    expect(profiles.warnings).toEqual([]);
    const perRequest: Record<string, number> = { speech: 1, vision: 1, embedding: 1 + DECODE_STEPS, decoder: 1 + DECODE_STEPS };
    expect(profiles.sessions.map((s) => s.component)).toEqual(['speech', 'vision', 'embedding', 'decoder']);
    for (const s of profiles.sessions) {
      expect(s.alignment.exact, s.component).toBe(true);
      expect(s.alignment.warmupRuns, s.component).toBe(WARMUP * (perRequest[s.component] as number));
      expect(s.alignment.matches, s.component).toHaveLength(REPEATS * (perRequest[s.component] as number));
    }
    const parts = partsOf(profiles);
    expect(parts.map((p) => p.part)).toEqual(['speech (audio_encoder)', 'vision (vision_encoder)', 'embedding (embed)', 'decoder (prefill)', 'embedding (decode)', 'decoder (decode)']);
    for (const p of parts) {
      const kernels = profiles.sessions.filter((s) => s.component === p.component).flatMap((s) => s.runs.filter((r) => r.span.name === p.stage).flatMap((r) => r.kernels));
      const calls = [...p.modules.values()].reduce((n, m) => n + m.calls, 0);
      expect(calls, p.part).toBe(kernels.length);
      for (const category of p.modules.keys()) expect(MODULE_CATEGORIES).toContain(category);
      expect(p.requests).toBe(REPEATS);
    }
    const modulesOf = (part: string): string[] => [...(parts.find((p) => p.part === part)?.modules.keys() ?? [])];
    expect(modulesOf('speech (audio_encoder)')).toEqual(expect.arrayContaining(['attention', 'mlp', 'conv', 'norm', 'merger', 'embedding', 'residual']));
    expect(modulesOf('vision (vision_encoder)')).toEqual(expect.arrayContaining(['attention', 'mlp', 'norm', 'merger', 'embedding', 'residual']));
    expect(modulesOf('decoder (prefill)')).toEqual(expect.arrayContaining(['attention', 'mlp', 'norm', 'positions', 'lm_head', 'residual']));
  });

  it("adds the module times up to each component's session time within 5% (ORT's model_run of the recorded runs)", () => {
    const parts = partsOf(readRunProfiles(out, spans));
    const prefix = ortProfilePrefix(out);
    for (const file of findOrtProfiles(prefix)) {
      const component = profileComponent(file, prefix) as string;
      // Independently of the alignment: the profile's runs after the warmup's are the recorded ones.
      const runs = readOrtProfile(file).runs.sort((a, b) => a.tsUs - b.tsUs);
      const perRequest = runs.length / (WARMUP + REPEATS);
      const sessionUs = runs.slice(WARMUP * perRequest).reduce((n, r) => n + r.durUs, 0);
      const mine = parts.filter((p) => p.component === component);
      const modulesUs = mine.reduce((n, p) => n + [...p.modules.values()].reduce((m, t) => m + t.wallUs, 0) + p.overheadUs, 0);
      expect(Math.abs(modulesUs - sessionUs) / sessionUs, component).toBeLessThan(0.05);
    }
    // The nodes alone (the session overhead row left out) explain the encoders and the prefill within 5% too.
    for (const p of parts.filter((x) => ['audio_encoder', 'vision_encoder', 'prefill'].includes(x.stage))) {
      expect(p.overheadUs / p.sessionUs, p.part).toBeLessThan(0.05);
    }
  });

  it('counts the FLOPs of the encoders and the prefill as flops.ts does (the records\' GFLOP) within 2%', () => {
    const parts = partsOf(readRunProfiles(out, spans));
    const record = readRecordsCsv(join(out, 'records.csv')).records[0] as TrialRecord;
    const gflop = (part: string): number => {
      const p = parts.find((x) => x.part === part)!;
      return [...p.modules.values()].reduce((n, m) => n + m.flops, 0) / 1e9 / p.requests;
    };
    expect(gflop('speech (audio_encoder)') / (record.measures.stageGflop.audio_encoder as number)).toBeCloseTo(1, 1);
    expect(gflop('vision (vision_encoder)') / (record.measures.stageGflop.vision_encoder as number)).toBeCloseTo(1, 1);
    expect(gflop('decoder (prefill)') / (record.measures.stageGflop.prefill as number)).toBeCloseTo(1, 1);
  });

  it('puts every ORT kernel in trace.json inside the span of the stage that ran it, warmups left out', () => {
    type Event = { name: string; ph: string; cat?: string; tid?: number; ts?: number; dur?: number; args?: Record<string, unknown> };
    const trace = JSON.parse(readFileSync(join(out, 'trace.json'), 'utf8')) as { traceEvents: Event[] };
    const rows = new Map(trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [e.tid, String(e.args?.['name'])]));
    const stages = trace.traceEvents.filter((e) => e.cat === 'stage');
    const ops = trace.traceEvents.filter((e) => e.cat === 'ort-op');
    const byRow = new Map<string, Event[]>();
    for (const op of ops) byRow.set(rows.get(op.tid) as string, [...(byRow.get(rows.get(op.tid) as string) ?? []), op]);
    expect([...byRow.keys()].sort()).toEqual(['ort:audio/speech', 'ort:main/decoder', 'ort:main/embedding', 'ort:vision/vision']);
    for (const [row, events] of byRow) {
      const component = row.split('/')[1] as string;
      const callers = stages.filter((s) => (SESSION_STAGES[component] as readonly string[]).includes(s.name));
      for (const e of events) {
        const inside = callers.some((s) => (s.ts as number) <= (e.ts as number) + 1e-3 && (e.ts as number) + (e.dur as number) <= (s.ts as number) + (s.dur as number) + 1e-3);
        expect(inside, `${row}: ${e.name} at ${e.ts}`).toBe(true);
      }
      // One session.run slice per recorded run: no warmup.
      const sessionRuns = events.filter((e) => e.args?.['op_type'] === 'model_run').length;
      expect(sessionRuns, row).toBe(REPEATS * (component === 'speech' || component === 'vision' ? 1 : 1 + DECODE_STEPS));
    }
  });
});
