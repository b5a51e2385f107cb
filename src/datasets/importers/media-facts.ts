/**
 * Probing an import's media before the manifest is written, so that an import never writes a
 * row that `datasets validate --probe` rejects: a video must have a video stream, audio taken
 * from a file needs an audio stream (a silent video gets no audio_path), and start_s must lie
 * inside the media. Files are probed in parallel (bounded) and once per path, size and mtime.
 */
import { stat } from 'node:fs/promises';
import { errorMessage } from '../../errors.js';
import { terminalSafe } from '../../safe-text.js';
import type { ManifestRow } from '../manifest.js';
import type { DroppedRow, ImportResult } from './common.js';

/** What a media inspection tells an import: length, and which streams there are. */
export interface MediaFacts {
  durationS: number;
  hasVideo: boolean;
  hasAudio: boolean;
}

/** An inspection function, e.g. src/media's probe mapped onto MediaFacts. */
export type InspectMedia = (path: string) => Promise<MediaFacts>;

/** Options of applyMediaFacts. */
export interface MediaFactsOptions {
  /** Files inspected at once. Default 4. */
  concurrency?: number;
}

type Facts = { ok: true; facts: MediaFacts } | { ok: false; message: string };

// Per inspection function: results by path + size + mtime, so that a file changed on disk is
// probed again and one inspected with another ffprobe is not taken from the other's cache.
const caches = new WeakMap<InspectMedia, Map<string, Promise<Facts>>>();

async function factsOf(inspect: InspectMedia, path: string): Promise<Facts> {
  let key: string;
  try {
    const info = await stat(path);
    key = `${path}\u0000${info.size}\u0000${info.mtimeMs}`;
  } catch (error) {
    return { ok: false, message: errorMessage(error) };
  }
  let cache = caches.get(inspect);
  if (!cache) {
    cache = new Map();
    caches.set(inspect, cache);
  }
  let pending = cache.get(key);
  if (!pending) {
    pending = inspect(path).then(
      (facts): Facts => ({ ok: true, facts }),
      (error: unknown): Facts => ({ ok: false, message: errorMessage(error) }),
    );
    cache.set(key, pending);
  }
  return pending;
}

const shown = (path: string): string => `'${terminalSafe(path)}'`;

/** The row with what its media hold, or why it cannot be written. */
async function checkRow(row: ManifestRow, inspect: InspectMedia): Promise<{ ok: true; row: ManifestRow } | { ok: false; drop: DroppedRow }> {
  const drop = (kind: DroppedRow['kind'], reason: string) => ({ ok: false as const, drop: { kind, ref: row.sampleId, reason } });
  const updated: ManifestRow = { ...row };
  let durationS: number | undefined;
  if (row.videoPath !== undefined) {
    const video = await factsOf(inspect, row.videoPath);
    if (!video.ok) return drop('media-unreadable', `video ${shown(row.videoPath)} cannot be probed: ${video.message}`);
    if (!video.facts.hasVideo) return drop('media-unreadable', `video ${shown(row.videoPath)} has no video stream`);
    durationS = video.facts.durationS;
    // The video's own audio track: taken when there is one, never named when there is none.
    if (video.facts.hasAudio && (row.audioPath === undefined || row.audioPath === row.videoPath)) updated.audioPath = row.videoPath;
    else if (!video.facts.hasAudio && row.audioPath === row.videoPath) delete updated.audioPath;
  }
  if (updated.audioPath !== undefined && updated.audioPath !== updated.videoPath) {
    const audio = await factsOf(inspect, updated.audioPath);
    if (!audio.ok) return drop('media-unreadable', `audio ${shown(updated.audioPath)} cannot be probed: ${audio.message}`);
    if (!audio.facts.hasAudio) return drop('no-audio', `audio ${shown(updated.audioPath)} has no audio stream`);
    durationS ??= audio.facts.durationS;
  }
  if (durationS !== undefined) {
    updated.durationS = Math.round(durationS * 1000) / 1000;
    if (row.startS !== undefined && durationS > 0 && row.startS >= durationS) {
      return drop('window-outside', `start_s ${row.startS} is past the end of the media (${durationS.toFixed(2)} s)`);
    }
  }
  return { ok: true, row: updated };
}

/**
 * Probes the media of an import's rows and returns the import with what they hold: duration_s
 * filled, a video's audio track used only when it has an audio stream, and rows that
 * `datasets validate --probe` would reject moved to `dropped` (media-unreadable, no-audio,
 * window-outside) with their reasons. Rows keep their order.
 */
export async function applyMediaFacts(result: ImportResult, inspect: InspectMedia, options: MediaFactsOptions = {}): Promise<ImportResult> {
  const verdicts: Awaited<ReturnType<typeof checkRow>>[] = new Array(result.rows.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < result.rows.length) {
      const i = next++;
      verdicts[i] = await checkRow(result.rows[i] as ManifestRow, inspect);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  const rows: ManifestRow[] = [];
  const dropped = [...result.dropped];
  for (const v of verdicts) {
    if (v.ok) rows.push(v.row);
    else dropped.push(v.drop);
  }
  return { ...result, rows, dropped };
}
