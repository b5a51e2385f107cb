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
  image: 151655,
  video: 151656,
} as const;
