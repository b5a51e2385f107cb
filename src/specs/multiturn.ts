/**
 * `multiturn`: conversations about one video, turn by turn. Video-MME asks three questions per
 * video; they become the turns of one conversation in file order. Variants: `none` (every turn
 * re-decodes, re-encodes and re-prefills the whole conversation, its earlier questions and the
 * generated answers as token ids; the reference), `encoder-cache` (media features served from a
 * content-keyed cache), `kv-cache` (the decoder's KV cache kept across turns: a turn prefills only
 * its new tokens, and the media are neither decoded nor encoded again).
 */
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { readRegularFileSync } from '../safe-fs.js';
import type { Message } from '../model/types.js';
import { FIXTURES_DIR } from '../paths.js';
import { formatMs, type TextTable } from '../report/format.js';
import type { Summary } from '../report/summary.js';
import { stackedStageChart } from '../report/sweep-charts.js';
import { buildMessages, encodeRequestMedia, type EncodedMedia } from '../runner/pipeline.js';
import type { BenchSample } from '../runner/types.js';
import type { PlannedTrial, Spec, SpecRunOptions } from './spec.js';

/** What a conversation keeps between its turns. */
interface TurnState {
  /** Each earlier turn's question and generated ids. */
  turns?: { question: string; ids: number[] }[];
}

/**
 * Questions of `--questions FILE`: one per line. Blank lines before the first and after the last
 * question are ignored; a blank line between questions is an empty question, whose turn becomes
 * an error record (and the turns after it `skipped`).
 */
