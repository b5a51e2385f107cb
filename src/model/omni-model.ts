/**
 * OmniModel: the runtime over a model directory (ONNX Runtime GenAI layout, DESIGN.md
 * section 3). One InferenceSession per component; tensor names come from genai_config.json.
 * Stage methods are what the pipeline and the middleware call; `generate` runs prompt ->
 * embed -> prefill -> first token -> decode through the caller's StageRunner. No timing here.
 */
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelError } from '../errors.js';
import { runStage } from '../stages.js';
import { componentPath, GENAI_CONFIG_FILE, layerName, presentComponents, readModelConfig, type ComponentName, type FamilyName, type GenaiConfig, type ProcessorConfig } from './genai-config.js';
import { FAMILIES, familyTakes, type FamilyTakes } from './families/index.js';
import { PHI4MM_SPEECH_MODE } from './families/phi4mm.js';
import { phi4mmAudioTokens } from '../media/phi4mm-mel.js';
import { loadProcessorConfig, type ModelWarning } from './processor-config.js';
import { greedyGenerate } from './generate.js';
import { checkOutputShape, checkShape, openSessions, runSession, sessionOptionsFor, type SessionOptionsUsed } from './sessions.js';
import { OmniTokenizer } from './tokenizer.js';
import type { SessionRunner, SessionRunResult, WorkerSessionSource } from './branch-worker.js';
import type { FamilyPromptContext } from './families/family.js';
import { audioTokens } from './flops.js';
import type {
  AudioEncodeOptions,
  BuiltPrompt,
  VisionEncodeOptions,
  DecoderOutput,
  EncoderOutput,
  GenerateOptions,
  GenerateResult,
  KvCache,
  MelFeatures,
  Message,
  OmniModelLoadOptions,
  PromptOptions,
  VisionPatches,
} from './types.js';

function tensorF32(data: Float32Array, dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

function tensorI64(values: ArrayLike<number>, dims: number[]): ort.Tensor {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i] as number);
  return new ort.Tensor('int64', data, dims);
}

function output(component: ComponentName, result: ort.InferenceSession.ReturnType, name: string): ort.Tensor {
  const t = result[name];
  if (!t) throw new ModelError(`${component}: output '${name}' missing from the run's results`);
  return t as ort.Tensor;
}

/** A loaded model: sessions, config and tokenizer of one model directory. */
export class OmniModel {
  private released = false;

  private constructor(
    /** The model directory (absolute). */
    readonly dir: string,
    /** genai_config.json. */
    readonly config: GenaiConfig,
    /** The audio processor config of a Whisper-feature family (Qwen2.5-Omni): preprocessor_config.json or processor_config.json; null for other families. */
    readonly processor: Readonly<ProcessorConfig> | null,
    /** What the caller should tell the user about this model folder (e.g. no processor config); each has a `message`. */
    readonly warnings: readonly ModelWarning[],
    private readonly loadedTokenizer: OmniTokenizer | ModelError,
    private readonly sessions: Partial<Record<ComponentName, ort.InferenceSession>>,
    /** The session options each component was opened with (genai_config.json's, the caller's overriding them): for meta.json. */
    readonly sessionOptionsUsed: Readonly<Partial<Record<ComponentName, SessionOptionsUsed>>>,
    /** The options the model was loaded with. */
    readonly loadOptions: Readonly<OmniModelLoadOptions>,
    /** Wall time of load (config, tokenizer, sessions), ms. */
    readonly loadMs: number,
    /** How the decoder takes positions: [3, 1, S] (Qwen M-RoPE, onnxruntime-genai's layout) or none (phi4mm: from the attention mask). */
    private readonly positionLayout: 'mrope' | 'none',
  ) {}

  /** The text tokenizer (tokenizer.json); a folder without one loads, and fails here, naming the file. */
  get tokenizer(): OmniTokenizer {
    if (this.loadedTokenizer instanceof ModelError) throw this.loadedTokenizer;
    return this.loadedTokenizer;
  }

  /** The model family (genai_config.json model.type): its adapter under src/model/families/. */
  get family(): FamilyName {
    return this.config.family;
  }

