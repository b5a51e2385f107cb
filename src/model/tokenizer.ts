/**
 * The model directory's text tokenizer: Qwen's byte-level BPE from `tokenizer.json`, run by
 * @huggingface/tokenizers. Special tokens of the chat template are spliced in by id (see
 * prompt.ts), so a tokenizer.json whose added tokens carry other names (Qwen3's ships
 * `<|vision_start|>` where Qwen2.5-Omni says `<|vision_bos|>`) gives the same ids.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelError } from '../errors.js';
import { MAX_TEXT_FILE_BYTES, readRegularFileSync, resolveInside } from '../safe-fs.js';
import { MAX_CONFIG_BYTES, modelError, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE } from './genai-config.js';

/** Text <-> ids for one model directory. */
export class OmniTokenizer {
  private constructor(private readonly tokenizer: Tokenizer) {}

  /**
   * Loads `<dir>/tokenizer.json` (and tokenizer_config.json when present); only regular files
   * are read, with a size limit. Throws ModelError naming the file.
   */
  static load(dir: string): OmniTokenizer {
    const file = join(dir, TOKENIZER_FILE);
    if (!existsSync(file)) throw new ModelError(`${file}: not found (a model directory needs its tokenizer.json)`);
    const configFile = join(dir, TOKENIZER_CONFIG_FILE);
    for (const name of [TOKENIZER_FILE, TOKENIZER_CONFIG_FILE]) {
      const inside = resolveInside(dir, name);
      if (!inside.ok) throw new ModelError(`${join(dir, name)}: ${inside.reason}; a model folder's tokenizer files must lie inside it`);
    }
    const text = readRegularFileSync(file, 'tokenizer', modelError, MAX_TEXT_FILE_BYTES).toString('utf8');
    const configText = existsSync(configFile) ? readRegularFileSync(configFile, 'tokenizer config', modelError, MAX_CONFIG_BYTES).toString('utf8') : '{}';
    try {
      const json = JSON.parse(text) as object;
      const config = JSON.parse(configText) as object;
      return new OmniTokenizer(new Tokenizer(json, config));
    } catch (error) {
      throw new ModelError(`${file}: cannot be loaded as a tokenizer (${(error as Error).message.split('\n')[0]})`, undefined, { cause: error });
    }
  }

  /** Ids of `text` without any added bos/eos (the chat template places every special token itself). */
  encode(text: string): number[] {
    if (text.length === 0) return [];
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** Text of `ids`; special tokens skipped by default. */
  decode(ids: readonly number[], skipSpecialTokens = true): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: skipSpecialTokens });
  }

  /** Id of a token string, e.g. `<|im_start|>`; undefined when the vocabulary lacks it. */
  tokenId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }
}
