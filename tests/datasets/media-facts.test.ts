/**
 * An import never writes a row that its own validator (`datasets validate --probe`) rejects:
 * media are probed at import, in parallel and once per path, size and mtime.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../src/errors.js';
import { FIXTURES_DIR } from '../../src/paths.js';
import { applyMediaFacts, type MediaFacts } from '../../src/datasets/importers/index.js';
import { importActivityNetQa } from '../../src/datasets/importers/activitynet-qa.js';
import { importAudioCaps } from '../../src/datasets/importers/audiocaps.js';
import { importMsvdQa } from '../../src/datasets/importers/msvd-qa.js';
import { importVideoMme } from '../../src/datasets/importers/video-mme.js';
import { writeImport } from '../../src/datasets/importers/index.js';
import { validateManifest } from '../../src/datasets/validate.js';
import { inspectFixture } from '../../scripts/make-dataset-fixtures.js';

const MEDIA = join(FIXTURES_DIR, 'media');
const DS = join(FIXTURES_DIR, 'datasets');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'omni-ds-facts-'));
});

describe('applyMediaFacts: probing at import', () => {
  it('writes no audio_path for a Video-MME video without an audio stream, so validate --probe accepts every row', async () => {
    const imported = await importVideoMme({ annotations: [join(DS, 'video-mme', 'videomme', 'test-00000-of-00001.parquet')], mediaDir: MEDIA });
    expect(imported.rows.filter((r) => r.videoPath?.includes('noaudio')).every((r) => r.audioPath === r.videoPath)).toBe(true); // unprobed: the video's track
    const probed = await applyMediaFacts(imported, inspectFixture);
    const silent = probed.rows.filter((r) => r.videoPath?.includes('noaudio'));
    expect(silent).toHaveLength(3);
    expect(silent.every((r) => r.audioPath === undefined)).toBe(true);
    const out = join(tmp, 'vmme.csv');
    await writeImport(probed, out);
    const report = await validateManifest(out, { probe: true });
    expect([report.valid, report.invalid]).toEqual([18, 0]);
  });

  it('drops an audio-only row whose file has no audio stream, and one whose media do not decode, with reasons', async () => {
    const media = join(tmp, 'ac-media');
    await mkdir(media, { recursive: true });
    await copyFile(join(MEDIA, 'a01_tone_1s.wav'), join(media, 'ok_0.wav'));
    await copyFile(join(MEDIA, 'v06_320x240_h264_noaudio_5s.mp4'), join(media, 'silent_0.wav'));
    await copyFile(join(MEDIA, 'broken_text.mp4'), join(media, 'broken_0.wav'));
    const csv = join(tmp, 'ac.csv');
    await writeFile(csv, 'audiocap_id,youtube_id,start_time,caption\n1,ok,0,A tone\n2,silent,0,Nothing\n3,broken,0,Garbage\n');
    const result = await applyMediaFacts(await importAudioCaps({ annotations: [csv], mediaDir: media }), inspectFixture);
    expect(result.rows.map((r) => r.sampleId)).toEqual(['ok_0']);
    expect(result.dropped.map((d) => [d.kind, d.ref])).toEqual([['no-audio', 'silent_0'], ['media-unreadable', 'broken_0']]);
    expect(result.dropped[0]?.reason).toBe(`audio '${join(media, 'silent_0.wav')}' has no audio stream`);
    expect(result.dropped[1]?.reason).toMatch(/^audio '.*broken_0\.wav' cannot be probed: /);
  });

  it('drops a row whose start_s lies past the end of its media (validate --probe rejects it)', async () => {
    const media = join(tmp, 'whole');
    await mkdir(media, { recursive: true });
    await copyFile(join(MEDIA, 'a05_tones_2s.wav'), join(media, 'a05_tones_2s.wav'));
    const result = await applyMediaFacts(await importAudioCaps({ annotations: [join(DS, 'audiocaps', 'test.csv')], mediaDir: media, pattern: '{youtube_id}.wav' }), inspectFixture);
    expect(result.rows).toEqual([]);
    expect(result.dropped.filter((d) => d.kind === 'window-outside')).toEqual([{ kind: 'window-outside', ref: 'a05_tones_2s_120', reason: 'start_s 120 is past the end of the media (2.00 s)' }]);
  });

  it('gives an MSVD clip the audio of its video only when it has an audio stream', async () => {
    const r = await applyMediaFacts(await importMsvdQa({ annotations: [join(DS, 'msvd-qa', 'test_qa.json'), join(DS, 'msvd-qa', 'youtube_mapping.txt')], mediaDir: join(DS, 'msvd-qa', 'media') }), inspectFixture);
    expect(r.rows.map((x) => x.audioPath !== undefined)).toEqual([true, true, true, false, false]);
  });

  it('probes each file once per path, size and mtime, however many rows name it, at most `concurrency` at a time', async () => {
    const calls: string[] = [];
    let running = 0;
    let peak = 0;
    const inspect = async (path: string): Promise<MediaFacts> => {
      calls.push(path);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return { durationS: 10, hasVideo: true, hasAudio: true };
    };
    const media = join(tmp, 'anet');
    await mkdir(media, { recursive: true });
    for (const f of ['v_v02_640x360_h264_aac_6s.mp4', 'v_v03_640x360_h264_aac_10s.mp4', 'v_v05_320x240_vp9_opus_6s.webm', 'v_v07_640x360_h264_aac_12s.mp4']) await copyFile(join(DS, 'activitynet-qa', 'media', f), join(media, f));
    const imported = await importActivityNetQa({ annotations: [join(DS, 'activitynet-qa', 'test_q.json'), join(DS, 'activitynet-qa', 'test_a.json')], mediaDir: media });
    expect(imported.rows).toHaveLength(8);
    await applyMediaFacts(imported, inspect, { concurrency: 2 });
    expect(calls).toHaveLength(4);
    expect(peak).toBeLessThanOrEqual(2);
    await applyMediaFacts(imported, inspect, { concurrency: 2 });
    expect(calls).toHaveLength(4); // cached
    await utimes(join(media, 'v_v02_640x360_h264_aac_6s.mp4'), new Date(), new Date(Date.now() + 5000));
    await applyMediaFacts(imported, inspect, { concurrency: 2 });
    expect(calls).toHaveLength(5); // the changed file only
  });
});

describe('annotation files that are not regular files', () => {
  it('refuses a FIFO, /dev/zero and a folder as annotations of every importer, naming the file', async () => {
    const fifo = join(tmp, 'annotations.fifo');
    execFileSync('mkfifo', [fifo]);
    const cases: [string, () => Promise<unknown>][] = [
      ['video-mme /dev/zero', () => importVideoMme({ annotations: ['/dev/zero'], mediaDir: MEDIA })],
      ['video-mme fifo', () => importVideoMme({ annotations: [fifo], mediaDir: MEDIA })],
      ['activitynet-qa fifo', () => importActivityNetQa({ annotations: [fifo], mediaDir: MEDIA })],
      ['audiocaps /dev/urandom', () => importAudioCaps({ annotations: ['/dev/urandom'], mediaDir: MEDIA })],
      ['msvd-qa fifo mapping', () => importMsvdQa({ annotations: [join(DS, 'msvd-qa', 'test_qa.json'), `${fifo}.txt`], mediaDir: MEDIA })],
      ['msvd-qa folder', () => importMsvdQa({ annotations: [tmp, join(DS, 'msvd-qa', 'youtube_mapping.txt')], mediaDir: MEDIA })],
    ];
    execFileSync('mkfifo', [`${fifo}.txt`]);
    for (const [name, run] of cases) {
      const error = await run().then(() => undefined, (e: unknown) => e);
      expect(error, name).toBeInstanceOf(DatasetError);
      expect((error as Error).message, name).toMatch(/(\/dev\/zero|\/dev\/urandom|annotations\.fifo(\.txt)?|omni-ds-facts-\w+) is (a character device|a FIFO|a directory)/);
    }
  });
});