  /** What media the family's processor takes (a Qwen2.5-VL export has no audio encoder; phi4mm takes no video). */
  get takes(): FamilyTakes {
    return familyTakes(this.config);
  }

  /** Mel bins the audio encoder takes (speech num_mel_bins); undefined without one. */
  get audioMelBins(): number | undefined {
    return this.config.model.speech?.num_mel_bins;
  }

  /** Which log-mel the audio encoder takes: Whisper's (Qwen2.5-Omni) or Phi-4-multimodal's; null without an audio encoder. */
  get audioFeatureKind(): 'whisper' | 'phi4mm' | null {
    return this.config.model.speech ? FAMILIES[this.config.family].audioFeatures : null;
  }

  /**
   * Opens `dir`: reads genai_config.json, the processor config, the tokenizer and one session
   * per component. Throws ModelError naming the directory, file or execution provider that is
   * wrong; what is usable but worth saying (no processor config) is in `warnings`.
   */
  static async load(dir: string, options: OmniModelLoadOptions = {}): Promise<OmniModel> {
    const started = performance.now();
    const config = readModelConfig(dir);
    const processor = FAMILIES[config.family].audioFeatures === 'whisper' && config.model.speech ? loadProcessorConfig(dir) : { config: null, warnings: [] };
    let tokenizer: OmniTokenizer | ModelError;
    try {
      tokenizer = OmniTokenizer.load(dir);
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      tokenizer = error;
    }
    const opened = await openSessions(dir, config, options);
    const layout = positionLayout(config, opened.sessions.decoder as ort.InferenceSession);
    return new OmniModel(resolve(dir), config, processor.config, processor.warnings, tokenizer, opened.sessions, opened.used, { ...options }, performance.now() - started, layout);
  }

  /**
   * Seconds the audio features are padded to (and longer audio cut into) in the pad-all and
   * pad-features modes: the processor config's `chunk_length` (300 for Qwen2.5-Omni, 30 for
   * Whisper). Pass it to the log-mel as its chunk length.
   */
  get audioChunkSeconds(): number | undefined {
    return this.processor?.chunk_length;
  }

  /** Tokens the decoder can attend to: genai_config.json model.context_length. */
  get contextLength(): number {
    return this.config.model.context_length;
  }

  /** The session options of a component (profiling prefix included), as passed to ONNX Runtime. */
  sessionOptions(component: ComponentName): ort.InferenceSession.SessionOptions {
    return sessionOptionsFor(this.loadOptions, component, this.config.sessionOptions[component]);
  }

  /**
   * The file and session options a worker thread loads to run `component` there (the parallel
   * and streaming encode middleware), with `intraOpThreads` threads when given. A profiled run
   * profiles the worker's session under its own prefix (`<prefix>_<component>-worker`).
   */
  sessionSource(component: 'speech' | 'vision', intraOpThreads?: number): WorkerSessionSource {
    this.checkOpen();
    const options = sessionOptionsFor(
      {
        ...this.loadOptions,
        ...(intraOpThreads !== undefined ? { intraOpThreads } : {}),
        ...(this.loadOptions.profileFilePrefix !== undefined ? { profileFilePrefix: `${this.loadOptions.profileFilePrefix}_${component}-worker` } : {}),
      },
      undefined,
      this.config.sessionOptions[component],
    );
    return { path: componentPath(this.dir, this.config, component), options };
  }

  /**
   * Mel frames of one audio encoder window (2 x n_window: 200, 2 s, for Qwen2.5-Omni): attention
   * never crosses a window, so audio can be encoded window by window with the same tokens.
   */
  get audioWindowFrames(): number | undefined {
    const n = this.config.model.speech?.n_window;
    return n === null || n === undefined ? undefined : 2 * n;
  }

  /** The session of a component, for inspection (input metadata, profiling). */
  session(component: ComponentName): ort.InferenceSession {
    this.checkOpen();
    const session = this.sessions[component];
    if (!session) throw new ModelError(`${join(this.dir, GENAI_CONFIG_FILE)}: this ${this.family} model has no ${component} component`);
    return session;
  }

  /** Decoder hidden size (width of every feature row and embedding). */
  get hiddenSize(): number {
    return this.config.model.decoder.hidden_size;
  }

