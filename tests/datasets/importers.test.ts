import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../../src/paths.js';
import { loadManifest, manifestCsv } from '../../src/datasets/manifest.js';
import { applyMediaFacts, importDataset, type ImportOptions } from '../../src/datasets/importers/index.js';
import { importVideoMme } from '../../src/datasets/importers/video-mme.js';
import { importActivityNetQa } from '../../src/datasets/importers/activitynet-qa.js';
import { importAudioCaps } from '../../src/datasets/importers/audiocaps.js';
import { inspectFixture, videoMmeParquetFromColumns } from '../../scripts/make-dataset-fixtures.js';

const DS = join(FIXTURES_DIR, 'datasets');
const MEDIA = join(FIXTURES_DIR, 'media');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'omni-ds-imp-'));
});

const FIXTURE_IMPORTS: Record<string, ImportOptions> = {
  'video-mme': { annotations: [join(DS, 'video-mme', 'videomme', 'test-00000-of-00001.parquet')], mediaDir: MEDIA },
  'activitynet-qa': { annotations: [join(DS, 'activitynet-qa', 'test_q.json'), join(DS, 'activitynet-qa', 'test_a.json')], mediaDir: join(DS, 'activitynet-qa', 'media') },
  audiocaps: { annotations: [join(DS, 'audiocaps', 'test.csv')], mediaDir: join(DS, 'audiocaps', 'media') },
  'msvd-qa': { annotations: [join(DS, 'msvd-qa', 'test_qa.json'), join(DS, 'msvd-qa', 'youtube_mapping.txt')], mediaDir: join(DS, 'msvd-qa', 'media') },
};

