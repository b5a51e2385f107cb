/**
 * `omni-bench merge` (issue 11 part 3): the --shard K/N runs of the model double, merged, hold
 * the unsharded run's records; the refusals; trace.json with one process per shard.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { UsageError } from '../../src/errors.js';
import { selectItems, shardOf } from '../../src/datasets/select.js';
import { mergeCommand } from '../../src/merge/merge-command.js';
import { mergedRecordOrder } from '../../src/merge/combine.js';
import { readRecordsCsv } from '../../src/report/csv.js';
import { emptyMeasures, keyString, recordColumns, recordToRow, type TrialRecord } from '../../src/report/record.js';
import { reportCommand } from '../../src/report/report-command.js';
import { executeSpec, type SpecEnvironment } from '../../src/runner/execute.js';
import { defaultCommonOptions } from '../../src/specs/common-options.js';
import { ttftBreakdown } from '../../src/specs/ttft-breakdown.js';
import type { Spec, SpecRunOptions } from '../../src/specs/spec.js';
import type { BenchSample } from '../../src/runner/types.js';
import { runCli } from '../helpers/cli.js';
import { doubleDeps, doubleSamples } from './helpers/model-double.js';

const root = mkdtempSync(join(tmpdir(), 'omni-bench-merge-'));
let folders = 0;
const fresh = (name: string): string => join(root, `${name}-${folders++}`);

/** Nine samples (three of each modality mix) and one invalid manifest row. */
function samples(): BenchSample[] {
  return [0, 1, 2].flatMap((i) => doubleSamples().map((s) => ({ ...s, sampleId: `${s.sampleId}${i}`, prompt: `${s.sampleId}${i}` })));
}
const INVALID = [{ sampleId: 'row-9', dataset: 'video-mme', reason: 'manifest.csv row 9: question is empty' }];

/** The model double on its virtual clock, with samples and invalid rows split by --shard as the manifest loader splits them. */
function environment(over: { modelDir?: string; peakGflops?: number } = {}): SpecEnvironment {
  const { deps } = doubleDeps();
  return {
    loadSamples: async (_manifests, options) => {
      const shard = options.shard ? { shard: options.shard } : {};
      return { samples: selectItems(samples(), (s) => s.sampleId, shard), invalid: selectItems(INVALID, (r) => r.sampleId, shard) };
    },
    loadModel: async () => {
      const loaded = await deps.loadModel();
      return over.modelDir ? { ...loaded, info: { ...loaded.info, dir: over.modelDir } } : loaded;
    },
    media: deps.media,
    instruments: deps.instruments,
    machineLoad: () => undefined,
    ...(over.peakGflops !== undefined ? { calibrate: async () => ({ peakGflops: over.peakGflops as number }) } : {}),
  };
}

function sink(): { stdout: PassThrough; stderr: PassThrough; text: () => { stdout: string; stderr: string } } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const seen = { stdout: '', stderr: '' };
  stdout.on('data', (d: Buffer) => (seen.stdout += d.toString()));
  stderr.on('data', (d: Buffer) => (seen.stderr += d.toString()));
  return { stdout, stderr, text: () => seen };
}

/** Runs ttft-breakdown (or `spec`) on the double into a new folder; resolves to the folder. */
async function run(name: string, over: Partial<SpecRunOptions> = {}, env: SpecEnvironment = environment(), spec: Spec = ttftBreakdown): Promise<string> {
  const out = fresh(name);
  const options: SpecRunOptions = { ...defaultCommonOptions(), quiet: true, repeats: 2, warmup: 0, maxNewTokens: 4, specOptions: { audioPadding: 'pad-features', audioInVideo: true }, out, ...over };
  const io = sink();
  const code = await executeSpec(spec, options, env, { stdout: io.stdout, stderr: io.stderr as unknown as NodeJS.WriteStream, argv: [], explicit: new Set() });
  expect([0, 1], io.text().stderr).toContain(code); // 1 for the shard with the invalid manifest row's error record
  return out;
}

