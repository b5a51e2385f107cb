import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ModelError } from '../../src/errors.js';
import { executeSpec, type SpecEnvironment } from '../../src/runner/execute.js';
import { defaultCommonOptions } from '../../src/specs/common-options.js';
import { ttftBreakdown } from '../../src/specs/ttft-breakdown.js';
import { doubleDeps, doubleSamples } from './helpers/model-double.js';

describe('a run that fails before its first trial', () => {
  it('rethrows the model error and leaves no results folder behind', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'omni-bench-failed-load-')), 'run');
    const { deps } = doubleDeps({ times: {} });
    const env: SpecEnvironment = {
      loadSamples: async () => ({ samples: doubleSamples(), invalid: [] }),
      loadModel: async () => {
        throw new ModelError("execution provider 'cuda' could not be initialised");
      },
      media: deps.media,
      instruments: deps.instruments,
    };
    const sink = new PassThrough();
    const run = executeSpec(ttftBreakdown, { ...defaultCommonOptions(), out, quiet: true, specOptions: {} }, env, {
      stdout: sink,
      stderr: sink as unknown as NodeJS.WriteStream,
      argv: [],
      explicit: new Set(),
    });
    await expect(run).rejects.toThrow(/cuda/);
    expect(existsSync(out)).toBe(false);
  });
});
