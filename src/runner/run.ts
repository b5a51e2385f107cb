/**
 * The runner: runs a spec's planned trials against a model loaded once, warmups first and
 * never recorded, each trial isolated (a failure becomes an error record and the run goes on),
 * records.csv rewritten atomically after every record, and a clean stop on abort (SIGINT).
 * Everything external (model, media, clock, memory) comes in through RunDeps.
 */
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import { checkRequires } from './requires.js';
import type { GpuSample } from '../profiler/gpu-poller.js';
import type { MemorySample, Span } from '../profiler/types.js';
import { conversationString, emptyMeasures, keyString, ROOFLINE_STAGES, type Isolation, type RooflineStage, type TrialKey, type TrialRecord } from '../report/record.js';
import type { Middleware, Stack } from '../middleware/types.js';
import { branchThreadsOf } from '../middleware/encode-workers.js';
import { collectStats, composeStack, createMiddleware, disposeMiddleware, middlewareLabel, resetMiddleware } from '../middleware/registry.js';
import { ReferenceLogits } from './reference-logits.js';
import { stripMelPadding, type RequestWork } from './pipeline.js';
import { writeRecordsCsv } from '../report/csv.js';
import type { ConversationState, PlannedTrial, Spec, SpecRunOptions, TrialOutput, Variant } from '../specs/spec.js';
import type { StageRunner } from '../stages.js';
import { gradeAnswer } from './answer.js';
import { absentStagesOf, BYTES_PER_MB, mediaBytes, measureTrial } from './measure.js';
import type { Progress } from './progress.js';
import type { BenchSample, Instruments, InvalidSample, MediaLike, MemoryRecorder, ModelLike } from './types.js';

/** A loaded model and what meta.json says about it. */
export interface LoadedModel {
  model: ModelLike;
  /** Wall time of loading (and building on first use), ms; never inside TTFT. */
  loadMs: number;
  /** Facts for meta.json (dir, preset, hash...). */
  info: Readonly<Record<string, unknown>>;
  /** What the user should know about the model folder (e.g. no processor config: built-in defaults used). */
  warnings?: readonly string[];
  /** FLOPs of the compute stages of one request, from the model's dimensions (optional). */
  flops?(work: RequestWork, promptTokens: number): Partial<Record<RooflineStage, number>>;
  release?(): Promise<void>;
}

/** Everything the runner calls outside itself. */
export interface RunDeps {
  loadModel(): Promise<LoadedModel>;
  media: MediaLike;
  instruments: Instruments;
  progress?: Progress;
  /** Aborted by SIGINT: the trial in flight is dropped, finished records are kept. */
  signal?: AbortSignal;
  /** Creates the named middleware (src/middleware/registry.ts) around the loaded model; none without. */
  createMiddleware?(names: readonly string[], loaded: LoadedModel): Middleware[];
}

/** What to run. */
export interface RunInput {
  spec: Spec;
  options: SpecRunOptions;
  samples: readonly BenchSample[];
  invalid: readonly InvalidSample[];
  outDir: string;
  /** Records already in the results folder (--resume): their keys are not run again. */
  existing: readonly TrialRecord[];
  isolation: Isolation;
}

/** How a run ended. */
export interface RunOutcome {
  records: TrialRecord[];
  /** Trials planned in total (existing included). */
  planned: number;
  /** Trials this invocation recorded. */
  ran: number;
  interrupted: boolean;
  /** Every span and memory sample of this invocation (for trace.json and the memory chart). */
  spans: Span[];
  memory: MemorySample[];
  /** GPU memory.used samples (nvidia-smi), empty without a GPU. */
  gpu: GpuSample[];
  model?: { loadMs: number; info: Readonly<Record<string, unknown>>; warnings?: readonly string[] };
  /** Warmups that failed (not recorded; the trials they preceded still run). */
  warmupErrors: string[];
}

/** Thrown into a trial when the run is aborted between two stages. */
export class TrialAborted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'TrialAborted';
  }
}

