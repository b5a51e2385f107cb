/**
 * The manifest an import writes (`datasets import --out`): checked before any work, so that a
 * folder, a path below a file, a device or an unwritable place is one line and exit 2, not an
 * internal error after the import; and its missing folders created one level at a time (Node's
 * recursive mkdir can loop forever below /proc).
 */
import { accessSync, constants, mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../errors.js';

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') throw new UsageError(`--out ${path} is a symlink loop; name a file`);
    throw new UsageError(`--out ${path} cannot be checked: ${code ?? (error as Error).message}`);
  }
}

/** The folders of `path` that do not exist yet, outermost first, and the nearest one that does. */
function missingFolders(path: string, flag: string): { existing: string; missing: string[] } {
  const missing: string[] = [];
  let dir = dirname(path);
  for (;;) {
    const info = statOrUndefined(dir);
    if (info) {
      if (!info.isDirectory()) throw new UsageError(`${flag} ${path}: ${dir} is a file, not a folder; choose another path`);
      return { existing: dir, missing: missing.reverse() };
    }
    const parent = dirname(dir);
    if (parent === dir) return { existing: dir, missing: missing.reverse() };
    missing.push(dir);
    dir = parent;
  }
}

/**
 * Checks that a manifest can be written at `path` (absolute): it is absent or a regular file,
 * the nearest existing folder above it is a folder, and we may write there. UsageError naming
 * the path and what is wrong otherwise.
 */
export function checkManifestOut(path: string, flag = '--out'): void {
  const info = statOrUndefined(path);
  if (info?.isDirectory()) throw new UsageError(`${flag} ${path} is a folder; name the manifest file, e.g. ${flag} ${join(path, 'manifest.csv')}`);
  if (info && !info.isFile()) throw new UsageError(`${flag} ${path} is not a regular file (a device or a pipe); name a manifest file`);
  const { existing } = missingFolders(path, flag);
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${path}: cannot write in ${existing} (permission denied); choose a folder you can write to`);
  }
}

/** Creates the missing folders of `path` one level at a time; UsageError when one cannot be made. */
export function createManifestFolders(path: string, flag = '--out'): void {
  for (const dir of missingFolders(path, flag).missing) {
    try {
      mkdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      throw new UsageError(`${flag} ${path}: cannot create the folder ${dir} (${code ?? (error as Error).message}); choose a folder you can write to`);
    }
  }
}

/** A write error of the manifest at `path` as a UsageError naming it (EACCES, EROFS, ENOSPC...). */
export function manifestWriteError(path: string, error: unknown, flag = '--out'): UsageError {
  const code = (error as NodeJS.ErrnoException).code;
  const what = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'ENOSPC' ? 'no space left on the device' : (code ?? (error as Error).message);
  return new UsageError(`${flag} ${path} cannot be written (${what}); choose a folder you can write to`, undefined, { cause: error });
}
