/**
 * `token-prefill`: prefill and TTFT against prompt length. Each sample's request (its media and
 * question, through the serial pipeline) gets filler text of exactly each of --tokens tokens on
 * top of its own prompt, and the cost curves of prefill_ms and ttft_ms against the prompt's
 * tokens are fitted, linear and quadratic (src/profiler/fit.ts).
 */
import { join } from 'node:path';
import { ModelError, UsageError } from '../errors.js';
import type { Message } from '../model/types.js';
import { FIXTURES_DIR } from '../paths.js';
import { fitPoints, fitSeries, fitTable, type FitPoint, type ReportedFit } from '../report/fit-report.js';
import { formatMs, type TextTable } from '../report/format.js';
import type { TrialRecord } from '../report/record.js';
import type { Summary, VariantSummary } from '../report/summary.js';
import { lineChart, type SpecChart } from '../report/sweep-charts.js';
import { buildMessages, encodeRequestMedia } from '../runner/pipeline.js';
import type { ModelLike } from '../runner/types.js';
import { findFiller } from './prompt-filler.js';
import type { PlannedTrial, Spec, SpecRunOptions } from './spec.js';

/** Default --tokens: filler tokens added to each sample's own prompt. */
export const DEFAULT_TOKENS = [0, 256, 512, 1024, 2048, 4096];

/** --tokens as integers >= 0 (a comma-separated list; duplicates dropped, order kept). */
export function tokensOf(options: SpecRunOptions): number[] {
  const raw = options.specOptions['tokens'];
  if (raw === undefined) return DEFAULT_TOKENS;
  return [
    ...new Set(
      String(raw)
        .split(',')
        .map((s) => {
          const value = Number(s.trim());
          if (s.trim() === '' || !Number.isInteger(value) || value < 0) throw new UsageError(`--tokens '${s}': expected whole token counts >= 0, e.g. 0,256,1024`);
          return value;
        }),
    ),
  ];
}

/** Every sample at every target, per repeat (repeat-major; targets inside each sample, so a drift spreads over them). */
function plan(input: Parameters<Spec['plan']>[0]): PlannedTrial[] {
  const targets = tokensOf(input.options);
  const trials: PlannedTrial[] = [];
  for (const variant of input.variants) {
    for (let repeat = 0; repeat < input.options.repeats; repeat++) {
      for (const sample of input.samples) {
        for (const tokens of targets) trials.push({ dataset: sample.dataset, sampleId: sample.sampleId, variant: variant.name, repeat, turn: 0, params: { tokens }, sample });
      }
    }
  }
  return trials;
}

/** The filler of one target, or why there is none. */
type Filler = { status: 'ok'; text: string } | { status: 'error'; error: string };

/**
 * Fillers per model, searched once for every target on the first call of a run (the warmup, by
 * default), so that no recorded trial's TTFT pays for the search.
 */
const fillers = new WeakMap<object, Map<number, Filler>>();

/** The user turn's content with the filler as its own text part, after the media and before the question. */
function withFiller(messages: Message[], filler: string): Message[] {
  if (filler === '') return messages;
  return messages.map((m) => {
    if (m.role !== 'user' || typeof m.content === 'string') return m;
    const question = m.content.length - 1;
    return { ...m, content: [...m.content.slice(0, question), { type: 'text', text: filler }, ...m.content.slice(question)] };
  });
}

/**
 * Tokens a filler adds to a prompt, through the model's own prompt builder: each text part is
 * tokenized on its own (prompt.ts), so the count does not depend on the question or the media.
 */
function countAdded(model: ModelLike & Required<Pick<ModelLike, 'countPromptTokens'>>): (text: string) => number {
  const question: Message[] = [{ role: 'user', content: [{ type: 'text', text: '?' }] }];
  const base = model.countPromptTokens(question);
  return (text) => model.countPromptTokens(withFiller(question, text)) - base;
}

function fillersFor(model: ModelLike, targets: readonly number[]): Map<number, Filler> {
  const known = fillers.get(model);
  if (known && targets.every((t) => known.has(t))) return known;
  if (!model.countPromptTokens) throw new ModelError('token-prefill needs a model that counts prompt tokens (ModelLike.countPromptTokens); this model has none');
  const count = countAdded(model as ModelLike & Required<Pick<ModelLike, 'countPromptTokens'>>);
  const out = new Map<number, Filler>();
  const limit = model.contextLength;
  for (const target of targets) {
    if (limit !== undefined && target >= limit) {
      out.set(target, { status: 'error', error: `--tokens ${target}: the filler alone reaches the model's context_length (${limit} tokens, genai_config.json model.context_length); use targets below it, less the sample's own prompt` });
      continue;
    }
    try {
      out.set(target, { status: 'ok', text: findFiller(target, count) });
    } catch (error) {
      out.set(target, { status: 'error', error: `--tokens ${target}: ${(error as Error).message}` });
    }
  }
  fillers.set(model, out);
  return out;
}

