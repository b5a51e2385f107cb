/**
 * The model families omni-bench runs, by genai_config.json model.type: one adapter file each.
 */
import type { FamilyName, GenaiConfig } from '../genai-config.js';
import type { FamilyAdapter, FamilyTakes } from './family.js';
import { phi4mm } from './phi4mm.js';
import { qwen2_5_omni } from './qwen2_5_omni.js';
import { qwen2_5_vl } from './qwen2_5_vl.js';

export const FAMILIES: Record<FamilyName, FamilyAdapter> = { qwen2_5_omni, qwen2_5_vl, phi4mm };

export type { FamilyAdapter, FamilyTakes } from './family.js';

/** What a resolved model takes: its family's media, where the model has the encoder for them. */
export function familyTakes(config: Pick<GenaiConfig, 'family' | 'model'>): FamilyTakes {
  const t = FAMILIES[config.family].takes;
  const vision = config.model.vision !== undefined;
  return { audio: t.audio && config.model.speech !== undefined, video: t.video && vision, image: t.image && vision };
}
