import { describe, it, expect } from 'vitest';
import * as api from '../../src/index.js';

describe('library API (src/index.ts)', () => {
  it('exports the runtime, media, datasets, profiler and runner entry points', () => {
    for (const name of [
      'OmniModel', 'ensureModel', 'buildModel', 'readGenaiConfig', 'calibrateMatMul',
      'probe', 'decodeAudio', 'logMel', 'sampleFrames', 'patchify',
      'loadManifest', 'computeStatistics', 'createTracker', 'MemoryPoller',
      'listSpecs', 'executeSpec', 'realEnvironment', 'runSerialRequest',
      'createEncodeWorkers', 'BranchWorker', 'fitPolynomial', 'chooseModel', 'compareRecords',
    ]) {
      expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('lists every spec among the registered ones', () => {
    expect(api.listSpecs().map((s) => s.name)).toEqual(
      expect.arrayContaining(['ttft-breakdown', 'audio-padding', 'multiturn', 'parallel-encode', 'token-prefill', 'audio-length', 'frame-scaling', 'module-profile']),
    );
  });
});
