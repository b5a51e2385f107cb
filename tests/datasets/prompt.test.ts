import { describe, expect, it } from 'vitest';
import { parseChoice, promptText } from '../../src/datasets/prompt.js';

const OPTIONS = ['A. Colour bars.', 'B. A face.', 'C. A forest.', 'D. Text on paper.'];

describe('promptText', () => {
  it('builds the lmms-eval Video-MME prompt: instruction, question, options, "The best answer is:"', () => {
    expect(promptText({ dataset: 'video-mme', question: 'What fills the frame?', options: OPTIONS })).toBe(
      'Select the best answer to the following multiple-choice question based on the video. Respond with only the letter (A, B, C, or D) of the correct option.\n' +
        'What fills the frame?\nA. Colour bars.\nB. A face.\nC. A forest.\nD. Text on paper.\nThe best answer is:',
    );
  });

  it('letters unlettered options and adapts the letter list to their number', () => {
    const text = promptText({ dataset: 'custom', question: 'Yes?', options: ['yes', 'no'] });
    expect(text).toContain('(A or B)');
    expect(text).toContain('\nA. yes\nB. no\n');
  });

  it('appends a question mark to ActivityNet-QA questions as lmms-eval does, never doubling it', () => {
    expect(promptText({ dataset: 'activitynet-qa', question: 'what is the man doing' })).toBe('what is the man doing?');
    expect(promptText({ dataset: 'activitynet-qa', question: 'is it raining?' })).toBe('is it raining?');
    expect(promptText({ dataset: 'msvd-qa', question: 'what is shown' })).toBe('what is shown');
  });
});

describe('parseChoice', () => {
  it.each([
    ['B', 'B'],
    ['(C)', 'C'],
    [' D. ', 'D'],
    ['The best answer is: A', 'A'],
    ['The answer is (B) because the face is visible.', 'B'],
    ['I think it shows a forest.', 'C'],
    ['C. A forest.', 'C'],
    ['Answer: d', undefined],
    ['none of these', undefined],
    ['', undefined],
  ])('reads %j as %j', (text, letter) => {
    expect(parseChoice(text, OPTIONS)).toBe(letter);
  });

  it('only accepts letters within the options (A-D when none are given)', () => {
    expect(parseChoice('E', OPTIONS)).toBeUndefined();
    expect(parseChoice('E', [...OPTIONS, 'E. Sky.'])).toBe('E');
    expect(parseChoice('The best answer is B')).toBe('B');
  });
});
