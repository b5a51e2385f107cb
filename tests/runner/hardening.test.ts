/** Regression tests of the runner half of the audit (issue 8): keys, locks, folders, resume, summaries. */
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { executeSpec, type SpecEnvironment } from '../../src/runner/execute.js';
import { acquireResultsLock, LOCK_FILE } from '../../src/runner/results-lock.js';
import { prepareResultsDir } from '../../src/runner/results-dir.js';
import { readRecordsCsv, recordsCsv } from '../../src/report/csv.js';
import { emptyMeasures, keyString, type TrialRecord } from '../../src/report/record.js';
import { reportCommand } from '../../src/report/report-command.js';
import { measureTrial } from '../../src/runner/measure.js';
import { defaultCommonOptions } from '../../src/specs/common-options.js';
import { ttftBreakdown } from '../../src/specs/ttft-breakdown.js';
import type { SpecRunOptions } from '../../src/specs/spec.js';
import type { BenchSample, InvalidSample } from '../../src/runner/types.js';
import { UsageError } from '../../src/errors.js';
import { doubleDeps, doubleSamples } from './helpers/model-double.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'omni-bench-hardening-'));

function options(over: Partial<SpecRunOptions> = {}): SpecRunOptions {
  return { ...defaultCommonOptions(), quiet: true, repeats: 2, warmup: 0, specOptions: { audioPadding: 'pad-features', audioInVideo: true }, ...over };
}

function environment(over: Partial<SpecEnvironment> & { samples?: BenchSample[]; invalid?: InvalidSample[] } = {}): SpecEnvironment {
  const { deps } = doubleDeps();
  const { samples, invalid, ...rest } = over;
  return {
    loadSamples: async () => ({ samples: samples ?? doubleSamples(), invalid: invalid ?? [] }),
    loadModel: () => deps.loadModel(),
    media: deps.media,
    instruments: deps.instruments,
    machineLoad: () => undefined,
    ...rest,
  };
}

function io(explicit: string[] = []): { io: Parameters<typeof executeSpec>[3]; stderr: () => string; stdout: () => string } {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  return { io: { stdout: out, stderr: err as unknown as NodeJS.WriteStream, argv: [], explicit: new Set(explicit) }, stderr: () => stderr, stdout: () => stdout };
}

const meta = (dir: string): { options: Record<string, unknown>; warnings?: string[]; interrupted?: boolean } => JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));

describe('every manifest row ends as its own record (issue 8, item 1)', () => {
  it('an invalid row with a valid sample\'s key, and two invalid rows with one id, never take another record\'s place', async () => {
    const dir = join(tmp(), 'run');
    const invalid: InvalidSample[] = [
      { sampleId: 'va', dataset: 'video-mme', reason: 'manifest.csv row 5: duplicate sample_id' },
      { sampleId: 'x', dataset: 'video-mme', reason: 'manifest.csv row 6: question is empty' },
      { sampleId: 'x', dataset: 'video-mme', reason: 'manifest.csv row 7: question is empty' },
    ];
    const code = await executeSpec(ttftBreakdown, options({ out: dir }), environment({ invalid }), io().io);
    expect(code).toBe(1);
    const records = readRecordsCsv(join(dir, 'records.csv')).records;
    // 3 samples x 2 repeats, all run, plus one error record per invalid row.
    expect(records.filter((r) => r.status === 'ok')).toHaveLength(6);
    expect(records.filter((r) => r.sampleId === 'va' && r.status === 'ok').map((r) => r.repeat)).toEqual([0, 1]);
    const errors = records.filter((r) => r.status === 'error');
    expect(errors).toHaveLength(3);
    expect(new Set(records.map(keyString)).size).toBe(records.length);
    expect(errors.map((r) => r.status === 'error' && r.error)).toEqual(invalid.map((i) => i.reason));
  });
});

