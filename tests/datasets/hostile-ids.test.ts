/**
 * Annotation files are input from the internet: an id that names a media file must never lead
 * out of --media-dir, by `..`, an absolute path, a NUL, or a symlink.
 */
import { copyFile, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { FIXTURES_DIR } from '../../src/paths.js';
import { importActivityNetQa } from '../../src/datasets/importers/activitynet-qa.js';
import { importAudioCaps } from '../../src/datasets/importers/audiocaps.js';
import { importMsvdQa } from '../../src/datasets/importers/msvd-qa.js';
import { importVideoMme } from '../../src/datasets/importers/video-mme.js';
import { videoMmeParquetFromColumns } from '../../scripts/make-dataset-fixtures.js';

const V01 = join(FIXTURES_DIR, 'media', 'v01_320x240_h264_aac_4s.mp4');
const A01 = join(FIXTURES_DIR, 'media', 'a01_tone_1s.wav');
let root: string;
let media: string;

// root/media is --media-dir; root/outside holds files that must stay out of reach, under
// every name an id could use to get there.
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'omni-ds-hostile-'));
  media = join(root, 'media');
  await mkdir(join(media, 'sub'), { recursive: true });
  await mkdir(join(media, 'YouTubeClips'), { recursive: true });
  await mkdir(join(root, 'outside'), { recursive: true });
  for (const ext of ['.mp4', '.avi', '_0.wav', '.wav', '.webm']) await copyFile(ext.endsWith('wav') ? A01 : V01, join(root, 'outside', `secret${ext}`));
  await copyFile(V01, join(media, 'good.mp4'));
  await copyFile(V01, join(media, 'v_good.mp4'));
  await copyFile(A01, join(media, 'good_0.wav'));
  await copyFile(V01, join(media, 'YouTubeClips', 'good.avi'));
  await symlink(join(root, 'outside', 'secret.mp4'), join(media, 'linked.mp4'));
  await symlink(join(root, 'outside', 'secret.mp4'), join(media, 'v_linked.mp4'));
});

const everyPath = (rows: { videoPath?: string; audioPath?: string }[]): string[] => rows.flatMap((r) => [r.videoPath, r.audioPath]).filter((p): p is string => p !== undefined);

