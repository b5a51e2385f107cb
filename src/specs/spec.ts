/**
 * The one interface every spec implements (optimum-benchmark's scenario): what is measured
 * (samples x variants x repeats), how one trial runs against the model, and any extra summary
 * tables. A spec never starts a timer: the runner hands it a StageRunner that the profiler times.
 */
import type { GenerateResult, MelFeatures } from '../model/types.js';
import type { ExtraMeasures, TrialKey } from '../report/record.js';
import type { Summary } from '../report/summary.js';
import type { TrialRecord } from '../report/record.js';
import type { TextTable } from '../report/format.js';
import type { SpecChart } from '../report/sweep-charts.js';
import type { ReportContext } from '../report/report-context.js';
import type { RequestMedia, RequestWork } from '../runner/pipeline.js';
import type { BenchSample, MediaLike, ModelLike } from '../runner/types.js';
import type { StageRunner } from '../stages.js';
import type { Schedule } from '../middleware/types.js';
import type { Span } from '../profiler/types.js';
import type { CommonOptions } from './common-options.js';

/** A spec-specific command-line option. */
export interface SpecOption {
  /** commander flags, e.g. `--audio-padding <mode>`. */
  flags: string;
  description: string;
  /** Key in SpecRunOptions.specOptions (commander's camelCase of the long flag). */
  key: string;
  defaultValue?: string | number | boolean;
  /** Allowed values, checked by commander. */
  choices?: readonly string[];
}

/** One configuration a spec compares (middleware on/off, a padding mode, a sweep point). */
export interface Variant {
  name: string;
  description?: string;
  /** Middleware this variant runs with (src/middleware/registry.ts names), on top of --middleware. */
  middleware?: readonly string[];
  /** Settings the spec's run() reads; also written to meta.json. */
  settings: Readonly<Record<string, string | number | boolean>>;
}

/** One trial to run: a key and the sample it uses. */
export interface PlannedTrial extends TrialKey {
  sample: BenchSample;
}

/** Options as the runner resolves them: the shared ones plus the spec's own. */
export interface SpecRunOptions extends CommonOptions {
  /** Values of the spec's own options, by SpecOption.key. */
  specOptions: Readonly<Record<string, unknown>>;
}

/**
 * A conversation's state between its turns: the runner gives every turn of one conversation
 * the same object (empty at turn 0) and drops it after the last turn; the spec keeps what the
 * next turn needs in it (the messages so far, the generated ids).
 */
export type ConversationState = Record<string, unknown>;

/** What a spec's run() gets for one trial (one turn of a conversation). */
export interface TrialContext {
  key: TrialKey;
  sample: BenchSample;
  variant: Variant;
  model: ModelLike;
  media: MediaLike;
  /** Times every stage (a span each); the model and pipeline must call it around every stage. */
  stage: StageRunner;
  /** How the pipeline may order the media branches (the variant's middleware set it; default serial). */
  schedule?: Schedule;
  options: SpecRunOptions;
  /** True for warmup runs (never recorded). */
  warmup: boolean;
  /** State kept across the turns of this conversation. */
  conversation: ConversationState;
}

/** What one trial produced, besides the spans the runner collected. */
export interface TrialOutput {
  result: GenerateResult;
  media?: RequestMedia;
  /** Input sizes of the compute stages, for their FLOPs (roofline). */
  work?: RequestWork;
  /** Spec-measured columns (encoder frames...); the runner adds the middleware's stats. */
  measures?: ExtraMeasures;
  /**
   * The log-mel the audio encoder got: the runner keeps the reference variant's real frames and
   * fills `audio_features_max_abs_diff` of every other variant against them (after the trial's
   * time window, so the comparison never counts in its times).
   */
  audioFeatures?: MelFeatures;
  /**
   * The encoders' output features (audio and vision tokens): the runner keeps the reference
   * variant's and fills `encoder_features_max_abs_diff` of every other variant against them.
   */
  encoderFeatures?: { audio?: Float32Array; vision?: Float32Array };
}

/** A benchmark spec. Register it in registry.ts with one line. */
export interface Spec {
  name: string;
  description: string;
  /** Manifests used when --manifest is not given (absolute paths, usually under fixtures/). */
  defaultManifests: readonly string[];
  /**
   * Samples the spec makes itself, used instead of defaultManifests when --manifest is not
   * given (module-profile's reference request, whose inputs are not media files). Optional.
   */
  defaultSamples?(options: SpecRunOptions): BenchSample[];
  /** The spec reads ONNX Runtime's per-op profile: the runner turns --ort-profile on for it. Default false. */
  needsOrtProfile?: boolean;
  /**
   * What the model must take for the spec to mean anything: an audio encoder, video, or Whisper-style
   * audio features (the padding modes). A model family without it is refused after loading, with
   * one line and exit 2, before any trial runs. Default: nothing.
   */
  requires?: { audio?: boolean; video?: boolean; whisperFeatures?: boolean };
  options: readonly SpecOption[];
  /** Default of --max-new-tokens for this spec. Default 16. */
  defaultMaxNewTokens?: number;
  /** Default of --isolate: `process` for specs whose summary compares memory across variants. */
  defaultIsolation: 'none' | 'process';
  /**
   * The variant every other one is compared with (first-token logits per sample, parameters and
   * turn; DESIGN.md invariant 1). It runs first. A spec with a reference has the
   * `logits_max_abs_diff` column; one without compares nothing.
   */
  reference?: string;
  /**
   * Run the variants' conversations in turns (every variant set up and warmed up first; then the
   * first conversation of each variant, the second of each, ...) instead of one variant after the
   * other: a machine that drifts during the run then biases no variant. For specs whose point is
   * a ratio between variants. Default false.
   */
  interleaveVariants?: boolean;
  /** Names of the sweep parameters of this spec's trials: one `param_<name>` column each. */
  parameters?: readonly string[];
  variants(options: SpecRunOptions): Variant[];
  /** The trials to run, in order. Default: {@link planTrials}. */
  plan(input: { samples: readonly BenchSample[]; variants: readonly Variant[]; options: SpecRunOptions }): PlannedTrial[];
  run(context: TrialContext): Promise<TrialOutput>;
  /** Extra tables for summary.md and the terminal (optional); `context` names the results folder and the calibrated peak. */
  summarize?(summary: Summary, records: readonly TrialRecord[], context?: ReportContext): TextTable[];
  /** Extra charts for charts/ (optional); `spans` are the run's stage spans (timeline.json), each tagged with its trial's key. */
  charts?(summary: Summary, records: readonly TrialRecord[], spans: readonly Span[], context?: ReportContext): SpecChart[];
}

/**
 * The default plan: for each variant, repeat-major (every sample once, then again), so that a
 * drift in the machine spreads over samples rather than hitting one; single-turn.
 */
export function planTrials(input: { samples: readonly BenchSample[]; variants: readonly Variant[]; options: SpecRunOptions }): PlannedTrial[] {
  const trials: PlannedTrial[] = [];
  for (const variant of input.variants) {
    for (let repeat = 0; repeat < input.options.repeats; repeat++) {
      for (const sample of input.samples) {
        trials.push({ dataset: sample.dataset, sampleId: sample.sampleId, variant: variant.name, repeat, turn: 0, sample });
      }
    }
  }
  return trials;
}
