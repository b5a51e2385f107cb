import { describe, expect, it } from 'vitest';
import { audioVideoChunks, chunkedIndex, QWEN_ROPE_CONFIG, ropePositions, segmentLength, temporalIndices, type RopeSegment } from '../../src/model/rope.js';

/** Positions as three plain rows. */
function rows(segments: RopeSegment[], start = 0): { t: number[]; h: number[]; w: number[]; max: number; next: number } {
  const r = ropePositions(segments, QWEN_ROPE_CONFIG, start);
  const n = r.positions.length / 3;
  return { t: [...r.positions.slice(0, n)], h: [...r.positions.slice(n, 2 * n)], w: [...r.positions.slice(2 * n)], max: r.maxPosition, next: r.nextPosition };
}

describe('TMRoPE positions (get_rope_index semantics)', () => {
  it('advances text by 1 on all three rows', () => {
    expect(rows([{ kind: 'text', length: 5 }])).toEqual({ t: [0, 1, 2, 3, 4], h: [0, 1, 2, 3, 4], w: [0, 1, 2, 3, 4], max: 4, next: 5 });
  });

  it('continues from a start position (the next turn of a cached conversation)', () => {
    expect(rows([{ kind: 'text', length: 3 }], 40)).toMatchObject({ t: [40, 41, 42], max: 42, next: 43 });
  });

  it('gives image tokens the merged-grid row and column, offset by the start, and resumes text at max + 1', () => {
    // text 0,1 | bos 2 | 2x2 merged tokens at start 3 | eos 5 | text 6
    expect(rows([{ kind: 'text', length: 2 }, { kind: 'image', grid: [1, 4, 4] }, { kind: 'text', length: 1 }])).toEqual({
      t: [0, 1, 2, 3, 3, 3, 3, 5, 6],
      h: [0, 1, 2, 3, 3, 4, 4, 5, 6],
      w: [0, 1, 2, 3, 4, 3, 4, 5, 6],
      max: 6,
      next: 7,
    });
  });

  it('spaces video temporal groups by secondsPerGrid x 25', () => {
    expect(rows([{ kind: 'text', length: 1 }, { kind: 'video', grid: [3, 2, 2], secondsPerGrid: 1 }])).toEqual({
      t: [0, 1, 2, 27, 52, 53],
      h: [0, 1, 2, 2, 2, 53],
      w: [0, 1, 2, 2, 2, 53],
      max: 53,
      next: 54,
    });
  });

  it('floors fractional temporal positions in float32 as torch does', () => {
    expect(temporalIndices(3, 2 / 3, 25)).toEqual([0, 16, 33]);
    expect(temporalIndices(4, 0.5, 25)).toEqual([0, 12, 25, 37]);
  });

  it('gives audio sequential positions between its bos and eos', () => {
    expect(rows([{ kind: 'text', length: 2 }, { kind: 'audio', tokens: 3 }])).toMatchObject({ t: [0, 1, 2, 3, 4, 5, 6], h: [0, 1, 2, 3, 4, 5, 6], next: 7 });
  });

  it('interleaves video and its audio in 2 s chunks with shared bos and eos positions', () => {
    const r = rows([{ kind: 'video_audio', grid: [4, 2, 2], secondsPerGrid: 1, audioTokens: 120 }]);
    const audio = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
    // bos bos | V(t=1) V(t=26) | A 1..50 | V(t=51) V(t=76) | A 51..100 | A 101..120 | eos eos
    expect(r.t).toEqual([0, 0, 1, 26, ...audio(1, 51), 51, 76, ...audio(51, 101), ...audio(101, 121), 121, 121]);
    expect(r.h).toEqual([0, 0, 1, 1, ...audio(1, 51), 1, 1, ...audio(51, 101), ...audio(101, 121), 121, 121]);
    expect(r.max).toBe(121);
    expect(r.next).toBe(122);
    expect(r.t.length).toBe(segmentLength({ kind: 'video_audio', grid: [4, 2, 2], secondsPerGrid: 1, audioTokens: 120 }));
  });

  it('starts the closing tokens after the last chunk, as Qwen does, even when an earlier chunk reached higher', () => {
    // One frame pair 2x200 patches -> 100 tokens with w = 1..100; 10 audio tokens end at 10: eos at 11.
    const r = rows([{ kind: 'video_audio', grid: [1, 2, 200], secondsPerGrid: 1, audioTokens: 10 }, { kind: 'text', length: 1 }]);
    expect(r.w.slice(2, 102)).toEqual(Array.from({ length: 100 }, (_, i) => 1 + i));
    expect(r.t.slice(102)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11, 12]);
    expect(r.max).toBe(100); // the rope delta uses the overall maximum
  });
});

describe('chunkedIndex (get_chunked_index)', () => {
  it('cuts where values reach the next multiple of the chunk size', () => {
    expect(chunkedIndex([0, 0, 60, 60, 130], 50)).toEqual([
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
  });

  it('advances one chunk per crossing even when a value jumps several chunks', () => {
    expect(chunkedIndex([0, 100, 200], 50)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });

  it('lays out a 10 s video with 250 audio tokens as five chunks of 2 groups and 50 audio tokens', () => {
    const chunks = audioVideoChunks([10, 20, 28], 1, 250, QWEN_ROPE_CONFIG);
    expect(chunks).toHaveLength(5);
    expect(chunks[0]).toEqual({ video: [0, 280], audio: [0, 50] });
    expect(chunks[4]).toEqual({ video: [1120, 1400], audio: [200, 250] });
  });
});
