/**
 * Qwen2.5-Omni's special token ids (DESIGN.md section 3; Qwen2.5 and Qwen3 share the
 * vocabulary). The builder writes them into genai_config.json; the runtime reads them from
 * there, falling back to these.
 */
export const QWEN_OMNI_TOKEN_IDS = {
  endoftext: 151643,
  imStart: 151644,
  imEnd: 151645,
  audio: 151646,
  audioStart: 151647,
  audioEnd: 151648,
  visionStart: 151652,
  visionEnd: 151653,
  /** Qwen2.5-VL's `vision_token_id` (<|vision_pad|>). */
  visionPad: 151654,
  image: 151655,
  video: 151656,
} as const;

/**
 * Phi-4-multimodal's special token ids (its tokenizer.json's added tokens): <|endoftext10|> is
 * the image placeholder, <|endoftext11|> the audio placeholder. The builder writes them; the
 * phi4mm adapter falls back to them when the tokenizer lacks a name.
 */
export const PHI4MM_TOKEN_IDS = {
  endoftext: 199999,
  image: 200010,
  audio: 200011,
  endofprompt: 200018,
  assistant: 200019,
  end: 200020,
  user: 200021,
  system: 200022,
} as const;