  /** Token ids that end a generation by default (config eos_token_id). */
  get eosTokenIds(): number[] {
    return [...this.config.model.eos_token_id];
  }

  /**
   * Audio encoder on log-mel features. By default frames past `validFrames` are masked out (the
   * Qwen2.5-Omni processor's mask). With `encodePadding` the encoder runs over every frame, as
   * Whisper does on its chunk (the processor config's chunk_length: 300 s for Qwen2.5-Omni, 30 s
   * for Whisper), and only the tokens of the real audio are returned: the LLM sees the same
   * tokens in every padding mode, the encoder pays for the padding.
   */
  async encodeAudio(mel: MelFeatures, options: AudioEncodeOptions = {}): Promise<EncoderOutput> {
    this.checkOpen();
    const s = this.config.model.speech;
    if (!s) throw new ModelError(`${join(this.dir, GENAI_CONFIG_FILE)}: this ${this.family} model has no audio encoder (model.speech)`);
    const bins = mel.melBins ?? 128;
    if (bins !== s.num_mel_bins) throw new ModelError(`input '${s.inputs.input_features}': the model takes ${s.num_mel_bins} mel bins, given ${bins}`);
    if (!Number.isInteger(mel.frames) || mel.data.length !== bins * mel.frames) {
      throw new ModelError(`input '${s.inputs.input_features}': expected shape [1, ${bins}, ${mel.frames}] (${bins * mel.frames} values), given ${mel.data.length} values`);
    }
    if (!Number.isInteger(mel.validFrames) || mel.validFrames < 1 || mel.validFrames > mel.frames) {
      throw new ModelError(`input '${s.inputs.feature_attention_mask}': validFrames must be in [1, ${mel.frames}], given ${mel.validFrames}`);
    }
    if (s.n_window === null) return this.encodeAudioWhole(mel, s, options);
    // Without encodePadding only the real frames are marked, and the encoder drops the windows
    // that hold no real frame (padding costs nothing, Qwen's pad-features path). With it the
    // encoder runs over every padded window too (the cost pad-all measures, Whisper style): the
    // windows past the audio are marked as frames to encode, but the padded tail of the last real
    // window stays masked, and attention never crosses a window, so no real frame sees padding
    // and the real tokens (and the answer) equal the stripped input's.
    const window = 2 * s.n_window;
    const mask = new Array<number>(mel.frames).fill(0).fill(1, 0, mel.validFrames);
    if (options.encodePadding) mask.fill(1, Math.min(mel.frames, Math.ceil(mel.validFrames / window) * window));
    const { outputs: result, inputs } = await this.runComponent('speech', {
      [s.inputs.input_features]: tensorF32(mel.data, [1, bins, mel.frames]),
      [s.inputs.feature_attention_mask]: tensorI64(mask, [1, mel.frames]),
    }, options.run);
    // A worker borrowed the features' buffer: take it back (same memory, a new view).
    const returned = inputs?.[s.inputs.input_features];
    if (returned) mel.data = returned.data as Float32Array;
    // The encoder keeps every window holding a marked frame (the partial last window whole).
    const encodedFrames = options.encodePadding ? mel.frames : Math.min(mel.frames, Math.ceil(mel.validFrames / window) * window);
    // Rows are not checked against Qwen's length rule here: the reference tower pools a lone conv frame into a token the rule does not count (clips under 3 frames).
    const encoded = this.encoderOutput('speech', s.outputs.audio_features, output('speech', result, s.outputs.audio_features), undefined, `${mel.validFrames} mel frames`);
    if (!options.encodePadding) return { ...encoded, encodedFrames };
    const tokens = Math.min(audioTokens(mel.validFrames), encoded.tokens);
    return { ...encoded, features: encoded.features.slice(0, tokens * encoded.hiddenSize), tokens, encodedFrames };
  }