describe('results folder lock (item 3)', () => {
  it('refuses a second lock on a folder while its holder lives, naming the pid', () => {
    const dir = tmp();
    const lock = acquireResultsLock(dir, {});
    expect(() => acquireResultsLock(dir, {})).toThrow(new RegExp(`in use by another omni-bench run \\(pid ${process.pid}`));
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    acquireResultsLock(dir, {}).release();
  });

  it('takes over a stale lock whose process is gone, and lets a child with the token share it', () => {
    const dir = tmp();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: Number(dead.stdout), host: hostname(), startedAt: 'then', token: 'old' }));
    const lock = acquireResultsLock(dir, {});
    const child = acquireResultsLock(dir, { OMNI_BENCH_LOCK: lock.token });
    child.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true); // the child releases nothing
    lock.release();
  });

  it('a run into a folder another run holds exits 2 and writes nothing there', async () => {
    const dir = tmp();
    const lock = acquireResultsLock(dir, {});
    await expect(executeSpec(ttftBreakdown, options({ out: dir }), environment(), io().io)).rejects.toThrow(UsageError);
    expect(existsSync(join(dir, 'meta.json'))).toBe(false);
    await expect(executeSpec(ttftBreakdown, options({ resume: dir }), environment(), io().io)).rejects.toThrow(/in use by another omni-bench run/);
    lock.release();
  });
});

describe('--out checks (items 6, 24)', () => {
  it('refuses /proc, a file, a path below a file and /dev/null at once, naming the path', () => {
    const dir = tmp();
    const file = join(dir, 'file.txt');
    writeFileSync(file, 'x');
    const started = Date.now();
    expect(() => prepareResultsDir('/proc/omni')).toThrow(/--out \/proc\/omni: \/proc is a kernel file system/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(() => prepareResultsDir(file)).toThrow(`--out ${file} is a file`);
    expect(() => prepareResultsDir(join(file, 'below'))).toThrow(`${file} is a file, not a folder`);
    expect(() => prepareResultsDir('/dev/null')).toThrow(/is not a folder \(a device or pipe\)/);
    expect(prepareResultsDir(join(dir, 'a', 'b'))).toEqual({ created: true });
    expect(prepareResultsDir(join(dir, 'a', 'b'))).toEqual({ created: false });
  });
});

describe('threads, load and warnings in meta.json (items 7, 21)', () => {
  it('caps --threads at the core count with a warning, and warns when the machine is under load', async () => {
    const dir = join(tmp(), 'run');
    const cores = availableParallelism();
    const out = io();
    const load = { kind: 'machine-under-load' as const, loadAvg1: 177, cores: 2 };
    const code = await executeSpec(ttftBreakdown, options({ out: dir, threads: 1000, quiet: false }), environment({ machineLoad: () => load }), out.io);
    expect(code).toBe(0);
    expect(meta(dir).options['threads']).toBe(cores);
    expect(out.stderr()).toContain(`--threads 1000 is more than this machine's ${cores} cores; capped at ${cores}`);
    expect(out.stderr()).toContain('machine under load: 1-minute load average 177.00 on 2 cores');
    expect(meta(dir).warnings?.some((w) => w.startsWith('machine under load'))).toBe(true);
  });
});

describe('resume refuses what would mix runs (item 18)', () => {
  async function finished(): Promise<string> {
    const dir = join(tmp(), 'run');
    await executeSpec(ttftBreakdown, options({ out: dir, model: 'tiny' }), environment(), io().io);
    return dir;
  }

  it('refuses another --model or spec option, naming both values', async () => {
    const dir = await finished();
    await expect(executeSpec(ttftBreakdown, options({ resume: dir, model: 'small' }), environment(), io(['model', 'resume']).io)).rejects.toThrow(
      `--resume ${dir}: --model "small" differs from that run's "tiny"`,
    );
    const other = options({ resume: dir, specOptions: { audioPadding: 'dynamic', audioInVideo: true } });
    await expect(executeSpec(ttftBreakdown, other, environment(), io(['audioPadding', 'resume']).io)).rejects.toThrow(/--audio-padding "dynamic" differs/);
    // Options that do not change the measurement may be given again.
    expect(await executeSpec(ttftBreakdown, options({ resume: dir, model: 'tiny' }), environment(), io(['model', 'resume', 'quiet']).io)).toBe(0);
  });

  it('refuses records whose key is not a trial of this run, and rows with an unknown status', async () => {
    const dir = await finished();
    const path = join(dir, 'records.csv');
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace(',va,', ',elsewhere,'));
    await expect(executeSpec(ttftBreakdown, options({ resume: dir }), environment(), io(['resume']).io)).rejects.toThrow(/are not trials of this run \(first: .*elsewhere/);
    writeFileSync(path, text.replace(/,ok,/, ',done,'));
    expect(() => readRecordsCsv(path)).toThrow(`${path}: line 2: status 'done' is not one of ok, error`);
  });
});

describe('records.csv read strictly and written safely (items 11, 24)', () => {
  it('a truncated or garbage records.csv is a usage error naming the file and line', async () => {
    const dir = join(tmp(), 'run');
    await executeSpec(ttftBreakdown, options({ out: dir }), environment(), io().io);
    const path = join(dir, 'records.csv');
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, Math.floor(text.length * 0.7)));
    expect(() => readRecordsCsv(path)).toThrow(UsageError);
    expect(() => readRecordsCsv(path)).toThrow(/records\.csv: line \d+: .*damaged or was not written by omni-bench/);
    await expect(reportCommand(dir, { quiet: true }, { stdout: new PassThrough(), stderr: new PassThrough() })).rejects.toThrow(UsageError);
    writeFileSync(path, '\u0000\u0001garbage');
    expect(() => readRecordsCsv(path)).toThrow(/not a records\.csv/);
  });

  it('escapes cells a spreadsheet would run as formulas, and reads them back unchanged', () => {
    const record: TrialRecord = {
      spec: 'ttft-breakdown', dataset: 'd', sampleId: '=HYPERLINK("http://x")', variant: 'v', repeat: 0, turn: 0,
      isolation: 'none', startedAt: 't', status: 'error', error: "-1+2 '@x", measures: emptyMeasures(),
    };
    record.measures.answer = "'quoted";
    const text = recordsCsv([record], { comparesLogits: false });
    expect(text).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(text).toContain(`'-1+2 '@x`);
    const dir = tmp();
    writeFileSync(join(dir, 'records.csv'), text);
    expect(readRecordsCsv(join(dir, 'records.csv')).records[0]).toEqual(record);
  });
});