async function merge(dirs: string[], out = fresh('merged')): Promise<{ out: string; code: number; stdout: string; stderr: string }> {
  const io = sink();
  const code = await mergeCommand(dirs, { out, quiet: true }, io);
  return { out, code, ...io.text() };
}

/** Expects merge to refuse with exit 2 and one line matching `pattern`, writing nothing. */
async function refused(dirs: string[], pattern: RegExp): Promise<string> {
  const out = fresh('refused');
  const error = await mergeCommand(dirs, { out, quiet: true }, sink()).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  const message = (error as UsageError).message;
  expect((error as UsageError).exitCode).toBe(2);
  expect(message).toMatch(pattern);
  expect(message).not.toContain('\n');
  expect(existsSync(out)).toBe(false);
  return message;
}

const records = (dir: string): TrialRecord[] => readRecordsCsv(join(dir, 'records.csv')).records;
const read = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8');
const json = (dir: string, file: string): Record<string, any> => JSON.parse(read(dir, file));

/** Every records.csv column that is not a time, a size in MB or a start time: what two runs of one plan must agree on. */
const STABLE_COLUMNS = recordColumns({ comparesLogits: false }).filter((c) => !/_(ms|mb)$/.test(c.name) && c.name !== 'started_at');
const stableRow = (r: TrialRecord): string => JSON.stringify(recordToRow(r, STABLE_COLUMNS));

let whole: string;
let shard1: string;
let shard2: string;

beforeAll(async () => {
  // The split must give each shard samples, or the test proves nothing.
  const ids = [...samples().map((s) => s.sampleId), 'row-9'];
  expect(new Set(ids.map((id) => shardOf(id, 2))).size).toBe(2);
  whole = await run('whole');
  shard1 = await run('shard1', { shard: { index: 0, count: 2 } }, environment({ peakGflops: 50 }));
  shard2 = await run('shard2', { shard: { index: 1, count: 2 } }, environment({ peakGflops: 60 }));
});

