/**
 * Grading of multiple-choice answers: the letter parsed from the generated text against the
 * manifest's answer. Open questions are not graded (correct stays null).
 */
import { parseChoice } from '../datasets/prompt.js';
import type { BenchSample } from './types.js';

export { parseChoice };

/** The expected letter of a sample's answer ("B", "B.", "(B) text" -> "B"), or null. */
export function expectedChoice(answer: string | undefined): string | null {
  const match = /^\s*\(?([A-Za-z])(?=$|[^A-Za-z])/.exec(answer ?? '');
  return match?.[1] ? match[1].toUpperCase() : null;
}

/** Choice, expected answer and correctness of one answer (correct null without options). */
export function gradeAnswer(sample: BenchSample, text: string): { choice: string | null; expected: string | null; correct: boolean | null } {
  const expected = sample.answer ?? null;
  if (!sample.options || sample.options.length === 0) return { choice: null, expected, correct: null };
  const choice = parseChoice(text, sample.options) ?? null;
  const want = expectedChoice(sample.answer);
  return { choice, expected, correct: want === null ? null : choice === want };
}