describe('summaries (item 20)', () => {
  it('omni-bench report DIR rewrites byte-identical summaries from the same records', async () => {
    const dir = join(tmp(), 'run');
    const { deps } = doubleDeps({ gapMs: 0.123456789 });
    await executeSpec(ttftBreakdown, options({ out: dir, repeats: 3 }), { ...environment(), loadModel: () => deps.loadModel(), media: deps.media, instruments: deps.instruments }, io().io);
    const files = ['summary.csv', 'summary.json', 'summary.md'];
    const before = files.map((f) => readFileSync(join(dir, f), 'utf8'));
    expect(await reportCommand(dir, { quiet: true }, { stdout: new PassThrough(), stderr: new PassThrough() })).toBe(0);
    expect(files.map((f) => readFileSync(join(dir, f), 'utf8'))).toEqual(before);
  });
});

describe('no samples (item 28)', () => {
  it('a header-only manifest says it has no data rows, without hints about options not given', async () => {
    const env = environment({ loadSamples: async () => ({ samples: [], invalid: [], rowsRead: 0 }) });
    await expect(executeSpec(ttftBreakdown, options({ out: join(tmp(), 'run'), manifest: ['/m/h.csv'] }), env, io().io)).rejects.toThrow(
      'no samples in /m/h.csv: the manifest has a header and no data rows',
    );
    const selected = environment({ loadSamples: async () => ({ samples: [], invalid: [], rowsRead: 4 }) });
    await expect(executeSpec(ttftBreakdown, options({ out: join(tmp(), 'run'), manifest: ['/m/h.csv'], maxSamples: 2 }), selected, io().io)).rejects.toThrow(
      'no samples in /m/h.csv with --max-samples (check their values)',
    );
  });
});

describe('memory growth over the trial start (item 23)', () => {
  it('records each stage\'s growth over the RSS at request start, so arena memory of earlier requests is not counted', () => {
    const MB = 1e6;
    const measures = measureTrial({
      spans: [{ name: 'audio_encoder', startMs: 10, endMs: 20, depth: 0, track: 'main' }],
      startMs: 10,
      endMs: 30,
      memory: [
        { tMs: 9, bytes: 3000 * MB },
        { tMs: 15, bytes: 3040 * MB },
        { tMs: 25, bytes: 3010 * MB },
      ],
      stagePeakBytes: { audio_encoder: 3040 * MB },
      modelLoadMs: null,
    });
    expect(measures.rssStartMb).toBe(3000);
    expect(measures.rssPeakMb).toBe(3040);
    expect(measures.rssGrowthMb).toBe(40);
    expect(measures.stageRssGrowthMb.audio_encoder).toBe(40);
    expect(measures.stageRssGrowthMb.vision_encoder).toBeNull();
  });
});