describe('merge of --shard 1/2 and 2/2', () => {
  it('holds the same records as the unsharded run, key by key and in every non-timing column', async () => {
    const merged = await merge([shard1, shard2]);
    expect(merged.code, merged.stderr).toBe(0);
    const expected = new Map(records(whole).map((r) => [keyString(r), stableRow(r)]));
    const got = records(merged.out);
    expect(got.length).toBe(expected.size);
    expect(new Map(got.map((r) => [keyString(r), stableRow(r)]))).toEqual(expected);
    expect(got.length).toBe(records(shard1).length + records(shard2).length);
    expect(merged.stdout).toBe(`merged shards 1/2, 2/2 (${got.length} records) into ${merged.out}\n`);
  });

  it('writes the same folder whatever the order of the arguments, and report rebuilds it byte for byte', async () => {
    const a = await merge([shard1, shard2]);
    const b = await merge([shard2, shard1]);
    for (const file of ['records.csv', 'timeline.json', 'summary.csv', 'summary.json', 'summary.md', 'trace.json']) {
      expect(read(b.out, file), file).toBe(read(a.out, file));
    }
    const { options: optionsA, command: _a, ...metaA } = json(a.out, 'meta.json');
    const { options: optionsB, command: _b, ...metaB } = json(b.out, 'meta.json');
    expect(metaB).toEqual(metaA);
    expect({ ...optionsB, out: '' }).toEqual({ ...optionsA, out: '' });
    expect(readdirSync(join(a.out, 'charts')).sort()).toEqual(['stage_shares.png', 'ttft_breakdown.png']);

    const before = ['summary.csv', 'summary.json', 'summary.md', 'trace.json'].map((f) => read(a.out, f));
    expect(await reportCommand(a.out, { quiet: true }, sink())).toBe(0);
    expect(['summary.csv', 'summary.json', 'summary.md', 'trace.json'].map((f) => read(a.out, f))).toEqual(before);
  });

  it('orders records as the plan nests them (variant, repeat, sample, parameters, turn), samples by dataset and id', () => {
    const r = (variant: string, sampleId: string, repeat: number, params?: Record<string, number | string>): TrialRecord => ({
      spec: 's', variant, dataset: 'd', sampleId, repeat, turn: 0, ...(params ? { params } : {}), isolation: 'none', startedAt: '', status: 'ok', measures: emptyMeasures(),
    });
    const shuffled = [r('cached', 'b', 0), r('none', 'b', 1), r('none', 'a', 1, { audio_s: 30 }), r('none', 'a', 1, { audio_s: 5 }), r('cached', 'a', 0), r('none', 'b', 0), r('zz', 'a', 0)];
    expect(mergedRecordOrder(shuffled, ['none', 'cached']).map(keyString)).toEqual([
      'd/b|none|r0|t0',
      'd/a|none|r1|t0|audio_s=5',
      'd/a|none|r1|t0|audio_s=30',
      'd/b|none|r1|t0',
      'd/a|cached|r0|t0',
      'd/b|cached|r0|t0',
      'd/a|zz|r0|t0',
    ]);
  });

  it('writes meta.json: the options without --shard, each shard under merged with its own calibration', async () => {
    const { out } = await merge([shard2, shard1]);
    const meta = json(out, 'meta.json');
    expect(meta['spec']).toBe('ttft-breakdown');
    expect(meta['options']['shard']).toBeUndefined();
    expect(meta['options']['maxNewTokens']).toBe(4);
    expect(meta['interrupted']).toBe(false);
    expect(meta['model']['dir']).toBe('/double');
    expect(meta['merged'].map((m: Record<string, unknown>) => [m['shard'], m['records'], (m['calibration'] as Record<string, unknown>)['peakGflops']])).toEqual([
      ['1/2', records(shard1).length, 50],
      ['2/2', records(shard2).length, 60],
    ]);
    // One machine: % of MatMul peak divides by the best of the shards' peaks.
    expect(meta['calibration']['peakGflops']).toBe(60);
    expect(json(out, 'summary.json')['complete']).toBe(true);
  });

  it('trace.json has one process per shard, each with its own shard\'s trials', async () => {
    const { out } = await merge([shard1, shard2]);
    const trace = json(out, 'trace.json');
    const events = trace['traceEvents'] as { name: string; ph: string; pid: number; args?: Record<string, unknown> }[];
    const processes = new Map(events.filter((e) => e.name === 'process_name').map((e) => [e.pid, e.args?.['name']]));
    expect([...processes]).toEqual([
      [1, 'shard 1/2'],
      [2, 'shard 2/2'],
    ]);
    const keysOf = new Map([
      [1, new Set(records(shard1).map(keyString))],
      [2, new Set(records(shard2).map(keyString))],
    ]);
    const spans = events.filter((e) => e.ph === 'X');
    expect(spans.length).toBe(json(out, 'timeline.json')['spans'].length);
    for (const pid of [1, 2]) expect(spans.some((e) => e.pid === pid)).toBe(true);
    for (const e of spans) expect(keysOf.get(e.pid)?.has(String(e.args?.['trial']))).toBe(true);
    expect(json(out, 'timeline.json')['processes'].map((p: { name: string }) => p.name)).toEqual(['shard 1/2', 'shard 2/2']);
  });

  it('merges a missing shard with a warning and marks the folder incomplete', async () => {
    const io = sink();
    const out = fresh('partial');
    expect(await mergeCommand([shard2], { out }, io)).toBe(0);
    expect(io.text().stderr).toContain('shard 1/2 not given');
    expect(json(out, 'summary.json')['complete']).toBe(false);
    expect(json(out, 'meta.json')['interrupted']).toBe(true);
    expect(records(out)).toEqual(mergedRecordOrder(records(shard2), ['baseline']));
  });

  it('copies reference-logits/ from every shard; a same-name file must hold the same bytes', async () => {
    const a = fresh('ref-a');
    const b = fresh('ref-b');
    cpSync(shard1, a, { recursive: true });
    cpSync(shard2, b, { recursive: true });
    for (const dir of [a, b]) mkdirSync(join(dir, 'reference-logits'));
    writeFileSync(join(a, 'reference-logits', 'same.f32'), Buffer.from([1, 2, 3, 4]));
    writeFileSync(join(b, 'reference-logits', 'same.f32'), Buffer.from([1, 2, 3, 4]));
    writeFileSync(join(a, 'reference-logits', 'only-a.f32'), Buffer.from([5, 6, 7, 8]));
    writeFileSync(join(a, 'reference-logits', 'clash.f32'), Buffer.from([0, 0, 0, 0]));
    writeFileSync(join(b, 'reference-logits', 'clash.f32'), Buffer.from([0, 0, 0, 1]));
    const message = await refused([a, b], /reference-logits\/clash\.f32/);
    expect(message).not.toContain('same.f32');
    writeFileSync(join(b, 'reference-logits', 'clash.f32'), Buffer.from([0, 0, 0, 0]));
    const { out, code } = await merge([a, b]);
    expect(code).toBe(0);
    expect(readdirSync(join(out, 'reference-logits')).sort()).toEqual(['clash.f32', 'only-a.f32', 'same.f32']);
  });
});

