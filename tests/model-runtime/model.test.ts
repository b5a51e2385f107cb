import { copyFileSync, linkSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.js';
import { ensureModel } from '../../src/model/builder/cache.js';
import { OmniModel } from '../../src/model/omni-model.js';
import type { StageName } from '../../src/stages.js';
import type { EncoderOutput, Message } from '../../src/model/types.js';
import { cleanup, maxAbsDiff, mel, patches, tempDir } from './helpers.js';

let home: string;
let dir: string;
let model: OmniModel;
let audio: EncoderOutput;
let video: EncoderOutput;
const grid: [number, number, number] = [2, 20, 28];

beforeAll(async () => {
  home = tempDir();
  process.env['OMNI_BENCH_HOME'] = home;
  // A model cached by builder v2, whose processor config padded audio to 30 s: never reused.
  mkdirSync(join(home, 'models', 'tiny-s0-b2'), { recursive: true });
  writeFileSync(join(home, 'models', 'tiny-s0-b2', 'genai_config.json'), '{}');
  dir = await ensureModel('tiny');
  model = await OmniModel.load(dir, { intraOpThreads: 1, interOpThreads: 1 });
  audio = await model.encodeAudio(mel(2));
  video = await model.encodeVision(patches(grid));
});
afterAll(async () => {
  await model?.release();
  cleanup(home);
});

const mixed = (): Message[] => [
  {
    role: 'user',
    content: [
      { type: 'video_with_audio', video, gridThw: grid, secondsPerGrid: 1, audio },
      { type: 'audio', features: audio },
      { type: 'text', text: 'What happens in the clip?' },
    ],
  },
];

/** Rows [from, to) of an embeds tensor [1, S, H] and of positions [3, S]. */
function slice(embeds: ort.Tensor, positions: Int32Array, from: number, to: number): [ort.Tensor, Int32Array] {
  const [, S = 0, H = 0] = embeds.dims;
  const data = (embeds.data as Float32Array).slice(from * H, to * H);
  const p = new Int32Array(3 * (to - from));
  for (let r = 0; r < 3; r++) p.set(positions.subarray(r * S + from, r * S + to), r * (to - from));
  return [new ort.Tensor('float32', data, [1, to - from, H]), p];
}

describe('OmniModel on the tiny preset', () => {
  it("takes the audio chunk from its processor config: 300 s, Qwen2.5-Omni's, in a model built today", () => {
    expect(dir).not.toContain('tiny-s0-b2');
    expect(model.audioChunkSeconds).toBe(300);
    expect(model.processor).toMatchObject({ chunk_length: 300, n_samples: 4_800_000, nb_max_frames: 30_000 });
    expect(model.warnings).toEqual([]);
  });

  it('counts audio and vision tokens as Qwen2.5-Omni does', () => {
    expect(audio.tokens).toBe(50); // 2 s -> 25 tokens per second
    expect(video.tokens).toBe(280); // two 392x280 frame pairs, 140 tokens each
    expect(audio.hiddenSize).toBe(model.hiddenSize);
  });

  it('encodes the real frames of padded, masked audio exactly as the unpadded audio', async () => {
    const real = mel(2, 5);
    const padded = new Float32Array(128 * 3000);
    for (let b = 0; b < 128; b++) padded.set(real.data.subarray(b * real.frames, (b + 1) * real.frames), b * 3000);
    const a = await model.encodeAudio(real);
    const b = await model.encodeAudio({ data: padded, frames: 3000, validFrames: real.frames });
    expect(b.tokens).toBe(a.tokens);
    expect(maxAbsDiff(a.features, b.features)).toBeLessThanOrEqual(1e-5);
  });

  it('with encodePadding runs the encoder over every padded window and returns the real tokens unchanged (pad-all)', async () => {
    // 3 s: one full 2 s window and half of a second one, then padding to 30 s.
    const real = mel(3, 7);
    const padded = new Float32Array(128 * 3000).fill(-0.7);
    for (let b = 0; b < 128; b++) padded.set(real.data.subarray(b * real.frames, (b + 1) * real.frames), b * 3000);
    const input = { data: padded, frames: 3000, validFrames: real.frames };
    const masked = await model.encodeAudio(input);
    const whisper = await model.encodeAudio(input, { encodePadding: true });
    expect(whisper.tokens).toBe(masked.tokens);
    expect(whisper.tokens).toBe(75);
    // The encoder ran over every window of the 30 s (the cost of padding), the masked one over
    // the two windows that hold audio; the real tokens agree (the padded tail of the second
    // window stays masked, and attention never crosses a window), so the answer cannot change.
    expect(whisper.encodedFrames).toBe(3000);
    expect(masked.encodedFrames).toBe(400);
    expect(maxAbsDiff(whisper.features, masked.features)).toBeLessThanOrEqual(1e-5);
  });

  it('builds prompts whose placeholder counts equal the encoders\' output rows', () => {
    const p = model.buildPrompt(mixed());
    const c = model.config.model;
    expect(p.ids.filter((id) => id === c.audio_token_id)).toHaveLength(2 * audio.tokens);
    expect(p.ids.filter((id) => id === c.video_token_id)).toHaveLength(video.tokens);
    expect(p.counts).toMatchObject({ audio: 2 * audio.tokens, video: video.tokens, total: p.ids.length });
    expect(p.audioFeatures.length).toBe(2 * audio.tokens * model.hiddenSize);
    // Qwen's BPE: <|im_start|>system\n ... <|im_start|>user\n ... <|im_start|>assistant\n
    expect(p.ids.slice(0, 3)).toEqual([151644, 8948, 198]);
    expect(p.ids.slice(-3)).toEqual([151644, 77091, 198]);
  });

  it('gives the same logits for one prefill and a prefill split in two (KV cache)', async () => {
    const p = model.buildPrompt(mixed());
    const embeds = await model.embed(p.ids, p.imageFeatures, p.audioFeatures);
    const whole = await model.prefill(embeds, p.positionIds);
    const k = 100; // inside the interleaved video/audio block
    const [e1, p1] = slice(embeds, p.positionIds, 0, k);
    const [e2, p2] = slice(embeds, p.positionIds, k, p.ids.length);
    const first = await model.prefill(e1, p1);
    const rest = await model.prefill(e2, p2, first.past);
    expect(rest.past.length).toBe(p.ids.length);
    expect(maxAbsDiff(whole.logits, rest.logits)).toBeLessThanOrEqual(1e-4);
  });

  it('gives the same logits for prefill + decode steps and one prefill of all tokens', async () => {
    const p = model.buildPrompt(mixed());
    const r = await model.generate(mixed(), { maxNewTokens: 3, eosTokenIds: [] });
    const steps = await (async () => {
      let out = await model.prefill(await model.embed(p.ids, p.imageFeatures, p.audioFeatures), p.positionIds);
      for (let i = 0; i < 2; i++) out = await model.decodeStep(r.ids[i] as number, out.past, out.past.length + p.ropeDelta);
      return out;
    })();
    const ids = [...p.ids, r.ids[0] as number, r.ids[1] as number];
    const S = ids.length;
    const positions = new Int32Array(3 * S);
    for (let row = 0; row < 3; row++) {
      positions.set(p.positionIds.subarray(row * p.ids.length, (row + 1) * p.ids.length), row * S);
      positions[row * S + S - 2] = p.nextPosition;
      positions[row * S + S - 1] = p.nextPosition + 1;
    }
    const single = await model.prefill(await model.embed(ids, p.imageFeatures, p.audioFeatures), positions);
    expect(maxAbsDiff(steps.logits, single.logits)).toBeLessThanOrEqual(1e-4);
  });

  it('runs every stage through the stage hook, in order', async () => {
    const seen: StageName[] = [];
    const r = await model.generate([{ role: 'user', content: 'Hello' }], {
      maxNewTokens: 3,
      eosTokenIds: [],
      stage: async (name, fn) => {
        seen.push(name);
        return fn();
      },
    });
    expect(seen).toEqual(['prompt', 'embed', 'prefill', 'first_token', 'decode', 'decode']);
    expect(r.ids).toHaveLength(3);
    expect(r.stopReason).toBe('max_new_tokens');
    expect(r.firstTokenLogits).toHaveLength(model.config.model.vocab_size);
    expect(typeof r.text).toBe('string');
  });

  it('stops at an eos token, which it includes', async () => {
    const free = await model.generate(mixed(), { maxNewTokens: 2, eosTokenIds: [] });
    const first = free.ids[0] as number;
    const r = await model.generate(mixed(), { maxNewTokens: 8, eosTokenIds: [first] });
    expect(r.ids).toEqual([first]);
    expect(r.stopReason).toBe('eos');
  });

  it('continues a conversation from its KV cache with positions after the previous turn', async () => {
    const turn1 = mixed();
    const p1 = model.buildPrompt(turn1);
    const r1 = await model.generate(turn1, { maxNewTokens: 3, eosTokenIds: [], keepState: true });
    const state = r1.state;
    if (!state) throw new Error('no state');
    expect(state.past.length).toBe(p1.ids.length + 2);
    expect(state.nextPosition).toBe(p1.nextPosition + 2);
    const turn2: Message[] = [{ role: 'user', content: 'And then?' }];
    const p2 = model.buildPrompt(turn2, { history: state });
    const r2 = await model.generate(turn2, { maxNewTokens: 1, history: state });
    expect(p2.positionIds[0]).toBe(state.nextPosition);

    // The same tokens in one prefill from scratch.
    const ids = [...p1.ids, r1.ids[0] as number, r1.ids[1] as number, ...p2.ids];
    const S = ids.length;
    const positions = new Int32Array(3 * S);
    for (let row = 0; row < 3; row++) {
      positions.set(p1.positionIds.subarray(row * p1.ids.length, (row + 1) * p1.ids.length), row * S);
      positions[row * S + p1.ids.length] = p1.nextPosition;
      positions[row * S + p1.ids.length + 1] = p1.nextPosition + 1;
      positions.set(p2.positionIds.subarray(row * p2.ids.length, (row + 1) * p2.ids.length), row * S + p1.ids.length + 2);
    }
    const single = await model.prefill(await model.embed(ids, p1.imageFeatures, p1.audioFeatures), positions);
    expect(maxAbsDiff(r2.firstTokenLogits, single.logits)).toBeLessThanOrEqual(1e-4);
  });

  it("refuses a 1 MB question before prefill, naming the prompt's tokens and the context_length (no stack overflow)", async () => {
    const question = 'What is said in this clip about the weather? '.repeat(23_000); // 1.04 MB
    const error = await model.generate([{ role: 'user', content: question }], { maxNewTokens: 1 }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(ModelError);
    expect(error?.message).toMatch(/^prompt is \d{3},\d{3} tokens; the model's context_length is 32,768 \(.*genai_config\.json model\.context_length\)/);
  });

  it('names the tensor and the expected and given shapes for a wrong-shape input', async () => {
    await expect(model.encodeAudio({ data: new Float32Array(80 * 100), frames: 100, validFrames: 100, melBins: 80 })).rejects.toThrow(
      /input 'input_features': the model takes 128 mel bins, given 80/,
    );
    await expect(model.encodeVision({ pixelValues: new Float32Array(10 * 1176), gridThw: [2, 20, 28] })).rejects.toThrow(
      /input 'pixel_values': expected shape \[1120, 1176\], given \[10, 1176\]/,
    );
    const bad = new ort.Tensor('float32', new Float32Array(5 * 129), [1, 5, 129]);
    await expect(model.prefill(bad, new Int32Array(15))).rejects.toThrow(/input 'inputs_embeds': expected shape \[1, S, 128\], given \[1, 5, 129\]/);
    await expect(model.prefill(await model.embed([1, 2, 3]), new Int32Array(6))).rejects.toThrow(ModelError);
  });

  it('keeps its session options and records its load time', () => {
    expect(model.loadMs).toBeGreaterThan(0);
    expect(model.sessionOptions('decoder')).toMatchObject({ intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'] });
  });
});

describe('OmniModel.load', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = tempDir();
  });
  afterAll(() => cleanup(scratch));

  /** A copy of the model dir: hard links for the ONNX files (a symlink out of the folder is refused) except those given; `null` leaves a file out. */
  function variant(name: string, replace: Record<string, Uint8Array | string | null> = {}): string {
    const out = join(scratch, name);
    mkdirSync(out);
    for (const file of readdirSync(dir)) {
      const content = replace[file];
      if (content === null) continue;
      if (content !== undefined) writeFileSync(join(out, file), content);
      else if (file.endsWith('.onnx')) linkSync(join(dir, file), join(out, file));
      else copyFileSync(join(dir, file), join(out, file));
    }
    return out;
  }

  it('reads tensor names from genai_config.json (a model with other names works)', async () => {
    const { onnx } = onnxProto;
    const proto = onnx.ModelProto.decode(readFileSync(join(dir, 'embedding.onnx')));
    const rename: Record<string, string> = { input_ids: 'token_ids', inputs_embeds: 'embeds_out' };
    const graph = proto.graph as onnxProto.onnx.GraphProto;
    const to = (n: string | null | undefined): string => rename[n ?? ''] ?? n ?? '';
    for (const v of [...graph.input, ...graph.output]) v.name = to(v.name);
    for (const node of graph.node) {
      node.input = (node.input ?? []).map(to);
      node.output = (node.output ?? []).map(to);
    }
    const config = JSON.parse(readFileSync(join(dir, 'genai_config.json'), 'utf8'));
    config.model.embedding.inputs.input_ids = 'token_ids';
    config.model.embedding.outputs.inputs_embeds = 'embeds_out';
    const renamed = variant('renamed', { 'embedding.onnx': onnx.ModelProto.encode(proto).finish(), 'genai_config.json': JSON.stringify(config) });
    const other = await OmniModel.load(renamed, { intraOpThreads: 1 });
    try {
      expect(other.session('embedding').inputNames).toContain('token_ids');
      const a = await other.embed([1, 2, 3]);
      const b = await model.embed([1, 2, 3]);
      expect(maxAbsDiff(a.data as Float32Array, b.data as Float32Array)).toBe(0);
    } finally {
      await other.release();
    }
    // The original files with the new names: the config's name is not in the model.
    const mismatched = variant('mismatched', { 'genai_config.json': JSON.stringify(config) });
    await expect(OmniModel.load(mismatched)).rejects.toThrow(/model\.embedding\.inputs\.input_ids is 'token_ids' but embedding\.onnx has inputs \[input_ids/);
  });

  it('names the missing directory, the corrupt file, and the unavailable execution provider', async () => {
    await expect(OmniModel.load(join(scratch, 'nope'))).rejects.toThrow(/model directory '.*nope' not found/);
    const corrupt = variant('corrupt', { 'speech.onnx': 'not a protobuf' });
    await expect(OmniModel.load(corrupt)).rejects.toThrow(/speech\.onnx: ONNX Runtime cannot load it/);
    const config = JSON.parse(readFileSync(join(dir, 'genai_config.json'), 'utf8'));
    config.model.vision.filename = 'missing.onnx';
    const missing = variant('missing', { 'genai_config.json': JSON.stringify(config) });
    await expect(OmniModel.load(missing)).rejects.toThrow(/model\.vision\.filename 'missing\.onnx' not found/);
    await expect(OmniModel.load(dir, { executionProvider: 'warp-drive' })).rejects.toThrow(
      /execution provider 'warp-drive' is not available in this onnxruntime-node build \(available: cpu/,
    );
  });

  it('refuses a prompt longer than a small context_length, with and without cached turns, and stops generating when the cache is full', async () => {
    const hello: Message[] = [{ role: 'user', content: 'Hello' }];
    const fits = model.buildPrompt(hello).ids.length;
    const config = JSON.parse(readFileSync(join(dir, 'genai_config.json'), 'utf8'));
    config.model.context_length = fits + 4;
    const small = await OmniModel.load(variant('small-context', { 'genai_config.json': JSON.stringify(config) }), { intraOpThreads: 1 });
    try {
      const first = await small.generate(hello, { maxNewTokens: 2, eosTokenIds: [], keepState: true });
      // Generation stops when the cache would pass context_length, and says so (never truncates).
      const capped = await small.generate(hello, { maxNewTokens: 50, eosTokenIds: [] });
      expect(capped.stopReason).toBe('context_length');
      expect(capped.ids).toHaveLength(5);
      const long: Message[] = [{ role: 'user', content: 'Hello, how long is the context of this model?' }];
      const build = small.buildPrompt.bind(small);
      expect(() => build(long)).toThrow(new RegExp(`^prompt is \\d+ tokens; the model's context_length is ${fits + 4} `));
      await expect(small.generate(long)).rejects.toThrow(ModelError);
      const state = first.state;
      if (!state) throw new Error('no state');
      expect(() => build([{ role: 'user', content: 'And then?' }], { history: state })).toThrow(
        new RegExp(`^prompt is \\d+ tokens on top of ${state.past.length} cached \\(\\d+ in all\\); the model's context_length is ${fits + 4} `),
      );
    } finally {
      await small.release();
    }
  });

  it('reads the chunk length from the processor config, and warns when there is none', async () => {
    const processor = JSON.parse(readFileSync(join(dir, 'preprocessor_config.json'), 'utf8'));
    const whisper = variant('chunk-30', { 'preprocessor_config.json': JSON.stringify({ ...processor, chunk_length: 30, n_samples: 480_000, nb_max_frames: 3000 }) });
    const none = variant('no-processor', { 'preprocessor_config.json': null });
    const a = await OmniModel.load(whisper, { intraOpThreads: 1 });
    const b = await OmniModel.load(none, { intraOpThreads: 1 });
    try {
      expect(a.audioChunkSeconds).toBe(30);
      expect(a.warnings).toEqual([]);
      expect(b.audioChunkSeconds).toBe(300);
      expect(b.warnings.map((w) => w.kind)).toEqual(['processor-config-missing']);
      expect(b.warnings[0]?.message).toContain(`${none} has no processor_config.json`);
    } finally {
      await a.release();
      await b.release();
    }
  });

  it('turns the CPU memory arena off for every session with memArena: false, and leaves it to ONNX Runtime by default', async () => {
    const off = await OmniModel.load(dir, { intraOpThreads: 1, memArena: false });
    try {
      for (const c of ['speech', 'vision', 'embedding', 'decoder'] as const) expect(off.sessionOptions(c).enableCpuMemArena).toBe(false);
      expect((await off.encodeAudio(mel(1))).tokens).toBe(25);
    } finally {
      await off.release();
    }
    expect(model.sessionOptions('decoder').enableCpuMemArena).toBeUndefined();
  });

  it('names a listed provider whose libraries cannot load, before blaming any model file', async () => {
    // onnxruntime-node lists cuda even where its CUDA libraries were skipped at install.
    const loaded = await OmniModel.load(dir, { executionProvider: 'cuda' }).then(
      (m) => m,
      (error: Error) => error,
    );
    if (loaded instanceof OmniModel) return void (await loaded.release()); // a machine with working CUDA
    expect(loaded).toBeInstanceOf(ModelError);
    expect(loaded.message).toMatch(/^execution provider 'cuda' (could not be initialised|is not available)/);
    expect(loaded.message).not.toMatch(/\.onnx/);
  });

  it('writes one ORT profile per session on release when asked, and refuses use after release', async () => {
    const prefix = join(scratch, 'profile');
    const profiled = await OmniModel.load(dir, { intraOpThreads: 1, profileFilePrefix: prefix });
    await profiled.encodeAudio(mel(1));
    await profiled.release();
    await profiled.release(); // idempotent
    const files = readdirSync(scratch).filter((f) => f.startsWith('profile_'));
    expect(files.some((f) => f.startsWith('profile_speech'))).toBe(true);
    expect(files.some((f) => f.startsWith('profile_decoder'))).toBe(true);
    await expect(profiled.encodeAudio(mel(1))).rejects.toThrow(TypeError);
  });
});
