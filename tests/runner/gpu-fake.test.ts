import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, delimiter } from 'node:path';
import { runSpec } from '../../src/runner/run.js';
import { ttftBreakdown } from '../../src/specs/ttft-breakdown.js';
import { defaultCommonOptions } from '../../src/specs/common-options.js';
import { doubleDeps, doubleSamples } from './helpers/model-double.js';

const savedPath = process.env['PATH'];
afterEach(() => {
  process.env['PATH'] = savedPath;
});

describe('GPU memory through a fake nvidia-smi on PATH', () => {
  it('fills gpu_smi_peak_mb of every trial from the samples nvidia-smi printed', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'omni-bench-fake-smi-'));
    const smi = join(bin, 'nvidia-smi');
    // memory.used in MiB: once, or every 10 ms with -lms N, as nvidia-smi --query-gpu=memory.used does.
    writeFileSync(smi, '#!/bin/sh\ncase "$*" in *-lms*) while true; do echo 2048; sleep 0.01; done;; *) echo 2048;; esac\n');
    chmodSync(smi, 0o755);
    process.env['PATH'] = `${bin}${delimiter}${savedPath ?? ''}`;
    const { deps } = doubleDeps({ realTime: true, times: { prefill: 60, vision_encoder: 60 } });
    const outcome = await runSpec(
      {
        spec: ttftBreakdown,
        options: { ...defaultCommonOptions(), repeats: 1, warmup: 0, specOptions: {} },
        samples: doubleSamples(),
        invalid: [],
        outDir: mkdtempSync(join(tmpdir(), 'omni-bench-gpu-')),
        existing: [],
        isolation: 'none',
      },
      deps,
    );
    expect(outcome.gpu.length).toBeGreaterThan(0);
    for (const r of outcome.records) expect(r.measures.gpuPeakMb).toBeCloseTo((2048 * 2 ** 20) / 1e6, 3);
  });
});
