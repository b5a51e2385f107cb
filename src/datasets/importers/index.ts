/**
 * The importers by dataset name, and the steps every import shares: media probing
 * (media-facts.ts: durations, whether a video carries audio) and the atomic manifest write.
 */
import { UsageError } from '../../errors.js';
import { writeManifest } from '../manifest.js';
import { importActivityNetQa } from './activitynet-qa.js';
import { importAudioCaps, type AudioCapsImportOptions } from './audiocaps.js';
import type { ImportResult } from './common.js';
import { importMsvdQa } from './msvd-qa.js';
import { importVideoMme, type VideoMmeImportOptions } from './video-mme.js';

export { applyMediaFacts, type InspectMedia, type MediaFacts, type MediaFactsOptions } from './media-facts.js';

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

/** Runs the importer of `dataset`; UsageError for an unknown name. */
export async function importDataset(dataset: string, options: ImportOptions): Promise<ImportResult> {
  const importer = (IMPORTERS as Record<string, (o: ImportOptions) => Promise<ImportResult>>)[dataset];
  if (!importer) throw new UsageError(`unknown dataset '${dataset}'; use one of ${Object.keys(IMPORTERS).join(', ')}`);
  return importer(options);
}

/** Writes an import's rows as a unified manifest, atomically; paths relative unless told otherwise. */
export async function writeImport(result: ImportResult, out: string, options: { relativePaths?: boolean } = {}): Promise<void> {
  await writeManifest(out, result.rows, options);
}
