/**
 * Writes the dataset fixtures in fixtures/datasets/, deterministically: for each dataset an
 * annotation file in its official format (Video-MME's parquet through hyparquet-writer),
 * a media/ folder where the official layout imposes a prefix or an extension (byte copies of
 * fixtures/media/ files: the importers refuse symlinks that lead out of --media-dir, and git
 * stores a copy as the same blob), and the unified manifest.csv the importer writes from them
 * (media probed, paths relative). Also a deliberately bad manifest and a FasterOmni-style
 * legacy manifest for the tests.
 * Usage: `npx tsx scripts/make-dataset-fixtures.ts` (needs fixtures/media/ first).
 */
import { copyFileSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { FIXTURES_DIR } from '../src/paths.js';
import { probe } from '../src/media/probe.js';
import { applyMediaFacts, importDataset, writeImport, type ImportOptions, type MediaFacts } from '../src/datasets/importers/index.js';

const DATASETS_DIR = join(FIXTURES_DIR, 'datasets');
const MEDIA_DIR = join(FIXTURES_DIR, 'media');

/** A byte copy of fixtures/media/<mediaName> at `copyPath` (a symlink or a stale copy there is replaced). */
function copyMedia(copyPath: string, mediaName: string): void {
  mkdirSync(dirname(copyPath), { recursive: true });
  const source = join(MEDIA_DIR, mediaName);
  try {
    if (!lstatSync(copyPath).isSymbolicLink() && readFileSync(copyPath).equals(readFileSync(source))) return;
    rmSync(copyPath);
  } catch {
    // absent
  }
  copyFileSync(source, copyPath);
}

function write(path: string, text: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

// ---------------------------------------------------------------- Video-MME
interface VmmeVideo {
  videoID: string;
  duration: 'short' | 'medium' | 'long';
  domain: string;
  sub: string;
}
const VMME_VIDEOS: VmmeVideo[] = [
  { videoID: 'v01_320x240_h264_aac_4s', duration: 'short', domain: 'Knowledge', sub: 'Astronomy' },
  { videoID: 'v02_640x360_h264_aac_6s', duration: 'short', domain: 'Film & Television', sub: 'Animation' },
  { videoID: 'v03_640x360_h264_aac_10s', duration: 'medium', domain: 'Sports Competition', sub: 'Football' },
  { videoID: 'v04_320x240_h264_aac_2s', duration: 'short', domain: 'Life Record', sub: 'Daily Life' },
  { videoID: 'v06_320x240_h264_noaudio_5s', duration: 'long', domain: 'Artistic Performance', sub: 'Magic Show' },
  { videoID: 'v07_640x360_h264_aac_12s', duration: 'medium', domain: 'Knowledge', sub: 'Technology' },
  { videoID: 'zz_missing_video', duration: 'long', domain: 'Multilingual', sub: 'Multilingual' },
];
const VMME_QUESTIONS: { task: string; question: string; options: string[]; answer: string }[] = [
  { task: 'Object Recognition', question: 'What pattern fills most of the frame?', options: ['A. Colour bars.', 'B. A face.', 'C. A forest.', 'D. Text on paper.'], answer: 'A' },
  { task: 'Counting Problem', question: 'How many distinct tones can be heard, in total?', options: ['A. 0.', 'B. 1.', 'C. 2.', 'D. 3, or more'], answer: 'B' },
  { task: 'Temporal Perception', question: 'What happens at the very end of the video, after the "main" part?', options: ['A. The picture freezes.', 'B. It fades to black.', 'C. Nothing changes.', 'D. A title card appears, then "credits".'], answer: 'C' },
];

function videoMmeParquet(): Uint8Array {
  const cols: Record<string, unknown[]> = { video_id: [], duration: [], domain: [], sub_category: [], url: [], videoID: [], question_id: [], task_type: [], question: [], options: [], answer: [] };
  VMME_VIDEOS.forEach((v, i) => {
    const videoNumber = String(i + 1).padStart(3, '0');
    VMME_QUESTIONS.forEach((q, j) => {
      cols['video_id']!.push(videoNumber);
      cols['duration']!.push(v.duration);
      cols['domain']!.push(v.domain);
      cols['sub_category']!.push(v.sub);
      cols['url']!.push(`https://www.youtube.com/watch?v=${v.videoID}`);
      cols['videoID']!.push(v.videoID);
      cols['question_id']!.push(`${videoNumber}-${j + 1}`);
      cols['task_type']!.push(q.task);
      cols['question']!.push(q.question);
      cols['options']!.push(q.options);
      cols['answer']!.push(q.answer);
    });
  });
  return videoMmeParquetFromColumns(cols);
}

/** The official file's schema: strings, and options as a LIST of strings. */
export function videoMmeParquetFromColumns(cols: Record<string, unknown[]>): Uint8Array {
  const names = ['video_id', 'duration', 'domain', 'sub_category', 'url', 'videoID', 'question_id', 'task_type', 'question', 'options', 'answer'];
  const schema = [{ name: 'root', num_children: names.length }];
  for (const name of names) {
    if (name === 'options') {
      schema.push(
        { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 } as never,
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 } as never,
        { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' } as never,
      );
    } else {
      schema.push({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' } as never);
    }
  }
  const buffer = parquetWriteBuffer({ columnData: names.map((name) => ({ name, data: cols[name] as never })), schema: schema as never, statistics: false, createdBy: 'omni-bench fixtures' });
  return new Uint8Array(buffer);
}

// ---------------------------------------------------------------- ActivityNet-QA
const ANET: { video: string; media: string; qa: [string, string, number][] }[] = [
  { video: 'v02_640x360_h264_aac_6s', media: 'v02_640x360_h264_aac_6s.mp4', qa: [['is the picture moving', 'yes', 3], ['what color is the bar on the left', 'white', 4]] },
  { video: 'v03_640x360_h264_aac_10s', media: 'v03_640x360_h264_aac_10s.mp4', qa: [['what is happening in the video', 'pattern moves', 0], ['how many bars are there', '7', 7]] },
  { video: 'v05_320x240_vp9_opus_6s', media: 'v05_320x240_vp9_opus_6s.webm', qa: [['where is the shape', 'center', 6], ['what happens after the tone starts', 'the image changes', 2]] },
  { video: 'v07_640x360_h264_aac_12s', media: 'v07_640x360_h264_aac_12s.mp4', qa: [['what is on the right of the bars', 'gray', 1], ['what is shown', 'a test pattern', 8]] },
  { video: 'zz_missing_video', media: '', qa: [['what is the object', 'ball', 5]] },
];

function activityNet(): { q: unknown[]; a: unknown[]; merged: unknown[] } {
  const q: unknown[] = [];
  const a: unknown[] = [];
  const merged: unknown[] = [];
  let n = 0;
  for (const v of ANET) {
    for (const [question, answer, type] of v.qa) {
      const id = `v_${v.video}_${n++}`;
      q.push({ video_name: v.video, question, question_id: id });
      a.push({ answer, type, question_id: id });
      merged.push({ video_name: v.video, question, answer, question_id: id, type });
    }
    if (v.media) copyMedia(join(DATASETS_DIR, 'activitynet-qa', 'media', `v_${v.video}${v.media.slice(v.media.lastIndexOf('.'))}`), v.media);
  }
  return { q, a, merged };
}

// ---------------------------------------------------------------- AudioCaps
const AUDIOCAPS: { youtubeId: string; start: number; media: string; captions: string[] }[] = [
  { youtubeId: 'a01_tone_1s', start: 0, media: 'a01_tone_1s.wav', captions: ['A steady high beep sounds', 'A single tone plays briefly', 'A short electronic beep', 'A pure tone, then silence', 'A brief sine tone'] },
  { youtubeId: 'a02_chirp_3s', start: 30, media: 'a02_chirp_3s.flac', captions: ['A tone sweeps upward in pitch', 'A rising "chirp", like a whistle'] },
  { youtubeId: 'a03_noise_5s', start: 10, media: 'a03_noise_5s.mp3', captions: ['Static hisses, steady and loud', 'White noise plays'] },
  { youtubeId: 'a04_speechlike_10s', start: 0, media: 'a04_speechlike_10s.m4a', captions: ['A person speaks in a low voice,\nthen pauses', 'Someone talks while a hum continues', 'A man speaks'] },
  { youtubeId: 'a05_tones_2s', start: 120, media: 'a05_tones_2s.wav', captions: ['Two beeps of different pitch'] },
  { youtubeId: 'a06_mix_7s', start: 40, media: 'a06_mix_7s.flac', captions: ['Tones play over hissing noise', 'Beeping with static in the background'] },
  { youtubeId: 'zzMissingClip', start: 10, media: '', captions: ['A dog barks'] },
];

function audioCapsCsv(): string {
  const lines = ['audiocap_id,youtube_id,start_time,caption'];
  let id = 100;
  // Captions interleaved across clips, as the official file (which is not grouped by clip).
  const maxCaps = Math.max(...AUDIOCAPS.map((c) => c.captions.length));
  for (let k = 0; k < maxCaps; k++) {
    for (const clip of AUDIOCAPS) {
      const caption = clip.captions[k];
      if (caption === undefined) continue;
      const quoted = /[",\n]/.test(caption) ? `"${caption.replaceAll('"', '""')}"` : caption;
      lines.push(`${id++},${clip.youtubeId},${clip.start},${quoted}`);
    }
  }
  for (const clip of AUDIOCAPS) {
    if (!clip.media) continue;
    const ext = clip.media.slice(clip.media.lastIndexOf('.'));
    copyMedia(join(DATASETS_DIR, 'audiocaps', 'media', `${clip.youtubeId}_${clip.start}${ext}`), clip.media);
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- MSVD-QA
const MSVD_CLIPS = ['v01_320x240_h264_aac_4s', 'v04_320x240_h264_aac_2s', 'v06_320x240_h264_noaudio_5s', 'zzMissing_5_15'];
const MSVD_QA: [number, string, string][] = [
  [1, 'what is shown on the screen', 'pattern'],
  [1, 'what moves across the screen', 'bar'],
  [2, 'who is in the video', 'nobody'],
  [3, 'what is shown', 'shape'],
  [3, 'what color is the background', 'black'],
  [4, 'what is the man doing', 'dance'],
];

function msvd(): { mapping: string; qa: unknown[] } {
  const mapping = `${MSVD_CLIPS.map((clip, i) => `${clip} vid${i + 1}`).join('\n')}\n`;
  const qa = MSVD_QA.map(([videoId, question, answer], i) => ({ answer, id: i, question, video_id: videoId }));
  for (const clip of MSVD_CLIPS.slice(0, 3)) copyMedia(join(DATASETS_DIR, 'msvd-qa', 'media', 'YouTubeClips', `${clip}.avi`), `${clip}.mp4`);
  return { mapping, qa };
}

// ---------------------------------------------------------------- bad and legacy manifests
const BAD_MANIFEST = [
  'sample_id,dataset,video_path,audio_path,question,options,answer,duration_s,start_s,end_s,extra,note',
  'ok-video,custom,../../media/v01_320x240_h264_aac_4s.mp4,../../media/v01_320x240_h264_aac_4s.mp4,What is shown?,,,,,,,valid',
  'missing-media,custom,../../media/does_not_exist.mp4,,What is shown?,,,,,,,media missing',
  'bad-options,custom,../../media/v02_640x360_h264_aac_6s.mp4,,Pick one,"[A. yes, B. no]",A,,,,,options not JSON',
  'bad-extra,custom,../../media/v02_640x360_h264_aac_6s.mp4,,What is shown?,,,,,,{oops,extra not JSON',
  'ok-video,custom,../../media/v04_320x240_h264_aac_2s.mp4,,Duplicate id,,,,,,,duplicate of row 2',
  'no-media,custom,,,What is shown?,,,,,,,no media',
  'bad-duration,custom,../../media/v04_320x240_h264_aac_2s.mp4,,What is shown?,,,abc,,,,duration not a number',
  'no-question,custom,../../media/v04_320x240_h264_aac_2s.mp4,,,,,,,,,question empty',
  'bad-window,audiocaps,,../../media/a01_tone_1s.wav,Describe the audio.,,,,5,2,,end before start',
  'too-many-fields,custom,../../media/v04_320x240_h264_aac_2s.mp4,,What?,,,,,,,note,surplus',
  'broken-file,custom,../../media/broken_text.mp4,,What is shown?,,,,,,,valid without --probe only',
  'silent-audio,custom,../../media/v06_320x240_h264_noaudio_5s.mp4,../../media/v06_320x240_h264_noaudio_5s.mp4,What is heard?,,,,,,,no audio stream (--probe)',
  'ok-audio,audiocaps,,../../media/a02_chirp_3s.flac,Describe the audio.,,A chirp,3,0,10,,valid',
];

/** FasterOmni's older columns, as pandas to_csv(encoding='utf-8-sig') on Windows writes them: BOM, CRLF. */
const LEGACY_MANIFEST = [
  'sample_id,video_path,audio_path,question,answer,has_audio,duration,extra,video_id,question_id,domain,sub_category,task_type,options',
  `001-1,../../media/v01_320x240_h264_aac_4s.mp4,,"What pattern fills most of the frame?",A,1,short,,001,001-1,Knowledge,Astronomy,Object Recognition,"['A. Colour bars.', 'B. A face.', 'C. A forest.', 'D. Text, on paper.']"`,
  `006-1,../../media/v06_320x240_h264_noaudio_5s.mp4,,"How many tones, in total?",B,0,5.0,"{""source"": ""legacy""}",006,006-1,Artistic Performance,Magic Show,Counting Problem,"[""A. 0."", ""B. 1."", ""C. 2."", ""D. 3.""]"`,
  `ac-1,,../../media/a03_noise_5s.mp3,"Describe the audio.","Static hisses",1,5,,,,,,,`,
];

// ---------------------------------------------------------------- main
/** src/media's probe as the importers' MediaFacts (what `datasets import` probes with). */
export async function inspectFixture(path: string): Promise<MediaFacts> {
  const info = await probe(path);
  return { durationS: info.durationSeconds, hasVideo: info.video !== undefined, hasAudio: info.audio !== undefined };
}

async function importFixture(
  dataset: string,
  folder: string,
  options: Omit<ImportOptions, 'mediaDir'> & { mediaDir: string },
  file = 'manifest.csv',
): Promise<void> {
  const result = await applyMediaFacts(await importDataset(dataset, options), inspectFixture, { concurrency: 2 });
  await writeImport(result, join(DATASETS_DIR, folder, file));
  process.stdout.write(`${folder}/${file}: ${result.rowsRead} annotation rows, ${result.rows.length} samples, ${result.dropped.length} dropped\n`);
}

async function main(): Promise<void> {
  const vmme = join(DATASETS_DIR, 'video-mme');
  write(join(vmme, 'videomme', 'test-00000-of-00001.parquet'), videoMmeParquet());
  await importFixture('video-mme', 'video-mme', { annotations: [join(vmme, 'videomme', 'test-00000-of-00001.parquet')], mediaDir: MEDIA_DIR });
  // One question per video: the default of ttft-breakdown, whose media stages cost the same for
  // every question on a video (keeps the Quick start within its 90 s budget).
  await importFixture(
    'video-mme',
    'video-mme',
    { annotations: [join(vmme, 'videomme', 'test-00000-of-00001.parquet')], mediaDir: MEDIA_DIR, questionsPerVideo: 1 },
    'manifest-1q.csv',
  );
  // The 'medium' videos (10 s and 12 s of 640x360, 250 and 180 frames), one question each: every
  // frame count of frame-scaling's default sweep (up to 64) fits in them.
  await importFixture(
    'video-mme',
    'video-mme',
    { annotations: [join(vmme, 'videomme', 'test-00000-of-00001.parquet')], mediaDir: MEDIA_DIR, questionsPerVideo: 1, duration: ['medium'] },
    'manifest-medium-1q.csv',
  );

  const anetDir = join(DATASETS_DIR, 'activitynet-qa');
  const anet = activityNet();
  write(join(anetDir, 'test_q.json'), `${JSON.stringify(anet.q)}\n`);
  write(join(anetDir, 'test_a.json'), `${JSON.stringify(anet.a)}\n`);
  write(join(anetDir, 'test_merged.json'), `${JSON.stringify(anet.merged, null, 1)}\n`);
  await importFixture('activitynet-qa', 'activitynet-qa', { annotations: [join(anetDir, 'test_q.json'), join(anetDir, 'test_a.json')], mediaDir: join(anetDir, 'media') });

  const acDir = join(DATASETS_DIR, 'audiocaps');
  write(join(acDir, 'test.csv'), audioCapsCsv());
  await importFixture('audiocaps', 'audiocaps', { annotations: [join(acDir, 'test.csv')], mediaDir: join(acDir, 'media') });

  const msvdDir = join(DATASETS_DIR, 'msvd-qa');
  const m = msvd();
  write(join(msvdDir, 'youtube_mapping.txt'), m.mapping);
  write(join(msvdDir, 'test_qa.json'), `${JSON.stringify(m.qa)}\n`);
  await importFixture('msvd-qa', 'msvd-qa', { annotations: [join(msvdDir, 'test_qa.json'), join(msvdDir, 'youtube_mapping.txt')], mediaDir: join(msvdDir, 'media') });

  write(join(DATASETS_DIR, 'bad', 'manifest.csv'), `${BAD_MANIFEST.join('\n')}\n`);
  write(join(DATASETS_DIR, 'legacy', 'manifest.csv'), `\uFEFF${LEGACY_MANIFEST.join('\r\n')}\r\n`);
  process.stdout.write(`wrote ${DATASETS_DIR}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
