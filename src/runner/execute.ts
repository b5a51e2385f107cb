/**
 * Runs a spec from the command line: results folder, resume, manifests, meta.json, SIGINT,
 * process isolation, the run itself, every output, what the terminal shows, and the exit code
 * (0 all trials ok, 1 some failed, 2 nothing could run, 130 interrupted).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { ExitCode, UsageError } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { readRecordsCsv } from '../report/csv.js';
import { environmentFacts, writeMeta, type RunMeta } from '../report/meta.js';
import { writeOutputs, type Timeline } from '../report/outputs.js';
import { keyString, type TrialKey, type TrialRecord } from '../report/record.js';
import { terminalSafe } from '../safe-text.js';
import type { ProfilerWarning } from '../profiler/warnings.js';
import { terminalReport } from '../report/table.js';
import { logitsCheckLines, type LogitsCheck } from '../report/format.js';
import { summaryJson } from '../report/json.js';
import { writeModuleBreakdown } from '../report/module-breakdown.js';
import { ortProfilePrefix } from './results-dir.js';
import type { Spec, SpecRunOptions, Variant } from '../specs/spec.js';
import { capThreads } from '../specs/common-options.js';
import { runVariantsIsolated } from './isolate.js';
import { resultWarnings } from './quality.js';
import { loadWarning, overPeakWarning, warningMessage } from '../profiler/warnings.js';
import { stageRates } from '../report/format.js';
import { createProgress, silentProgress } from './progress.js';
import { defaultResultsDir, prepareResultsDir, resultPath } from './results-dir.js';
import { acquireResultsLock, type ResultsLock } from './results-lock.js';
import { loadResumeState } from './resume.js';
import { planRun, runSpec, type LoadedModel } from './run.js';
import { checkRequires } from './requires.js';
import { branchThreadsOf } from '../middleware/encode-workers.js';
import { availableParallelism } from 'node:os';
import type { BenchSample, Instruments, InvalidSample, MediaLike, ModelLike } from './types.js';

/** Exit code of an interrupted run (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** What the CLI plugs into a run: the real model, media, datasets and profiler, or doubles. */
export interface SpecEnvironment {
  loadSamples(manifests: readonly string[], options: SpecRunOptions): Promise<{ samples: BenchSample[]; invalid: InvalidSample[]; warnings?: string[]; rowsRead?: number }>;
  /** The machine-under-load check made before a run (default: the 1-minute load average). */
  machineLoad?(): ProfilerWarning | undefined;
  loadModel(options: SpecRunOptions): Promise<LoadedModel>;
  media: MediaLike;
  instruments: Instruments;
  /** ffmpeg version line for meta.json (null when unknown). */
  ffmpegVersion?(): string | null;
  /** Measures the machine's MatMul peak once per run, for % of peak (meta.json calibration). */
  calibrate?(options: SpecRunOptions): Promise<{ peakGflops: number } & Record<string, unknown>>;
  /** Memory methods for meta.json. */
  memoryInfo?(options: SpecRunOptions): RunMeta['memory'];
  /**
   * What the model's family takes, read from its folder without loading a session (for
   * Spec.requires, checked before anything runs). Absent or undefined: checked after loading.
   */
  modelTakes?(options: SpecRunOptions): Promise<ModelFacts | undefined>;
}

/** What a spec's requirements are checked against (ModelLike's members of the same names). */
export type ModelFacts = Pick<ModelLike, 'family' | 'takes' | 'audioFeatureKind'>;

/** Where output goes. */
export interface ExecuteIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  /** argv after the program, for meta.json. */
  argv: string[];
  /** Option keys given explicitly on the command line (they win over meta.json on --resume). */
  explicit: ReadonlySet<string>;
  /** Child of --isolate process: write records and timeline only. */
  recordsOnly?: boolean;
}

function readTimeline(dir: string): Timeline {
  try {
    const parsed = JSON.parse(readFileSync(resultPath(dir, 'timeline'), 'utf8')) as Timeline;
    return { spans: parsed.spans ?? [], memory: parsed.memory ?? [], ...(parsed.gpu ? { gpu: parsed.gpu } : {}) };
  } catch {
    return { spans: [], memory: [] };
  }
}