describe('importers confine media to --media-dir', () => {
  it('video-mme: drops videoIDs with .., separators or a NUL as unsafe-id with the full id, and a symlink out as outside-media-dir', async () => {
    const ids = ['good', '../outside/secret', 'sub/../../outside/secret', 'nul\u0000../outside/secret', 'linked'];
    const n = ids.length;
    const cols = {
      video_id: ids.map((_, i) => String(i)),
      duration: Array<string>(n).fill('short'),
      domain: Array<string>(n).fill('Knowledge'),
      sub_category: Array<string>(n).fill('x'),
      url: Array<string>(n).fill(''),
      videoID: ids,
      question_id: ids.map((_, i) => `q${i}`),
      task_type: Array<string>(n).fill('OCR Problems'),
      question: Array<string>(n).fill('Q?'),
      options: ids.map(() => ['A. a', 'B. b', 'C. c', 'D. d']),
      answer: Array<string>(n).fill('A'),
    };
    const parquet = join(root, 'hostile.parquet');
    await writeFile(parquet, videoMmeParquetFromColumns(cols));
    const r = await importVideoMme({ annotations: [parquet], mediaDir: media });
    expect(r.rows.map((x) => x.videoPath)).toEqual([join(media, 'good.mp4')]);
    expect(r.dropped.map((d) => [d.kind, d.ref])).toEqual([['unsafe-id', 'q1'], ['unsafe-id', 'q2'], ['unsafe-id', 'q3'], ['outside-media-dir', 'q4']]);
    expect(r.dropped[0]?.reason).toBe("videoID '../outside/secret' contains a path separator: not used as a file name (media must lie inside --media-dir)");
    expect(r.dropped[1]?.reason).toContain("videoID 'sub/../../outside/secret' contains a path separator");
    expect(r.dropped[2]?.reason).toContain("videoID 'nul\\x00../outside/secret' contains a NUL byte");
    expect(r.dropped[3]?.reason).toMatch(/^video linked\.mp4 \(\.MP4, \.mkv\): linked\.mp4 is a symlink to .*outside.*secret\.mp4, outside /);
  });

  it('activitynet-qa: drops a video_name of /../../outside/secret, with or without a NUL, naming it in full', async () => {
    const names = ['good', '/../../outside/secret', '/../../outside/secret\u0000.mp4', 'linked'];
    const q = names.map((video_name, i) => ({ video_name, question: 'what is it', question_id: `q${i}` }));
    const a = names.map((_, i) => ({ answer: 'x', type: 0, question_id: `q${i}` }));
    await writeFile(join(root, 'q.json'), JSON.stringify(q));
    await writeFile(join(root, 'a.json'), JSON.stringify(a));
    const r = await importActivityNetQa({ annotations: [join(root, 'q.json'), join(root, 'a.json')], mediaDir: media });
    expect(everyPath(r.rows)).toEqual([join(media, 'v_good.mp4'), join(media, 'v_good.mp4')]);
    expect(r.dropped.map((d) => [d.kind, d.ref])).toEqual([['unsafe-id', 'q1'], ['unsafe-id', 'q2'], ['outside-media-dir', 'q3']]);
    expect(r.dropped[0]?.reason).toContain("video_name '/../../outside/secret' contains a path separator");
    expect(r.dropped[1]?.reason).toContain("video_name '/../../outside/secret\\x00.mp4' contains a NUL byte");
  });

  it('audiocaps: drops a youtube_id of ../outside/secret, and with --pattern {youtube_id} never reaches /etc/passwd', async () => {
    const csv = ['audiocap_id,youtube_id,start_time,caption', '1,good,0,A tone', '2,../outside/secret,0,A tone', '3,../../../../../../etc/passwd,0,A tone'].join('\n');
    await writeFile(join(root, 'ac.csv'), `${csv}\n`);
    const r = await importAudioCaps({ annotations: [join(root, 'ac.csv')], mediaDir: media });
    expect(everyPath(r.rows)).toEqual([join(media, 'good_0.wav')]);
    expect(r.dropped.map((d) => d.kind)).toEqual(['unsafe-id', 'unsafe-id']);
    expect(r.dropped[0]?.reason).toBe("line 3: youtube_id '../outside/secret' contains a path separator: not used as a file name (media must lie inside --media-dir)");
    const bare = await importAudioCaps({ annotations: [join(root, 'ac.csv')], mediaDir: media, pattern: '{youtube_id}' });
    expect(everyPath(bare.rows).some((p) => p.includes('passwd') || p.includes('outside'))).toBe(false);
    expect(bare.dropped.find((d) => d.reason.includes('passwd'))?.reason).toContain("youtube_id '../../../../../../etc/passwd' contains a path separator");
  });

  it('audiocaps: refuses a --pattern that is absolute or climbs out with ..', async () => {
    for (const pattern of ['/etc/{youtube_id}', '../outside/{youtube_id}.wav', 'a/../../{youtube_id}.wav']) {
      await expect(importAudioCaps({ annotations: [join(root, 'ac.csv')], mediaDir: media, pattern })).rejects.toThrow(UsageError);
    }
    await expect(importAudioCaps({ annotations: [join(root, 'ac.csv')], mediaDir: media, pattern: '/etc/{youtube_id}' })).rejects.toThrow("--pattern '/etc/{youtube_id}' must name a file inside --media-dir: no absolute path, no '..'");
  });

  it('msvd-qa: drops a youtube_mapping clip with ../, naming the clip in full', async () => {
    await writeFile(join(root, 'youtube_mapping.txt'), 'good vid1\n../outside/secret vid2\n../../outside/secret vid3\n');
    const qa = [1, 2, 3].map((video_id, id) => ({ answer: 'x', id, question: 'what', video_id }));
    await writeFile(join(root, 'test_qa.json'), JSON.stringify(qa));
    const r = await importMsvdQa({ annotations: [join(root, 'test_qa.json'), join(root, 'youtube_mapping.txt')], mediaDir: media });
    expect(everyPath(r.rows)).toEqual([join(media, 'YouTubeClips', 'good.avi')]);
    expect(r.dropped.map((d) => [d.kind, d.ref])).toEqual([['unsafe-id', '1'], ['unsafe-id', '2']]);
    expect(r.dropped[0]?.reason).toBe("clip of vid2 in youtube_mapping.txt '../outside/secret' contains a path separator: not used as a file name (media must lie inside --media-dir)");
  });

  it('drops an annotation id with a control character as unsafe-id instead of writing a row the loader rejects', async () => {
    await writeFile(join(root, 'esc_q.json'), JSON.stringify([{ video_name: 'good', question: 'what', question_id: 'q\u001b[2J' }]));
    await writeFile(join(root, 'esc_a.json'), JSON.stringify([{ answer: 'x', question_id: 'q\u001b[2J' }]));
    const r = await importActivityNetQa({ annotations: [join(root, 'esc_q.json'), join(root, 'esc_a.json')], mediaDir: media });
    expect(r.rows).toEqual([]);
    expect(r.dropped).toEqual([{ kind: 'unsafe-id', ref: 'q\\x1b[2J', reason: "question_id 'q\\x1b[2J' contains a control character (\\x1b at position 2); use printable characters only (it becomes the sample_id)" }]);
  });
});
