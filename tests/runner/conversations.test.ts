/** The reshaped runner (issue 9, section 1): turns, sweep parameters, the logits reference, middleware hooks. */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runSpec } from '../../src/runner/run.js';
import { executeSpec } from '../../src/runner/execute.js';
import { defaultCommonOptions } from '../../src/specs/common-options.js';
import type { PlannedTrial, Spec, SpecRunOptions } from '../../src/specs/spec.js';
import { readRecordsCsv } from '../../src/report/csv.js';
import { keyString, type TrialRecord } from '../../src/report/record.js';
import type { Middleware, ResetScope } from '../../src/middleware/types.js';
import { DEFAULT_TIMES, doubleDeps, doubleSamples } from './helpers/model-double.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'omni-bench-turns-'));

/** A three-turn spec over the double: turn t asks `<sample>#t`; a sample named 'fail1' fails at turn 1. */
function chatSpec(over: Partial<Spec> = {}): Spec {
  return {
    name: 'chat',
    description: 'test',
    defaultManifests: [],
    options: [],
    defaultIsolation: 'none',
    reference: 'none',
    parameters: ['level'],
    variants: () => [
      { name: 'cached', settings: {}, middleware: ['fake'] },
      { name: 'none', settings: {} },
    ],
    plan: ({ samples, variants, options }) => {
      const trials: PlannedTrial[] = [];
      for (const variant of variants) {
        for (let repeat = 0; repeat < options.repeats; repeat++) {
          for (const sample of samples) {
            for (let turn = 0; turn < 3; turn++) trials.push({ dataset: sample.dataset, sampleId: sample.sampleId, variant: variant.name, repeat, turn, params: { level: 2 }, sample });
          }
        }
      }
      return trials;
    },
    async run(ctx) {
      if (ctx.sample.sampleId === 'fail1' && ctx.key.turn === 1) throw new Error('turn 1 broke');
      const turns = ((ctx.conversation['turns'] as number | undefined) ?? 0) + 1;
      ctx.conversation['turns'] = turns;
      const result = await ctx.model.generate([{ role: 'user', content: [{ type: 'text', text: ctx.sample.sampleId }] }], { maxNewTokens: 2, stage: ctx.stage });
      // The cached variant's logits differ by 1e-3 at turn 2 only.
      const logits = new Float32Array(result.firstTokenLogits);
      if (ctx.variant.name === 'cached' && ctx.key.turn === 2) logits[0] = (logits[0] ?? 0) + 1e-3;
      return { result: { ...result, firstTokenLogits: logits }, measures: { newTokens: turns } };
    },
    ...over,
  };
}

class FakeMiddleware implements Middleware {
  readonly name = 'fake';
  resets: ResetScope[] = [];
  wrap = (stack: Parameters<Middleware['wrap']>[0]): ReturnType<Middleware['wrap']> => stack;
  reset(scope: ResetScope): void {
    this.resets.push(scope);
  }
  calls = 0;
  stats(): ReturnType<Middleware['stats']> {
    // Counts since the last call: the warmup's call must not reach the first record.
    const hits = this.calls === 0 ? 5 : 1;
    this.calls++;
    return { cacheHits: hits, cacheMisses: 0 };
  }
  dispose(): void {}
}

function options(over: Partial<SpecRunOptions> = {}): SpecRunOptions {
  return { ...defaultCommonOptions(), repeats: 1, warmup: 1, quiet: true, specOptions: {}, ...over };
}

