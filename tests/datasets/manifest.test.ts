import { mkdtemp, mkdir, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../src/errors.js';
import { FIXTURES_DIR } from '../../src/paths.js';
import { formatInvalidRow, loadManifest, writeManifest, type ManifestRow } from '../../src/datasets/manifest.js';

const MEDIA = join(FIXTURES_DIR, 'media');
const V01 = join(MEDIA, 'v01_320x240_h264_aac_4s.mp4');
const A01 = join(MEDIA, 'a01_tone_1s.wav');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omni-ds-'));
});

async function manifestFile(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const HEADER = 'sample_id,dataset,video_path,audio_path,question,options,answer,duration_s,start_s,end_s,extra';

describe('loadManifest: robust reading', () => {
  it('reads a BOM and CRLF line endings, and numbers rows by the line they start on', async () => {
    const path = await manifestFile('bom-crlf.csv', `\uFEFF${HEADER}\r\ns1,custom,${V01},,What?,,,,,,\r\ns2,custom,,${A01},Hear?,,,,,,\r\n`);
    const loaded = await loadManifest(path);
    expect(loaded.invalid).toEqual([]);
    expect(loaded.samples.map((s) => [s.sampleId, s.row])).toEqual([['s1', 2], ['s2', 3]]);
    expect(loaded.samples[0]?.videoPath).toBe(V01);
  });

  it('keeps quoted commas and newlines inside a cell, and skips blank lines without counting them', async () => {
    const path = await manifestFile('quoted.csv', `${HEADER}\n\ns1,custom,${V01},,"Is it red, or\nblue?",,"yes, red",,,,\n\n   \ns2,custom,${V01},,Next?,,,,,,\n`);
    const loaded = await loadManifest(path);
    expect(loaded.rowsRead).toBe(2);
    expect(loaded.samples[0]?.question).toBe('Is it red, or\nblue?');
    expect(loaded.samples[0]?.answer).toBe('yes, red');
    expect(loaded.samples.map((s) => s.row)).toEqual([3, 7]);
  });

  it('keeps unknown columns in extra and merges them with the extra JSON', async () => {
    const path = await manifestFile('unknown.csv', `${HEADER},my_tag\ns1,custom,${V01},,Q?,,,,,,"{""k"":1}",hello\n`);
    const [s] = (await loadManifest(path)).samples;
    expect(s?.extra).toEqual({ k: 1, my_tag: 'hello' });
  });

  it('reports a duplicate sample_id once, naming both rows, and keeps the first', async () => {
    const path = await manifestFile('dup.csv', `${HEADER}\ns1,custom,${V01},,Q1?,,,,,,\ns2,custom,${V01},,Q2?,,,,,,\ns1,custom,${V01},,Q3?,,,,,,\n`);
    const loaded = await loadManifest(path);
    expect(loaded.samples.map((s) => s.question)).toEqual(['Q1?', 'Q2?']);
    expect(loaded.invalid).toHaveLength(1);
    expect(loaded.invalid[0]).toMatchObject({ row: 4, sampleId: 's1' });
    expect(loaded.invalid[0]?.reason).toContain('rows 2 and 4');
  });

  it('resolves relative media paths against the manifest folder, not the current folder', async () => {
    const sub = join(dir, 'nested');
    await mkdir(sub, { recursive: true });
    const path = join(sub, 'manifest.csv');
    await writeFile(path, `${HEADER}\ns1,custom,../../${'x'}.mp4,,Q?,,,,,,\n`);
    const loaded = await loadManifest(path);
    expect(loaded.invalid[0]?.reason).toContain("video_path '../../x.mp4' not found (relative paths resolve against the manifest's folder)");
    const unchecked = await loadManifest(path, { checkMedia: false });
    expect(unchecked.samples[0]?.videoPath).toBe(join(dir, '..', 'x.mp4'));
  });

  it('throws a clear DatasetError for a missing file, a directory, a non-UTF-8 file and an empty file', async () => {
    await expect(loadManifest(join(dir, 'nope.csv'))).rejects.toThrow(/not found/);
    await expect(loadManifest(dir)).rejects.toThrow(/is a directory/);
    const latin1 = await manifestFile('latin1.csv', Buffer.concat([Buffer.from(`${HEADER}\ns1,custom,${V01},,Caf`), Buffer.from([0xe9]), Buffer.from('?,,,,,,\n')]));
    await expect(loadManifest(latin1)).rejects.toThrow(/is not UTF-8 text \(invalid byte at offset \d+\); re-save it as UTF-8/);
    await expect(loadManifest(await manifestFile('empty.csv', ''))).rejects.toBeInstanceOf(DatasetError);
    await expect(loadManifest(await manifestFile('blank.csv', '\n\n  \n'))).rejects.toThrow(/no header row/);
  });

  it('turns malformed rows into invalid rows with reasons instead of throwing', async () => {
    const path = join(FIXTURES_DIR, 'datasets', 'bad', 'manifest.csv');
    const loaded = await loadManifest(path);
    expect(loaded.rowsRead).toBe(13);
    expect(loaded.samples.length + loaded.invalid.length).toBe(13);
    const reasons = Object.fromEntries(loaded.invalid.map((r) => [r.row, r.reason]));
    expect(reasons[3]).toContain('not found');
    expect(reasons[4]).toContain('options is not a JSON array');
    expect(reasons[5]).toContain('extra is not a JSON object');
    expect(reasons[6]).toContain('duplicate sample_id');
    expect(reasons[7]).toContain('no media');
    expect(reasons[8]).toContain("duration_s 'abc'");
    expect(reasons[9]).toContain('question is empty');
    expect(reasons[10]).toContain('end_s 2 is not after start_s 5');
    expect(reasons[11]).toContain('13 fields');
    expect(formatInvalidRow(loaded.invalid[0]!)).toMatch(/^manifest\.csv row 3: video_path '/);
  });
});

describe('loadManifest: legacy FasterOmni columns', () => {
  it('maps has_audio, duration (seconds or class), Video-MME columns and Python-list options', async () => {
    const loaded = await loadManifest(join(FIXTURES_DIR, 'datasets', 'legacy', 'manifest.csv'));
    expect(loaded.invalid).toEqual([]);
    const [a, b, c] = loaded.samples;
    expect(a?.audioPath).toBe(a?.videoPath); // has_audio=1, no audio_path: the video's own track
    expect(a?.durationS).toBeUndefined();
    expect(a?.options).toEqual(['A. Colour bars.', 'B. A face.', 'C. A forest.', 'D. Text, on paper.']);
    expect(a?.extra).toMatchObject({ duration: 'short', video_id: '001', question_id: '001-1', domain: 'Knowledge', task_type: 'Object Recognition', has_audio: true });
    expect(b?.audioPath).toBeUndefined();
    expect(b?.durationS).toBe(5);
    expect(b?.extra['source']).toBe('legacy');
    expect(b?.options).toHaveLength(4);
    expect(c?.videoPath).toBeUndefined();
    expect(c?.audioPath).toBe(join(FIXTURES_DIR, 'media', 'a03_noise_5s.mp3'));
    expect(loaded.samples.every((s) => s.dataset === 'custom')).toBe(true);
  });
});

describe('writeManifest', () => {
  it('round-trips every field through a file, with paths written relative to the manifest', async () => {
    const rows: ManifestRow[] = [
      { sampleId: 'x1', dataset: 'video-mme', videoPath: V01, audioPath: V01, question: 'Q, with "quotes"\nand a newline', options: ['A. a', 'B. b, c'], answer: 'B', durationS: 4, extra: { domain: 'Knowledge' } },
      { sampleId: 'x2', dataset: 'audiocaps', audioPath: A01, question: 'Describe.', answer: 'beep', startS: 0, endS: 10, extra: { references: ['beep', 'tone'] } },
    ];
    const out = join(dir, 'out', 'manifest.csv');
    await writeManifest(out, rows);
    const text = await readFile(out, 'utf8');
    expect(text.split('\n')[0]).toBe(HEADER);
    expect(text).toContain(`,${relative(dirname(out), V01)},`); // relative to the manifest, not absolute
    expect(text).not.toContain(',/'); // no absolute path cell
    const loaded = await loadManifest(out);
    expect(loaded.invalid).toEqual([]);
    expect(loaded.samples.map(({ manifestPath: _m, row: _r, ...rest }) => rest)).toEqual(rows);
  });
});