function questionsFile(path: string): string[] {
  let text: string;
  try {
    text = readRegularFileSync(path, '--questions', (m) => new UsageError(m), 16 * 1024 * 1024).toString('utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--questions ${path}: cannot read it (${(error as Error).message})`);
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const first = lines.findIndex((l) => l.length > 0);
  if (first < 0) throw new UsageError(`--questions ${path}: no question in it (one question per line)`);
  const last = lines.length - 1 - [...lines].reverse().findIndex((l) => l.length > 0);
  return lines.slice(first, last + 1);
}

/**
 * The conversations: the samples grouped by their media (video, else audio) in file order, each
 * group's questions its turns, at most --turns of them. A video with fewer questions than
 * --turns has fewer turns (nothing is repeated). With --questions FILE every media file gets the
 * file's questions instead.
 */
export function conversationsOf(samples: readonly BenchSample[], options: SpecRunOptions): BenchSample[][] {
  const turns = Number(options.specOptions['turns'] ?? 3);
  if (!Number.isInteger(turns) || turns < 1) throw new UsageError(`--turns '${String(options.specOptions['turns'])}': expected an integer >= 1`);
  const file = options.specOptions['questions'];
  const groups = new Map<string, BenchSample[]>();
  for (const sample of samples) {
    const media = sample.videoPath ?? sample.audioPath ?? `text:${sample.dataset}/${sample.sampleId}`;
    groups.set(media, [...(groups.get(media) ?? []), sample]);
  }
  const questions = typeof file === 'string' ? questionsFile(file) : undefined;
  return [...groups.values()].map((group) => {
    const first = group[0] as BenchSample;
    const turnSamples = questions
      ? questions.map((q, i): BenchSample => ({ sampleId: `${first.sampleId}#q${i + 1}`, dataset: first.dataset, prompt: q, ...(first.videoPath ? { videoPath: first.videoPath } : {}), ...(first.audioPath ? { audioPath: first.audioPath } : {}) }))
      : group;
    return turnSamples.slice(0, turns);
  });
}

/** One conversation per media file and repeat, its turns in order (the conversation keyed by its first sample). */
function planConversations(input: { samples: readonly BenchSample[]; variants: readonly { name: string }[]; options: SpecRunOptions }): PlannedTrial[] {
  const trials: PlannedTrial[] = [];
  const conversations = conversationsOf(input.samples, input.options);
  for (const variant of input.variants) {
    for (let repeat = 0; repeat < input.options.repeats; repeat++) {
      for (const turns of conversations) {
        const first = turns[0] as BenchSample;
        turns.forEach((sample, turn) => trials.push({ dataset: first.dataset, sampleId: first.sampleId, variant: variant.name, repeat, turn, sample }));
      }
    }
  }
  return trials;
}

/** TTFT per turn and variant, with the speed-up over `none` at the same turn. */
function turnTable(summary: Summary): TextTable {
  const header = ['turn', 'variant', 'n', 'TTFT ms', 'prefill ms', 'encoders ms', 'speed-up vs none'];
  const rows: string[][] = [];
  const turns = [...new Set(summary.variants.map((v) => v.turn))].sort((a, b) => a - b);
  for (const turn of turns) {
    const none = summary.variants.find((v) => v.turn === turn && v.variant === 'none')?.metrics['ttft_ms']?.mean;
    for (const v of summary.variants.filter((g) => g.turn === turn)) {
      const ttft = v.metrics['ttft_ms'];
      const encoders = (v.metrics['audio_encoder_ms']?.mean ?? 0) + (v.metrics['vision_encoder_ms']?.mean ?? 0);
      rows.push([
        String(turn),
        v.variant,
        String(ttft?.n ?? 0),
        formatMs(ttft?.mean),
        formatMs(v.metrics['prefill_ms']?.mean),
        formatMs(encoders),
        none !== undefined && ttft && ttft.mean > 0 ? `${(none / ttft.mean).toFixed(2)}x` : '-',
      ]);
    }
  }
  return { title: 'TTFT per turn (mean over ok trials; speed-up = none TTFT / variant TTFT, same turn)', header, rows };
}

/** The multiturn spec. */
export const multiturn: Spec = {
  name: 'multiturn',
  description: 'TTFT turn by turn of conversations about one video: no cache, encoder cache, KV cache kept across turns',
  defaultManifests: [join(FIXTURES_DIR, 'datasets', 'video-mme', 'manifest.csv')],
  defaultMaxNewTokens: 8,
  options: [
    { flags: '--turns <n>', key: 'turns', description: 'turns per conversation (a video with fewer questions has fewer turns)', defaultValue: '3' },
    { flags: '--questions <file>', key: 'questions', description: 'one question per line, asked about every media file instead of the manifest\'s questions' },
  ],
  defaultIsolation: 'none',
  reference: 'none',
  variants: () => [
    { name: 'none', description: 'every turn re-decodes, re-encodes and re-prefills the whole conversation', settings: {} },
    { name: 'encoder-cache', description: 'media features from a content-keyed cache', settings: {}, middleware: ['encoder-cache'] },
    { name: 'kv-cache', description: 'the KV cache kept across turns; only new tokens are prefilled', settings: {}, middleware: ['kv-cache'] },
  ],
  plan: planConversations,
  async run(ctx) {
    const state = ctx.conversation as TurnState;
    const earlier = state.turns ?? [];
    const question = ctx.sample.prompt;
    if (question.trim() === '') throw new UsageError(`turn ${ctx.key.turn}: the question is empty (a blank line between the questions of --questions)`);
    // The whole conversation: user 0 (media + question), then per earlier turn its answer (as the
    // generated ids, so a re-prefill sees exactly the ids a KV cache holds) and the next question.
    const held = ctx.model.heldMessages?.() ?? 0;
    let encoded: EncodedMedia | undefined;
    const messages: Message[] = [];
    const firstQuestion = earlier[0]?.question ?? question;
    if (held === 0) {
      encoded = await encodeRequestMedia(ctx.sample, { model: ctx.model, media: ctx.media, stage: ctx.stage, schedule: ctx.schedule }, { audioPadding: 'pad-features' });
      messages.push(...buildMessages(firstQuestion, encoded.parts, true));
    } else {
      messages.push({ role: 'user', content: [{ type: 'text', text: firstQuestion }] }); // held: never passed on
    }
    earlier.forEach((turn, i) => {
      messages.push({ role: 'assistant', content: [{ type: 'tokens', ids: turn.ids }] });
      messages.push({ role: 'user', content: [{ type: 'text', text: earlier[i + 1]?.question ?? question }] });
    });
    if (held > messages.length - 1) throw new UsageError(`multiturn: the model holds ${held} messages of a ${messages.length}-message conversation`);
    const result = await ctx.model.generate(messages.slice(held), { maxNewTokens: ctx.options.maxNewTokens, stage: ctx.stage });
    state.turns = [...earlier, { question, ids: result.ids }];
    // A turn on a kept KV cache ran no encoder; its prefill FLOPs count the cached tokens it attended to.
    const work = encoded?.work ?? { audioMelFrames: null, audioValidFrames: null, visionGrid: null };
    return { result, work, ...(encoded ? { media: encoded.media } : {}) };
  },
  summarize: (summary) => [turnTable(summary)],
  charts: (summary) => [
    {
      file: 'turns.png',
      config: stackedStageChart({
        title: 'Stage ms per turn and variant (mean over ok trials)',
        groups: [...summary.variants].sort((a, b) => a.turn - b.turn).map((v) => ({ label: `turn ${v.turn} ${v.variant}`, summary: v })),
      }),
    },
  ],
};
