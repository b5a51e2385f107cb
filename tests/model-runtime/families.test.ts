/**
 * The reference model of every family runs end to end: ttft-breakdown on a built qwen2_5_vl tiny
 * (Video-MME fixtures: the videos' soundtracks are not used, and the records say so) and a built
 * phi4mm tiny (AudioCaps fixtures: Phi-4-multimodal's own log-mel and speech encoder); rows a
 * family cannot take are error records that say why. Also: phi4mm's prompt, and genai_config.json
 * session options honoured unless the CLI overrides them.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../src/model/builder/build.js';
import { PRESETS } from '../../src/model/builder/presets.js';
import { OmniModel } from '../../src/model/omni-model.js';
import { readModelConfig } from '../../src/model/genai-config.js';
import { PHI4MM_TOKEN_IDS } from '../../src/model/families/phi4mm.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { cleanup, noise, tempDir } from './helpers.js';

const VIDEO_MME = join(PACKAGE_ROOT, 'fixtures/datasets/video-mme/manifest-1q.csv');
const AUDIOCAPS = join(PACKAGE_ROOT, 'fixtures/datasets/audiocaps/manifest.csv');

type Row = Record<string, string>;
const records = (out: string): Row[] => parse(readFileSync(join(out, 'records.csv')), { columns: true }) as Row[];

describe('reference models of every family, end to end', () => {
  let root: string;
  let vl: string;
  let phi: string;
  beforeAll(() => {
    root = tempDir();
    vl = buildModel(PRESETS.tiny, join(root, 'vl'), { family: 'qwen2_5_vl' }).dir;
    phi = buildModel(PRESETS.tiny, join(root, 'phi'), { family: 'phi4mm' }).dir;
  });
  afterAll(() => cleanup(root));

  const run = (model: string, manifest: string, out: string, extra: string[] = []): ReturnType<typeof runCli> =>
    runCli(['ttft-breakdown', '--model', model, '--manifest', manifest, '--repeats', '1', '--warmup', '0', '--max-samples', '3', '--max-new-tokens', '2', '--quiet', '--out', join(root, out), ...extra]);

  it('qwen2_5_vl tiny on Video-MME: exit 0, video tokens, no audio, and media_note says the soundtrack was not used', async () => {
    const result = await run(vl, VIDEO_MME, 'vl-video');
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    const rows = records(join(root, 'vl-video'));
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row['status']).toBe('ok');
      expect(Number(row['video_tokens'])).toBeGreaterThan(0);
      expect(row['audio_tokens']).toBe('0');
      // A stage the family lacks is absent, not zero.
      for (const stage of ['audio_decode_ms', 'audio_features_ms', 'audio_encoder_ms']) expect(row[stage]).toBe('');
      expect(row['media_note']).toBe('video soundtrack not used: qwen2_5_vl has no audio encoder');
    }
    const meta = JSON.parse(readFileSync(join(root, 'vl-video', 'meta.json'), 'utf8')) as { model: { family: string; sessionOptions: Record<string, unknown> } };
    expect(meta.model.family).toBe('qwen2_5_vl');
    expect(Object.keys(meta.model.sessionOptions)).toEqual(['vision', 'embedding', 'decoder']);
  });

  it('qwen2_5_vl tiny on AudioCaps: every row is an error record saying the model has no audio encoder (no ok trial: exit 2)', async () => {
    const result = await run(vl, AUDIOCAPS, 'vl-audio');
    expect(result.code).toBe(2);
    for (const row of records(join(root, 'vl-audio'))) {
      expect(row['status']).toBe('error');
      expect(row['error']).toMatch(/^qwen2_5_vl has no audio encoder: the row's audio_path .* cannot be run on it$/);
    }
  });

  it("phi4mm tiny on AudioCaps: exit 0, ceil(frames / 8) audio tokens from Phi-4-multimodal's log-mel", async () => {
    const result = await run(phi, AUDIOCAPS, 'phi-audio');
    expect(result.code).toBe(0);
    const rows = records(join(root, 'phi-audio'));
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row['status']).toBe('ok');
      const seconds = Number(row['audio_s']);
      // Phi-4's frames: (samples - 400) // 160 + 1; tokens: ceil(frames / 8).
      const frames = Math.floor((Math.round(seconds * 16000) - 400) / 160) + 1;
      expect(Number(row['audio_tokens'])).toBe(Math.ceil(frames / 8));
      expect(Number(row['audio_features_ms'])).toBeGreaterThan(0);
      expect(Number(row['audio_encoder_ms'])).toBeGreaterThan(0);
      // omni-bench runs no phi4mm images (no dataset row has one): its vision stages are absent, not zero.
      for (const stage of ['video_decode_ms', 'vision_preprocess_ms', 'vision_encoder_ms']) expect(row[stage]).toBe('');
    }
  });

  it('phi4mm tiny on Video-MME: every row is an error record saying its processor takes no video (no ok trial: exit 2)', async () => {
    const result = await run(phi, VIDEO_MME, 'phi-video');
    expect(result.code).toBe(2);
    for (const row of records(join(root, 'phi-video'))) {
      expect(row['status']).toBe('error');
      expect(row['error']).toBe("phi4mm takes no video (omni-bench runs its audio): the row's video_path cannot be run on it");
    }
  });

  it('parallel-encode on phi4mm tiny: the speech session in a worker thread (bool mask included) gives the serial answer', async () => {
    const out = join(root, 'phi-parallel');
    const result = await runCli(['parallel-encode', '--model', phi, '--manifest', AUDIOCAPS, '--max-samples', '1', '--repeats', '1', '--warmup', '0', '--max-new-tokens', '2', '--quiet', '--out', out]);
    expect(result.code).toBe(0);
    const rows = records(out);
    expect(rows.map((r) => r['variant']).sort()).toEqual(['parallel', 'serial', 'streaming']);
    for (const row of rows.filter((r) => r['variant'] !== 'serial')) {
      expect(row['status']).toBe('ok');
      expect(row['logits_max_abs_diff']).toBe('0');
      expect(row['encoder_features_max_abs_diff']).toBe('0');
    }
  });

  it('refuses a spec that measures what the family lacks, with one line and exit 2, before anything runs', async () => {
    for (const [spec, model, message] of [
      ['audio-padding', vl, 'audio-padding measures the audio path; qwen2_5_vl has no audio encoder (use a qwen2_5_omni model)'],
      ['audio-length', phi, "audio-length compares Whisper-style padding of the audio features (Qwen2.5-Omni's processor); phi4mm's processor computes its own features and pads nothing"],
      ['frame-scaling', phi, "frame-scaling measures the video path; phi4mm's processor takes no video"],
    ] as const) {
      const out = join(root, `refused-${spec}`);
      const result = await runCli([spec, '--model', model, '--out', out]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n').filter((l) => !l.includes('warning:'))).toEqual([expect.stringContaining(message)]);
      expect(existsSync(out)).toBe(false);
    }
  });

  it("phi4mm's prompt: <|user|>, one audio placeholder per feature row, the question, <|end|><|assistant|>; positions 0..S-1", async () => {
    const model = await OmniModel.load(phi);
    try {
      const H = model.hiddenSize;
      const audio = { features: noise(5 * H, 3), tokens: 5, hiddenSize: H };
      const prompt = model.buildPrompt([{ role: 'user', content: [{ type: 'audio', features: audio }, { type: 'text', text: 'What is this?' }] }]);
      const question = model.tokenizer.encode('What is this?');
      expect(prompt.ids).toEqual([PHI4MM_TOKEN_IDS.user, ...new Array<number>(5).fill(PHI4MM_TOKEN_IDS.audio), ...question, PHI4MM_TOKEN_IDS.end, PHI4MM_TOKEN_IDS.assistant]);
      expect(prompt.counts).toMatchObject({ audio: 5, text: 3 + question.length });
      expect(Array.from(prompt.positionIds.subarray(0, prompt.ids.length))).toEqual(prompt.ids.map((_, i) => i));
      expect(() => model.buildPrompt([{ role: 'user', content: [{ type: 'video', features: audio, gridThw: [1, 2, 2], secondsPerGrid: 1 }] }])).toThrow(/takes images and audio, not video/);
    } finally {
      await model.release();
    }
  });

  it("falls back to the decoder graph's weight shapes for the MLP width when config.json is absent, and says so", () => {
    const bare = join(root, 'vl-bare');
    cpSync(vl, bare, { recursive: true });
    rmSync(join(bare, 'config.json'));
    const config = readModelConfig(bare);
    expect(config.model.decoder.intermediate_size).toBe(PRESETS.tiny.decoder.intermediateSize);
    expect(config.sources['model.decoder.intermediate_size']).toBe('graph: decoder.onnx initializer shapes (an [H, I] and an [I, H] weight)');
    expect(config.model.vision?.hidden_size).toBeNull(); // the vision tower's dims have no such fallback: its FLOPs are n/a
    expect(readModelConfig(vl).sources['model.decoder.intermediate_size']).toBe('config.json intermediate_size');
  });

  it("honours genai_config.json's session options (intra_op_num_threads) and lets --threads override them", async () => {
    const config = JSON.parse(readFileSync(join(vl, 'genai_config.json'), 'utf8')) as { model: { decoder: { session_options: Record<string, unknown> } } };
    config.model.decoder.session_options['intra_op_num_threads'] = 1;
    writeFileSync(join(vl, 'genai_config.json'), JSON.stringify(config));
    const fromConfig = await OmniModel.load(vl);
    const fromCli = await OmniModel.load(vl, { intraOpThreads: 2 });
    try {
      expect(fromConfig.sessionOptionsUsed.decoder).toMatchObject({ intraOpThreads: 1, from: { intraOpThreads: 'genai_config.json' } });
      expect(fromConfig.sessionOptionsUsed.vision).toMatchObject({ intraOpThreads: null, from: { intraOpThreads: 'default' } });
      expect(fromCli.sessionOptionsUsed.decoder).toMatchObject({ intraOpThreads: 2, from: { intraOpThreads: 'cli' } });
      expect(fromConfig.sessionOptions('decoder').intraOpNumThreads).toBe(1);
    } finally {
      await fromConfig.release();
      await fromCli.release();
    }
  });
});