/**
 * Calibrates the MatMul peak again after the run: meta.json keeps both (`before`, `after`), the
 * drift between them, and as `peakGflops` the higher of the two (a peak is the best the machine
 * showed; a busy moment lowers one calibration, never raises it).
 */
async function recalibrate(env: SpecEnvironment, options: SpecRunOptions, before: Record<string, unknown>): Promise<Record<string, unknown>> {
  const beforePeak = before['peakGflops'];
  if (typeof beforePeak !== 'number') return before;
  try {
    const after = await env.calibrate!(options);
    return {
      ...before,
      peakGflops: Math.max(beforePeak, after.peakGflops),
      before: { peakGflops: beforePeak, spread: before['spread'] },
      after: { peakGflops: after.peakGflops, spread: after['spread'] },
      driftPct: (100 * (after.peakGflops - beforePeak)) / beforePeak,
      warnings: [...((before['warnings'] as string[] | undefined) ?? []), ...((after['warnings'] as string[] | undefined) ?? [])],
    };
  } catch (error) {
    return { ...before, after: { error: (error as Error).message } };
  }
}

/** The calibration's own warnings (unstable bursts) and a drift of more than 10% between before and after. */
function calibrationWarnings(calibration: Record<string, unknown> | undefined): string[] {
  if (!calibration) return [];
  const warnings = [...new Set((calibration['warnings'] as string[] | undefined) ?? [])];
  const drift = calibration['driftPct'];
  if (typeof drift === 'number' && Math.abs(drift) > 10) {
    warnings.push(`the MatMul peak drifted by ${drift.toFixed(1)}% between the calibrations before and after the run: the machine's speed changed (load, throttling); compare this run's times with care`);
  }
  return warnings;
}

/** Why no sample was loaded, with the hint that fits the options given. */
function noSamplesMessage(manifests: readonly string[], options: SpecRunOptions, rowsRead: number | undefined): string {
  const files = manifests.join(', ');
  if (rowsRead === 0) return `no samples in ${files}: the manifest has a header and no data rows`;
  const selection = [options.shard ? '--shard' : '', options.maxSamples !== undefined ? '--max-samples' : ''].filter(Boolean);
  return selection.length > 0 ? `no samples in ${files} with ${selection.join(' and ')} (check their values)` : `no samples in ${files}`;
}

/** --resume: every record on disk must be a trial this run plans (the same manifests and options). */
function refuseForeignRecords(dir: string, existing: readonly TrialRecord[], planned: readonly TrialKey[]): void {
  const keys = new Set(planned.map(keyString));
  const foreign = existing.filter((r) => !keys.has(keyString(r)));
  if (foreign.length === 0) return;
  const first = foreign[0] as TrialRecord;
  throw new UsageError(
    `--resume ${dir}: ${foreign.length} record(s) in records.csv are not trials of this run (first: ${terminalSafe(keyString(first))}); the manifests or options changed since, or the file holds another run's records`,
  );
}

/** meta.json's branchThreads when a variant (or --middleware) runs the encode middleware. */
function branchThreadsMeta(variants: readonly Variant[], options: SpecRunOptions): Pick<RunMeta, 'branchThreads'> {
  const encode = ['parallel-encode', 'streaming-encode'];
  const used = variants.some((v) => (v.middleware ?? []).some((m) => encode.includes(m))) || options.middleware.some((m) => encode.includes(m));
  if (!used) return {};
  const explicit = options.threadsAudio !== undefined || options.threadsVision !== undefined;
  return { branchThreads: { ...branchThreadsOf(options), cores: availableParallelism(), source: explicit ? '--threads-audio/--threads-vision' : 'default', allowSpinning: false } };
}

/** Exit code from the records: 0 all ok, 1 some failed, 2 none ok. */
export function exitCodeOf(records: readonly TrialRecord[]): number {
  const ok = records.filter((r) => r.status === 'ok').length;
  if (ok === 0) return ExitCode.Usage;
  return ok === records.length ? ExitCode.Ok : ExitCode.Failures;
}

