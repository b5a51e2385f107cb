/**
 * TMRoPE position ids with the semantics of Qwen2.5-Omni's `get_rope_index`
 * (transformers, modeling_qwen2_5_omni.py): text advances by 1 on all three rows (t, h, w);
 * vision tokens take t = floor(temporal index * seconds per grid * position_id_per_seconds)
 * and h, w = the merged-grid row and column, all offset by the modality's start; audio takes
 * sequential positions on all three rows. With use_audio_in_video the video and its audio
 * are interleaved in chunks of seconds_per_chunk (2 s = 50 positions), both `<|vision_bos|>`
 * and `<|audio_bos|>` share one position, as do the two closing tokens.
 *
 * One quirk is kept on purpose: a piece starts at max(previous piece) + 1, where "previous
 * piece" is the last appended block (Qwen's `llm_pos_ids_list[-1].max() + 1`), not the
 * running maximum; the rope delta uses the overall maximum.
 */

/** [t, h, w] in 14-pixel patches (before the 2x2 merge). */
export type Grid = readonly [number, number, number];

/** A run of prompt tokens with one position rule. Modality segments include their bos/eos tokens. */
export type RopeSegment =
  /** Text and template tokens: sequential positions. */
  | { kind: 'text'; length: number }
  /** `<|audio_bos|>` + tokens x `<|AUDIO|>` + `<|audio_eos|>`. */
  | { kind: 'audio'; tokens: number }
  /** `<|vision_bos|>` + t*h*w/merge^2 x `<|IMAGE|>` + `<|vision_eos|>`. */
  | { kind: 'image'; grid: Grid }
  /** `<|vision_bos|>` + t*h*w/merge^2 x `<|VIDEO|>` + `<|vision_eos|>`. */
  | { kind: 'video'; grid: Grid; secondsPerGrid: number }
  /** `<|vision_bos|><|audio_bos|>`, per chunk its video then its audio tokens, `<|audio_eos|><|vision_eos|>`. */
  | { kind: 'video_audio'; grid: Grid; secondsPerGrid: number; audioTokens: number };

/** The config values TMRoPE needs (genai_config.json model.*). */
export interface RopeConfig {
  /** vision.spatial_merge_size. Default 2. */
  spatialMergeSize: number;
  /** Temporal positions per second of media (25). */
  positionIdPerSeconds: number;
  /** use_audio_in_video chunk length in seconds (2). */
  secondsPerChunk: number;
}

/** Qwen2.5-Omni's values. */
export const QWEN_ROPE_CONFIG: RopeConfig = { spatialMergeSize: 2, positionIdPerSeconds: 25, secondsPerChunk: 2 };

/** Positions of a run of segments. */
export interface RopePositions {
  /** Row-major [3, S]: rows t, h, w. */
  positions: Int32Array;
  /** Largest position on any row (startPosition - 1 when there are no tokens). */
  maxPosition: number;
  /** Where a following piece starts: max of the last piece + 1 (get_rope_index's rule). */
  nextPosition: number;
}

/** Tokens of a segment, bos/eos included. */
export function segmentLength(segment: RopeSegment, mergeSize = 2): number {
  switch (segment.kind) {
    case 'text':
      return segment.length;
    case 'audio':
      return segment.tokens + 2;
    case 'image':
    case 'video':
      return gridTokens(segment.grid, mergeSize) + 2;
    case 'video_audio':
      return gridTokens(segment.grid, mergeSize) + segment.audioTokens + 4;
  }
}

/** Vision tokens of a grid: t * h * w / merge^2. */
export function gridTokens(grid: Grid, mergeSize = 2): number {
  return (grid[0] * grid[1] * grid[2]) / (mergeSize * mergeSize);
}

/**
 * Temporal position of each temporal group: floor(i * secondsPerGrid * position_id_per_seconds),
 * in float32 as torch computes it (`arange * second_per_grid.float() * 25`, then `.long()`).
 */
export function temporalIndices(groups: number, secondsPerGrid: number, positionIdPerSeconds: number): number[] {
  const spg = Math.fround(secondsPerGrid);
  return Array.from({ length: groups }, (_, i) => Math.floor(Math.fround(Math.fround(i * spg) * positionIdPerSeconds)));
}

/**
 * Qwen's get_chunked_index: [start, end) slices of a non-decreasing list, a new slice each time
 * a value reaches the next multiple of `perChunk`. The chunk counter advances by one per
 * boundary crossed, even when a value jumps several chunks (Qwen does the same).
 */
export function chunkedIndex(values: readonly number[], perChunk: number): [number, number][] {
  const chunks: [number, number][] = [];
  let start = 0;
  let chunk = 1;
  for (let i = 0; i < values.length; i++) {
    if ((values[i] as number) >= chunk * perChunk) {
      chunks.push([start, i]);
      start = i;
      chunk += 1;
    }
  }
  chunks.push([start, values.length]);
  return chunks;
}

/** One use_audio_in_video chunk: [start, end) of the video tokens and of the audio tokens it holds. */
export interface AudioVideoChunk {
  video: [number, number] | null;
  audio: [number, number] | null;
}

/**
 * The interleaving of a video with its audio (the processor's placeholder layout and the
 * rope index share it): chunk j holds the video tokens whose temporal position falls in
 * [j, j+1) x seconds_per_chunk, then the audio tokens of that span.
 */
