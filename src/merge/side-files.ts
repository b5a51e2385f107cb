/**
 * The folders of files a run keeps beside its records (reference-logits/, ort-profile/): merge
 * copies every shard's into the merged folder. A name found in two shards must hold the same
 * bytes (the reference's logits of one sample are one vector); differing files are refused,
 * all named, before anything is written.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { REFERENCE_LOGITS_DIR } from '../runner/reference-logits.js';
import type { ShardFolder } from './shard-folder.js';

/** Folders copied from every shard: the reference variant's vectors, ONNX Runtime's profiles (--ort-profile). */
export const SIDE_FOLDERS = [REFERENCE_LOGITS_DIR, 'ort-profile'] as const;

/** One file to copy: `folder/name` of the merged folder, from `source`. */
export interface SideFile {
  folder: string;
  name: string;
  source: string;
}

/** Regular files of `dir` (none when it does not exist), by name; temporary files of an atomic write left out. */
function filesOf(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => !n.startsWith('.') && statSync(join(dir, n)).isFile()).sort();
}

/**
 * The files to copy from the shards (in shard order; a name seen before with the same bytes is
 * copied once). Throws UsageError naming every file whose bytes differ between two shards.
 */
export function planSideFiles(shards: readonly ShardFolder[]): SideFile[] {
  const files: SideFile[] = [];
  const differing: string[] = [];
  for (const folder of SIDE_FOLDERS) {
    const seen = new Map<string, { source: string; shard: ShardFolder }>();
    for (const shard of shards) {
      for (const name of filesOf(join(shard.dir, folder))) {
        const source = join(shard.dir, folder, name);
        const earlier = seen.get(name);
        if (!earlier) {
          seen.set(name, { source, shard });
          files.push({ folder, name, source });
        } else if (!readFileSync(earlier.source).equals(readFileSync(source))) {
          differing.push(`${folder}/${name} (${earlier.shard.dir} vs ${shard.dir})`);
        }
      }
    }
  }
  if (differing.length > 0) {
    const shown = differing.slice(0, 5).join(', ');
    const more = differing.length > 5 ? ` and ${differing.length - 5} more` : '';
    throw new UsageError(`merge: ${differing.length} file(s) differ between shards: ${shown}${more}; the shards' reference variants disagree on a sample (were they run with the same model and options?)`);
  }
  return files;
}

/** Copies the planned files into `outDir` (each written atomically). */
export async function copySideFiles(outDir: string, files: readonly SideFile[]): Promise<void> {
  for (const file of files) await writeFileAtomic(join(outDir, file.folder, file.name), readFileSync(file.source));
}