/**
 * Plans the run: the spec's trials, plus one error record key per invalid manifest row and
 * variant. An invalid row's key never equals a trial's or another invalid row's (a `#2` suffix
 * where the loader's keys would meet), so no record ever takes another's place.
 */
export function planRun(input: Pick<RunInput, 'spec' | 'options' | 'samples' | 'invalid'>): { trials: PlannedTrial[]; invalidKeys: (TrialKey & { reason: string })[]; variants: Variant[] } {
  const all = input.spec.variants(input.options);
  const only = input.options.variants;
  const chosen = only ? all.filter((v) => only.includes(v.name)) : all;
  // The reference runs first, so that every other variant finds its logits on disk.
  const variants = [...chosen.filter((v) => v.name === input.spec.reference), ...chosen.filter((v) => v.name !== input.spec.reference)];
  const trials = input.spec.plan({ samples: input.samples, variants, options: input.options });
  const taken = new Set(trials.map(keyString));
  const invalidKeys = variants.flatMap((v) =>
    input.invalid.map((row) => {
      let key = { dataset: row.dataset, sampleId: row.sampleId, variant: v.name, repeat: 0, turn: 0, reason: row.reason };
      for (let n = 2; taken.has(keyString(key)); n++) key = { ...key, sampleId: `${row.sampleId}#${n}` };
      taken.add(keyString(key));
      return key;
    }),
  );
  return { trials, invalidKeys, variants };
}

function baseRecord(spec: string, key: TrialKey, isolation: Isolation, startedAt: string): Omit<TrialRecord, 'status'> {
  return {
    spec,
    dataset: key.dataset,
    sampleId: key.sampleId,
    variant: key.variant,
    repeat: key.repeat,
    turn: key.turn,
    ...(key.params && Object.keys(key.params).length > 0 ? { params: { ...key.params } } : {}),
    isolation,
    startedAt,
    measures: emptyMeasures(),
  };
}

/** The registry's middleware, keyed on the loaded model's identity, with --cache-mb. */
function defaultMiddleware(options: SpecRunOptions): NonNullable<RunDeps['createMiddleware']> {
  return (names, loaded) =>
    createMiddleware(names, { modelId: String(loaded.info['hash'] ?? loaded.info['dir'] ?? 'model'), cacheMb: options.cacheMb, branchThreads: branchThreadsOf(options) });
}

/** A StageRunner that refuses to start a stage once the run is aborted. */
function abortable(stage: StageRunner, signal: AbortSignal | undefined): StageRunner {
  if (!signal) return stage;
  return (name, fn, info) => {
    if (signal.aborted) return Promise.reject(new TrialAborted());
    return stage(name, fn, info);
  };
}

