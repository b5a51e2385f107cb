/** A small unified manifest over the committed fixture media: video+audio, video only, audio only. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES_DIR } from '../../../src/paths.js';

const OPTIONS = JSON.stringify(['A. a red ball', 'B. a blue car', 'C. a green tree', 'D. a yellow house']);

/** Writes the manifest into a fresh temporary folder and returns its path. */
export function writeFixtureManifest(): string {
  const media = (name: string): string => join(FIXTURES_DIR, 'media', name);
  const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  const rows = [
    'sample_id,dataset,video_path,audio_path,question,options,answer',
    `va,video-mme,${media('v01_320x240_h264_aac_4s.mp4')},${media('v01_320x240_h264_aac_4s.mp4')},What is shown?,${quote(OPTIONS)},B`,
    `v,video-mme,${media('v06_320x240_h264_noaudio_5s.mp4')},,What is shown?,${quote(OPTIONS)},C`,
    `a,audiocaps,,${media('a03_noise_5s.mp3')},Describe the audio in one sentence.,,noise`,
    `missing,video-mme,${media('no-such-file.mp4')},,What is shown?,${quote(OPTIONS)},A`,
  ];
  const dir = mkdtempSync(join(tmpdir(), 'omni-bench-manifest-'));
  const path = join(dir, 'manifest.csv');
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}
