import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { fnv1a32, parseShard, selectItems, shardOf } from '../../src/datasets/select.js';

const ids = Array.from({ length: 200 }, (_, i) => `q-${i}`);
const key = (s: string): string => s;

describe('selection', () => {
  it('parses --shard K/N as 1-based K and rejects malformed values', () => {
    expect(parseShard('1/4')).toEqual({ index: 0, count: 4 });
    expect(parseShard(' 4 / 4 ')).toEqual({ index: 3, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', 'a/b', '2']) expect(() => parseShard(bad)).toThrow(UsageError);
  });

  it('hashes with FNV-1a plus a finalizer, stable across runs (pinned values)', () => {
    expect(fnv1a32('')).toBe(fnv1a32(''));
    expect([fnv1a32('001-1'), fnv1a32('001-2')]).toEqual([fnv1a32('001-1'), fnv1a32('001-2')]);
    expect(shardOf('001-1', 4)).toBe(fnv1a32('001-1') % 4);
    // Pinned: changing the hash would move samples between CI shards.
    expect(fnv1a32('sample-0')).toBe(3106023465);
  });

  it('splits samples into shards that partition them and spread evenly', () => {
    const parts = [0, 1, 2, 3].map((index) => selectItems(ids, key, { shard: { index, count: 4 } }));
    expect(parts.flat().sort()).toEqual([...ids].sort());
    for (const p of parts) expect(p.length).toBeGreaterThan(30);
  });

  it('keeps a sample in the same shard when rows are added, removed or reordered', () => {
    const before = selectItems(ids, key, { shard: { index: 1, count: 3 } });
    const shuffled = [...ids].reverse().concat(['new-1', 'new-2']).filter((x) => x !== 'q-5');
    const after = selectItems(shuffled, key, { shard: { index: 1, count: 3 } });
    for (const id of before) if (id !== 'q-5') expect(after).toContain(id);
  });

  it('takes the first N in file order without a seed, and a seeded order-independent subset with one', () => {
    expect(selectItems(ids, key, { maxSamples: 3 })).toEqual(['q-0', 'q-1', 'q-2']);
    const a = selectItems(ids, key, { maxSamples: 10, seed: 42 });
    const b = selectItems([...ids].reverse(), key, { maxSamples: 10, seed: 42 });
    expect([...a].sort()).toEqual([...b].sort());
    expect(a).not.toEqual(ids.slice(0, 10));
    expect(selectItems(ids, key, { maxSamples: 10, seed: 43 })).not.toEqual(a);
    // Growing N only adds samples.
    const more = selectItems(ids, key, { maxSamples: 20, seed: 42 });
    for (const id of a) expect(more).toContain(id);
  });
});
