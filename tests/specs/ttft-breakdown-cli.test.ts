import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { readRecordsCsv } from '../../src/report/csv.js';
import { getSpec } from '../../src/specs/registry.js';
import { writeFixtureManifest } from '../runner/helpers/fixture-manifest.js';

describe('omni-bench ttft-breakdown (tiny preset, fixture media)', () => {
  it('defaults to the bundled Video-MME fixture manifest', () => {
    expect(existsSync(getSpec('ttft-breakdown').defaultManifests[0]!)).toBe(true);
  });

  it('without --manifest runs the Video-MME fixtures, prints the breakdown table, and report DIR re-renders it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'omni-bench-cli-')), 'run');
    const result = await runCli(['ttft-breakdown', '--model', 'tiny', '--max-samples', '2', '--repeats', '1', '--max-new-tokens', '2', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/TTFT breakdown/);
    expect(result.stdout).toMatch(/prefill\s+│\s+[\d.]+\s+│\s+[\d.]+%/);
    expect(result.stdout).toMatch(/ttft\s+│\s+[\d.]+\s+│\s+100\.0%/);
    const records = readRecordsCsv(join(out, 'records.csv')).records;
    expect(records).toHaveLength(2);
    expect(new Set(records.map((r) => r.dataset))).toEqual(new Set(['video-mme']));
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta.model.preset).toBe('tiny');
    expect(meta.environment.node).toBe(process.version);
    expect(meta.options.repeats).toBe(1);

    const report = await runCli(['report', out]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/ttft\s+│/);
  });

  it('exits 1 when some trials failed, with --json printing the summary to stdout', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'omni-bench-cli-')), 'run');
    const result = await runCli(['ttft-breakdown', '--model', 'tiny', '--manifest', writeFixtureManifest(), '--repeats', '1', '--warmup', '0', '--max-new-tokens', '2', '--out', out, '--json']);
    expect(result.code, result.stderr).toBe(1); // the row whose media is missing
    const summary = JSON.parse(result.stdout);
    expect(summary.variants[0]).toMatchObject({ variant: 'baseline', trials: 4, ok: 3, errors: 1 });
    expect(summary.variants[0].accuracy.total).toBe(2);
  });

  it('exits 2 with one line for a manifest that does not exist', async () => {
    const result = await runCli(['ttft-breakdown', '--model', 'tiny', '--manifest', '/no/such/manifest.csv', '--out', join(mkdtempSync(join(tmpdir(), 'omni-bench-cli-')), 'run')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/manifest\.csv/);
  });

  it('accepts --ffmpeg/--ffprobe, and one that does not run is exit 2 in one line before anything runs (issue 8, item 26)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'omni-bench-cli-')), 'run');
    const result = await runCli(['ttft-breakdown', '--model', 'tiny', '--ffmpeg', '/nonexistent/ffmpeg', '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('/nonexistent/ffmpeg');
    expect(existsSync(out)).toBe(false);
  });
});
