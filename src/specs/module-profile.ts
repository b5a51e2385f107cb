/**
 * `module-profile`: ONNX Runtime's per-operator profile of the reference request (the one
 * `model bench` times: 10 s of audio, 20 frames of 392x280 and the prompt they make; built by
 * model/reference-request.ts for both), every session profiled, warmups left out. Its tables
 * group the kernels by part (a component's session as one stage calls it), by module (from the
 * node names) and by op type, name the top operators, and give each module's FLOPs as a share of
 * the calibrated MatMul peak; trace.json shows the kernels under the stage spans that ran them.
 * With --manifest, the manifest's samples are profiled through the serial pipeline instead.
 */
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { readMeta } from '../report/meta.js';
import type { TextTable } from '../report/format.js';
import { DEFAULT_TOP, moduleChart, moduleTable, opTypeTable, partsOf, sessionTable, topNodesTable } from '../report/module-profile.js';
import { readRunProfiles } from '../report/ort-profiles.js';
import type { ReportContext } from '../report/report-context.js';
import { REFERENCE_MEL_BINS, referenceInputs, referenceParts, runReferenceRequest, REFERENCE_QUESTION, type ReferenceInputs } from '../model/reference-request.js';
import { runSerialRequest } from '../runner/pipeline.js';
import type { BenchSample } from '../runner/types.js';
import { planTrials, type Spec } from './spec.js';

/** The sample that stands for the reference request (no media file: its inputs are the encoders'). */
export const REFERENCE_SAMPLE: Readonly<BenchSample> = { sampleId: 'reference-request', dataset: 'reference', prompt: REFERENCE_QUESTION };

const isReference = (sample: BenchSample): boolean => sample.dataset === REFERENCE_SAMPLE.dataset && sample.sampleId === REFERENCE_SAMPLE.sampleId && !sample.videoPath && !sample.audioPath;

/** The reference inputs, built once per process (about 7 M values; the encoders do not change them). */
let inputs: ReferenceInputs | undefined;

/** --top as a count (>= 1). */
export function topOf(raw: unknown): number {
  if (raw === undefined) return DEFAULT_TOP;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`--top '${String(raw)}': expected an integer >= 1`);
  return value;
}

/** The run's --top, from meta.json (so that `omni-bench report` shows the same table). */
function topFromMeta(dir: string): number {
  const specOptions = readMeta(join(dir, 'meta.json'))?.options['specOptions'] as Record<string, unknown> | undefined;
  try {
    return topOf(specOptions?.['top']);
  } catch {
    return DEFAULT_TOP;
  }
}

/** The spec's tables from the folder's profiles (one explaining table when there is none). */
function profileTables(context: ReportContext | undefined): TextTable[] {
  if (!context) return [];
  const profiles = readRunProfiles(context.dir, context.spans);
  const parts = partsOf(profiles);
  if (parts.length === 0) {
    const why = profiles.warnings.length > 0 ? profiles.warnings.join('; ') : 'no ONNX Runtime profile in ort-profile/ (the run recorded no trial, or the profiles were removed)';
    return [{ title: 'Module profile', header: ['status'], rows: [['no profile to group']], note: why }];
  }
  const session = sessionTable(parts, context.peakGflops);
  if (profiles.warnings.length > 0) session.note = `${session.note ?? ''} Not aligned: ${profiles.warnings.join('; ')}.`;
  return [session, moduleTable(parts, context.peakGflops), opTypeTable(parts), topNodesTable(parts, topFromMeta(context.dir), context.peakGflops)];
}

/** The module-profile spec. */
export const moduleProfile: Spec = {
  name: 'module-profile',
  description: "ONNX Runtime's per-operator profile of the reference request (model bench's), grouped by module and op type, with each module's share of the MatMul peak",
  defaultManifests: [],
  defaultSamples: () => [{ ...REFERENCE_SAMPLE }],
  needsOrtProfile: true,
  // The first token and three decode steps: the decoder's decode part shows without outweighing the prefill.
  defaultMaxNewTokens: 4,
  options: [{ flags: '--top <n>', key: 'top', description: 'operators in the top-N table', defaultValue: String(DEFAULT_TOP) }],
  defaultIsolation: 'none',
  variants(options) {
    topOf(options.specOptions['top']);
    return [{ name: 'serial', description: 'the serial pipeline, every ONNX Runtime session profiled', settings: {} }];
  },
  plan: planTrials,
  async run(ctx) {
    if (!isReference(ctx.sample)) {
      const { result, media, work } = await runSerialRequest(ctx.sample, { model: ctx.model, media: ctx.media, stage: ctx.stage, schedule: ctx.schedule }, { maxNewTokens: ctx.options.maxNewTokens });
      return { result, media, work };
    }
    const melBins = ctx.model.audioMelBins ?? REFERENCE_MEL_BINS;
    if (!inputs || (inputs.mel.melBins ?? REFERENCE_MEL_BINS) !== melBins) inputs = referenceInputs({ melBins });
    const { result } = await runReferenceRequest(ctx.model, inputs, { stage: ctx.stage, maxNewTokens: ctx.options.maxNewTokens });
    const [t, h, w] = inputs.grid;
    const parts = referenceParts(ctx.model);
    const note = !parts.audio ? `reference audio not used: ${ctx.model.family ?? 'the model'} has no audio encoder` : !parts.video ? `reference video not used: ${ctx.model.family ?? 'the model'} takes no video` : null;
    return {
      result,
      media: {
        audioSeconds: parts.audio ? inputs.audioSeconds : null,
        videoSeconds: parts.video ? t : null,
        videoFrames: parts.video ? inputs.frames : null,
        frameWidth: parts.video ? w * 14 : null,
        frameHeight: parts.video ? h * 14 : null,
        melFrames: parts.audio ? inputs.mel.frames : null,
        visionPatches: parts.video ? t * h * w : null,
        mediaNote: note,
      },
      work: { audioMelFrames: parts.audio ? inputs.mel.frames : null, audioValidFrames: parts.audio ? inputs.mel.validFrames : null, visionGrid: parts.video ? inputs.grid : null },
    };
  },
  summarize: (_summary, _records, context) => profileTables(context),
  charts(_summary, _records, _spans, context) {
    if (!context) return [];
    const parts = partsOf(readRunProfiles(context.dir, context.spans));
    return parts.length > 0 ? [moduleChart(parts)] : [];
  },
};
