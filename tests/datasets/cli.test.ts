import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';

const DS = join(FIXTURES_DIR, 'datasets');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'omni-ds-cli-'));
});

describe('omni-bench datasets validate', () => {
  it('exits 0 when every row is valid, with --probe', async () => {
    const r = await runCli(['datasets', 'validate', join(DS, 'video-mme', 'manifest.csv'), '--probe']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('18 rows, 18 valid, 0 invalid');
    expect(r.stdout).toContain('005-1');
  });

  it('exits 1 when some rows are invalid, and --probe catches undecodable media and missing streams', async () => {
    const plain = await runCli(['datasets', 'validate', join(DS, 'bad', 'manifest.csv'), '--json']);
    expect(plain.code).toBe(1);
    const report = JSON.parse(plain.stdout) as { valid: number; invalid: number; rows: { row: number; status: string; reason?: string }[] };
    expect([report.valid, report.invalid]).toEqual([4, 9]);
    const table = await runCli(['datasets', 'validate', join(DS, 'bad', 'manifest.csv'), '--probe', '--invalid-only']);
    expect(table.code).toBe(1);
    expect(table.stdout).toContain('13 rows, 2 valid, 11 invalid');
    expect(table.stdout).not.toMatch(/^│ 2 /m); // --invalid-only: the valid row 2 is not listed
    const probed = await runCli(['datasets', 'validate', join(DS, 'bad', 'manifest.csv'), '--probe', '--json']);
    const rows = (JSON.parse(probed.stdout) as typeof report).rows;
    expect(rows.find((r) => r.row === 12)?.reason).toMatch(/broken-file|does not decode/);
    expect(rows.find((r) => r.row === 13)?.reason).toMatch(/has no audio stream/);
  });

  it('exits 2 when the manifest cannot be read or has no valid row', async () => {
    const missing = await runCli(['datasets', 'validate', join(tmp, 'none.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^omni-bench: manifest .*none\.csv not found/);
    const dir = await runCli(['datasets', 'validate', DS]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain('is a directory');
    const allBad = join(tmp, 'all-bad.csv');
    await writeFile(allBad, 'sample_id,video_path,question\ns1,missing.mp4,Q?\n');
    const none = await runCli(['datasets', 'validate', allBad]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('1 rows, 0 valid, 1 invalid');
  });
});

describe('omni-bench datasets import', () => {
  it('writes the manifest and reports rows read, written and dropped with reasons', async () => {
    const out = join(tmp, 'vmme', 'manifest.csv');
    const r = await runCli(['datasets', 'import', 'video-mme', '--annotations', join(DS, 'video-mme', 'videomme', 'test-00000-of-00001.parquet'), '--media-dir', join(FIXTURES_DIR, 'media'), '--out', out, '--probe']);
    expect(r.stdout).toContain('video-mme: read 21 annotation rows, wrote 18 samples');
    expect(r.stdout).toContain('dropped     3  media-missing');
    expect(r.stdout).toMatch(/007-1: video zz_missing_video\.mp4 \(\.MP4, \.mkv\) not found/);
    expect(r.code).toBe(1); // media missing is worth a non-zero exit
    const written = (await readFile(out, 'utf8')).split('\n').slice(1);
    const committed = (await readFile(join(DS, 'video-mme', 'manifest.csv'), 'utf8')).split('\n').slice(1);
    // Same rows; only the relative paths differ with the output folder.
    expect(written.map((l) => l.replace(/^([^,]*),[^,]*,[^,]*,[^,]*,/, '$1,'))).toEqual(committed.map((l) => l.replace(/^([^,]*),[^,]*,[^,]*,[^,]*,/, '$1,')));
  });

  it('exits 0 when only filters or sampling dropped rows', async () => {
    const out = join(tmp, 'short.csv');
    const r = await runCli(['datasets', 'import', 'video-mme', '--annotations', join(DS, 'video-mme', 'videomme', 'test-00000-of-00001.parquet'), '--media-dir', join(FIXTURES_DIR, 'media'), '--out', out, '--duration', 'short', '--questions-per-video', '1', '--max-samples', '2', '--seed', '3']);
    expect(r.stdout).toMatch(/video-mme: read 21 annotation rows, wrote 2 samples/);
    expect(r.stdout).toMatch(/dropped +12 +filtered/);
    expect(r.code).toBe(0);
  });

  it('writes nothing (no half manifest) when no sample is left or the annotations are unreadable', async () => {
    const out = join(tmp, 'empty', 'manifest.csv');
    const r = await runCli(['datasets', 'import', 'msvd-qa', '--annotations', join(DS, 'msvd-qa', 'test_qa.json'), join(DS, 'msvd-qa', 'youtube_mapping.txt'), '--media-dir', tmp, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('was not written');
    const bad = await runCli(['datasets', 'import', 'activitynet-qa', '--annotations', join(DS, 'audiocaps', 'test.csv'), '--media-dir', tmp, '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not valid JSON/);
    const left = await readdir(tmp, { recursive: true });
    expect(left.filter((f) => String(f).includes('empty'))).toEqual([]);
  });
});