export function audioVideoChunks(grid: Grid, secondsPerGrid: number, audioTokens: number, config: RopeConfig): AudioVideoChunk[] {
  const perGroup = (grid[1] * grid[2]) / (config.spatialMergeSize * config.spatialMergeSize);
  const tVideo = temporalIndices(grid[0], secondsPerGrid, config.positionIdPerSeconds).flatMap((t) => new Array<number>(perGroup).fill(t));
  const tAudio = Array.from({ length: audioTokens }, (_, i) => i);
  const perChunk = Math.trunc(config.positionIdPerSeconds * config.secondsPerChunk);
  const video = chunkedIndex(tVideo, perChunk);
  const audio = chunkedIndex(tAudio, perChunk);
  return Array.from({ length: Math.max(video.length, audio.length) }, (_, j) => ({ video: video[j] ?? null, audio: audio[j] ?? null }));
}

/** Writes positions piece by piece, tracking the last piece's max and the overall max. */
class PositionWriter {
  readonly t: number[] = [];
  readonly h: number[] = [];
  readonly w: number[] = [];
  lastMax: number;
  max: number;
  constructor(start: number) {
    this.lastMax = start - 1;
    this.max = start - 1;
  }
  /** Where the next piece starts. */
  get next(): number {
    return this.lastMax + 1;
  }
  /** `length` sequential positions from `start` on all rows (one piece). */
  sequential(length: number, start = this.next): void {
    if (length <= 0) return;
    for (let i = 0; i < length; i++) {
      this.t.push(start + i);
      this.h.push(start + i);
      this.w.push(start + i);
    }
    this.endPiece(start + length - 1);
  }
  /** Explicit (t, h, w) triples (one piece). */
  triples(t: readonly number[], h: readonly number[], w: readonly number[]): void {
    if (t.length === 0) return;
    let max = -Infinity;
    for (let i = 0; i < t.length; i++) {
      const a = t[i] as number;
      const b = h[i] as number;
      const c = w[i] as number;
      this.t.push(a);
      this.h.push(b);
      this.w.push(c);
      max = Math.max(max, a, b, c);
    }
    this.endPiece(max);
  }
  private endPiece(max: number): void {
    this.lastMax = max;
    this.max = Math.max(this.max, max);
  }
}

/** Vision positions (get_llm_pos_ids_for_vision): per temporal group, row-major merged grid, offset by `start`. */
function visionTriples(grid: Grid, tIndex: readonly number[], mergeSize: number, start: number): { t: number[]; h: number[]; w: number[] } {
  const gh = grid[1] / mergeSize;
  const gw = grid[2] / mergeSize;
  const t: number[] = [];
  const h: number[] = [];
  const w: number[] = [];
  for (const ti of tIndex) {
    for (let r = 0; r < gh; r++) {
      for (let c = 0; c < gw; c++) {
        t.push(ti + start);
        h.push(r + start);
        w.push(c + start);
      }
    }
  }
  return { t, h, w };
}

/**
 * TMRoPE positions of `segments`, the first token at `startPosition` (0 for a fresh prompt;
 * the previous turn's max position + 1 when continuing a cached conversation).
 */
export function ropePositions(segments: readonly RopeSegment[], config: RopeConfig = QWEN_ROPE_CONFIG, startPosition = 0): RopePositions {
  const m = config.spatialMergeSize;
  const out = new PositionWriter(startPosition);
  for (const segment of segments) {
    switch (segment.kind) {
      case 'text':
        out.sequential(segment.length);
        break;
      case 'audio':
        out.sequential(1); // <|audio_bos|>
        out.sequential(segment.tokens);
        out.sequential(1); // <|audio_eos|>
        break;
      case 'image':
      case 'video': {
        out.sequential(1); // <|vision_bos|>
        // Images: one temporal group per 1 s (Qwen multiplies by 1 * position_id_per_seconds).
        const spg = segment.kind === 'image' ? 1 : segment.secondsPerGrid;
        const v = visionTriples(segment.grid, temporalIndices(segment.grid[0], spg, config.positionIdPerSeconds), m, out.next);
        out.triples(v.t, v.h, v.w);
        out.sequential(1); // <|vision_eos|>
        break;
      }
      case 'video_audio': {
        const bos = out.next;
        out.sequential(1, bos); // <|vision_bos|>
        out.sequential(1, bos); // <|audio_bos|>, same position
        const start = out.next;
        const v = visionTriples(segment.grid, temporalIndices(segment.grid[0], segment.secondsPerGrid, config.positionIdPerSeconds), m, start);
        for (const chunk of audioVideoChunks(segment.grid, segment.secondsPerGrid, segment.audioTokens, config)) {
          if (chunk.video) out.triples(v.t.slice(...chunk.video), v.h.slice(...chunk.video), v.w.slice(...chunk.video));
          if (chunk.audio && chunk.audio[1] > chunk.audio[0]) out.sequential(chunk.audio[1] - chunk.audio[0], start + chunk.audio[0]);
        }
        const eos = out.next;
        out.sequential(1, eos); // <|audio_eos|>
        out.sequential(1, eos); // <|vision_eos|>, same position
        break;
      }
    }
  }
  const n = out.t.length;
  const positions = new Int32Array(3 * n);
  positions.set(out.t, 0);
  positions.set(out.h, n);
  positions.set(out.w, 2 * n);
  return { positions, maxPosition: out.max, nextPosition: out.next };
}
