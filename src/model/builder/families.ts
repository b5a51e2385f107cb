/**
 * The model families the reference builder writes (/work/notes/family-contract.md): each is
 * a real ONNX Runtime GenAI model folder layout with its own components, token ids and
 * Hugging Face config files. Builder-local on purpose: the runtime has its own family
 * registry, and the two meet only through the files written.
 */
import { UsageError } from '../../errors.js';

/** Families the builder writes; the first is the default. */
export const FAMILIES = ['qwen2_5_omni', 'qwen2_5_vl', 'phi4mm'] as const;

/** One of {@link FAMILIES}. */
export type FamilyName = (typeof FAMILIES)[number];

/** The default family: Qwen2.5-Omni's thinker (the model omni-bench was built around). */
export const DEFAULT_FAMILY: FamilyName = 'qwen2_5_omni';

/** True when `name` is one of {@link FAMILIES}. */
export function isFamilyName(name: string): name is FamilyName {
  return (FAMILIES as readonly string[]).includes(name);
}

/** `name` as a family; throws UsageError naming the choices otherwise. */
export function parseFamily(name: string): FamilyName {
  if (isFamilyName(name)) return name;
  throw new UsageError(`unknown family '${name}': use ${FAMILIES.join(', ')}`);
}

/** File names of a model folder (the ONNX Runtime GenAI layout plus Hugging Face's configs). */
export const MODEL_FILES = {
  genaiConfig: 'genai_config.json',
  config: 'config.json',
  preprocessorConfig: 'preprocessor_config.json',
  tokenizer: 'tokenizer.json',
  tokenizerConfig: 'tokenizer_config.json',
} as const;

/** Qwen2.5 / Qwen2.5-Omni / Qwen2.5-VL vocabulary size (embedding rows; the BPE uses fewer). */
export const QWEN_VOCAB_SIZE = 151936;

/** Phi-4-multimodal's vocabulary size (o200k plus Phi-4's added tokens, padded to 200064 rows). */
export const PHI4MM_VOCAB_SIZE = 200064;

/** Qwen2.5-Omni's special token ids (Qwen2.5-VL shares the vision ones) and Phi-4-multimodal's: one list, in src/model/token-ids.ts. */
export { QWEN_OMNI_TOKEN_IDS as QWEN_TOKEN_IDS, PHI4MM_TOKEN_IDS } from '../token-ids.js';

/** Vocabulary size of a family's embedding table and lm_head. */
export function vocabSizeOf(family: FamilyName): number {
  return family === 'phi4mm' ? PHI4MM_VOCAB_SIZE : QWEN_VOCAB_SIZE;
}