/** Signals that interrupt a run: both stop it cleanly, keep finished records and print the resume hint. */
const INTERRUPT_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** Installs the interrupt behaviour of a run: the first SIGINT/SIGTERM stops cleanly, a later one (after 1 s) exits at once. */
function onInterrupt(controller: AbortController, stderr: NodeJS.WritableStream): () => void {
  let firstAt = 0;
  const handler = (signal: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      firstAt = Date.now();
      stderr.write(`\nomni-bench: interrupted (${signal}); finishing up (finished records are kept; Ctrl-C again to quit now)\n`);
      controller.abort();
    } else if (Date.now() - firstAt > 1000) {
      process.exit(EXIT_INTERRUPTED);
    }
  };
  for (const signal of INTERRUPT_SIGNALS) process.on(signal, handler);
  return () => {
    for (const signal of INTERRUPT_SIGNALS) process.off(signal, handler);
  };
}

/** Runs `spec` as the CLI does; resolves to the exit code. */
export async function executeSpec(spec: Spec, cliOptions: SpecRunOptions, env: SpecEnvironment, io: ExecuteIo): Promise<number> {
  // Phase 1: the results folder, locked before anything is read from or written to it.
  const resumeDir = cliOptions.resume;
  if (resumeDir !== undefined && !isDirectory(resumeDir)) throw new UsageError(`--resume ${resumeDir}: no such results folder`);
  const outDir = resumeDir ?? cliOptions.out ?? defaultResultsDir(spec.name);
  const { created } = resumeDir !== undefined ? { created: false } : prepareResultsDir(outDir);
  let lock: ResultsLock;
  try {
    lock = acquireResultsLock(outDir);
  } catch (error) {
    if (created) await rm(outDir, { recursive: true, force: true });
    throw error;
  }
  try {
    return await executeLocked(spec, cliOptions, env, io, { outDir, lockToken: lock.token });
  } catch (error) {
    // Nothing ran (bad manifest, the model did not load...): no results folder is left behind.
    if (created && recordsWritten(outDir) === 0) await rm(outDir, { recursive: true, force: true });
    throw error;
  } finally {
    lock.release();
  }
}

