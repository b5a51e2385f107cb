/**
 * The Qwen2.5-Omni chat template and placeholder expansion (Qwen2_5OmniProcessor): messages
 * become `<|im_start|>role\n...<|im_end|>\n` blocks (default system prompt first), media
 * parts become their bos token, one placeholder per encoder output row, and their eos token;
 * `video_with_audio` interleaves the video's and its audio's placeholders in 2 s chunks
 * (use_audio_in_video). Text is tokenized between special tokens, which are spliced in by id;
 * `tokens` parts (an assistant turn's generated ids) are spliced in verbatim.
 */
import { ModelError } from '../errors.js';
import { audioVideoChunks, gridTokens, ropePositions, type Grid, type RopeConfig, type RopeSegment } from './rope.js';
import type { OmniTokenizer } from './tokenizer.js';
import type { BuiltPrompt, ContentPart, DecoderState, EncoderOutput, Message, PromptOptions, TokenCounts } from './types.js';
import { QWEN_OMNI_TOKEN_IDS as QWEN_IDS } from './token-ids.js';

/** The system prompt Qwen2.5-Omni expects (its processor warns without it). */
export const DEFAULT_SYSTEM_PROMPT =
  'You are Qwen, a virtual human developed by the Qwen Team, Alibaba Group, capable of perceiving auditory and visual inputs, as well as generating text and speech.';

/** Special token ids the template uses (genai_config.json model.*_token_id, plus im_start/im_end). */
export interface PromptTokenIds {
  imStart: number;
  imEnd: number;
  audio: number;
  audioStart: number;
  audioEnd: number;
  visionStart: number;
  visionEnd: number;
  image: number;
  video: number;
}

/** Qwen2.5-Omni's ids (DESIGN.md section 3). */
export const QWEN_OMNI_TOKEN_IDS: PromptTokenIds = QWEN_IDS;

/** What the template needs besides the messages. */
export interface PromptContext {
  tokenizer: Pick<OmniTokenizer, 'encode'>;
  tokenIds: PromptTokenIds;
  rope: RopeConfig;
  /** Decoder hidden size: every feature row must have this width. */
  hiddenSize: number;
  /** The system prompt added when the messages start without one. Default Qwen2.5-Omni's (DEFAULT_SYSTEM_PROMPT). */
  systemPrompt?: string;
}

/** A template piece: text to tokenize, or a media part. */
type Piece =
  | { type: 'text'; text: string }
  | { type: 'special'; token: 'imStart' | 'imEnd' }
  | { type: 'ids'; ids: readonly number[] }
  | { type: 'media'; part: Exclude<ContentPart, { type: 'text' } | { type: 'tokens' }>; where: string };

/**
 * Whether a turn's content already ends with `<|im_end|>` (a tokens part whose answer ended on
 * that eos): the template then does not close it a second time. The same rule as
 * continuationPrefix, so a conversation rebuilt with the generated ids equals the KV-cache path.
 */
function endsWithImEnd(parts: readonly ContentPart[], imEnd: number): boolean {
  const last = parts[parts.length - 1];
  return last?.type === 'tokens' && last.ids[last.ids.length - 1] === imEnd;
}

function checkIds(where: string, ids: readonly number[]): void {
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0) throw new TypeError(`${where}: token ids must be non-negative integers, got ${String(id)}`);
  }
}

