/**
 * The clip window (a manifest's start_s/end_s) as the decoders apply it: checked arguments,
 * seconds formatted for ffmpeg, and the error for a window that starts at or past the end.
 */
import { MediaWindowError } from './errors.js';

/**
 * Window times at or above this many seconds (about 31.7 years) reach past any real media and
 * past what ffmpeg can seek to (its times are int64 microseconds): an end there means "to the
 * end", a start there is past the end.
 */
export const MAX_WINDOW_SECONDS = 1e9;

/** Throws RangeError unless `value` is undefined or a finite number >= 0 (or > 0 when `positive`). */
export function checkWindowSeconds(name: string, value: number | undefined, positive: boolean): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    throw new RangeError(`${name} must be a finite number of seconds ${positive ? '> 0' : '>= 0'}, got ${String(value)}`);
  }
}

/** Seconds as ffmpeg's time syntax takes them: fixed-point, microseconds (never "1e+21"). */
export function formatSeconds(seconds: number): string {
  return seconds.toFixed(6);
}

function show(seconds: number): string {
  return Number.isInteger(seconds) || Math.abs(seconds) >= 1e6 ? String(seconds) : String(Number(seconds.toFixed(6)));
}

/** The error for a window whose start is at or past the end of the media (`durationSeconds` long). */
export function windowPastEnd(path: string, what: 'audio' | 'video', start: number, end: number | undefined, durationSeconds: number): MediaWindowError {
  const window = end === undefined ? `window start ${show(start)} s` : `window ${show(start)}-${show(end)} s`;
  return new MediaWindowError(
    path,
    `${window} begins at or past the end of the ${what} (${durationSeconds.toFixed(3)} s); choose start_s/end_s inside the media (an end_s past the end is clamped)`,
  );
}
