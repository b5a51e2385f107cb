/**
 * What a model family's adapter provides (one file per family beside this one): where its values
 * live in the files a real export ships, which media its processor takes, how its audio features
 * are made, and its chat template with placeholder expansion and position ids. The runtime
 * (omni-model.ts) feeds each component through these; stage names and record columns are the
 * same for every family.
 */
import type { FamilyName, GenaiConfig, SpeechConfig, VisionConfig } from '../genai-config.js';
import type { Candidate, Resolution } from '../config-resolution.js';
import type { OmniTokenizer } from '../tokenizer.js';
import type { BuiltPrompt, Message, PromptOptions } from '../types.js';

/** Token-id fields of the resolved config a family fills. */
export type TokenFields = Pick<
  GenaiConfig['model'],
  'image_token_id' | 'video_token_id' | 'audio_token_id' | 'audio_start_token_id' | 'audio_end_token_id' | 'vision_start_token_id' | 'vision_end_token_id' | 'position_id_per_seconds' | 'seconds_per_chunk'
>;

/** What a family's resolver returns. */
export interface FamilyParts {
  /** False when a required value is missing (recorded in the resolution). */
  ok: boolean;
  tokens: TokenFields;
  vision?: VisionConfig;
  speech?: SpeechConfig;
}

/** Context of a family's resolver. */
export interface ResolveContext {
  /** The decoder hidden size (the width of every feature row), when resolved. */
  decoderHidden: number | null;
  /** Candidates of a text-model field in config.json (the family's nesting). */
  text: (key: string) => Candidate[];
}

/** What building a prompt needs besides the messages. */
export interface FamilyPromptContext {
  config: GenaiConfig;
  tokenizer: Pick<OmniTokenizer, 'encode' | 'tokenId'>;
}

/** Media a family's processor takes. */
export interface FamilyTakes {
  audio: boolean;
  video: boolean;
  image: boolean;
}

/** One family's adapter. */
export interface FamilyAdapter {
  name: FamilyName;
  /** What the family is, for messages. */
  title: string;
  /** config.json prefixes where the text model's fields live, most specific first (`thinker_config.text_config.`). */
  textConfigPaths: string[];
  takes: FamilyTakes;
  /** Which log-mel its audio encoder takes: Whisper's (Qwen2.5-Omni) or Phi-4-multimodal's own; null without audio. */
  audioFeatures: 'whisper' | 'phi4mm' | null;
  /** Fixed values of the family used when no file gives them. */
  defaults: { eos?: { value: number[]; label: string } };
  /** Resolves the family's sections and token ids (missing values go to `r.missing`). */
  resolve(r: Resolution, ctx: ResolveContext): FamilyParts;
  /** Chat template, tokenization, placeholder expansion and position ids. */
  buildPrompt(messages: readonly Message[], ctx: FamilyPromptContext, options: PromptOptions): BuiltPrompt;
}

/** A name from genai_config.json's inputs/outputs map, or the family's default name (labelled). */
export function tensorName(r: Resolution, section: string, key: string, fallback: string, label: string): string {
  return r.value<string>(`model.${section}.${key}`, 'string', [r.genaiPath(`model.${section}.${key}`)], { fallback: { value: fallback, label } }) as string;
}

/** A section's component file name (required). */
export function sectionFile(r: Resolution, section: string): string | null {
  return r.value<string>(`model.${section}.filename`, 'string', [r.genaiPath(`model.${section}.filename`)]);
}

/** Whether genai_config.json has the section. */
export function hasSection(r: Resolution, section: string): boolean {
  const model = r.genai.json['model'] as Record<string, unknown>;
  const value = model[section];
  return typeof value === 'object' && value !== null;
}
