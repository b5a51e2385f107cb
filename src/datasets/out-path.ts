/**
 * The manifest an import writes (`datasets import --out`): checked before any work, so that a
 * folder, a path below a file, a device or an unwritable place is one line and exit 2, not an
 * internal error after the import; and its missing folders created one level at a time (Node's
 * recursive mkdir can loop forever below /proc).
 */
import { accessSync, constants, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createFolders, planFolders } from '../safe-fs.js';
import { UsageError } from '../errors.js';

function statOrUndefined(path: string): Stats | undefined {
  const plan = planFolders(path);
  if (plan.problem === 'ELOOP') throw new UsageError(`--out ${path} is a symlink loop; name a file`);
  if (plan.problem) throw new UsageError(`--out ${path} cannot be checked: ${plan.problem}`);
  return plan.existing === resolve(path) ? plan.existingInfo : undefined;
}

/** The folders of `path` that do not exist yet, outermost first, and the nearest one that does. */
function missingFolders(path: string, flag: string): { existing: string; missing: string[] } {
  const { existing, existingInfo, missing } = planFolders(dirname(path));
  if (existingInfo && !existingInfo.isDirectory()) throw new UsageError(`${flag} ${path}: ${existing} is a file, not a folder; choose another path`);
  return { existing, missing };
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
  createFolders(missingFolders(path, flag).missing, (dir, code) => new UsageError(`${flag} ${path}: cannot create the folder ${dir} (${code}); choose a folder you can write to`));
}

/** A write error of the manifest at `path` as a UsageError naming it (EACCES, EROFS, ENOSPC...). */
export function manifestWriteError(path: string, error: unknown, flag = '--out'): UsageError {
  const code = (error as NodeJS.ErrnoException).code;
  const what = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'ENOSPC' ? 'no space left on the device' : (code ?? (error as Error).message);
  return new UsageError(`${flag} ${path} cannot be written (${what}); choose a folder you can write to`, undefined, { cause: error });
}
