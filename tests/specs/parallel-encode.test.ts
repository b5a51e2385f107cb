import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR, PACKAGE_ROOT } from '../../src/paths.js';
import { runSpec, type LoadedModel } from '../../src/runner/run.js';
import { loadRealModel, loadSamples, realMedia } from '../../src/runner/real-env.js';
import { profilerInstruments } from '../../src/runner/instruments.js';
import { parallelEncode } from '../../src/specs/parallel-encode.js';
import { parallelEncodeTables, savingShare, sampleFigures } from '../../src/specs/parallel-encode-report.js';
import { defaultCommonOptions } from '../../src/specs/common-options.js';
import type { SpecRunOptions } from '../../src/specs/spec.js';
import { writeOutputs } from '../../src/report/outputs.js';
import { keyString, type TrialRecord } from '../../src/report/record.js';
import { readRecordsCsv } from '../../src/report/csv.js';
import { override } from '../../src/middleware/wrap.js';
import type { ModelLike } from '../../src/runner/types.js';
import { summarize } from '../../src/report/summary.js';

const media = (name: string): string => join(FIXTURES_DIR, 'media', name);

function manifest(): string {
  const rows = [
    'sample_id,dataset,video_path,audio_path,question,options,answer',
    `va,video-mme,${media('v01_320x240_h264_aac_4s.mp4')},${media('v01_320x240_h264_aac_4s.mp4')},What is shown?,,A`,
    `silent,video-mme,${media('v06_320x240_h264_noaudio_5s.mp4')},,What is shown?,,A`,
    `sound,audiocaps,,${media('a03_noise_5s.mp3')},Describe the audio.,,noise`,
    `long,video-mme,${media('v07_640x360_h264_aac_12s.mp4')},${media('v07_640x360_h264_aac_12s.mp4')},What is shown?,,A`,
  ];
  const dir = mkdtempSync(join(tmpdir(), 'omni-bench-pe-manifest-'));
  writeFileSync(join(dir, 'manifest.csv'), `${rows.join('\n')}\n`);
  return join(dir, 'manifest.csv');
}

const options = (out: string, extra: Partial<SpecRunOptions> = {}): SpecRunOptions => ({
  ...defaultCommonOptions(),
  model: 'tiny',
  repeats: 1,
  warmup: 1,
  maxNewTokens: 2,
  threadsAudio: 1,
  threadsVision: 1,
  out,
  specOptions: {},
  ...extra,
});

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'omni-bench-pe-home-'));
  process.env['OMNI_BENCH_HOME'] = home;
});
afterAll(() => {
  delete process.env['OMNI_BENCH_HOME'];
});