/** The token-prefill spec. */
export const tokenPrefill: Spec = {
  name: 'token-prefill',
  description: 'prefill and TTFT against prompt length: filler text of exactly each --tokens count on top of each sample, with linear and quadratic fits',
  defaultManifests: [join(FIXTURES_DIR, 'datasets', 'video-mme', 'manifest-1q.csv')],
  // The first token is all the fits need; decoding more only lengthens the run.
  defaultMaxNewTokens: 1,
  options: [
    { flags: '--tokens <list>', key: 'tokens', description: "filler tokens added to each sample's own prompt (exact, by the model's tokenizer)", defaultValue: DEFAULT_TOKENS.join(',') },
  ],
  defaultIsolation: 'none',
  parameters: ['tokens'],
  variants: () => [{ name: 'baseline', description: 'serial pipeline, the filler as a text part between the media and the question', settings: {} }],
  plan,
  async run(ctx) {
    const target = Number(ctx.key.params?.['tokens']);
    const filler = fillersFor(ctx.model, tokensOf(ctx.options)).get(target) ?? { status: 'error', error: `--tokens ${target}: no filler planned` };
    if (filler.status === 'error') throw new ModelError(filler.error);
    const deps = { model: ctx.model, media: ctx.media, stage: ctx.stage, schedule: ctx.schedule };
    const { parts, media, work } = await encodeRequestMedia(ctx.sample, deps, {});
    const own = buildMessages(ctx.sample.prompt, parts, true);
    const messages = withFiller(own, filler.text);
    let result;
    try {
      result = await ctx.model.generate(messages, { maxNewTokens: ctx.options.maxNewTokens, stage: ctx.stage });
    } catch (error) {
      if (error instanceof ModelError && target > 0) throw new ModelError(`--tokens ${target}: ${error.message}`, error.exitCode, { cause: error });
      throw error;
    }
    // After the first token (outside TTFT): the prompt prefilled must be the sample's own plus exactly the target.
    if (!ctx.warmup && ctx.model.countPromptTokens) {
      const added = result.promptTokens.total - ctx.model.countPromptTokens(own);
      if (added !== target) throw new ModelError(`--tokens ${target}: the filler added ${added} tokens to this prompt, not ${target}`);
    }
    return { result, media, work };
  },
  summarize: (summary, records) => [sweepTable(summary, records), fitTable({ title: 'Cost against prompt tokens (least squares over ok trials)', xUnit: 'token', fits: prefillFits(records) })],
  charts: (_summary, records) => prefillCharts(records),
};

const swept = (summary: Summary): VariantSummary[] =>
  summary.variants.filter((v) => typeof v.params['tokens'] === 'number').sort((a, b) => Number(a.params['tokens']) - Number(b.params['tokens']));

/** The prompt tokens prefilled by the ok records of one target: one value, or the range over samples. */
function promptTokensRange(records: readonly TrialRecord[], tokens: number | string | undefined): string {
  const counts = records.flatMap((r) => (r.status === 'ok' && r.params?.['tokens'] === tokens && r.measures.promptTokens !== null ? [r.measures.promptTokens] : []));
  if (counts.length === 0) return '-';
  const lo = Math.min(...counts);
  const hi = Math.max(...counts);
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

/** Per target: the prompt's actual tokens (the range over samples), and the mean ms of the LLM stages and TTFT. */
function sweepTable(summary: Summary, records: readonly TrialRecord[]): TextTable {
  const header = ['tokens added', 'n', 'prompt tokens', 'prompt ms', 'embed ms', 'prefill ms', 'first token ms', 'TTFT ms'];
  const rows = swept(summary).map((v) => {
    const ms = (metric: string): string => formatMs(v.metrics[metric]?.mean);
    return [String(v.params['tokens']), String(v.metrics['ttft_ms']?.n ?? 0), promptTokensRange(records, v.params['tokens']), ms('prompt_ms'), ms('embed_ms'), ms('prefill_ms'), ms('first_token_ms'), ms('ttft_ms')];
  });
  return {
    title: 'Prefill against filler tokens (mean over ok trials; prompt tokens = what was prefilled, min-max over samples)',
    header,
    rows,
    note: "every ok trial's prompt is its sample's own plus exactly `tokens added` tokens (checked through the model's prompt builder)",
  };
}

/** (prompt tokens, ms) of every ok record with a TTFT. */
function pointsOf(records: readonly TrialRecord[], read: (r: TrialRecord) => number | null): FitPoint[] {
  return records.flatMap((r) => {
    const x = r.measures.promptTokens;
    const y = read(r);
    return r.status === 'ok' && r.params?.['tokens'] !== undefined && x !== null && y !== null ? [[x, y] as const] : [];
  });
}

/** Fits of prefill_ms and ttft_ms against prompt tokens. */
export function prefillFits(records: readonly TrialRecord[]): ReportedFit[] {
  return [fitPoints('prefill_ms', pointsOf(records, (r) => r.measures.stageMs.prefill)), fitPoints('ttft_ms', pointsOf(records, (r) => r.measures.ttftMs))];
}

function prefillCharts(records: readonly TrialRecord[]): SpecChart[] {
  const series = prefillFits(records).flatMap((fit) => fitSeries(fit));
  return [{ file: 'token_prefill.png', config: lineChart({ title: 'Prefill and TTFT against prompt tokens, with linear and quadratic least-squares fits', xLabel: 'prompt tokens', yLabel: 'ms', series }) }];
}
