/**
 * Reference model presets (DESIGN.md section 3): the widths and depths of each component.
 * A preset file (`--preset PATH.json`) holds the same fields as {@link ModelPreset}.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors.js';

/** Audio encoder dims (Qwen2.5-Omni audio tower). */
export interface SpeechDims {
  dModel: number;
  layers: number;
  heads: number;
  ffnDim: number;
}

/** Vision encoder dims (Qwen2.5-VL vision tower). */
export interface VisionDims {
  hiddenSize: number;
  layers: number;
  heads: number;
  intermediateSize: number;
}

/** Decoder dims (Qwen2 thinker). */
export interface DecoderDims {
  hiddenSize: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headSize: number;
  intermediateSize: number;
}

/** One preset: a name and the dims of every component. */
export interface ModelPreset {
  name: string;
  speech: SpeechDims;
  vision: VisionDims;
  decoder: DecoderDims;
}

/** Built-in presets. `tiny` is for tests; `small` is the default benchmark model. */
export const PRESETS: Record<'tiny' | 'small', ModelPreset> = {
  tiny: {
    name: 'tiny',
    speech: { dModel: 64, layers: 2, heads: 2, ffnDim: 256 },
    vision: { hiddenSize: 64, layers: 2, heads: 2, intermediateSize: 256 },
    decoder: { hiddenSize: 128, layers: 2, heads: 4, kvHeads: 2, headSize: 32, intermediateSize: 384 },
  },
  small: {
    name: 'small',
    speech: { dModel: 384, layers: 4, heads: 6, ffnDim: 1536 },
    vision: { hiddenSize: 256, layers: 4, heads: 4, intermediateSize: 1024 },
    decoder: { hiddenSize: 512, layers: 6, heads: 8, kvHeads: 2, headSize: 64, intermediateSize: 1536 },
  },
};

/** Names of the built-in presets. */
export const PRESET_NAMES = Object.keys(PRESETS) as (keyof typeof PRESETS)[];

function isPresetName(name: string): name is keyof typeof PRESETS {
  return (PRESET_NAMES as string[]).includes(name);
}

function checkDims(where: string, obj: unknown, fields: string[]): void {
  if (typeof obj !== 'object' || obj === null) throw new UsageError(`${where}: expected an object with ${fields.join(', ')}`);
  for (const f of fields) {
    const v = (obj as Record<string, unknown>)[f];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new UsageError(`${where}.${f}: expected a positive integer, got ${JSON.stringify(v)}`);
    }
  }
}

/** Checks the divisibility rules the graphs rely on; throws UsageError naming the field. */
export function validatePreset(p: ModelPreset, where: string): ModelPreset {
  checkDims(`${where} speech`, p.speech, ['dModel', 'layers', 'heads', 'ffnDim']);
  checkDims(`${where} vision`, p.vision, ['hiddenSize', 'layers', 'heads', 'intermediateSize']);
  checkDims(`${where} decoder`, p.decoder, ['hiddenSize', 'layers', 'heads', 'kvHeads', 'headSize', 'intermediateSize']);
  if (p.speech.dModel % p.speech.heads) throw new UsageError(`${where}: speech.dModel must be a multiple of speech.heads`);
  if (p.speech.dModel % 2) throw new UsageError(`${where}: speech.dModel must be even (sinusoidal positions)`);
  if (p.vision.hiddenSize % p.vision.heads) throw new UsageError(`${where}: vision.hiddenSize must be a multiple of vision.heads`);
  if (p.decoder.heads % p.decoder.kvHeads) throw new UsageError(`${where}: decoder.heads must be a multiple of decoder.kvHeads`);
  if (p.decoder.headSize % 16) throw new UsageError(`${where}: decoder.headSize must be a multiple of 16 (M-RoPE sections)`);
  return p;
}

/** Resolves `tiny`, `small` or a preset JSON file. */
export function loadPreset(nameOrPath: string): ModelPreset {
  if (isPresetName(nameOrPath)) return PRESETS[nameOrPath];
  if (!nameOrPath.endsWith('.json')) {
    throw new UsageError(`unknown preset '${nameOrPath}': use ${PRESET_NAMES.join(', ')} or a preset .json file`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(nameOrPath, 'utf8'));
  } catch (error) {
    throw new UsageError(`preset file ${nameOrPath}: ${(error as Error).message.split('\n')[0]}`);
  }
  const p = raw as ModelPreset;
  const name = typeof p.name === 'string' && /^[A-Za-z0-9_.-]+$/.test(p.name) ? p.name : undefined;
  if (!name) throw new UsageError(`preset file ${nameOrPath}: "name" must be a string of letters, digits, '_', '.', '-'`);
  return validatePreset({ name, speech: p.speech, vision: p.vision, decoder: p.decoder }, `preset file ${nameOrPath}`);
}

/** M-RoPE sections [t, h, w] for a head size: Qwen's [16, 24, 24] (head 128) scaled to headSize/2. */
export function mropeSection(headSize: number): [number, number, number] {
  const half = headSize / 2;
  const t = (16 * half) / 64;
  const h = (24 * half) / 64;
  return [t, h, half - t - h];
}
