/**
 * The model families omni-bench runs, by genai_config.json model.type: one adapter file each.
 */
import type { FamilyName } from '../genai-config.js';
import type { FamilyAdapter } from './family.js';
import { phi4mm } from './phi4mm.js';
import { qwen2_5_omni } from './qwen2_5_omni.js';
import { qwen2_5_vl } from './qwen2_5_vl.js';

export const FAMILIES: Record<FamilyName, FamilyAdapter> = { qwen2_5_omni, qwen2_5_vl, phi4mm };

export type { FamilyAdapter, FamilyTakes } from './family.js';