describe('parallel-encode spec on the tiny preset', () => {
  it('runs serial, parallel and streaming with the same answers and features, overlapping the branches and streaming the frames', async () => {
    const out = mkdtempSync(join(tmpdir(), 'omni-bench-pe-'));
    const opts = options(out);
    const { samples, invalid } = await loadSamples([manifest()], opts);
    const outcome = await runSpec(
      { spec: parallelEncode, options: opts, samples, invalid, outDir: out, existing: [], isolation: 'none' },
      { loadModel: () => loadRealModel(opts), media: realMedia, instruments: profilerInstruments() },
    );
    const records = outcome.records;
    expect(records.map((r) => `${r.variant}:${r.sampleId}:${r.status}`)).toEqual(
      // Interleaved: each sample under every variant in turn, the reference first.
      ['va', 'silent', 'sound', 'long'].flatMap((id) => ['serial', 'parallel', 'streaming'].map((v) => `${v}:${id}:ok`)),
    );
    const of = (variant: string, id: string): TrialRecord => records.find((r) => r.variant === variant && r.sampleId === id)!;
    for (const r of records.filter((x) => x.variant !== 'serial')) {
      expect(r.measures.logitsMaxAbsDiff, keyString(r)).toBeLessThanOrEqual(1e-4);
      expect(r.measures.encoderFeaturesMaxAbsDiff, keyString(r)).toBeLessThanOrEqual(1e-4);
    }
    // The serial run never overlaps; the parallel one runs both branches at once.
    for (const id of ['va', 'long']) {
      expect(of('serial', id).measures.overlapMs).toBe(0);
      const p = of('parallel', id).measures;
      expect(p.overlapMs, id).toBeGreaterThan(0);
      expect(p.criticalPathMs!).toBeLessThanOrEqual(p.ttftMs! + 1e-6);
      expect(p.criticalPathMs!).toBeGreaterThanOrEqual(Math.max(p.audioBranchMs!, p.visionBranchMs!));
    }
    // A video without sound: an empty audio branch (no features, no encoder), not an error.
    expect(of('parallel', 'silent').measures.melFrames).toBeNull();
    expect(of('parallel', 'silent').measures.stageMs.audio_encoder).toBe(0);
    // Audio without video: no vision branch.
    expect(of('streaming', 'sound').measures.visionBranchMs).toBeNull();
    // Streaming: one vision_encoder span per group of two frames, the first before ffmpeg is done.
    const spans = outcome.spans.filter((s) => s.trial === keyString(of('streaming', 'long')));
    const decode = spans.find((s) => s.name === 'video_decode')!;
    const groups = spans.filter((s) => s.name === 'vision_encoder');
    expect(groups).toHaveLength(of('streaming', 'long').measures.videoFrames! / 2);
    expect(Math.min(...groups.map((s) => s.startMs))).toBeLessThan(decode.endMs);
    expect(groups.every((s) => s.depth === 0)).toBe(true);

    const written = await writeOutputs(out, {
      spec: parallelEncode.name,
      records,
      complete: true,
      timeline: { spans: outcome.spans, memory: [] },
      extraTables: parallelEncode.summarize!.bind(parallelEncode),
      extraCharts: parallelEncode.charts!.bind(parallelEncode),
    });
    expect(written.failures).toEqual([]);
    expect(existsSync(join(out, 'charts', 'parallel_encode_gantt.png'))).toBe(true);
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(md).toContain('Branches per sample');
    expect(md).toContain('Schedules against serial');
    const csv = readRecordsCsv(join(out, 'records.csv'));
    expect(csv.records.find((r) => r.variant === 'streaming' && r.sampleId === 'long')!.measures.encoderFeaturesMaxAbsDiff).toBeLessThanOrEqual(1e-4);
  });

  it("turns a vision session that cannot load in its worker into error records naming the branch, and runs on", async () => {
    const out = mkdtempSync(join(tmpdir(), 'omni-bench-pe-bad-'));
    const opts = options(out, { variants: ['serial', 'parallel'] });
    const { samples, invalid } = await loadSamples([manifest()], opts);
    const broken = join(out, 'broken-vision.onnx');
    writeFileSync(broken, 'not an onnx model');
    const loadModel = async (): Promise<LoadedModel> => {
      const loaded = await loadRealModel(opts);
      const real = loaded.model;
      const model = override<ModelLike>(real, {
        sessionSource: (component, threads) => (component === 'vision' ? { ...real.sessionSource!(component, threads), path: broken } : real.sessionSource!(component, threads)),
      });
      return { ...loaded, model };
    };
    const outcome = await runSpec(
      { spec: parallelEncode, options: opts, samples, invalid, outDir: out, existing: [], isolation: 'none' },
      { loadModel, media: realMedia, instruments: profilerInstruments() },
    );
    const parallel = outcome.records.filter((r) => r.variant === 'parallel');
    expect(parallel.map((r) => `${r.sampleId}:${r.status}`)).toEqual(['va:error', 'silent:error', 'sound:ok', 'long:error']);
    for (const r of parallel.filter((x) => x.status === 'error')) {
      expect(r.status === 'error' && r.error).toMatch(/^vision branch: ONNX Runtime cannot load .*broken-vision\.onnx in its worker thread/);
    }
    expect(outcome.records.filter((r) => r.variant === 'serial').every((r) => r.status === 'ok')).toBe(true);
  });
});

