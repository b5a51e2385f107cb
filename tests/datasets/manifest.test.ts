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

  it('keeps the first row of a duplicate sample_id and makes each later one invalid, naming the first line', async () => {
    const path = await manifestFile('dup.csv', `${HEADER}\ns1,custom,${V01},,Q1?,,,,,,\ns2,custom,${V01},,Q2?,,,,,,\ns1,custom,${V01},,Q3?,,,,,,\ns1,custom,${V01},,Q4?,,,,,,\n`);
    const loaded = await loadManifest(path);
    expect(loaded.samples.map((s) => s.question)).toEqual(['Q1?', 'Q2?']);
    expect(loaded.invalid.map((r) => [r.row, r.sampleId, r.reason, r.manifestPath])).toEqual([
      [4, 's1', "duplicate sample_id 's1' (first on line 2); sample_ids must be unique", path],
      [5, 's1', "duplicate sample_id 's1' (first on line 2); sample_ids must be unique", path],
    ]);
  });

  it('gives an invalid first row its id too, so that a later valid row with that id is the duplicate', async () => {
    const path = await manifestFile('dup-invalid-first.csv', `${HEADER}\nx,custom,${V01},,Q1?,{bad,,,,,\nx,custom,${V01},,Q2?,,,,,,\n,custom,${V01},,Q3?,,,,,,\n`);
    const loaded = await loadManifest(path);
    expect(loaded.samples).toEqual([]);
    expect(loaded.invalid.map((r) => [r.row, r.sampleId])).toEqual([[2, 'x'], [3, 'x'], [4, undefined]]);
    expect(loaded.invalid[1]?.reason).toContain('first on line 2');
    expect(loaded.invalid[2]?.reason).toContain('sample_id is empty');
  });

  it('makes a sample_id with a NUL, an escape or a newline an invalid row, shown escaped', async () => {
    const path = await manifestFile('nul-id.csv', `${HEADER}\na\u0000b,custom,${V01},,Q?,,,,,,\n"c\u001b[31md",custom,${V01},,Q?,,,,,,\n"e\nf",custom,${V01},,Q?,,,,,,\nok,custom,${V01},,Q?,,,,,,\n`);
    const loaded = await loadManifest(path);
    expect(loaded.samples.map((s) => s.sampleId)).toEqual(['ok']);
    expect(loaded.invalid.map((r) => r.reason)).toEqual([
      "sample_id 'a\\x00b' contains a control character (\\x00 at position 2); use printable characters only",
      "sample_id 'c\\x1b[31md' contains a control character (\\x1b at position 2); use printable characters only",
      "sample_id 'e\\nf' contains a control character (\\x0a at position 2); use printable characters only",
    ]);
    expect(loaded.invalid.every((r) => r.sampleId === undefined)).toBe(true);
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
    await expect(loadManifest(dir)).rejects.toThrow(/is a directory, not a regular file/);
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

describe('loadManifest: CSV that used to parse into the wrong rows', () => {
  const H3 = 'sample_id,video_path,question';
  const rowsOf = async (name: string, text: string) => {
    const loaded = await loadManifest(await manifestFile(name, text), { checkMedia: false });
    return {
      ok: loaded.samples.map((s) => [s.row, s.sampleId, s.question]),
      bad: loaded.invalid.map((r) => [r.row, r.reason]),
    };
  };

  it('reports a quote opened on one line and closed on a later one on each line it swallowed', async () => {
    const r = await rowsOf('swallow.csv', `${H3}\ns1,a.mp4,"What\ns2,a.mp4,Where?\ns3,a.mp4,Why?"\ns4,a.mp4,Who?\n`);
    expect(r.ok).toEqual([[5, 's4', 'Who?']]);
    expect(r.bad.map(([row]) => row)).toEqual([2, 3, 4]);
    expect(r.bad[0]?.[1]).toMatch(/^a quote opened on line 2 closes only on line 4: lines 3-4, which look like rows of their own/);
    expect(r.bad[1]?.[1]).toBe('inside the quoted cell opened on line 2 (see that line); not read as a row');
  });

  it('reports an unclosed quote on its own line and reads the rows after it', async () => {
    const r = await rowsOf('unclosed.csv', `${H3}\ns1,a.mp4,"What\ns2,a.mp4,Where?\ns3,a.mp4,Why?\n`);
    expect(r.bad).toEqual([[2, 'a quote opened on line 2 is never closed (close it, or double a quote inside a cell: "")']]);
    expect(r.ok).toEqual([[3, 's2', 'Where?'], [4, 's3', 'Why?']]);
  });

  it('makes an unquoted comma with an empty last column an error instead of shifting the columns', async () => {
    const r = await rowsOf('shift.csv', `${H3},answer\ns1,a.mp4,What, really?,\ns2,a.mp4,Fine?,yes\n`);
    expect(r.ok).toEqual([[3, 's2', 'Fine?']]);
    expect(r.bad).toEqual([[2, 'has 5 fields but the header has 4 columns (an unquoted comma splits a cell, or a trailing comma adds one: quote cells that contain commas)']]);
  });

  it('makes a row with fewer cells than the header an error instead of padding it', async () => {
    const r = await rowsOf('short.csv', `${H3},answer\ns1,a.mp4,What?\n`);
    expect(r.bad).toEqual([[2, 'has 3 fields but the header has 4 columns (a cell is missing: every row needs 3 commas, empty cells included)']]);
  });

  it('reports rows of only commas, of whitespace cells and of empty quoted cells, and skips only blank lines', async () => {
    const r = await rowsOf('empty-rows.csv', `${H3}\n,,\n  , ,  \n"",""\n\n   \ns5,a.mp4,Q?\n`);
    expect(r.ok).toEqual([[7, 's5', 'Q?']]);
    expect(r.bad).toEqual([
      [2, 'every cell is empty (3 cells); delete the line or fill it in'],
      [3, 'every cell is empty (3 cells); delete the line or fill it in'],
      [4, 'every cell is empty (2 cells); delete the line or fill it in'],
    ]);
  });
});

describe('loadManifest: the header row', () => {
  it.each([
    ['tab-separated', 'sample_id\tvideo_path\tquestion\ns1\ta.mp4\tQ?\n', /no sample_id column in its header 'sample_id\\tvideo_path\\tquestion' \(it looks tab-separated\); the manifest must be comma-separated with a header row: sample_id,dataset,/],
    ['semicolon-separated', 'sample_id;video_path;question\ns1;a.mp4;Q?\n', /no sample_id column .*\(it looks semicolon-separated\)/],
    ['upper-case', 'SAMPLE_ID,VIDEO_PATH,QUESTION\ns1,a.mp4,Q?\n', /no sample_id column .*\(column names are lower-case\)/],
    ['without a question column', 'sample_id,video_path\ns1,a.mp4\n', /has no question column in its header/],
    ['without a media column', 'sample_id,question\ns1,Q?\n', /has no video_path or audio_path column/],
  ])('refuses a %s manifest once, for the whole file', async (_, text, message) => {
    const path = await manifestFile(`header-${_.replace(/\W/g, '')}.csv`, text);
    await expect(loadManifest(path)).rejects.toThrow(DatasetError);
    await expect(loadManifest(path)).rejects.toThrow(message);
  });

  it('loads a header-only manifest as zero samples and zero invalid rows', async () => {
    const loaded = await loadManifest(await manifestFile('header-only.csv', `${HEADER}\n`));
    expect([loaded.samples.length, loaded.invalid.length, loaded.rowsRead]).toEqual([0, 0, 0]);
  });
});

describe('loadManifest: selection', () => {
  it('takes the first N valid samples in file order without a seed, and a seeded subset with one', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => `q${i},custom,${V01},,Q${i}?,,,,,,`);
    const path = await manifestFile('select.csv', `${HEADER}\nbad,custom,,,Q?,,,,,,\n${rows.join('\n')}\n`);
    const first = await loadManifest(path, { maxSamples: 3 });
    expect(first.samples.map((s) => s.sampleId)).toEqual(['q0', 'q1', 'q2']);
    expect(first.invalid).toHaveLength(1);
    expect(first.notSelected).toBe(17);
    const seeded = await loadManifest(path, { maxSamples: 3, seed: 0 });
    expect(seeded.samples.map((s) => s.sampleId)).not.toEqual(['q0', 'q1', 'q2']);
    expect((await loadManifest(path, { maxSamples: 3, seed: 0 })).samples).toEqual(seeded.samples);
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
