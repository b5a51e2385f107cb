/**
 * Question prompts per dataset, as lmms-eval builds them, and the parsing of a multiple-choice
 * letter out of a model's answer.
 */
import type { Sample } from './manifest.js';

/**
 * Video-MME's instruction for frames (+ audio), as the Video-MME paper and lmms-eval's
 * videomme task state it (lmms-eval's subtitle variant adds "and the subtitles").
 */
export const VIDEO_MME_INSTRUCTION =
  'Select the best answer to the following multiple-choice question based on the video. Respond with only the letter (A, B, C, or D) of the correct option.';

/** lmms-eval's Video-MME post prompt. */
export const VIDEO_MME_POST_PROMPT = 'The best answer is:';

/** Caption instruction of AudioCaps samples written by the importer (the question column). */
export const AUDIOCAPS_QUESTION = 'Describe the audio in one sentence.';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** An option line with its letter: kept as is when it already starts with `A.`/`A)`, else prefixed. */
function optionLine(option: string, i: number): string {
  return /^\s*\(?[A-Z]\s*[.):]/.test(option) ? option.trim() : `${LETTERS[i] ?? '?'}. ${option.trim()}`;
}

/** The instruction for n options: Video-MME's text for 4, the same form with n letters otherwise. */
function instruction(n: number): string {
  if (n === 4) return VIDEO_MME_INSTRUCTION;
  const letters = LETTERS.slice(0, n).split('');
  const list = letters.length <= 2 ? letters.join(' or ') : `${letters.slice(0, -1).join(', ')}, or ${letters[letters.length - 1]}`;
  return VIDEO_MME_INSTRUCTION.replace('(A, B, C, or D)', `(${list})`);
}

/**
 * The text prompt of a sample (the media placeholders are the model's business):
 * - with options (Video-MME and any multiple-choice row): lmms-eval's videomme_doc_to_text,
 *   `instruction \n question \n options (one per line) \n The best answer is:`;
 * - activitynet-qa: the question with a `?` appended, as lmms-eval's activitynetqa_doc_to_text
 *   does (not doubled when the question already ends with one);
 * - otherwise the question as is.
 */
export function promptText(sample: Pick<Sample, 'dataset' | 'question' | 'options'>): string {
  const question = sample.question.trim();
  if (sample.options && sample.options.length > 0) {
    const lines = sample.options.map(optionLine);
    return [instruction(sample.options.length), question, ...lines, VIDEO_MME_POST_PROMPT].join('\n');
  }
  if (sample.dataset === 'activitynet-qa') return question.endsWith('?') ? question : `${question}?`;
  return question;
}

/** Phrases lmms-eval strips before looking for the letter (extract_characters_regex). */
const ANSWER_PREFIXES = ['The best answer is', 'The correct answer is', 'The answer is', 'The answer', 'The best option is', 'The correct option is', 'Best answer:', 'Best option:'];

/**
 * The option letter a model's output picks, or undefined when it picks none. Order of tries:
 * a bare letter (`B`, `(B)`, `B.`), `answer is B`, the text of exactly one option, then the
 * first standalone capital letter among the valid ones (lmms-eval's fallback). Letters run from
 * A to the number of options (A-D when options are not given).
 */
export function parseChoice(text: string, options?: readonly string[]): string | undefined {
  const n = options && options.length > 0 ? Math.min(options.length, LETTERS.length) : 4;
  const valid = LETTERS.slice(0, n);
  const cls = `[${valid}]`;
  let s = text.trim();
  const bare = new RegExp(`^[\\s*(\\[]*(${cls})[\\s*)\\].:,]*$`).exec(s);
  if (bare) return bare[1];
  const stated = new RegExp(`(?:answer|option)\\s*(?:is|:)?\\s*[:\\s]*[(\\[*]*(${cls})\\b`, 'i').exec(s);
  if (stated?.[1] && valid.includes(stated[1])) return stated[1];
  for (const prefix of ANSWER_PREFIXES) s = s.split(prefix).join('');
  if (options && options.length > 0) {
    const lower = s.toLowerCase();
    const hits = options
      .map((o, i) => ({ i, body: o.replace(/^\s*\(?[A-Z]\s*[.):]\s*/, '').trim().toLowerCase() }))
      .filter((o) => o.body.length > 0 && lower.includes(o.body));
    // An option whose text lies inside another matching option's text does not count.
    const maximal = hits.filter((h) => !hits.some((o) => o !== h && o.body.length > h.body.length && o.body.includes(h.body)));
    if (maximal.length === 1 && maximal[0]) return valid[maximal[0].i];
  }
  const loose = new RegExp(`(?:^|[^A-Za-z])(${cls})(?![A-Za-z'])`).exec(s);
  return loose?.[1];
}