  /**
   * Phi-4-multimodal's speech encoder: the whole clip at once, time-major `audio_embeds` [1, T, bins],
   * `audio_attention_mask` (every frame real), `audio_sizes` (the audio tokens, ceil(T / rate)) and
   * `audio_projection_mode` 2 (speech). Padding is not part of its processor (no chunk): the valid
   * frames are encoded.
   */
  private async encodeAudioWhole(mel: MelFeatures, s: NonNullable<GenaiConfig['model']['speech']>, options: AudioEncodeOptions): Promise<EncoderOutput> {
    const bins = s.num_mel_bins;
    const T = mel.validFrames;
    const timeMajor = new Float32Array(T * bins);
    for (let b = 0; b < bins; b++) for (let t = 0; t < T; t++) timeMajor[t * bins + b] = mel.data[b * mel.frames + t] as number;
    const tokens = phi4mmAudioTokens(T, s.compression_rate ?? 8);
    const feeds: Record<string, ort.Tensor> = {
      [s.inputs.input_features]: tensorF32(timeMajor, [1, T, bins]),
      [s.inputs.feature_attention_mask]: new ort.Tensor('bool', new Uint8Array(T).fill(1), [1, T]),
    };
    if (s.inputs.audio_sizes) feeds[s.inputs.audio_sizes] = tensorI64([tokens], [1]);
    if (s.inputs.audio_projection_mode) feeds[s.inputs.audio_projection_mode] = tensorI64([PHI4MM_SPEECH_MODE], [1]);
    const { outputs: result } = await this.runComponent('speech', feeds, options.run);
    const encoded = this.encoderOutput('speech', s.outputs.audio_features, output('speech', result, s.outputs.audio_features), tokens, `${T} mel frames / ${s.compression_rate ?? 8}`);
    return { ...encoded, encodedFrames: T };
  }

  /** Vision encoder on patches [t*h*w, 3*temporal*patch^2] with grid [t, h, w] (the Qwen vision towers). */
  async encodeVision(patches: VisionPatches, options: VisionEncodeOptions = {}): Promise<EncoderOutput> {
    this.checkOpen();
    const v = this.config.model.vision;
    if (!v) throw new ModelError(`${join(this.dir, GENAI_CONFIG_FILE)}: this ${this.family} model has no vision encoder (model.vision)`);
    if (!v.inputs.image_grid_thw) {
      throw new ModelError(`${this.family}: its vision encoder takes ${v.patch_size * 32}-pixel crops (pixel_values, image_attention_mask, image_sizes), not Qwen patches; omni-bench does not run ${this.family} images yet`);
    }
    const patchDim = 3 * v.temporal_patch_size * v.patch_size * v.patch_size;
    const [t, h, w] = patches.gridThw;
    const n = t * h * w;
    checkShape(v.inputs.pixel_values, [n, patchDim], [patches.pixelValues.length / patchDim, patchDim]);
    if (h % v.spatial_merge_size || w % v.spatial_merge_size) {
      throw new ModelError(`input '${v.inputs.image_grid_thw}': h and w must be multiples of ${v.spatial_merge_size}, given [${t}, ${h}, ${w}]`);
    }
    const { outputs: result, inputs } = await this.runComponent('vision', {
      [v.inputs.pixel_values]: tensorF32(patches.pixelValues, [n, patchDim]),
      [v.inputs.image_grid_thw]: tensorI64([t, h, w], [1, 3]),
    }, options.run);
    const returned = inputs?.[v.inputs.pixel_values];
    if (returned) patches.pixelValues = returned.data as Float32Array;
    const merge = v.spatial_merge_size * v.spatial_merge_size;
    return this.encoderOutput('vision', v.outputs.image_features, output('vision', result, v.outputs.image_features), n / merge, `grid [${t}, ${h}, ${w}] / ${v.spatial_merge_size}x${v.spatial_merge_size} merge`);
  }

  /**
   * Chat template, tokenization, placeholder expansion and TMRoPE positions. Throws ModelError
   * when the prompt (with the cached tokens it continues) is longer than the model's
   * context_length: it would run, on positions and a cache the model was never made for.
   */
  buildPrompt(messages: readonly Message[], options: PromptOptions = {}): BuiltPrompt {
    const prompt = FAMILIES[this.family].buildPrompt(messages, this.promptContext(), options);
    const past = options.history?.past.length ?? 0;
    const total = past + prompt.ids.length;
    if (total > this.contextLength) {
      const n = (x: number): string => x.toLocaleString('en-US');
      const what = past > 0 ? `${n(prompt.ids.length)} tokens on top of ${n(past)} cached (${n(total)} in all)` : `${n(total)} tokens`;
      throw new ModelError(
        `prompt is ${what}; the model's context_length is ${n(this.contextLength)} (${join(this.dir, GENAI_CONFIG_FILE)} model.context_length): shorten the question or the media`,
      );
    }
    return prompt;
  }