describe('a row that names audio with no audio stream (item 17, run time)', () => {
  it('is an error record, not a text-only "ok" trial', async () => {
    const dir = join(tmp(), 'run');
    const samples: BenchSample[] = [{ sampleId: 'mute', dataset: 'audiocaps', audioPath: '/m/silent.wav', prompt: 'mute' }, ...doubleSamples()];
    expect(await executeSpec(ttftBreakdown, options({ out: dir, repeats: 1 }), environment({ samples }), io().io)).toBe(1);
    const mute = readRecordsCsv(join(dir, 'records.csv')).records.find((r) => r.sampleId === 'mute');
    expect(mute?.status === 'error' && mute.error).toBe('audio_path /m/silent.wav has no audio stream (fix the manifest row, or leave audio_path empty for a silent video)');
  });
});

describe('a run that fails before its first record (item 24)', () => {
  it('leaves no folder behind when it created it', async () => {
    const parent = tmp();
    const dir = join(parent, 'new', 'run');
    const env = environment({ loadSamples: async () => ({ samples: [], invalid: [], rowsRead: 0 }) });
    await expect(executeSpec(ttftBreakdown, options({ out: dir }), env, io().io)).rejects.toThrow(UsageError);
    expect(existsSync(dir)).toBe(false);
    mkdirSync(join(parent, 'kept'));
    await expect(executeSpec(ttftBreakdown, options({ out: join(parent, 'kept') }), env, io().io)).rejects.toThrow(UsageError);
    expect(existsSync(join(parent, 'kept'))).toBe(true);
  });
});

describe('the model\'s audio chunk and the clip window reach the media stages (items 12, 14)', () => {
  it('passes the processor config\'s chunk_length to the log-mel', async () => {
    const { deps } = doubleDeps();
    const seen: (number | undefined)[] = [];
    const media = { ...deps.media, logMel: (samples: Float32Array, o: { padding: 'dynamic' | 'max_length'; chunkLengthS?: number }) => (seen.push(o.chunkLengthS), deps.media.logMel(samples, o)) };
    const loaded = await deps.loadModel();
    const env = environment({ media, loadModel: async () => ({ ...loaded, model: { ...loaded.model, audioChunkSeconds: 300 }, warnings: ['no processor_config.json in /m: built-in Qwen2.5-Omni defaults used'] }) });
    const dir = join(tmp(), 'run');
    const out = io();
    expect(await executeSpec(ttftBreakdown, options({ out: dir, repeats: 1, quiet: false }), env, out.io)).toBe(0);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([300]));
    // The model's warnings reach the terminal and meta.json.
    expect(out.stderr()).toContain('warning: no processor_config.json in /m');
    expect(meta(dir).warnings).toContain('no processor_config.json in /m: built-in Qwen2.5-Omni defaults used');
  });

  it('samples the frames of a clip window only: a 2-5 s window of a 12 s video covers 3 s', async () => {
    const { realMedia } = await import('../../src/runner/real-env.js');
    const { FIXTURES_DIR } = await import('../../src/paths.js');
    const path = join(FIXTURES_DIR, 'media', 'v07_640x360_h264_aac_12s.mp4');
    const whole = await realMedia.sampleFrames(path, {});
    const clip = await realMedia.sampleFrames(path, { start: 2, end: 5 });
    expect(whole.seconds).toBeCloseTo(12, 1);
    expect(clip.seconds).toBeGreaterThan(2.9);
    expect(clip.seconds).toBeLessThan(3.2);
    expect(clip.count).toBeLessThan(whole.count / 2);
    // An end past the file is clamped to it.
    expect((await realMedia.sampleFrames(path, { start: 10, end: 1e308 })).seconds).toBeCloseTo(2, 0);
  });
});

