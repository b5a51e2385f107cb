import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { writeRecordsCsv } from '../../src/report/csv.js';
import type { TrialRecord } from '../../src/report/record.js';
import { loadSuite } from '../../src/suite/load.js';
import { runSuite } from '../../src/suite/run-suite.js';
import type { EntryExit, EntryRunner } from '../../src/suite/run-entry.js';
import type { SuiteResult } from '../../src/suite/types.js';
import { paddingRecords, suiteFile } from './helpers.js';

const SUITE = `
- name: padding
  spec: audio-padding
  args: [--model, tiny, --audio-seconds, '5,30']
  expect:
    - { metric: audio_encoder_ms, stat: p50, variant: dynamic, params: { audio_s: 5 }, lessThan: { variant: pad-all, times: 0.2 } }
    - { metric: logits_max_abs_diff, stat: max, atMost: 1e-4 }
- name: broken
  spec: multiturn
  args: [--model, tiny]
  expect:
    - { metric: prefill_ms, stat: p50, variant: kv-cache, turn: 1, lessThan: { variant: none, times: 0.5 } }
- name: last
  spec: audio-padding
  expect:
    - { metric: audio_encoder_ms, stat: mean, variant: dynamic, lessThan: { variant: pad-all, times: 0.2 } }
`;

/** A fake run: writes `records` into the entry's folder (as the spec would) and ends as `exit` says. */
function fakeRuns(plan: Record<string, { records?: TrialRecord[]; exit: EntryExit }>, calls: string[] = []): EntryRunner {
  return async (input) => {
    const name = input.dir.split('/').at(-1) as string;
    calls.push(name);
    const step = plan[name] ?? { exit: { code: 0, signal: null } };
    if (step.records) {
      mkdirSync(input.dir, { recursive: true });
      await writeRecordsCsv(join(input.dir, 'records.csv'), step.records, { comparesLogits: true, params: ['audio_s', 'chunk_s'] });
    }
    return step.exit;
  };
}

async function run(runEntry: EntryRunner): Promise<{ code: number; dir: string; stderr: string; stdout: string; result: SuiteResult; markdown: string }> {
  const dir = join(mkdtempSync(join(tmpdir(), 'omni-bench-suite-')), 'out');
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runSuite(loadSuite(suiteFile(SUITE)), { out: dir, json: false, quiet: false }, { stdout, stderr, runEntry });
  const result = JSON.parse(readFileSync(join(dir, 'suite.json'), 'utf8')) as SuiteResult;
  return { code, dir, stderr: err, stdout: out, result, markdown: readFileSync(join(dir, 'suite.md'), 'utf8') };
}

describe('suite runs (fake entry runs)', () => {
  it('exits 0 when every entry exits 0 and every expectation holds, and suite.md shows the measured values', async () => {
    const { code, result, markdown, stdout } = await run(fakeRuns({ padding: { records: paddingRecords(), exit: { code: 0, signal: null } }, broken: { records: [], exit: { code: 0, signal: null } }, last: { records: paddingRecords().filter((r) => r.params?.['audio_s'] === 5), exit: { code: 0, signal: null } } }));
    // broken/ has an empty records.csv: its expectation has no group, so it fails.
    expect(code).toBe(1);
    expect(result.entries.map((e) => e.status)).toEqual(['passed', 'failed', 'passed']);
    expect(markdown).toContain('| padding | audio-padding | 0 |');
    expect(markdown).toMatch(/\| audio_encoder_ms p50 of dynamic \(audio_s=5\) < 0\.2 x pad-all's \| dynamic audio_s=5 chunk_s=300 \| 10\.5 \| 100\.5 \(pad-all audio_s=5 chunk_s=300\) \| 20\.1 \| pass \|/);
    expect(stdout).toContain('expectations held');
  });

  it('goes on after an entry that exits 2 or crashes, reports each, and exits 1', async () => {
    const calls: string[] = [];
    const { code, result, stderr, markdown } = await run(
      fakeRuns(
        {
          padding: { exit: { code: 2, signal: null, errorLine: 'omni-bench: no samples in /x/manifest.csv' } },
          broken: { exit: { code: null, signal: 'SIGSEGV' } },
          last: { records: paddingRecords().filter((r) => r.params?.['audio_s'] === 5), exit: { code: 0, signal: null } },
        },
        calls,
      ),
    );
    expect(code).toBe(1);
    expect(calls).toEqual(['padding', 'broken', 'last']);
    expect(result.complete).toBe(true);
    expect(result.entries.map((e) => [e.name, e.status, e.exitCode, e.signal])).toEqual([
      ['padding', 'error', 2, null],
      ['broken', 'error', null, 'SIGSEGV'],
      ['last', 'passed', 0, null],
    ]);
    expect(result.entries[0]?.reason).toBe('exit 2 (nothing could run): omni-bench: no samples in /x/manifest.csv');
    expect(result.entries[0]?.expectations.every((x) => x.status === 'not-evaluated')).toBe(true);
    expect(stderr).toContain('suite: broken: error: crashed (SIGSEGV)');
    expect(markdown).toContain('**failed**: 2 of 3 entries did not pass.');
  });

  it('a failed expectation prints the measured values and fails the suite; a run that exited 1 fails its entry', async () => {
    const slow = paddingRecords().map((r) => (r.variant === 'dynamic' ? { ...r, measures: { ...r.measures, stageMs: { ...r.measures.stageMs, audio_encoder: 60 } } } : r));
    const { code, result, stderr } = await run(
      fakeRuns({
        padding: { records: slow, exit: { code: 0, signal: null } },
        broken: { records: [], exit: { code: 1, signal: null, errorLine: 'omni-bench: 1 record beyond logits tolerance' } },
      }),
    );
    expect(code).toBe(1);
    expect(result.entries[0]?.status).toBe('failed');
    expect(result.entries[0]?.reason).toBe('1 of 2 expectations did not hold');
    expect(stderr).toContain("suite: padding: expectation failed: audio_encoder_ms p50 of dynamic (audio_s=5) < 0.2 x pad-all's: dynamic audio_s=5 chunk_s=300: 60 vs 100.5 (pad-all audio_s=5 chunk_s=300), limit 20.1");
    expect(result.entries[1]?.reason).toContain('the run exited 1: omni-bench: 1 record beyond logits tolerance (see broken/summary.md)');
  });

  it('stops after an entry ended by Ctrl-C: later entries are not run and the suite exits 130', async () => {
    const calls: string[] = [];
    const { code, result } = await run(fakeRuns({ broken: { exit: { code: 130, signal: null } } }, calls));
    expect(code).toBe(130);
    expect(calls).toEqual(['padding', 'broken']);
    expect(result.complete).toBe(false);
    expect(result.entries.map((e) => e.status)).toEqual(['failed', 'interrupted', 'not-run']);
  });

  it('refuses a folder that already holds a suite run (exit 2), before running anything', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'omni-bench-suite-')), 'out');
    const calls: string[] = [];
    const io = { stdout: new PassThrough(), stderr: new PassThrough(), runEntry: fakeRuns({}, calls) };
    expect(await runSuite(loadSuite(suiteFile(SUITE)), { out: dir, json: false, quiet: true }, io)).toBe(1);
    calls.length = 0;
    await expect(runSuite(loadSuite(suiteFile(SUITE)), { out: dir, json: false, quiet: true }, io)).rejects.toThrow(`--out ${dir} already holds a suite run (suite.json); pass another --out`);
    expect(calls).toEqual([]);
  });
});