/** Runs a spec; resolves when every trial ran or the run was aborted. Throws only when the model cannot load. */
export async function runSpec(input: RunInput, deps: RunDeps): Promise<RunOutcome> {
  const { spec, options, isolation } = input;
  const { instruments, signal } = deps;
  const records: TrialRecord[] = [...input.existing];
  const done = new Set(records.map(keyString));
  const recordsPath = join(input.outDir, 'records.csv');
  const save = (): Promise<void> => writeRecordsCsv(recordsPath, records, { comparesLogits: spec.reference !== undefined, params: spec.parameters ?? [] });
  const outcome: RunOutcome = { records, planned: 0, ran: 0, interrupted: false, spans: [], memory: [], gpu: [], warmupErrors: [] };

  // Phase 1: plan; invalid manifest rows become error records straight away.
  const { trials, invalidKeys } = planRun(input);
  outcome.planned = trials.length + invalidKeys.length;
  for (const key of invalidKeys) {
    if (done.has(keyString(key))) continue;
    records.push({ ...baseRecord(spec.name, key, isolation, new Date().toISOString()), status: 'error', error: key.reason });
    done.add(keyString(key));
    outcome.ran++;
  }
  // A conversation is the unit of resume: one with a missing turn is rerun from turn 0 (its
  // earlier turns' records are replaced), never continued without its state.
  const incomplete = new Set(trials.filter((t) => !done.has(keyString(t))).map(conversationString));
  const stale = new Set(trials.filter((t) => incomplete.has(conversationString(t))).map(keyString));
  for (let i = records.length - 1; i >= 0; i--) if (stale.has(keyString(records[i] as TrialRecord))) records.splice(i, 1);
  const todo = trials.filter((t) => incomplete.has(conversationString(t)));
  await save();
  if (todo.length === 0 || signal?.aborted) {
    outcome.interrupted = signal?.aborted === true && todo.length > 0;
    return outcome;
  }

  // Phase 2: the model, once; memory pollers for the whole run.
  const loaded = await deps.loadModel();
  try {
    checkRequires(spec, loaded.model);
  } catch (error) {
    await loaded.release?.();
    throw error;
  }
  outcome.model = { loadMs: loaded.loadMs, info: loaded.info, ...(loaded.warnings ? { warnings: loaded.warnings } : {}) };
  const memory: MemoryRecorder | undefined = await instruments.startMemory?.(options.memIntervalMs);
  const gpu = await instruments.startGpu?.();
  // Trial windows of this invocation, for the GPU peaks known only when nvidia-smi stops.
  const windows = new Map<TrialRecord, [number, number]>();
  const tracker = instruments.createTracker('main');
  deps.progress?.start(todo.length);

  // Phase 3: per variant (the reference first), warmups then conversations turn by turn; with
  // Spec.interleaveVariants every variant is set up first and the conversations take turns.
  const reference = new ReferenceLogits(input.outDir);
  const open: VariantRun[] = [];
  const setUp = async (variantName: string): Promise<VariantRun | undefined> => {
    const variant = spec.variants(options).find((v) => v.name === variantName);
    if (!variant) return undefined;
    const names = [...new Set([...(variant.middleware ?? []), ...options.middleware])];
    const middleware = names.length === 0 ? [] : (deps.createMiddleware ?? defaultMiddleware(options))(names, loaded);
    const stack = composeStack({ model: loaded.model, media: deps.media }, middleware);
    const ctx: TrialDeps = { input, deps, loaded, tracker, memory, stack, middleware, reference, middlewareName: middlewareLabel(middleware) };
    const run: VariantRun = { variant, ctx, conversations: conversations(todo.filter((t) => t.variant === variantName)) };
    open.push(run);
    const first = run.conversations[0]?.[0];
    if (first) outcome.warmupErrors.push(...(await warmUp(first, variant, ctx)));
    // Warmups never fill the caches the recorded trials measure, nor count in their stats.
    resetMiddleware(middleware, 'run');
    collectStats(middleware);
    return run;
  };
  const runConversation = async (run: VariantRun, conversation: readonly PlannedTrial[]): Promise<void> => {
    resetMiddleware(run.ctx.middleware, 'conversation');
    const state: ConversationState = {};
    let failed: TrialRecord | undefined;
    for (const trial of conversation) {
      let record: TrialRecord | undefined;
      const trialStart = instruments.now();
      if (failed) {
        const reason = `turn ${failed.turn} of this conversation failed${failed.status === 'ok' ? '' : `: ${failed.error}`}`;
        record = { ...baseRecord(spec.name, trial, isolation, new Date().toISOString()), status: 'skipped', error: reason };
      } else {
        tracker.reset();
        record = await runTrial(trial, run.variant, state, run.ctx);
        if (record === undefined) break; // aborted mid-trial: the conversation is rerun on resume
        outcome.spans.push(...tracker.spans().map((s) => ({ ...s, trial: keyString(trial) })));
        if (record.status !== 'ok') failed = record;
      }
      windows.set(record, [trialStart, instruments.now()]);
      records.push(record);
      outcome.ran++;
      await save();
      deps.progress?.tick(record);
    }
  };
  const close = (run: VariantRun): void => {
    open.splice(open.indexOf(run), 1);
    disposeMiddleware(run.ctx.middleware);
  };
  try {
    const variantNames = [...new Set(todo.map((t) => t.variant))];
    if (spec.interleaveVariants) {
      // Machine drift then spreads over every variant alike: ratios between them stay fair.
      for (const name of variantNames) if (!signal?.aborted) await setUp(name);
      const rounds = Math.max(0, ...open.map((r) => r.conversations.length));
      for (let i = 0; i < rounds && !signal?.aborted; i++) {
        for (const run of [...open]) {
          const conversation = run.conversations[i];
          if (conversation && !signal?.aborted) await runConversation(run, conversation);
        }
      }
    } else {
      for (const name of variantNames) {
        if (signal?.aborted) break;
        const run = await setUp(name);
        if (!run) continue;
        try {
          for (const conversation of run.conversations) {
            if (signal?.aborted) break;
            await runConversation(run, conversation);
          }
        } finally {
          close(run);
        }
      }
    }
  } finally {
    for (const run of [...open]) close(run);
    outcome.interrupted = signal?.aborted === true && windows.size < todo.length;
    deps.progress?.stop();
    if (memory) outcome.memory = await memory.stop().catch(() => []);
    if (gpu) outcome.gpu = await gpu.stop().catch(() => []);
    await loaded.release?.();
  }
  if (outcome.gpu.length > 0) {
    for (const [record, [from, to]] of windows) {
      const inside = outcome.gpu.filter((s) => s.tMs >= from && s.tMs <= to).map((s) => s.bytes);
      if (inside.length > 0) record.measures.gpuPeakMb = Math.max(...inside) / BYTES_PER_MB;
    }
    await save();
  }
  return outcome;
}