describe('conversations', () => {
  it('records each turn in its own window with its own TTFT, keeps state across turns, and skips turns after a failed one', async () => {
    const out = tmp();
    const { deps } = doubleDeps({ outputTokens: 2 });
    const fake = new FakeMiddleware();
    const samples = [...doubleSamples().slice(0, 1), { sampleId: 'fail1', dataset: 'video-mme', prompt: 'fail1' }];
    const outcome = await runSpec(
      { spec: chatSpec(), options: options(), samples, invalid: [], outDir: out, existing: [], isolation: 'none' },
      { ...deps, createMiddleware: () => [fake] },
    );
    const va = outcome.records.filter((r) => r.sampleId === 'va' && r.variant === 'none');
    expect(va.map((r) => r.turn)).toEqual([0, 1, 2]);
    const textTtft = DEFAULT_TIMES.prompt + DEFAULT_TIMES.embed + DEFAULT_TIMES.prefill + DEFAULT_TIMES.first_token;
    for (const r of va) expect(r.measures.ttftMs).toBe(textTtft);
    // The conversation state carried over: turn t saw t earlier turns.
    expect(va.map((r) => r.measures.newTokens)).toEqual([1, 2, 3]);
    const failed = outcome.records.filter((r) => r.sampleId === 'fail1' && r.variant === 'none');
    expect(failed.map((r) => r.status)).toEqual(['ok', 'error', 'skipped']);
    expect(failed[2]?.status === 'skipped' && failed[2].error).toBe('turn 1 of this conversation failed: turn 1 broke');
    // Parameters are part of every key; middleware columns come from the middleware's stats.
    expect(outcome.records.every((r) => r.params?.['level'] === 2)).toBe(true);
    expect(outcome.records.filter((r) => r.variant === 'cached' && r.status === 'ok').every((r) => r.measures.cacheHits === 1 && r.measures.middleware === 'fake')).toBe(true);
    expect(va.every((r) => r.measures.middleware === 'none')).toBe(true);
    // Warmups ran on fresh state, and the recorded conversations each started fresh.
    expect(fake.resets.filter((s) => s === 'run')).toHaveLength(1);
    expect(fake.resets.indexOf('run')).toBeGreaterThan(0); // after the warmup's conversation reset
    const back = readRecordsCsv(join(out, 'records.csv')).records;
    expect(back.map(keyString)).toEqual(outcome.records.map(keyString));
    expect(readFileSync(join(out, 'records.csv'), 'utf8').split('\n')[0]).toContain('param_level');
  });

  it('compares every turn\'s logits with the reference variant\'s, which runs first', async () => {
    const out = tmp();
    const { deps } = doubleDeps();
    const outcome = await runSpec(
      { spec: chatSpec(), options: options({ warmup: 0 }), samples: doubleSamples().slice(0, 1), invalid: [], outDir: out, existing: [], isolation: 'none' },
      { ...deps, createMiddleware: () => [new FakeMiddleware()] },
    );
    expect(outcome.records[0]?.variant).toBe('none');
    const cached = outcome.records.filter((r) => r.variant === 'cached');
    expect(cached.map((r) => r.measures.logitsMaxAbsDiff)).toEqual([0, 0, expect.closeTo(1e-3, 6)]);
    expect(outcome.records.filter((r) => r.variant === 'none').every((r) => r.measures.logitsMaxAbsDiff === null)).toBe(true);
  });

  it('exits 1 and names the records beyond --logits-tolerance; 0 with a tolerance they meet', async () => {
    const env = (): Parameters<typeof executeSpec>[2] => {
      const { deps } = doubleDeps();
      return { loadSamples: async () => ({ samples: doubleSamples().slice(0, 1), invalid: [] }), loadModel: deps.loadModel, media: deps.media, instruments: deps.instruments, machineLoad: () => undefined };
    };
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    const io = { stdout: new PassThrough(), stderr: stderr as unknown as NodeJS.WriteStream, argv: [], explicit: new Set<string>() };
    const spec = chatSpec({ variants: () => [{ name: 'none', settings: {} }, { name: 'cached', settings: {} }] });
    const strict = join(tmp(), 'run');
    expect(await executeSpec(spec, options({ out: strict, warmup: 0 }), env(), io)).toBe(1);
    expect(err).toContain('answer check FAILED: 1 of 3 records differ from the reference by more than 0.0001');
    expect(err).toContain('video-mme/va|cached|r0|t2|level=2');
    expect(readFileSync(join(strict, 'summary.md'), 'utf8')).toContain('## Answer check');
    const loose = join(tmp(), 'run');
    expect(await executeSpec(spec, options({ out: loose, warmup: 0, logitsTolerance: 1e-2 }), env(), io)).toBe(0);
  });

  it('resume reruns an interrupted conversation from turn 0, and no other', async () => {
    const out = tmp();
    const { deps } = doubleDeps();
    const spec = chatSpec({ variants: () => [{ name: 'none', settings: {} }] });
    const first = await runSpec(
      { spec, options: options({ warmup: 0 }), samples: doubleSamples().slice(0, 2), invalid: [], outDir: out, existing: [], isolation: 'none' },
      deps,
    );
    // Keep conversation 'va' whole and 'v' without its last turn, as an interrupted run leaves it.
    const kept = first.records.filter((r) => !(r.sampleId === 'v' && r.turn === 2));
    const calls: string[] = [];
    const second = await runSpec(
      { spec: { ...spec, run: async (ctx) => (calls.push(`${ctx.sample.sampleId}#${ctx.key.turn}`), spec.run(ctx)) }, options: options({ warmup: 0 }), samples: doubleSamples().slice(0, 2), invalid: [], outDir: out, existing: kept, isolation: 'none' },
      deps,
    );
    expect(calls).toEqual(['v#0', 'v#1', 'v#2']);
    const keys = second.records.map(keyString);
    expect(new Set(keys).size).toBe(keys.length);
    expect(second.records).toHaveLength(6);
    const va = (r: TrialRecord): boolean => r.sampleId === 'va';
    expect(second.records.filter(va)).toEqual(first.records.filter(va));
  });
});
