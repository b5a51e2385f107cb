/**
 * `ttft-breakdown`: every sample of the manifest (video+audio, video only, audio only) through
 * the serial baseline pipeline; where the time to first token goes, stage by stage.
 */
import { join } from 'node:path';
import { FIXTURES_DIR } from '../paths.js';
import { runSerialRequest, type AudioPadding } from '../runner/pipeline.js';
import { planTrials, type Spec } from './spec.js';

const PADDINGS: readonly AudioPadding[] = ['pad-features', 'pad-all', 'dynamic'];

/** The ttft-breakdown spec. */
export const ttftBreakdown: Spec = {
  name: 'ttft-breakdown',
  description: 'TTFT stage by stage through the serial baseline pipeline (decode, features, encoders, prefill, first token)',
  // One question per fixture video: every question on a video costs the same media stages.
  defaultManifests: [join(FIXTURES_DIR, 'datasets', 'video-mme', 'manifest-1q.csv')],
  // TTFT needs only the first token; 8 more give a stable tpot without dominating the run.
  defaultMaxNewTokens: 8,
  options: [
    {
      flags: '--audio-padding <mode>',
      key: 'audioPadding',
      description: 'audio features: pad-features (Qwen processor: padded to the processor chunk_length, 300 s, mask strips it), pad-all (encoder runs on padding), dynamic',
      defaultValue: 'pad-features',
      choices: PADDINGS,
    },
    {
      flags: '--no-audio-in-video',
      key: 'audioInVideo',
      description: "send a video's audio as a separate part instead of interleaved (Qwen's use_audio_in_video=true is the default)",
    },
  ],
  defaultIsolation: 'none',
  variants(options) {
    const audioPadding = String(options.specOptions['audioPadding'] ?? 'pad-features');
    const audioInVideo = options.specOptions['audioInVideo'] !== false;
    return [{ name: 'baseline', description: 'serial pipeline, no middleware', settings: { audioPadding, audioInVideo } }];
  },
  plan: planTrials,
  async run(ctx) {
    const { result, media, work } = await runSerialRequest(
      ctx.sample,
      { model: ctx.model, media: ctx.media, stage: ctx.stage, schedule: ctx.schedule },
      {
        maxNewTokens: ctx.options.maxNewTokens,
        audioPadding: ctx.variant.settings['audioPadding'] as AudioPadding,
        audioInVideo: ctx.variant.settings['audioInVideo'] !== false,
      },
    );
    return { result, media, work };
  },
};
