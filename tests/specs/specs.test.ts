import { describe, it, expect } from 'vitest';
import { parseChoice, gradeAnswer, expectedChoice } from '../../src/runner/answer.js';
import { defaultCommonOptions } from '../../src/specs/common-options.js';
import { getSpec, listSpecs } from '../../src/specs/registry.js';
import { planTrials } from '../../src/specs/spec.js';
import { buildMessages, stripMelPadding } from '../../src/runner/pipeline.js';
import type { BenchSample } from '../../src/runner/types.js';

const OPTIONS = ['A. a cat', 'B. a dog', 'C. a bird', 'D. a fish'];

describe('multiple-choice answers', () => {
  it.each([
    ['B', 'B'],
    ['(C)', 'C'],
    ['D.', 'D'],
    ['The best answer is A', 'A'],
    ['Answer: b) a dog', 'B'],
    ['I think it is a bird.', 'C'],
    ['none of these', null],
    ['E', null],
  ])('parses %j as %s', (text, letter) => {
    expect(parseChoice(text, OPTIONS) ?? null).toBe(letter);
  });

  it('grades against the expected letter and leaves open questions ungraded', () => {
    const sample: BenchSample = { sampleId: 's', dataset: 'd', prompt: 'q', options: OPTIONS, answer: 'C' };
    expect(gradeAnswer(sample, 'C')).toEqual({ choice: 'C', expected: 'C', correct: true });
    expect(gradeAnswer(sample, 'A')).toEqual({ choice: 'A', expected: 'C', correct: false });
    expect(gradeAnswer({ ...sample, options: undefined, answer: 'a dog barks' }, 'dog').correct).toBeNull();
    expect(expectedChoice('(B) a dog')).toBe('B');
  });
});

describe('shared options and plans', () => {
  it('plans repeat-major trials per variant', () => {
    const samples: BenchSample[] = [
      { sampleId: 'a', dataset: 'd', prompt: '' },
      { sampleId: 'b', dataset: 'd', prompt: '' },
    ];
    const plan = planTrials({ samples, variants: [{ name: 'v', settings: {} }], options: { ...defaultCommonOptions(), repeats: 2, specOptions: {} } });
    expect(plan.map((t) => `${t.sampleId}${t.repeat}`)).toEqual(['a0', 'b0', 'a1', 'b1']);
  });

  it('registers ttft-breakdown with the one-question-per-video Video-MME fixture manifest as its default', () => {
    expect(listSpecs().map((s) => s.name)).toContain('ttft-breakdown');
    expect(getSpec('ttft-breakdown').defaultManifests[0]).toMatch(/fixtures\/datasets\/video-mme\/manifest-1q\.csv$/);
    expect(() => getSpec('nope')).toThrow(/unknown spec 'nope'/);
  });
});

describe('serial pipeline helpers', () => {
  it('builds one interleaved part for a video with audio (use_audio_in_video) and separate parts otherwise', () => {
    const enc = { features: new Float32Array(0), tokens: 1, hiddenSize: 1 };
    const video = { features: enc, patches: { pixelValues: new Float32Array(0), gridThw: [2, 2, 2] as [number, number, number] } };
    const joint = buildMessages('q', { audio: enc, video }, true)[0]!.content as { type: string }[];
    expect(joint.map((p) => p.type)).toEqual(['video_with_audio', 'text']);
    const split = buildMessages('q', { audio: enc, video }, false)[0]!.content as { type: string }[];
    expect(split.map((p) => p.type)).toEqual(['video', 'audio', 'text']);
    expect((buildMessages('q', {}, true)[0]!.content as { type: string }[]).map((p) => p.type)).toEqual(['text']);
  });

  it('strips mel padding to the valid frames, row by row', () => {
    const data = new Float32Array([1, 2, 0, 0, 3, 4, 0, 0]); // 2 bins x 4 frames, 2 valid
    const out = stripMelPadding({ data, frames: 4, validFrames: 2, melBins: 2 });
    expect([...out.data]).toEqual([1, 2, 3, 4]);
    expect(out.frames).toBe(2);
  });
});