function recordsWritten(dir: string): number {
  try {
    return existsSync(resultPath(dir, 'records')) ? readRecordsCsv(resultPath(dir, 'records')).records.length : 0;
  } catch {
    return 1; // unreadable: keep it for the user to look at
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

async function executeLocked(spec: Spec, cliOptions: SpecRunOptions, env: SpecEnvironment, io: ExecuteIo, folder: { outDir: string; lockToken: string }): Promise<number> {
  const { outDir, lockToken } = folder;
  const resumed = cliOptions.resume ? loadResumeState(cliOptions.resume, spec.name, cliOptions, io.explicit) : undefined;
  const options = resumed?.options ?? cliOptions;
  if (!resumed && existsSync(resultPath(outDir, 'records'))) {
    throw new UsageError(`${outDir} already holds results (records.csv); pass --resume ${outDir} to complete it, or another --out`);
  }
  options.out = outDir;
  const existing = resumed?.records ?? [];
  // Absolute, so that --resume from another folder compares and reloads the same files.
  const manifests = (options.manifest.length > 0 ? options.manifest : [...spec.defaultManifests]).map((m) => resolve(m));
  options.manifest = manifests;

  const warnings: string[] = [];
  if (options.threads !== undefined) {
    const capped = capThreads(options.threads);
    options.threads = capped.threads;
    if (capped.warning) warnings.push(capped.warning);
  }

  // A spec that reads ONNX Runtime's per-op profile has it whatever the flags say.
  if (spec.needsOrtProfile) options.ortProfile = true;

  // A model whose family lacks what the spec measures is refused before anything runs.
  const facts = await env.modelTakes?.(options);
  if (facts) checkRequires(spec, facts);

  // Phase 2: samples, the plan and meta.json. A spec that makes its own samples uses them unless --manifest is given.
  const loaded = manifests.length === 0 && spec.defaultSamples ? { samples: spec.defaultSamples(options), invalid: [] } : await env.loadSamples(manifests, options);
  const { samples, invalid } = loaded;
  warnings.push(...(loaded.warnings ?? []));
  if (samples.length === 0 && invalid.length === 0) throw new UsageError(noSamplesMessage(manifests, options, loaded.rowsRead));
  const { variants, trials, invalidKeys } = planRun({ spec, options, samples, invalid });
  if (variants.length === 0) throw new UsageError(`no variant of ${spec.name} matches --variants ${options.variants?.join(',') ?? ''}`);
  if (resumed) {
    // A child of --isolate plans one variant; the records of its siblings are trials of the run too.
    const whole = options.variants ? planRun({ spec, options: { ...options, variants: undefined }, samples, invalid }) : { trials, invalidKeys };
    refuseForeignRecords(outDir, existing, [...whole.trials, ...whole.invalidKeys]);
  }
  if (!io.recordsOnly) {
    const load = (env.machineLoad ?? loadWarning)();
    if (load) warnings.push(warningMessage(load));
    if (!options.quiet) for (const w of warnings) io.stderr.write(`omni-bench: warning: ${terminalSafe(w)}\n`);
  }
  // A child of --isolate process runs one variant and says so in its records.
  const isolation = io.recordsOnly ? 'process' : options.isolate === 'process' && variants.length > 1 ? 'process' : 'none';
  const meta: RunMeta = {
    format: 'omni-bench-meta/1',
    spec: spec.name,
    command: io.argv,
    startedAt: resumed?.startedAt ?? new Date().toISOString(),
    environment: environmentFacts({ ffmpegVersion: env.ffmpegVersion?.() ?? null }),
    options: { ...options } as Record<string, unknown>,
    variants: variants.map((v) => ({ name: v.name, ...(v.description ? { description: v.description } : {}), settings: v.settings, ...(v.middleware ? { middleware: v.middleware } : {}) })),
    ...(spec.reference ? { reference: spec.reference } : {}),
    memory: env.memoryInfo?.(options) ?? { method: 'rss-poll', intervalMs: options.memIntervalMs, vmhwm: false, gpu: 'unavailable' },
    isolation,
    ...branchThreadsMeta(variants, options),
    samples: { valid: samples.length, invalid: invalid.length },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
  // A child of --isolate must not rewrite the parent's meta.json options (it has --variants).
  if (!io.recordsOnly) {
    meta.options = { ...meta.options, variants: cliOptions.variants, resume: undefined };
    await writeMeta(resultPath(outDir, 'meta'), meta);
  }

  // Phase 3: run, in this process or one child per variant.
  const controller = new AbortController();
  const removeInterrupt = onInterrupt(controller, io.stderr);
  let records: TrialRecord[] = [];
  let interrupted = false;
  let timeline = readTimeline(outDir);
  try {
    if (env.calibrate && !io.recordsOnly && !controller.signal.aborted) {
      meta.calibration = await env.calibrate(options).catch((error: Error) => ({ error: error.message }) as unknown as { peakGflops: number });
    }
    if (isolation === 'process' && !io.recordsOnly) {
      const runs = await runVariantsIsolated({ spec: spec.name, dir: outDir, lockToken, variants: variants.map((v) => v.name), signal: controller.signal, quiet: options.quiet });
      const failed = runs.filter((r) => r.code !== 0 && r.code !== 1 && r.code !== 2);
      for (const run of failed) io.stderr.write(`omni-bench: variant ${run.variant} child process ended with ${run.signal ?? `exit ${run.code}`}\n`);
      timeline = readTimeline(outDir); // the children's records are read below, with everyone's
      interrupted = controller.signal.aborted || runs.length < variants.length || failed.length > 0;
    } else {
      const progress = options.quiet || options.json ? silentProgress : createProgress({ label: spec.name, stream: io.stderr });
      const outcome = await runSpec(
        { spec, options, samples, invalid, outDir, existing, isolation },
        { ...env, loadModel: () => env.loadModel(options), progress, signal: controller.signal },
      );
      records = outcome.records;
      interrupted = outcome.interrupted;
      timeline = {
        spans: [...timeline.spans, ...outcome.spans],
        memory: [...timeline.memory, ...outcome.memory],
        ...(outcome.gpu.length > 0 || timeline.gpu ? { gpu: [...(timeline.gpu ?? []), ...outcome.gpu] } : {}),
      };
      await writeFileAtomic(resultPath(outDir, 'timeline'), JSON.stringify(timeline));
      if (outcome.model) meta.model = { ...outcome.model.info, loadMs: outcome.model.loadMs };
      for (const w of outcome.model?.warnings ?? []) {
        meta.warnings = [...(meta.warnings ?? []), w];
        if (!options.quiet) io.stderr.write(`omni-bench: warning: ${terminalSafe(w)}\n`);
      }
      for (const w of outcome.warmupErrors) io.stderr.write(`omni-bench: warning: warmup failed (not recorded): ${w}\n`);
    }
  } finally {
    removeInterrupt();
  }
  if (io.recordsOnly) return interrupted ? EXIT_INTERRUPTED : exitCodeOf(records);
  if (env.calibrate && meta.calibration && !interrupted) meta.calibration = await recalibrate(env, options, meta.calibration);
  for (const w of calibrationWarnings(meta.calibration)) {
    meta.warnings = [...(meta.warnings ?? []), w];
    if (!options.quiet) io.stderr.write(`omni-bench: warning: ${w}\n`);
  }

  // Phase 4: outputs, terminal, exit code. Summaries come from records.csv as written, so that
  // `omni-bench report DIR` rebuilds byte-identical summaries from the same file.
  if (existsSync(resultPath(outDir, 'records'))) records = readRecordsCsv(resultPath(outDir, 'records')).records;
  const complete = !interrupted;
  const peakGflops = typeof meta.calibration?.['peakGflops'] === 'number' ? meta.calibration['peakGflops'] : undefined;
  const outputs = await writeOutputs(outDir, {
    spec: spec.name,
    records,
    complete,
    timeline,
    ...(peakGflops ? { peakGflops } : {}),
    ...(spec.summarize ? { extraTables: spec.summarize.bind(spec) } : {}),
    ...(spec.charts ? { extraCharts: spec.charts.bind(spec) } : {}),
    logitsTolerance: options.logitsTolerance,
  });
  for (const failure of outputs.failures) io.stderr.write(`omni-bench: warning: could not write ${failure}\n`);
  if (options.ortProfile) {
    const read = await writeModuleBreakdown(resultPath(outDir, 'moduleBreakdown'), ortProfilePrefix(outDir)).catch((error: Error) => {
      io.stderr.write(`omni-bench: warning: could not write module_breakdown.csv: ${error.message}\n`);
      return 0;
    });
    if (read === 0) io.stderr.write('omni-bench: warning: --ort-profile: no ONNX Runtime profile found; module_breakdown.csv not written\n');
  }
  const overPeak = peakGflops === undefined ? [] : stageRates(records).flatMap((r) => {
    const w = overPeakWarning(`${r.stage} (${r.variant})`, (100 * r.gflops) / peakGflops);
    return w ? [warningMessage(w)] : [];
  });
  const quality = [...resultWarnings(outputs.summary, records).map(warningMessage), ...overPeak];
  if (!options.quiet) for (const w of quality) io.stderr.write(`omni-bench: warning: ${w}\n`);
  meta.warnings = [...(meta.warnings ?? []), ...quality];
  meta.finishedAt = new Date().toISOString();
  meta.interrupted = interrupted;
  await writeMeta(resultPath(outDir, 'meta'), meta);
  const info = { records: records.length, complete, tables: outputs.tables, ...(outputs.logits ? { logits: outputs.logits } : {}) };
  if (options.json) io.stdout.write(summaryJson(outputs.summary, info));
  else if (!options.quiet) io.stdout.write(terminalReport(outputs.summary, { ...info, records, ...(peakGflops === undefined ? {} : { peakGflops }) }));
  // Invariant 1: a middleware that changed the answer fails the run, naming every record (stderr too, for --json and --quiet).
  const answerChanged = (outputs.logits?.beyond.length ?? 0) > 0;
  if (answerChanged && (options.json || options.quiet)) io.stderr.write(`${logitsCheckLines(outputs.logits as LogitsCheck).map((l) => `omni-bench: ${l.trim()}`).join('\n')}\n`);
  const shown = relative(process.cwd(), outDir);
  if (!options.quiet) io.stderr.write(`results: ${shown.startsWith('..') || shown === '' ? outDir : shown}\n`);
  if (interrupted) {
    io.stderr.write(`omni-bench: interrupted with ${records.length} records written; resume with:\n  omni-bench ${spec.name} --resume ${outDir}\n`);
    return EXIT_INTERRUPTED;
  }
  const code = exitCodeOf(records);
  return answerChanged && code === ExitCode.Ok ? ExitCode.Failures : code;
}
