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

describe('omni-bench datasets: hostile and unusual input', () => {
  it('prints manifest cells terminal-safe: escape sequences and control characters never reach the terminal raw', async () => {
    const path = join(tmp, 'escapes.csv');
    const media = join(FIXTURES_DIR, 'media', 'v01_320x240_h264_aac_4s.mp4');
    await writeFile(path, `sample_id,dataset,video_path,question,options\nok\u001b]0;pwned\u0007,custom,${media},Q?,\nbad\u009b31m,custom,${media},Q?,"[\u001b[2J"\n`);
    for (const args of [[], ['--json']]) {
      const r = await runCli(['datasets', 'validate', path, ...args]);
      expect(r.code).toBe(2); // no valid row: both ids carry control characters
      expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(r.stdout).toContain(args.length === 0 ? 'ok\\x1b]0;pwned\\x07' : 'ok\\\\x1b]0;pwned\\\\x07');
    }
  });

  it('says "header only, no data rows" for a header-only manifest, and exits 2', async () => {
    const path = join(tmp, 'header-only.csv');
    await writeFile(path, 'sample_id,dataset,video_path,audio_path,question\n');
    const r = await runCli(['datasets', 'validate', path]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(`${path}: header only, no data rows\n`);
  });

  it('reports a tab-separated manifest once as a header problem (exit 2), not every row as invalid', async () => {
    const path = join(tmp, 'tabs.csv');
    await writeFile(path, 'sample_id\tvideo_path\tquestion\ns1\ta.mp4\tQ?\ns2\ta.mp4\tQ?\n');
    const r = await runCli(['datasets', 'validate', path]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^omni-bench: manifest .*tabs\.csv has no sample_id column in its header .* \(it looks tab-separated\); the manifest must be comma-separated with a header row: sample_id,/);
  });

  it('says a manifest is a symlink loop, a FIFO or a device, not "not found" (exit 2)', async () => {
    const { symlink } = await import('node:fs/promises');
    const { execFileSync } = await import('node:child_process');
    const loop = join(tmp, 'loop.csv');
    await symlink(loop, loop);
    const fifo = join(tmp, 'fifo.csv');
    execFileSync('mkfifo', [fifo]);
    for (const [path, what] of [[loop, 'is a symlink loop'], [fifo, 'is a FIFO (named pipe), not a regular file'], ['/dev/zero', 'is a character device, not a regular file']] as const) {
      const r = await runCli(['datasets', 'validate', path], { timeoutMs: 60_000 });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`omni-bench: manifest ${path} ${what}\n`);
    }
  });

  it('refuses an --out that is a folder, below a file, a device or unwritable with one line and exit 2', async () => {
    const args = ['datasets', 'import', 'msvd-qa', '--annotations', join(DS, 'msvd-qa', 'test_qa.json'), join(DS, 'msvd-qa', 'youtube_mapping.txt'), '--media-dir', join(DS, 'msvd-qa', 'media'), '--no-probe', '--out'];
    const folder = await runCli([...args, tmp]);
    expect([folder.code, folder.stderr]).toEqual([2, `omni-bench: --out ${tmp} is a folder; name the manifest file, e.g. --out ${join(tmp, 'manifest.csv')}\n`]);
    const file = join(tmp, 'a-file');
    await writeFile(file, 'x');
    const below = await runCli([...args, join(file, 'sub', 'manifest.csv')]);
    expect([below.code, below.stderr]).toEqual([2, `omni-bench: --out ${join(file, 'sub', 'manifest.csv')}: ${file} is a file, not a folder; choose another path\n`]);
    const device = await runCli([...args, '/dev/null']);
    expect([device.code, device.stderr]).toEqual([2, 'omni-bench: --out /dev/null is not a regular file (a device or a pipe); name a manifest file\n']);
    // /sys refuses new files even to root, where a chmod'd folder would not.
    const unwritable = await runCli([...args, '/sys/omni-manifest.csv']);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toMatch(/^omni-bench: --out \/sys\/omni-manifest\.csv (: cannot write in \/sys|cannot be written) \(permission denied\); choose a folder you can write to\n$/);
    expect(unwritable.stderr).not.toContain('internal error');
  });

  it('accepts --ffprobe on import and validate --probe, and refuses one that does not exist with exit 2', async () => {
    const { resolveBinary } = await import('../../src/media/ffmpeg.js');
    const ffprobe = resolveBinary('ffprobe').path;
    const manifest = join(DS, 'msvd-qa', 'manifest.csv');
    const ok = await runCli(['datasets', 'validate', manifest, '--probe', '--ffprobe', ffprobe]);
    expect(ok.code).toBe(0);
    const missing = await runCli(['datasets', 'validate', manifest, '--probe', '--ffprobe', '/nonexistent/ffprobe']);
    expect([missing.code, missing.stderr]).toEqual([2, 'omni-bench: --ffprobe /nonexistent/ffprobe not found (check the path; relative paths resolve against the current folder)\n']);
    const out = join(tmp, 'probe-flag', 'manifest.csv');
    const imported = await runCli(['datasets', 'import', 'msvd-qa', '--annotations', join(DS, 'msvd-qa', 'test_qa.json'), join(DS, 'msvd-qa', 'youtube_mapping.txt'), '--media-dir', join(DS, 'msvd-qa', 'media'), '--out', out, '--ffprobe', ffprobe, '--ffmpeg', ffprobe.replace(/ffprobe$/, 'ffprobe')]);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toContain('msvd-qa: read 6 annotation rows, wrote 5 samples');
  });

  it('imports with probing by default, so that validate --probe accepts every row written (a silent video has no audio_path)', async () => {
    const out = join(tmp, 'default-probe', 'manifest.csv');
    const r = await runCli(['datasets', 'import', 'video-mme', '--annotations', join(DS, 'video-mme', 'videomme', 'test-00000-of-00001.parquet'), '--media-dir', join(FIXTURES_DIR, 'media'), '--out', out]);
    expect(r.stdout).toContain('wrote 18 samples');
    const v = await runCli(['datasets', 'validate', out, '--probe', '--json']);
    expect(v.code).toBe(0);
    expect((JSON.parse(v.stdout) as { invalid: number }).invalid).toBe(0);
  });

  it('lists unsafe ids in the import report with the full id, escaped', async () => {
    const media = join(tmp, 'anet-media');
    const { mkdir, copyFile } = await import('node:fs/promises');
    await mkdir(media, { recursive: true });
    await copyFile(join(FIXTURES_DIR, 'media', 'v01_320x240_h264_aac_4s.mp4'), join(media, 'v_ok.mp4'));
    const q = join(tmp, 'merged.json');
    await writeFile(q, JSON.stringify([{ video_name: 'ok', question: 'q', answer: 'a', question_id: 'q0' }, { video_name: '/../../outside/secret\u0000', question: 'q', answer: 'a', question_id: 'q1' }]));
    const r = await runCli(['datasets', 'import', 'activitynet-qa', '--annotations', q, '--media-dir', media, '--out', join(tmp, 'anet.csv')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("  - q1: video_name '/../../outside/secret\\x00' contains a NUL byte: not used as a file name (media must lie inside --media-dir)");
  });
});
