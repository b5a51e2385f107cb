/**
 * Reading user-named files without hanging or escaping: only regular files (never a device,
 * FIFO or socket, which read forever), with a size limit, and paths confined to a folder after
 * resolving `..` and symlinks. Errors are typed by the caller's `error` factory so that each
 * area keeps its own error class (DatasetError, ModelError, UsageError).
 */
import { lstatSync, mkdirSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

/** Default size limit of a manifest or annotation file: 256 MiB. */
export const MAX_TEXT_FILE_BYTES = 256 * 1024 * 1024;

/** How a caller turns a problem into its own typed error. */
export type ErrorFactory = (message: string) => Error;

/** Describes what `path` is when it is not a regular file ('a directory', 'a FIFO', ...). */
function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Stats `path` (following symlinks) and checks it is a regular file no larger than `maxBytes`.
 * Throws through `error` naming the file and what is wrong: missing, a symlink loop, a folder,
 * a device or FIFO, or too large.
 */
export function statRegularFile(path: string, what: string, error: ErrorFactory, maxBytes = Number.POSITIVE_INFINITY): Stats {
  let info: Stats;
  try {
    info = statSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw error(`${what} ${path} is a symlink loop`);
    if (code === 'EACCES') throw error(`${what} ${path} cannot be read (permission denied)`);
    if (code === 'ENOTDIR') throw error(`${what} ${path} not found (a part of the path is a file, not a folder)`);
    let dangling = false;
    try {
      dangling = lstatSync(path).isSymbolicLink();
    } catch {
      dangling = false;
    }
    throw error(dangling ? `${what} ${path} is a symlink to a missing file` : `${what} ${path} not found (check the path; relative paths resolve against the current folder)`);
  }
  if (!info.isFile()) throw error(`${what} ${path} is ${kindOf(info)}, not a regular file`);
  if (info.size > maxBytes) throw error(`${what} ${path} is ${formatBytes(info.size)}, over the limit of ${formatBytes(maxBytes)}`);
  return info;
}

/** Reads a regular file of at most `maxBytes` (see {@link statRegularFile}). */
export function readRegularFileSync(path: string, what: string, error: ErrorFactory, maxBytes = MAX_TEXT_FILE_BYTES): Buffer {
  statRegularFile(path, what, error, maxBytes);
  try {
    const bytes = readFileSync(path);
    // The file may have grown between stat and read; the limit still holds.
    if (bytes.length > maxBytes) throw error(`${what} ${path} is over the limit of ${formatBytes(maxBytes)}`);
    return bytes;
  } catch (cause) {
    if (cause instanceof Error && !('code' in cause)) throw cause;
    throw error(`${what} ${path} cannot be read: ${(cause as Error).message}`);
  }
}

/** `path` with symlinks resolved where it exists, else just made absolute. */
export function realPathOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Whether `child` (absolute, resolved) is `root` or lies below it. */
function isWithin(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Resolves `name` against `root` and checks that it stays inside `root` after resolving `..`
 * and, where the path exists, symlinks (of `root` too). Returns the resolved path, or a reason
 * why it escapes: an absolute name, a NUL byte, `..` that climbs out, or a symlink that points
 * outside.
 */
export function resolveInside(root: string, name: string): { ok: true; path: string } | { ok: false; reason: string } {
  if (name.includes('\0')) return { ok: false, reason: 'contains a NUL byte' };
  if (isAbsolute(name)) return { ok: false, reason: 'is an absolute path' };
  const base = resolve(root);
  const lexical = resolve(base, name);
  if (!isWithin(base, lexical)) return { ok: false, reason: `climbs out of ${base} with '..'` };
  let realBase = base;
  try {
    realBase = realpathSync(base);
  } catch {
    return { ok: true, path: lexical };
  }
  try {
    const real = realpathSync(lexical);
    if (!isWithin(realBase, real)) return { ok: false, reason: `is a symlink to ${real}, outside ${base}` };
  } catch {
    // Missing (reported by whoever opens it), or a loop: lexically inside is all we can check.
  }
  return { ok: true, path: lexical };
}

/** `1.5 MiB`, `256 MiB`, `12 B`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'unlimited';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toFixed(1))} ${units[unit]}`;
}

/** Where a folder path stands before it is created. */
export interface FolderPlan {
  /** The nearest part of the path that exists (the path itself when it exists). */
  existing: string;
  /** Its stats; undefined when even the root could not be read. */
  existingInfo: Stats | undefined;
  /** The folders below `existing` that are still missing, outermost first. */
  missing: string[];
  /** An errno code (ELOOP, EACCES...) that stopped the walk at `existing`, if any. */
  problem?: string;
}

/**
 * Walks up from `dir` to the nearest part that exists, without creating anything. A part
 * below a file reads as missing (ENOTDIR), so the walk reaches and names that file.
 */
export function planFolders(dir: string): FolderPlan {
  const missing: string[] = [];
  let existing = resolve(dir);
  for (;;) {
    try {
      return { existing, existingInfo: statSync(existing), missing };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return { existing, existingInfo: undefined, missing, problem: code ?? (error as Error).message };
    }
    const parent = dirname(existing);
    if (parent === existing) return { existing, existingInfo: undefined, missing };
    missing.unshift(existing);
    existing = parent;
  }
}

/**
 * Creates `missing` (from {@link planFolders}) one level at a time: Node's recursive mkdir spins
 * forever below /proc. A folder made meanwhile by someone else is fine.
 */
export function createFolders(missing: readonly string[], error: (folder: string, code: string) => Error): void {
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw error(folder, code ?? (cause as Error).message);
    }
  }
}