function templatePieces(messages: readonly Message[], options: PromptOptions, imEnd: number, systemPrompt: string): Piece[] {
  const pieces: Piece[] = [];
  const special = (token: 'imStart' | 'imEnd'): Piece => ({ type: 'special', token });
  const addDefault = options.defaultSystemPrompt ?? options.history === undefined;
  if (addDefault && messages[0]?.role !== 'system') {
    pieces.push(special('imStart'), { type: 'text', text: `system\n${systemPrompt}` }, special('imEnd'), { type: 'text', text: '\n' });
  }
  messages.forEach((message, m) => {
    pieces.push(special('imStart'), { type: 'text', text: `${message.role}\n` });
    const parts: ContentPart[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    parts.forEach((part, p) => {
      const where = `messages[${m}].content[${p}] (${part.type})`;
      if (part.type === 'text') pieces.push({ type: 'text', text: part.text });
      else if (part.type === 'tokens') {
        checkIds(where, part.ids);
        pieces.push({ type: 'ids', ids: part.ids });
      } else if (message.role === 'user') pieces.push({ type: 'media', part, where });
      else throw new TypeError(`messages[${m}]: ${message.role} turns carry text and tokens only, got a ${part.type} part`);
    });
    if (!endsWithImEnd(parts, imEnd)) pieces.push(special('imEnd'));
    pieces.push({ type: 'text', text: '\n' });
  });
  if (options.addGenerationPrompt ?? true) pieces.push(special('imStart'), { type: 'text', text: 'assistant\n' });
  return pieces;
}

function checkFeatures(where: string, what: string, features: EncoderOutput, tokens: number, hiddenSize: number): void {
  if (features.tokens !== tokens) {
    throw new ModelError(`${where}: ${what} has ${features.tokens} rows but the prompt needs ${tokens} placeholder tokens (encoder output and grid/length disagree)`);
  }
  if (features.hiddenSize !== hiddenSize || features.features.length !== features.tokens * features.hiddenSize) {
    throw new ModelError(`${where}: ${what} must be [${tokens}, ${hiddenSize}], got ${features.features.length} values with hiddenSize ${features.hiddenSize}`);
  }
}

function checkGrid(where: string, grid: Grid, mergeSize: number): void {
  if (grid.length !== 3 || !grid.every((d) => Number.isInteger(d) && d > 0) || grid[1] % mergeSize || grid[2] % mergeSize) {
    throw new ModelError(`${where}: gridThw must be 3 positive integers with h and w multiples of ${mergeSize}, got [${grid.join(', ')}]`);
  }
}

/**
 * Appends `items` to `target` in place. Not `target.push(...items)`: a spread passes every item
 * as an argument, and a long text (a 1 MB question is ~220,000 tokens) overflows the call stack.
 */
export function append<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Ids that close the previous assistant turn whose generated tokens are cached: the pending
 * (generated, not yet fed) ids, `<|im_end|>` unless the answer ended on it (cut by
 * max_new_tokens, or ended by another eos such as <|endoftext|>), and the newline the template
 * puts after every turn. The full-conversation template closes an assistant `tokens` turn by the
 * same rule (endsWithImEnd), so both paths give the same ids and positions.
 */
function continuationPrefix(history: DecoderState, ids: PromptTokenIds, tokenizer: PromptContext['tokenizer']): number[] {
  const prefix = [...history.pendingIds];
  if (prefix[prefix.length - 1] !== ids.imEnd) prefix.push(ids.imEnd);
  return [...prefix, ...tokenizer.encode('\n')];
}

/**
 * Builds the prompt of `messages`: ids with placeholders expanded, TMRoPE positions, token
 * counts and the encoder features in placeholder order. Throws ModelError when a part's
 * features do not match its placeholder count.
 */
export function buildPrompt(messages: readonly Message[], ctx: PromptContext, options: PromptOptions = {}): BuiltPrompt {
  const { tokenIds: T, rope, hiddenSize } = ctx;
  const m = rope.spatialMergeSize;
  const ids: number[] = [];
  const segments: RopeSegment[] = [];
  const counts: TokenCounts = { text: 0, audio: 0, video: 0, image: 0, total: 0 };
  const image: Float32Array[] = [];
  const audio: Float32Array[] = [];
  let pendingText: number[] = options.history ? continuationPrefix(options.history, T, ctx.tokenizer) : [];
  const flushText = (): void => {
    if (pendingText.length === 0) return;
    append(ids, pendingText);
    segments.push({ kind: 'text', length: pendingText.length });
    counts.text += pendingText.length;
    pendingText = [];
  };
  const repeat = (id: number, n: number): void => {
    for (let i = 0; i < n; i++) ids.push(id);
  };

  for (const piece of templatePieces(messages, options, T.imEnd, ctx.systemPrompt ?? DEFAULT_SYSTEM_PROMPT)) {
    if (piece.type === 'special') pendingText.push(T[piece.token]);
    else if (piece.type === 'ids') append(pendingText, piece.ids);
    else if (piece.type === 'text') append(pendingText, ctx.tokenizer.encode(piece.text));
    else {
      flushText();
      const { part, where } = piece;
      counts.text += part.type === 'video_with_audio' ? 4 : 2; // bos/eos markers
      switch (part.type) {
        case 'audio':
          checkFeatures(where, 'audio features', part.features, part.features.tokens, hiddenSize);
          ids.push(T.audioStart);
          repeat(T.audio, part.features.tokens);
          ids.push(T.audioEnd);
          segments.push({ kind: 'audio', tokens: part.features.tokens });
          counts.audio += part.features.tokens;
          audio.push(part.features.features);
          break;
        case 'image':
        case 'video': {
          checkGrid(where, part.gridThw, m);
          const n = gridTokens(part.gridThw, m);
          checkFeatures(where, `${part.type} features`, part.features, n, hiddenSize);
          ids.push(T.visionStart);
          repeat(part.type === 'image' ? T.image : T.video, n);
          ids.push(T.visionEnd);
          segments.push(part.type === 'image' ? { kind: 'image', grid: part.gridThw } : { kind: 'video', grid: part.gridThw, secondsPerGrid: part.secondsPerGrid });
          counts[part.type] += n;
          image.push(part.features.features);
          break;
        }
        case 'video_with_audio': {
          checkGrid(where, part.gridThw, m);
          const n = gridTokens(part.gridThw, m);
          checkFeatures(where, 'video features', part.video, n, hiddenSize);
          checkFeatures(where, 'audio features', part.audio, part.audio.tokens, hiddenSize);
          ids.push(T.visionStart, T.audioStart);
          for (const chunk of audioVideoChunks(part.gridThw, part.secondsPerGrid, part.audio.tokens, rope)) {
            if (chunk.video) repeat(T.video, chunk.video[1] - chunk.video[0]);
            if (chunk.audio) repeat(T.audio, chunk.audio[1] - chunk.audio[0]);
          }
          ids.push(T.audioEnd, T.visionEnd);
          segments.push({ kind: 'video_audio', grid: part.gridThw, secondsPerGrid: part.secondsPerGrid, audioTokens: part.audio.tokens });
          counts.video += n;
          counts.audio += part.audio.tokens;
          image.push(part.video.features);
          audio.push(part.audio.features);
          break;
        }
      }
    }
  }
  flushText();
  counts.total = ids.length;

  const pastLength = options.history?.past.length ?? 0;
  const start = options.history?.nextPosition ?? 0;
  const { positions, maxPosition } = ropePositions(segments, rope, start);
  const nextPosition = Math.max(maxPosition + 1, start);
  return {
    ids,
    positionIds: positions,
    ropeDelta: nextPosition - (pastLength + ids.length),
    nextPosition,
    counts,
    imageFeatures: concat(image),
    audioFeatures: concat(audio),
  };
}