describe('merge refuses (exit 2, one line naming the folders and the difference)', () => {
  it('a folder that is not a results folder, and a run without --shard', async () => {
    const empty = fresh('empty');
    mkdirSync(empty);
    await refused([shard1, empty], new RegExp(`${empty} is not a results folder \\(no readable meta.json\\)`));
    await refused([shard1, whole], new RegExp(`${whole} is not a --shard K/N run`));
  });

  it('another spec', async () => {
    const other = await run('other-spec', { shard: { index: 1, count: 2 } }, environment(), { ...ttftBreakdown, name: 'ttft-copy' });
    await refused([shard1, other], new RegExp(`${shard1} is a ttft-breakdown run but ${other} is a ttft-copy run`));
  });

  it('another model', async () => {
    const other = await run('other-model', { shard: { index: 1, count: 2 } }, environment({ modelDir: '/double-2' }));
    await refused([shard1, other], /ran different models \(model folder \/double vs \/double-2\)/);
  });

  it('an option that changes what is measured (--max-new-tokens)', async () => {
    const other = await run('other-tokens', { shard: { index: 1, count: 2 }, maxNewTokens: 2 });
    await refused([shard1, other], new RegExp(`${shard1} and ${other} differ in --max-new-tokens \\(4 vs 2\\)`));
  });

  it('the same shard twice, and one folder twice', async () => {
    const again = await run('shard1-again', { shard: { index: 0, count: 2 } });
    await refused([shard1, shard2, again], new RegExp(`${shard1} and ${again} are both shard 1/2`));
    await refused([shard1, shard1], new RegExp(`${shard1} is given twice`));
  });

  it('a trial in two folders, naming the first such key', async () => {
    const copy = fresh('relabelled');
    cpSync(shard1, copy, { recursive: true });
    const meta = json(copy, 'meta.json');
    meta['options']['shard'] = { index: 1, count: 2 };
    writeFileSync(join(copy, 'meta.json'), JSON.stringify(meta));
    const first = keyString(records(copy)[0] as TrialRecord);
    const message = await refused([shard1, copy], /both hold trial/);
    expect(message).toContain(`both hold trial ${first};`);
  });

  it('an --out that holds files', async () => {
    const out = fresh('used');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await expect(mergeCommand([shard1, shard2], { out, quiet: true }, sink())).rejects.toThrow(/--out .* is not empty/);
    expect(readdirSync(out)).toEqual(['notes.txt']);
  });

  it('exits 2 from the command line with one line on stderr', async () => {
    const empty = fresh('cli-empty');
    mkdirSync(empty);
    const result = await runCli(['merge', shard1, empty, '--out', fresh('cli-out')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([`omni-bench: merge: ${empty} is not a results folder (no readable meta.json); pass the folders that --shard K/N runs wrote`]);
  });
});
