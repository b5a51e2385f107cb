/**
 * Filler text of an exact token count, for token-prefill: the first w words of a fixed English
 * paragraph (repeated as often as needed), w searched with the model's own tokenizer until the
 * text adds exactly the target number of tokens to a prompt.
 */
import { ModelError } from '../errors.js';

/**
 * Plain prose of common words (most one token each in byte-level BPE vocabularies), so that a
 * filler reads like the long context a user pastes before a question rather than one token
 * repeated (which some tokenizers merge and attention treats differently).
 */
const PARAGRAPH =
  'The report describes how the team measured the time each part of a request takes, from the first frame of the video to the first word of the answer. ' +
  'It lists the machines they used, the settings of each run and the number of times every test was repeated. ' +
  'When a result looked wrong, they ran the test again on a quiet machine and kept both numbers in the notes. ' +
  'The last section explains which changes made the model faster, which made no difference, and what they would try next.';

const WORDS = PARAGRAPH.split(' ');

/** The first `count` words of the filler (the paragraph repeated), separated by spaces. */
export function fillerWords(count: number): string {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`fillerWords: count must be an integer >= 0 (got ${count})`);
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(WORDS[i % WORDS.length] as string);
  return out.join(' ');
}

/** Text appended one or more times to close a gap no whole word fits (a word of several tokens straddles the target). */
const PADS = [' the', ' and', ' a', '.'];

/**
 * Filler text that adds exactly `target` tokens, by `countTokens` (the tokens a text adds to a
 * prompt, measured with the model's tokenizer). The word count is found by safeguarded
 * interpolation (tokens grow about linearly with words; a few calls even for thousands of tokens),
 * bracketing the target; when no word count hits it exactly, the largest filler below it is
 * topped up with one-token pads. '' for 0. RangeError for a target that is not an integer >= 0;
 * ModelError when this tokenizer gives no exact filler.
 */
export function findFiller(target: number, countTokens: (text: string) => number): string {
  if (!Number.isInteger(target) || target < 0) throw new RangeError(`findFiller: target must be an integer >= 0 (got ${target})`);
  if (target === 0) return '';
  const counts = new Map<number, number>([[0, 0]]);
  const count = (words: number): number => {
    let c = counts.get(words);
    if (c === undefined) {
      c = countTokens(fillerWords(words));
      counts.set(words, c);
    }
    return c;
  };
  // Tokens grow with words (pre-tokenizers split at spaces, so a word's tokens never merge with
  // its neighbours'): keep lo below the target and hi above it, and step by the slope between them.
  let lo = 0;
  let hi: number | undefined;
  let words = Math.max(1, Math.round(target / 1.1));
  for (let step = 0; step < 64; step++) {
    const c = count(words);
    if (c === target) return fillerWords(words);
    if (c < target) lo = words;
    else hi = words;
    if (hi !== undefined && hi - lo <= 1) break;
    const loTokens = count(lo);
    const slope = hi !== undefined ? (count(hi) - loTokens) / (hi - lo) : loTokens / lo;
    let next = slope > 0 ? lo + Math.round((target - loTokens) / slope) : hi !== undefined ? Math.floor((lo + hi) / 2) : 2 * lo;
    next = Math.max(lo + 1, next);
    if (hi !== undefined) next = Math.min(hi - 1, next);
    words = next;
  }
  const base = fillerWords(lo);
  const gap = target - count(lo);
  for (const pad of PADS) {
    const text = base + (lo === 0 ? pad.trimStart() + pad.repeat(gap - 1) : pad.repeat(gap));
    if (countTokens(text) === target) return text;
  }
  const above = hi === undefined ? '' : ` and ${count(hi)} with ${hi}`;
  throw new ModelError(`no filler text of exactly ${target} tokens with this tokenizer (${count(lo)} tokens with ${lo} words${above}, and no pad closed the gap)`);
}