describe('parallel-encode figures', () => {
  const record = (variant: string, id: string, ttft: number, critical: number, sound = true): TrialRecord => {
    const r = {
      spec: 'parallel-encode',
      dataset: 'd',
      sampleId: id,
      variant,
      repeat: 0,
      turn: 0,
      isolation: 'none',
      startedAt: '',
      status: 'ok',
      measures: { ...summarizeMeasures(), ttftMs: ttft, criticalPathMs: critical, melFrames: sound ? 100 : null },
    } as unknown as TrialRecord;
    return r;
  };
  function summarizeMeasures(): Record<string, unknown> {
    return { stageMs: {}, stageGflop: {}, stageRssPeakMb: {}, stageRssGrowthMb: {}, stageVmhwmPeakMb: {} };
  }

  it('measures each variant against serial and the ideal bound, and the share of the ideal saving achieved', () => {
    const records = [record('serial', 'a', 1000, 700), record('parallel', 'a', 790, 780), record('streaming', 'a', 600, 590), record('serial', 'b', 500, 400, false), record('parallel', 'b', 450, 440, false)];
    const figures = sampleFigures(records);
    const pa = figures.find((f) => f.sample === 'd/a' && f.variant === 'parallel')!;
    expect(pa.idealMs).toBe(700);
    expect(savingShare(pa)).toBeCloseTo(0.7, 12); // 210 of the 300 ms the ideal schedule saves
    expect(savingShare(figures.find((f) => f.sample === 'd/a' && f.variant === 'streaming')!)).toBeCloseTo(400 / 300, 12);
    expect(savingShare({ ttftMs: 900, serialTtftMs: 1000, idealMs: 1000 })).toBeUndefined();
    // An audio-only request: serial 535 ms against an ideal of 534 ms leaves nothing to save.
    expect(savingShare({ ttftMs: 584, serialTtftMs: 535, idealMs: 534 })).toBeUndefined();
    const [perSample, byVariant] = parallelEncodeTables(summarize('parallel-encode', records), records);
    expect(perSample!.rows.find((r) => r[0] === 'd/a' && r[1] === 'parallel')!.slice(8)).toEqual(['0.79x', '1.13x', '70.0%']);
    expect(perSample!.rows.find((r) => r[1] === 'parallel' && r[0] === 'd/b (no sound)')).toBeDefined();
    // Only the samples with sound count towards the target.
    expect(byVariant!.rows.find((r) => r[0] === 'parallel')!.slice(0, 3)).toEqual(['parallel', '1', '70.0%']);
  });
});

describe('interrupting parallel-encode', () => {
  it('exits 130 on SIGINT while the workers and ffmpeg run, and leaves no ffmpeg behind', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'omni-bench-pe-int-')), 'run');
    const child = spawn(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'tests/helpers/cli-entry.ts'), 'parallel-encode', '--model', 'tiny', '--repeats', '3', '--warmup', '0', '--quiet', '--out', out], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, OMNI_BENCH_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Wait until a record exists and an ffmpeg child runs (a request in flight), then interrupt.
    const seen = new Set<number>();
    for (let i = 0; i < 6000; i++) {
      await new Promise((r) => setTimeout(r, 10));
      if (!existsSync(join(out, 'records.csv')) || readRecordsCsv(join(out, 'records.csv')).records.length === 0) continue;
      let pids: number[] = [];
      try {
        pids = execFileSync('pgrep', ['-P', String(child.pid), 'ffmpeg'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
      } catch {
        // none right now
      }
      if (pids.length > 0) {
        for (const p of pids) seen.add(p);
        break;
      }
    }
    expect(seen.size).toBeGreaterThan(0);
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    await new Promise((r) => setTimeout(r, 100));
    for (const pid of seen) expect(existsSync(`/proc/${pid}`) && !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))).toBe(false);
    expect(stderr).toContain(`omni-bench parallel-encode --resume ${out}`);
  });
});
