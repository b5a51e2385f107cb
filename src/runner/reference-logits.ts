/**
 * DESIGN.md invariant 1, owned by the runner: the reference variant's first-token logits are
 * kept on disk inside the results folder, one file per (sample, parameters, turn), so that
 * `--isolate process` children and `--resume` compare against the same reference; every other
 * variant's record gets `logits_max_abs_diff` against it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';
import { paramsString, type TrialKey } from '../report/record.js';

/** Folder of the reference logits inside a results folder. */
export const REFERENCE_LOGITS_DIR = 'reference-logits';

/** Default --logits-tolerance: max abs diff of first-token logits a middleware may show. */
export const DEFAULT_LOGITS_TOLERANCE = 1e-4;

/** The reference logits of one results folder. */
export class ReferenceLogits {
  constructor(private readonly outDir: string) {}

  /**
   * File of the reference's `what` (first-token logits by default, or another vector such as the
   * audio features) for `key`'s sample, parameters and turn (variant and repeat do not matter).
   */
  pathOf(key: TrialKey, what = 'logits'): string {
    const id = JSON.stringify([key.dataset, key.sampleId, paramsString(key.params), key.turn, what]);
    return join(this.outDir, REFERENCE_LOGITS_DIR, `${createHash('sha256').update(id).digest('hex').slice(0, 32)}.f32`);
  }

  /** Stores the reference's vector for `key` (the first repeat that reaches here wins: greedy runs repeat exactly). */
  async save(key: TrialKey, data: Float32Array, what = 'logits'): Promise<void> {
    const path = this.pathOf(key, what);
    if (existsSync(path)) return;
    await writeFileAtomic(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  /**
   * The answer check of one vector (`what`: 'logits', 'audio-features', ...): the reference
   * variant's is saved and null returned; another variant's gets the max abs diff against the
   * reference's (null when the reference has none; nothing to check when `data` is absent).
   */
  async check(key: TrialKey, data: Float32Array | undefined, what: string, isReference: boolean): Promise<number | null> {
    if (!data) return null;
    if (isReference) {
      await this.save(key, data, what);
      return null;
    }
    const ref = this.load(key, what);
    return ref ? maxAbsDiff(data, ref) : null;
  }

  /** The stored reference vector of `key`, or undefined when the reference did not produce it. */
  load(key: TrialKey, what = 'logits'): Float32Array | undefined {
    const path = this.pathOf(key, what);
    if (!existsSync(path)) return undefined;
    const bytes = readFileSync(path);
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }
}

/** Max |a - b| over two logit vectors; Infinity when their lengths differ (another vocabulary). */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (d > max || Number.isNaN(d)) max = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return max;
}
