/**
 * The importers by dataset name, and the steps every import shares: optional media probing
 * (durations, whether a video carries audio) and the atomic manifest write.
 */
import { UsageError } from '../../errors.js';
import { writeManifest, type ManifestRow } from '../manifest.js';
import { importActivityNetQa } from './activitynet-qa.js';
import { importAudioCaps, type AudioCapsImportOptions } from './audiocaps.js';
import type { ImportResult } from './common.js';
import { importMsvdQa } from './msvd-qa.js';
import { importVideoMme, type VideoMmeImportOptions } from './video-mme.js';

/** Options any importer accepts (each reads the fields it knows). */
export type ImportOptions = VideoMmeImportOptions & AudioCapsImportOptions;

/** Dataset names `datasets import` takes. */
export const IMPORTERS = {
  'video-mme': importVideoMme,
  'activitynet-qa': importActivityNetQa,
  audiocaps: importAudioCaps,
  'msvd-qa': importMsvdQa,
} as const satisfies Record<string, (options: ImportOptions) => Promise<ImportResult>>;

/** One importable dataset name. */
export type DatasetName = keyof typeof IMPORTERS;

/** What a media inspection tells an import: length, and whether there is an audio stream. */
export interface MediaFacts {
  durationS: number;
  hasVideo: boolean;
  hasAudio: boolean;
}

/** Runs the importer of `dataset`; UsageError for an unknown name. */
export async function importDataset(dataset: string, options: ImportOptions): Promise<ImportResult> {
  const importer = (IMPORTERS as Record<string, (o: ImportOptions) => Promise<ImportResult>>)[dataset];
  if (!importer) throw new UsageError(`unknown dataset '${dataset}'; use one of ${Object.keys(IMPORTERS).join(', ')}`);
  return importer(options);
}

/**
 * Fills duration_s from the media and decides audio from the video's own streams: a video
 * with an audio stream gets audio_path = video_path, one without gets none. Media that cannot
 * be inspected leaves the row as it was (`datasets validate --probe` reports it).
 */
export async function applyMediaFacts(rows: ManifestRow[], inspect: (path: string) => Promise<MediaFacts>, concurrency = 4): Promise<ManifestRow[]> {
  const cache = new Map<string, Promise<MediaFacts | undefined>>();
  const factsOf = (path: string): Promise<MediaFacts | undefined> => {
    let p = cache.get(path);
    if (!p) {
      p = inspect(path).catch(() => undefined);
      cache.set(path, p);
    }
    return p;
  };
  const out = rows.slice();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < out.length) {
      const i = next++;
      const row = out[i] as ManifestRow;
      const main = row.videoPath ?? row.audioPath;
      if (main === undefined) continue;
      const facts = await factsOf(main);
      if (!facts) continue;
      const updated: ManifestRow = { ...row, durationS: Math.round(facts.durationS * 1000) / 1000 };
      if (row.videoPath !== undefined) {
        if (facts.hasAudio) updated.audioPath = row.videoPath;
        else if (updated.audioPath === row.videoPath) delete updated.audioPath;
      }
      out[i] = updated;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return out;
}

/** Writes an import's rows as a unified manifest, atomically; paths relative unless told otherwise. */
export async function writeImport(result: ImportResult, out: string, options: { relativePaths?: boolean } = {}): Promise<void> {
  await writeManifest(out, result.rows, options);
}