  /**
   * Tokens of the prompt `messages` make, built as {@link buildPrompt} builds it (template,
   * tokenization, placeholders), without the context_length check; nothing is run.
   */
  countPromptTokens(messages: readonly Message[], options: PromptOptions = {}): number {
    return FAMILIES[this.family].buildPrompt(messages, this.promptContext(), options).ids.length;
  }

  /** Token embeddings [1, S, H] with placeholder rows replaced by the features (row-major [rows, H]) in order. */
  async embed(ids: readonly number[], imageFeatures: Float32Array = new Float32Array(0), audioFeatures: Float32Array = new Float32Array(0)): Promise<ort.Tensor> {
    this.checkOpen();
    const e = this.config.model.embedding;
    const H = this.hiddenSize;
    if (ids.length === 0) throw new ModelError(`input '${e.inputs.input_ids}': expected shape [1, S] with S >= 1, given [1, 0]`);
    const feeds: Record<string, ort.Tensor> = { [e.inputs.input_ids]: tensorI64(ids, [1, ids.length]) };
    for (const [kind, name, f] of [
      ['image', e.inputs.image_features, imageFeatures],
      ['audio', e.inputs.audio_features, audioFeatures],
    ] as const) {
      if (f.length % H) throw new ModelError(`input '${name ?? `${kind}_features`}': expected shape [rows, ${H}], given ${f.length} values (not a multiple of ${H})`);
      if (name) feeds[name] = tensorF32(f, [f.length / H, H]);
      else if (f.length > 0) throw new ModelError(`${this.family}: the embedding component takes no ${kind} features (genai_config.json model.embedding.inputs has no ${kind}_features)`);
    }
    const result = await runSession('embedding', this.session('embedding'), feeds);
    const embeds = output('embedding', result, e.outputs.inputs_embeds);
    checkOutputShape('embedding', e.outputs.inputs_embeds, [1, ids.length, H], embeds.dims, `${ids.length} input ids`);
    return embeds;
  }

  /** An empty KV cache (0 tokens). */
  emptyCache(): KvCache {
    const d = this.config.model.decoder;
    const empty = (): ort.Tensor => tensorF32(new Float32Array(0), [1, d.num_key_value_heads, 0, d.head_size]);
    return { length: 0, layers: Array.from({ length: d.num_hidden_layers }, () => ({ key: empty(), value: empty() })) };
  }

