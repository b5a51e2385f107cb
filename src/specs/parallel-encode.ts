/**
 * `parallel-encode`: the serial baseline against the two concurrent schedules of the encode
 * middleware. `serial` (the reference) runs audio_decode, audio_features, video_decode,
 * vision_preprocess, audio_encoder, vision_encoder one after the other; `parallel` runs the
 * audio branch and the vision branch at once in two worker threads; `streaming` also encodes
 * each group of two frames while ffmpeg still decodes the later ones. Per sample: TTFT, both
 * branches, their overlap, the critical path, and the ideal bound of a parallel schedule (the
 * serial run's slower branch plus everything after the encoders).
 */
import { join } from 'node:path';
import { FIXTURES_DIR } from '../paths.js';
import { runSerialRequest } from '../runner/pipeline.js';
import { planTrials, type Spec } from './spec.js';
import { parallelEncodeCharts, parallelEncodeTables } from './parallel-encode-report.js';

/** The variants, in the order they run: the reference first. */
export const PARALLEL_ENCODE_VARIANTS = ['serial', 'parallel', 'streaming'] as const;

/** The parallel-encode spec. */
export const parallelEncode: Spec = {
  name: 'parallel-encode',
  description: 'serial media branches against parallel (two worker threads) and streaming (vision encoded while ffmpeg decodes): TTFT against the critical path and the ideal bound',
  // One question per fixture video: videos with and without sound, 2 s to 12 s.
  defaultManifests: [join(FIXTURES_DIR, 'datasets', 'video-mme', 'manifest-1q.csv')],
  // The schedule changes only the media stages: one token after the first is enough.
  defaultMaxNewTokens: 2,
  options: [],
  defaultIsolation: 'none',
  reference: 'serial',
  // The point is the ratio to serial: each sample runs under every variant in turn.
  interleaveVariants: true,
  variants() {
    return [
      { name: 'serial', description: 'the serial baseline: one media stage after the other, encoders on the main thread', settings: { schedule: 'serial' } },
      { name: 'parallel', description: 'audio and vision branches at once, each encoder in its own worker thread', middleware: ['parallel-encode'], settings: { schedule: 'parallel' } },
      {
        name: 'streaming',
        description: 'parallel, and the vision encoder run on each group of two frames as ffmpeg delivers it; audio encoded window by window',
        middleware: ['streaming-encode'],
        settings: { schedule: 'streaming' },
      },
    ];
  },
  plan: planTrials,
  async run(ctx) {
    const { result, media, work, encoderFeatures } = await runSerialRequest(
      ctx.sample,
      { model: ctx.model, media: ctx.media, stage: ctx.stage, schedule: ctx.schedule },
      { maxNewTokens: ctx.options.maxNewTokens, audioPadding: 'pad-features', audioInVideo: true },
    );
    return { result, media, work, encoderFeatures };
  },
  summarize: parallelEncodeTables,
  charts: parallelEncodeCharts,
};