/** The trials of one variant as conversations: consecutive turns of one key, in turn order. */
function conversations(trials: readonly PlannedTrial[]): PlannedTrial[][] {
  const groups = new Map<string, PlannedTrial[]>();
  for (const trial of trials) {
    const id = conversationString(trial);
    const group = groups.get(id) ?? [];
    group.push(trial);
    groups.set(id, group);
  }
  return [...groups.values()].map((g) => g.sort((a, b) => a.turn - b.turn));
}

/** Runs the unrecorded warmups of a variant on its first trial's sample (a fresh conversation each); returns their failures. */
async function warmUp(first: PlannedTrial, variant: Variant, t: TrialDeps): Promise<string[]> {
  const { input, deps, stack } = t;
  const failures: string[] = [];
  const untimed: StageRunner = async (_name, fn) => fn();
  for (let w = 0; w < input.options.warmup && !deps.signal?.aborted; w++) {
    try {
      resetMiddleware(t.middleware, 'conversation');
      const stage = abortable(untimed, deps.signal);
      await input.spec.run({ key: first, sample: first.sample, variant, model: stack.model, media: stack.media, stage, schedule: stack.schedule ?? 'serial', options: input.options, warmup: true, conversation: {} });
    } catch (error) {
      if (error instanceof TrialAborted) break;
      failures.push(`${keyString(first)}: ${errorMessage(error)}`);
    }
  }
  return failures;
}

/** One variant of the run, set up: its middleware stack and its conversations. */
interface VariantRun {
  variant: Variant;
  ctx: TrialDeps;
  conversations: PlannedTrial[][];
}

interface TrialDeps {
  input: RunInput;
  deps: RunDeps;
  loaded: LoadedModel;
  tracker: ReturnType<Instruments['createTracker']>;
  memory: MemoryRecorder | undefined;
  /** The model and media as the variant's middleware wrapped them. */
  stack: Stack;
  middleware: readonly Middleware[];
  /** Comma-separated middleware names, `none` without. */
  middlewareName: string;
  reference: ReferenceLogits;
}

