import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { loadSuite } from '../../src/suite/load.js';
import { suiteCommand } from '../../src/commands/suite.js';
import type { EntryRunner } from '../../src/suite/run-entry.js';
import { runCli } from '../helpers/cli.js';
import { suiteFile } from './helpers.js';

const PADDING = `
- name: padding
  spec: audio-padding
  args: [--model, tiny, --audio-seconds, 5]
  expect:
    - { metric: audio_encoder_ms, stat: p50, variant: dynamic, lessThan: { variant: pad-all, times: 0.2 } }
    - { metric: logits_max_abs_diff, stat: max, atMost: 1e-4 }
`;

/** The UsageError loading `text` gives (exit 2, one line, naming the file). */
function loadError(text: string, name = 'suite.yaml'): string {
  const path = suiteFile(text, name);
  try {
    loadSuite(path);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    const message = (error as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    expect(message.startsWith(`${path}: `)).toBe(true);
    return message.slice(path.length + 2);
  }
  throw new Error('expected a UsageError');
}

describe('suite file validation', () => {
  it('reads a YAML list of entries, its args parsed as the spec command parses them', () => {
    const suite = loadSuite(suiteFile(PADDING));
    expect(suite.entries).toHaveLength(1);
    expect(suite.entries[0]).toMatchObject({ name: 'padding', spec: 'audio-padding', args: ['--model', 'tiny', '--audio-seconds', '5'] });
    expect(suite.entries[0]?.expect[0]).toEqual({ metric: 'audio_encoder_ms', stat: 'p50', variant: 'dynamic', bound: { kind: 'lessThan', variant: 'pad-all', times: 0.2 } });
    expect(suite.entries[0]?.expect[1]).toEqual({ metric: 'logits_max_abs_diff', stat: 'max', bound: { kind: 'atMost', value: 1e-4 } });
  });

  it('reads JSON, and { args, runs } with shared args put before each entry\'s and --shard after', () => {
    const json = JSON.stringify({ args: ['--model', 'tiny'], runs: [{ name: 'ttft', spec: 'ttft-breakdown', args: ['--repeats', 1] }] });
    const suite = loadSuite(suiteFile(json, 'suite.json'), ['--shard', '1/2']);
    expect(suite.entries[0]?.args).toEqual(['--model', 'tiny', '--repeats', '1', '--shard', '1/2']);
  });

  it.each([
    ['an unknown spec', `- { name: a, spec: nope }`, "entry 1 'a': spec: unknown spec 'nope' (known: ttft-breakdown, multiturn, audio-padding, parallel-encode"],
    ['a missing name', `- { spec: multiturn }`, "entry 1: name: missing (it names the entry's results folder DIR/<name>/)"],
    ['a missing spec', `- { name: a }`, "entry 1 'a': spec: missing"],
    ['a name that is not a folder name', `- { name: ../up, spec: multiturn }`, `entry 1 '../up': name "../up": expected a folder name`],
    ['two entries of one name', `- { name: a, spec: multiturn }\n- { name: a, spec: multiturn }`, "entry 2 'a': name 'a': another entry has this name"],
    ['an unknown entry field', `- { name: a, spec: multiturn, expects: [] }`, "entry 1 'a': expects: unknown field (expected name, spec, args, expect)"],
    ['an unknown metric column', `- { name: a, spec: multiturn, expect: [{ metric: foo_ms, stat: p50, atMost: 1 }] }`, "entry 1 'a': expect[0].metric 'foo_ms': not a summarized column (known: ttft_ms,"],
    ['a bad stat', `- { name: a, spec: multiturn, expect: [{ metric: ttft_ms, stat: p55, atMost: 1 }] }`, 'entry 1 \'a\': expect[0].stat "p55": expected one of mean, p50, p90, p99, min, max'],
    ['a missing stat', `- { name: a, spec: multiturn, expect: [{ metric: ttft_ms, atMost: 1 }] }`, "entry 1 'a': expect[0].stat: missing"],
    ['a missing metric', `- { name: a, spec: multiturn, expect: [{ stat: p50, atMost: 1 }] }`, "entry 1 'a': expect[0].metric: missing"],
    ['no bound', `- { name: a, spec: multiturn, expect: [{ metric: ttft_ms, stat: p50 }] }`, "entry 1 'a': expect[0]: give exactly one of atMost, atLeast, lessThan, greaterThan"],
    ['two bounds', `- { name: a, spec: multiturn, expect: [{ metric: ttft_ms, stat: p50, atMost: 1, atLeast: 0 }] }`, '(got atMost and atLeast)'],
    ['a bound that is not a number', `- { name: a, spec: multiturn, expect: [{ metric: ttft_ms, stat: p50, atMost: fast }] }`, 'expect[0].atMost: expected a number, got "fast"'],
    ['an unknown variant', `- { name: a, spec: multiturn, expect: [{ metric: ttft_ms, stat: p50, variant: kv, atMost: 1 }] }`, "expect[0].variant 'kv': multiturn has no such variant (known: none, encoder-cache, kv-cache)"],
    ['an unknown compared variant', `- { name: a, spec: multiturn, expect: [{ metric: ttft_ms, stat: p50, variant: kv-cache, lessThan: { variant: nocache } }] }`, "expect[0].lessThan.variant 'nocache': multiturn has no such variant"],
    ['a relative bound without variant or metric', `- { name: a, spec: multiturn, expect: [{ metric: ttft_ms, stat: p50, lessThan: { times: 2 } }] }`, 'expect[0].lessThan: give the variant (or the metric) to compare with'],
    ['a factor <= 0', `- { name: a, spec: multiturn, expect: [{ metric: ttft_ms, stat: p50, lessThan: { variant: none, times: 0 } }] }`, 'expect[0].lessThan.times: expected a factor > 0'],
    ['a variant compared with itself', `- { name: a, spec: multiturn, expect: [{ metric: ttft_ms, stat: p50, variant: none, lessThan: { variant: none } }] }`, 'compares none with itself'],
    ['a parameter the spec lacks', `- { name: a, spec: multiturn, expect: [{ metric: ttft_ms, stat: p50, params: { audio_s: 5 }, atMost: 1 }] }`, 'expect[0].params.audio_s: multiturn has no parameters'],
    ['a negative turn', `- { name: a, spec: multiturn, expect: [{ metric: ttft_ms, stat: p50, turn: -1, atMost: 1 }] }`, 'expect[0].turn: expected a turn number >= 0'],
    ['logits on a spec without reference', `- { name: a, spec: ttft-breakdown, expect: [{ metric: logits_max_abs_diff, stat: max, atMost: 1e-4 }] }`, 'logits_max_abs_diff is never filled in ttft-breakdown'],
    ['logits of the reference itself', `- { name: a, spec: multiturn, expect: [{ metric: logits_max_abs_diff, stat: max, variant: none, atMost: 1e-4 }] }`, "empty on none's own records"],
    ['--out in the args', `- { name: a, spec: multiturn, args: [--out, x] }`, "entry 1 'a': args: --out (the suite writes each entry to DIR/<name>/; pass --out to the suite instead) is not allowed"],
    ['--resume in the args', `- { name: a, spec: multiturn, args: ['--resume=x'] }`, "args: --resume (a suite entry always starts a new run) is not allowed"],
    ['an unknown option', `- { name: a, spec: multiturn, args: [--frobnicate] }`, "entry 1 'a': args: unknown option '--frobnicate'"],
    ['a bad option value', `- { name: a, spec: multiturn, args: [--repeats, 0] }`, "args: --repeats '0': expected an integer >= 1"],
    ['a bad value of a spec option', `- { name: a, spec: audio-padding, args: [--audio-seconds, '5,x'] }`, "entry 1 'a': args: --audio-seconds 'x': expected seconds > 0"],
    ['a stray argument', `- { name: a, spec: multiturn, args: [five] }`, 'args: too many arguments'],
    ['args that are not a list', `- { name: a, spec: multiturn, args: --repeats 2 }`, 'args: expected a list of strings'],
    ['no entries', `[]`, 'no entries (nothing to run)'],
    ['runs missing', `args: [--model, tiny]`, 'runs: missing (the list of entries)'],
    ['a document that is not YAML', `- { name: a\n  spec: [`, 'not valid JSON or YAML:'],
  ])('refuses %s in one line naming the file, entry and field', (_what, text, message) => {
    expect(loadError(text)).toContain(message);
  });

  it('refuses --shard in an entry when the suite passes its own', () => {
    const path = suiteFile('- { name: a, spec: multiturn, args: [--shard, 1/2] }');
    expect(() => loadSuite(path, ['--shard', '2/2'])).toThrow("entry 1 'a': args: --shard is given to the suite; leave it out of the entry");
  });

  it('runs nothing and creates no folder when the file is invalid', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'omni-bench-suite-')), 'out');
    const calls: string[] = [];
    const runEntry: EntryRunner = async (input) => {
      calls.push(input.spec);
      return { code: 0, signal: null };
    };
    const path = suiteFile(`${PADDING}- { name: later, spec: multiturn, expect: [{ metric: ttft_ms, stat: p55, atMost: 1 }] }\n`);
    await expect(suiteCommand(path, { out, json: false, quiet: true }, { stdout: process.stdout, stderr: process.stderr, runEntry })).rejects.toThrow("entry 2 'later': expect[0].stat");
    expect(calls).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 from the CLI with one line on stderr', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'omni-bench-suite-')), 'out');
    const path = suiteFile('- { name: a, spec: audio-padding, args: [--out, x] }');
    const result = await runCli(['suite', path, '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([`omni-bench: ${path}: entry 1 'a': args: --out (the suite writes each entry to DIR/<name>/; pass --out to the suite instead) is not allowed in a suite entry's args`]);
    expect(existsSync(out)).toBe(false);
  });
});
