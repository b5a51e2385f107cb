/**
 * Deterministic selection of samples: `--shard K/N` (a stable split by a hash of sample_id, so
 * adding or reordering rows never moves another sample to a different shard), `--seed` (a
 * seeded, order-independent random subset) and `--max-samples`.
 */
import { UsageError } from '../errors.js';

/** One part of a split into `count` parts; `index` is 0-based (CLI `--shard 1/4` is index 0). */
export interface Shard {
  index: number;
  count: number;
}

/** What to keep. */
export interface SelectOptions {
  /** Keep at most this many (after sharding). Default: all. */
  maxSamples?: number;
  /** With maxSamples: pick a seeded pseudo-random subset instead of the first N in file order. */
  seed?: number | string;
  /** Keep only this shard. */
  shard?: Shard;
}

/** 32-bit FNV-1a hash of a string (UTF-16 code units): stable across runs and platforms. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32) so that similar ids spread over shards.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The shard (0-based) a key belongs to among `count`. */
export function shardOf(key: string, count: number): number {
  return fnv1a32(key) % count;
}

/** Parses `K/N` (1-based K, as vitest's --shard) into a 0-based Shard; UsageError when malformed. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || k < 1 || k > n) throw new UsageError(`--shard '${text}' must be K/N with 1 <= K <= N, e.g. --shard 2/4`);
  return { index: k - 1, count: n };
}

/** Checks a Shard given through the API; RangeError on misuse. */
export function checkShard(shard: Shard): void {
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new RangeError(`shard {index: ${shard.index}, count: ${shard.count}} must have integer 0 <= index < count`);
  }
}

/**
 * Selects items deterministically. Order of the result is the input order. With a seed, the
 * kept subset is the `maxSamples` items of lowest hash(seed + key): it does not depend on the
 * order of the input, and growing maxSamples only adds items.
 */
export function selectItems<T>(items: readonly T[], keyOf: (item: T) => string, options: SelectOptions = {}): T[] {
  let kept = items.slice();
  if (options.shard) {
    checkShard(options.shard);
    const { index, count } = options.shard;
    kept = kept.filter((item) => shardOf(keyOf(item), count) === index);
  }
  const max = options.maxSamples;
  if (max !== undefined) {
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`maxSamples ${max} must be a non-negative integer`);
    if (kept.length > max) {
      if (options.seed === undefined) {
        kept = kept.slice(0, max);
      } else {
        const scored = kept.map((item, position) => ({ position, score: fnv1a32(`${String(options.seed)}\u0000${keyOf(item)}`) }));
        scored.sort((a, b) => a.score - b.score || a.position - b.position);
        const chosen = new Set(scored.slice(0, max).map((s) => s.position));
        kept = kept.filter((_, position) => chosen.has(position));
      }
    }
  }
  return kept;
}