/** One recorded trial; undefined when the run was aborted while it ran. */
async function runTrial(trial: PlannedTrial, variant: Variant, conversation: ConversationState, t: TrialDeps): Promise<TrialRecord | undefined> {
  const { input, deps, loaded, tracker, memory, stack } = t;
  const { instruments, signal } = deps;
  const startedAt = new Date().toISOString();
  instruments.resetPeakRss?.();
  // VmHWM per stage: reset and read inside each span (about 80 µs a stage), so that the
  // readings are part of the stage they measure rather than unexplained time between stages.
  const vmhwm: Record<string, number> = {};
  const untimed: StageRunner = async (_name, fn) => fn();
  const vmhwmStage = instruments.withStagePeaks?.(untimed, (stage, bytes) => void (vmhwm[stage] = Math.max(vmhwm[stage] ?? 0, bytes)));
  const timed: StageRunner = vmhwmStage ? (name, fn, info) => tracker.stage(name, () => vmhwmStage(name, fn, info), info) : tracker.stage;
  const startCpuMs = instruments.cpuMs?.();
  const startMs = instruments.now();
  let output: TrialOutput | undefined;
  let failure: unknown;
  try {
    output = await input.spec.run({
      key: trial,
      sample: trial.sample,
      variant,
      model: stack.model,
      media: stack.media,
      stage: abortable(timed, signal),
      schedule: stack.schedule ?? 'serial',
      options: input.options,
      warmup: false,
      conversation,
    });
  } catch (error) {
    failure = error;
  }
  const endMs = instruments.now();
  if (failure instanceof TrialAborted || (failure !== undefined && signal?.aborted)) return undefined;
  const spans = tracker.spans();
  const samples = memory ? await memory.collect().catch(() => []) : [];
  const window = samples.filter((s) => s.tMs >= startMs - 4 * input.options.memIntervalMs && s.tMs <= endMs);
  const peaks = instruments.stagePeaks?.(window, spans);
  const measures = measureTrial({
    spans,
    startMs,
    ...(startCpuMs !== undefined ? { startCpuMs } : {}),
    endMs,
    ...(output ? { output } : {}),
    memory: window,
    ...(peaks ? { stagePeakBytes: peaks } : {}),
    vmhwmBytes: instruments.readPeakRss?.() ?? null,
    stageVmhwmBytes: vmhwm,
    mediaFileBytes: mediaBytes(trial.sample),
    modelLoadMs: loaded.loadMs,
    absentStages: absentStagesOf(loaded.model.takes),
  });
  if (output) Object.assign(measures, gradeAnswer(trial.sample, output.result.text));
  if (output?.work && loaded.flops) {
    const flops = loaded.flops({ ...output.work, pastTokens: output.work.pastTokens ?? output.result.pastTokens ?? 0 }, output.result.promptTokens.total);
    for (const stage of ROOFLINE_STAGES) measures.stageGflop[stage] = flops[stage] === undefined ? null : flops[stage] / 1e9;
  }
  measures.middleware = t.middlewareName;
  if (output?.measures) Object.assign(measures, output.measures);
  // collectStats holds only the fields some middleware reported (a number each).
  Object.assign(measures, collectStats(t.middleware));
  if (output && input.spec.reference !== undefined) {
    // The answer checks, against the reference variant's vectors of the same sample, parameters and turn.
    const isReference = variant.name === input.spec.reference;
    const check = (what: string, data: Float32Array | undefined): Promise<number | null> => t.reference.check(trial, data, what, isReference);
    measures.logitsMaxAbsDiff = (await check('logits', output.result.firstTokenLogits)) ?? measures.logitsMaxAbsDiff;
    measures.audioFeaturesMaxAbsDiff = (await check('audio-features', output.audioFeatures && stripMelPadding(output.audioFeatures).data)) ?? measures.audioFeaturesMaxAbsDiff;
    const encoders = [await check('audio-encoder-features', output.encoderFeatures?.audio), await check('vision-encoder-features', output.encoderFeatures?.vision)];
    const compared = encoders.filter((d): d is number => d !== null);
    measures.encoderFeaturesMaxAbsDiff = compared.length > 0 ? Math.max(...compared) : null;
  }
  const base = { ...baseRecord(input.spec.name, trial, input.isolation, startedAt), measures };
  return failure === undefined ? { ...base, status: 'ok' } : { ...base, status: 'error', error: errorMessage(failure) };
}