  /**
   * Decoder on `embeds` [1, S, H] with positions row-major [3, S], on top of `past` (default:
   * empty). Returns the last position's logits and the cache including these tokens.
   */
  async prefill(embeds: ort.Tensor, positions: ArrayLike<number>, past: KvCache = this.emptyCache()): Promise<DecoderOutput> {
    this.checkOpen();
    const d = this.config.model.decoder;
    const S = embeds.dims[1] ?? 0;
    checkShape(d.inputs.inputs_embeds, [1, 'S', d.hidden_size], embeds.dims);
    if (d.inputs.position_ids && this.positionLayout === 'mrope') checkShape(d.inputs.position_ids, [3, 1, S], [3, 1, positions.length / 3]);
    if (past.layers.length !== d.num_hidden_layers) {
      throw new ModelError(`input '${layerName(d.inputs.past_key_names, 0)}': the cache has ${past.layers.length} layers, the decoder ${d.num_hidden_layers}`);
    }
    const total = past.length + S;
    const feeds: Record<string, ort.Tensor> = {
      [d.inputs.inputs_embeds]: embeds,
      [d.inputs.attention_mask]: tensorI64(new Array<number>(total).fill(1), [1, total]),
    };
    if (d.inputs.position_ids && this.positionLayout === 'mrope') feeds[d.inputs.position_ids] = tensorI64(positions, [3, 1, S]);
    past.layers.forEach((layer, l) => {
      const kv = [1, d.num_key_value_heads, past.length, d.head_size];
      checkShape(layerName(d.inputs.past_key_names, l), kv, layer.key.dims);
      checkShape(layerName(d.inputs.past_value_names, l), kv, layer.value.dims);
      feeds[layerName(d.inputs.past_key_names, l)] = layer.key;
      feeds[layerName(d.inputs.past_value_names, l)] = layer.value;
    });
    const result = await runSession('decoder', this.session('decoder'), feeds);
    const logits = output('decoder', result, d.outputs.logits);
    const rows = logits.dims.length === 3 && logits.dims[1] === 1 ? 1 : S;
    checkOutputShape('decoder', d.outputs.logits, [1, rows, this.config.model.vocab_size], logits.dims, `a prefill of ${S} tokens (the last position's logits, or every position's)`);
    // The reference model returns [1, 1, V]; a real export [1, S, V]: take the last row.
    const V = logits.dims[logits.dims.length - 1] ?? 0;
    const data = logits.data as Float32Array;
    const layers = Array.from({ length: d.num_hidden_layers }, (_, l) => ({
      key: output('decoder', result, layerName(d.outputs.present_key_names, l)),
      value: output('decoder', result, layerName(d.outputs.present_value_names, l)),
    }));
    return { logits: data.slice(data.length - V), past: { length: total, layers } };
  }

  /** One decode step: embeds `tokenId` and runs the decoder at text position `position` (cache length + rope delta). */
  async decodeStep(tokenId: number, past: KvCache, position: number): Promise<DecoderOutput> {
    const embeds = await this.embed([tokenId]);
    return this.prefill(embeds, [position, position, position], past);
  }

  /** Greedy generation (see GenerateOptions); every stage runs through `options.stage`. */
  async generate(messages: readonly Message[], options: GenerateOptions = {}): Promise<GenerateResult> {
    this.checkOpen();
    return greedyGenerate(this, messages, { ...options, stage: options.stage ?? runStage });
  }

  /** Closes every session; with profiling on, each session writes its profile first. Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    for (const component of presentComponents(this.config)) {
      const session = this.sessions[component];
      if (!session) continue;
      if (this.loadOptions.profileFilePrefix !== undefined) session.endProfiling();
      await session.release();
    }
  }

  /** Runs a component's session here, or through `run` (a worker thread); a runner's failure names the component. */
  private async runComponent(component: 'speech' | 'vision', feeds: Record<string, ort.Tensor>, run?: SessionRunner): Promise<SessionRunResult> {
    if (!run) return { outputs: await runSession(component, this.session(component), feeds) };
    return run(feeds);
  }

  private promptContext(): FamilyPromptContext {
    return { config: this.config, tokenizer: this.tokenizer };
  }

  /** An encoder's output as features: [tokens, H], with the rows the request needs when known (names the tensor otherwise). */
  private encoderOutput(component: ComponentName, name: string, t: ort.Tensor, expectedRows: number | undefined, why: string): EncoderOutput {
    // [1, N, H] (a batch of one, as some exports return it) is the same rows as [N, H].
    const dims = t.dims.length === 3 && t.dims[0] === 1 ? t.dims.slice(1) : t.dims;
    checkOutputShape(component, name, [expectedRows ?? 'tokens', this.hiddenSize], dims, why);
    return { features: t.data as Float32Array, tokens: dims[0] ?? 0, hiddenSize: this.hiddenSize };
  }

  private checkOpen(): void {
    if (this.released) throw new TypeError(`OmniModel(${this.dir}) was released; load it again`);
  }
}

/**
 * How the decoder takes positions. Qwen families: [3, 1, S] (onnxruntime-genai's M-RoPE layout;
 * a graph declaring another layout fails at the first prefill with the tensor, its declared shape
 * and the fed one); phi4mm: no position_ids input.
 */
function positionLayout(config: GenaiConfig, decoder: ort.InferenceSession): 'mrope' | 'none' {
  const name = config.model.decoder.inputs.position_ids;
  return name !== null && decoder.inputNames.includes(name) ? 'mrope' : 'none';
}