describe('MatMul peak calibrated before and after the run (item 16)', () => {
  it('keeps both, takes the higher as the peak, warns on drift over 10% and on a stage above 100% of peak', async () => {
    const { deps } = doubleDeps();
    const peaks = [100, 130];
    const loaded = await deps.loadModel();
    const env = environment({
      media: deps.media,
      instruments: deps.instruments,
      calibrate: async () => ({ peakGflops: peaks.shift() ?? 0, spread: { cv: 0.01 }, warnings: [] }),
      // prefill: 200 GFLOP in 400 ms = 500 GFLOP/s, far above either peak.
      loadModel: async () => ({ ...loaded, flops: () => ({ prefill: 200e9 }) }),
    });
    const dir = join(tmp(), 'run');
    const out = io();
    expect(await executeSpec(ttftBreakdown, options({ out: dir, repeats: 1, quiet: false }), env, out.io)).toBe(0);
    const calibration = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')).calibration;
    expect(calibration).toMatchObject({ peakGflops: 130, before: { peakGflops: 100 }, after: { peakGflops: 130 }, driftPct: 30 });
    expect(out.stderr()).toContain('the MatMul peak drifted by 30.0% between the calibrations before and after the run');
    expect(out.stderr()).toMatch(/prefill \(baseline\) reached 384\.6% of the calibrated MatMul peak/);
  });
});

describe('first use of a preset (item 29)', () => {
  it('says on the terminal that the reference model is being built, once', async () => {
    const { loadRealModel } = await import('../../src/runner/real-env.js');
    const home = process.env['OMNI_BENCH_HOME'];
    process.env['OMNI_BENCH_HOME'] = tmp();
    try {
      const notices: string[] = [];
      const first = await loadRealModel(options({ model: 'tiny' }), (m) => notices.push(m));
      await first.release?.();
      const second = await loadRealModel(options({ model: 'tiny' }), (m) => notices.push(m));
      await second.release?.();
      expect(notices).toEqual([expect.stringMatching(/^omni-bench: building the tiny reference model into .*models \(first use only; a few seconds\)$/)]);
    } finally {
      if (home === undefined) delete process.env['OMNI_BENCH_HOME'];
      else process.env['OMNI_BENCH_HOME'] = home;
    }
  }, 120_000);
});

describe('the same samples twice (item 2)', () => {
  it('loads a manifest given twice once, and makes a sample repeated by another manifest an error record naming the first', async () => {
    const { loadSamples } = await import('../../src/runner/real-env.js');
    const { FIXTURES_DIR } = await import('../../src/paths.js');
    const dir = tmp();
    const media = join(FIXTURES_DIR, 'media', 'a03_noise_5s.mp3');
    const header = 'sample_id,dataset,video_path,audio_path,question,options,answer';
    writeFileSync(join(dir, 'a.csv'), `${header}\ns1,audiocaps,,${media},What?,,x\ns2,audiocaps,,${media},What?,,y\n`);
    writeFileSync(join(dir, 'b.csv'), `${header}\ns2,audiocaps,,${media},Again?,,y\ns3,audiocaps,,${media},What?,,z\n`);
    const twice = await loadSamples([join(dir, 'a.csv'), join(dir, 'a.csv')], options());
    expect(twice.samples.map((s) => s.sampleId)).toEqual(['s1', 's2']);
    expect(twice.invalid).toEqual([]);
    expect(twice.warnings).toEqual([`manifest ${join(dir, 'a.csv')} is given more than once; it is loaded once`]);
    const shared = await loadSamples([join(dir, 'a.csv'), join(dir, 'b.csv')], options());
    expect(shared.samples.map((s) => s.sampleId)).toEqual(['s1', 's2', 's3']);
    expect(shared.invalid).toEqual([{ sampleId: 's2', dataset: dir.split('/').pop(), reason: "b.csv row 2: duplicate sample 's2' of dataset 'audiocaps' (already in a.csv row 3)" }]);
    expect(shared.warnings).toHaveLength(1);
  });
});

describe('--max-samples without --seed (item 19)', () => {
  it('takes the first N rows in file order; with --seed, a seeded subset', async () => {
    const { loadSamples } = await import('../../src/runner/real-env.js');
    const { FIXTURES_DIR } = await import('../../src/paths.js');
    const manifest = join(FIXTURES_DIR, 'datasets', 'video-mme', 'manifest.csv');
    const all = (await loadSamples([manifest], options())).samples.map((s) => s.sampleId);
    const firstFour = (await loadSamples([manifest], options({ maxSamples: 4 }))).samples.map((s) => s.sampleId);
    expect(firstFour).toEqual(all.slice(0, 4));
    const seeded = (await loadSamples([manifest], options({ maxSamples: 4, seed: 7 }))).samples.map((s) => s.sampleId);
    expect(seeded).toHaveLength(4);
    expect(seeded).not.toEqual(all.slice(0, 4));
  });
});