describe('importers on the committed fixtures', () => {
  for (const [dataset, options] of Object.entries(FIXTURE_IMPORTS)) {
    it(`${dataset}: produces the committed manifest, row for row`, async () => {
      const result = await applyMediaFacts(await importDataset(dataset, options), inspectFixture, { concurrency: 2 });
      const rows = result.rows;
      const manifestPath = join(DS, dataset, 'manifest.csv');
      const expected = await readFile(manifestPath, 'utf8');
      const got = manifestCsv(rows, manifestPath);
      expect(got.split('\n')).toEqual(expected.split('\n'));
      // And the committed manifest loads with every row valid.
      const loaded = await loadManifest(manifestPath);
      expect(loaded.invalid).toEqual([]);
      expect(loaded.samples).toHaveLength(rows.length);
    });
  }

  it('video-mme: reports the missing video per question and keeps the official fields in extra', async () => {
    const r = await importVideoMme(FIXTURE_IMPORTS['video-mme'] as ImportOptions);
    expect(r.rowsRead).toBe(21);
    expect(r.rows).toHaveLength(18);
    expect(r.dropped.map((d) => [d.kind, d.ref])).toEqual([['media-missing', '007-1'], ['media-missing', '007-2'], ['media-missing', '007-3']]);
    expect(r.rows[0]).toMatchObject({ sampleId: '001-1', answer: 'A', options: ['A. Colour bars.', 'B. A face.', 'C. A forest.', 'D. Text on paper.'] });
    expect(r.rows[0]?.extra).toMatchObject({ videoID: 'v01_320x240_h264_aac_4s', duration: 'short', domain: 'Knowledge', task_type: 'Object Recognition' });
  });

  it('video-mme: filters by duration, domain and task type, case-insensitively', async () => {
    const base = FIXTURE_IMPORTS['video-mme'] as ImportOptions;
    const r = await importVideoMme({ ...base, duration: ['medium'], domain: ['knowledge'], taskType: ['Counting Problem'] });
    expect(r.rows.map((x) => x.sampleId)).toEqual(['006-2']);
    expect(r.dropped.filter((d) => d.kind === 'filtered')).toHaveLength(20); // filters run before the media lookup
  });

  it('video-mme: samples by video, N questions per video, deterministically with a seed', async () => {
    const base = FIXTURE_IMPORTS['video-mme'] as ImportOptions;
    const r = await importVideoMme({ ...base, maxVideos: 2, questionsPerVideo: 2, seed: 1 });
    const videos = new Set(r.rows.map((x) => x.extra['videoID']));
    expect(videos.size).toBe(2);
    expect(r.rows).toHaveLength(4);
    for (const v of videos) expect(r.rows.filter((x) => x.extra['videoID'] === v).map((x) => x.sampleId.slice(-1))).toEqual(['1', '2']);
    const again = await importVideoMme({ ...base, maxVideos: 2, questionsPerVideo: 2, seed: 1 });
    expect(again.rows).toEqual(r.rows);
    const capped = await importVideoMme({ ...base, maxSamples: 5 });
    expect(capped.rows.map((x) => x.sampleId)).toEqual(['001-1', '001-2', '001-3', '002-1', '002-2']);
  });

  it('video-mme: falls back to .mkv when <videoID>.mp4 is missing, and reads an empty list as unreadable', async () => {
    const media = join(tmp, 'vmme-media');
    await mkdir(media, { recursive: true });
    await copyFile(join(MEDIA, 'v05_320x240_vp9_opus_6s.webm'), join(media, 'abc.mkv'));
    const cols = { video_id: ['001', '002'], duration: ['short', 'short'], domain: ['Knowledge', 'Knowledge'], sub_category: ['Astronomy', 'Astronomy'], url: ['', ''], videoID: ['abc', 'abc'], question_id: ['001-1', '002-1'], task_type: ['OCR Problems', 'OCR Problems'], question: ['Q?', 'Q2?'], options: [['A. a', 'B. b', 'C. c', 'D. d'], []], answer: ['B', 'A'] };
    const parquet = join(tmp, 'vmme.parquet');
    await writeFile(parquet, videoMmeParquetFromColumns(cols));
    const r = await importVideoMme({ annotations: [parquet], mediaDir: media });
    expect(r.rows.map((x) => x.videoPath)).toEqual([join(media, 'abc.mkv')]);
    expect(r.dropped).toEqual([{ kind: 'unreadable-row', ref: '002-1', reason: 'row 2: missing options' }]);
  });

  it('activitynet-qa: the pre-merged list gives the same rows as test_q + test_a, with type names', async () => {
    const two = await importActivityNetQa(FIXTURE_IMPORTS['activitynet-qa'] as ImportOptions);
    const merged = await importActivityNetQa({ annotations: [join(DS, 'activitynet-qa', 'test_merged.json')], mediaDir: join(DS, 'activitynet-qa', 'media') });
    expect(merged.rows).toEqual(two.rows);
    expect(two.rows.map((r) => r.extra['type_name'])).toEqual(['yes/no', 'color', 'motion', 'number', 'location', 'temporal relationship', 'spatial relationship', 'other']);
    expect(two.rows.find((r) => r.videoPath?.endsWith('.webm'))).toBeDefined();
    expect(two.dropped).toHaveLength(1);
    expect(two.dropped[0]?.kind).toBe('media-missing');
  });

  it('audiocaps: merges the captions of a clip into one sample with all references', async () => {
    const r = await importAudioCaps(FIXTURE_IMPORTS['audiocaps'] as ImportOptions);
    expect(r.rowsRead).toBe(16);
    expect(r.rows).toHaveLength(6);
    const first = r.rows[0];
    expect(first?.sampleId).toBe('a01_tone_1s_0');
    expect(first?.answer).toBe('A steady high beep sounds');
    expect((first?.extra['references'] as string[]).length).toBe(5);
    expect(r.rows.find((x) => x.sampleId === 'a04_speechlike_10s_0')?.answer).toBe('A person speaks in a low voice,\nthen pauses');
    expect(first).toMatchObject({ startS: 0, endS: 10 }); // pre-cut clip named by start_time
    expect(r.dropped).toEqual([{ kind: 'media-missing', ref: '106', reason: `audio zzMissingClip_10.wav not found in ${join(DS, 'audiocaps', 'media')}` }]);
  });

  it('audiocaps: a pattern without {start_time} means the whole audio; {audiocap_id} names files too', async () => {
    const media = join(tmp, 'ac-media');
    await mkdir(media, { recursive: true });
    await copyFile(join(MEDIA, 'a05_tones_2s.wav'), join(media, 'a05_tones_2s.wav'));
    await copyFile(join(MEDIA, 'a01_tone_1s.wav'), join(media, '100.wav'));
    const whole = await importAudioCaps({ annotations: [join(DS, 'audiocaps', 'test.csv')], mediaDir: media, pattern: '{youtube_id}.wav' });
    expect(whole.rows.map((x) => [x.sampleId, x.startS, x.endS])).toEqual([['a05_tones_2s_120', 120, 130]]);
    const byId = await importAudioCaps({ annotations: [join(DS, 'audiocaps', 'test.csv')], mediaDir: media, pattern: '{audiocap_id}.wav' });
    expect(byId.rows.map((x) => x.sampleId)).toEqual(['a01_tone_1s_0']);
  });

  it('msvd-qa: maps video_id through youtube_mapping.txt to YouTubeClips/<clip>.avi', async () => {
    const r = await importDataset('msvd-qa', FIXTURE_IMPORTS['msvd-qa'] as ImportOptions);
    expect(r.rows[0]?.videoPath).toBe(join(DS, 'msvd-qa', 'media', 'YouTubeClips', 'v01_320x240_h264_aac_4s.avi'));
    expect(r.rows[0]?.extra).toEqual({ id: 0, video_id: 1, clip: 'v01_320x240_h264_aac_4s', split: 'test' });
    expect(r.dropped.map((d) => d.kind)).toEqual(['media-missing']);
  });

  it('rejects an unknown dataset and a non-parquet file with clear errors', async () => {
    await expect(importDataset('nope', { annotations: [], mediaDir: MEDIA })).rejects.toThrow(/unknown dataset 'nope'/);
    await expect(importVideoMme({ annotations: [join(DS, 'audiocaps', 'test.csv')], mediaDir: MEDIA })).rejects.toThrow(/not a readable parquet file/);
  });
});
