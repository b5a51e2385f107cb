import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.js';
import { ensureModel } from '../../src/model/builder/cache.js';
import { BranchWorker } from '../../src/model/branch-worker.js';
import { OmniModel } from '../../src/model/omni-model.js';
import { logMel } from '../../src/media/mel.js';
import { patchify } from '../../src/media/patchify.js';
import { cleanup, maxAbsDiff, mel, noise, patches, tempDir } from './helpers.js';

let home: string;
let model: OmniModel;
const workers: BranchWorker[] = [];
const worker = (...args: ConstructorParameters<typeof BranchWorker>): BranchWorker => {
  const w = new BranchWorker(...args);
  workers.push(w);
  return w;
};

beforeAll(async () => {
  home = tempDir();
  process.env['OMNI_BENCH_HOME'] = home;
  model = await OmniModel.load(await ensureModel('tiny'), { intraOpThreads: 1, interOpThreads: 1 });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await model?.release();
  cleanup(home);
});

describe('branch worker threads', () => {
  it('runs the audio and vision sessions in their own threads with the same features as the model, and hands the lent buffers back', async () => {
    const audio = worker('audio', model.sessionSource('speech', 1));
    const vision = worker('vision', model.sessionSource('vision', 1));
    const m = mel(4.02);
    const copy = m.data.slice();
    const here = await model.encodeAudio(mel(4.02));
    const there = await model.encodeAudio(m, { run: audio.run });
    expect(there.tokens).toBe(here.tokens);
    expect(maxAbsDiff(there.features, here.features)).toBeLessThanOrEqual(1e-5);
    // The features' buffer went to the worker and came back: the caller's mel is whole again.
    expect(m.data.length).toBe(copy.length);
    expect(maxAbsDiff(m.data, copy)).toBe(0);

    const p = patches([2, 4, 6]);
    const pixels = p.pixelValues.slice();
    const v1 = await model.encodeVision(patches([2, 4, 6]));
    const v2 = await model.encodeVision(p, { run: vision.run });
    expect(v2.tokens).toBe(v1.tokens);
    expect(maxAbsDiff(v2.features, v1.features)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(p.pixelValues, pixels)).toBe(0);
    expect(audio.starts).toBe(1);
  });

  it("runs src/media's log-mel and patchify in the worker with the main thread's results", async () => {
    const audio = worker('audio');
    const vision = worker('vision');
    const samples = noise(16_000 * 3, 7, 0.5);
    const theirs = await audio.logMel(samples, { padding: 'dynamic', chunkLengthS: 300 });
    const ours = logMel(samples, { padding: 'dynamic', chunkLengthS: 300 });
    expect(theirs.frames).toBe(ours.frames);
    expect(maxAbsDiff(theirs.data, ours.data)).toBe(0);
    expect(samples.length).toBe(16_000 * 3); // copied, never transferred: the caller keeps it
    const frames = [0, 1, 2].map((i) => Uint8Array.from({ length: 56 * 84 * 3 }, (_, k) => (k * 7 + i * 31) % 256));
    const a = await vision.patchify({ frames, width: 84, height: 56, sampleFps: 2 });
    const b = patchify({ frames, width: 84, height: 56, sampleFps: 2 });
    expect(a.gridThw).toEqual(b.gridThw);
    expect(maxAbsDiff(a.pixelValues, b.pixelValues)).toBe(0);
    expect(frames[0]!.length).toBe(56 * 84 * 3);
  });

  it('fails the request of a worker that dies with an error naming the branch, and starts a new worker for the next one', async () => {
    const vision = worker('vision', model.sessionSource('vision', 1));
    await model.encodeVision(patches([2, 4, 4]), { run: vision.run });
    const crash = vision.crashForTest();
    await expect(crash).rejects.toBeInstanceOf(ModelError);
    await expect(crash).rejects.toThrow(/^vision branch: its worker thread ended unexpectedly \(exit code 70\); a new one starts for the next request$/);
    const again = await model.encodeVision(patches([2, 4, 4]), { run: vision.run });
    expect(again.tokens).toBe(8);
    expect(vision.starts).toBe(2);
  });

  it('fails every request of a worker whose session cannot load, naming the branch and the file, and tries again on the next one', async () => {
    const bad = join(home, 'not-a-model.onnx');
    writeFileSync(bad, 'this is not an ONNX model');
    const audio = worker('audio', { path: bad, options: {} });
    const first = model.encodeAudio(mel(1), { run: audio.run });
    const second = model.encodeAudio(mel(1), { run: audio.run });
    for (const request of [first, second]) {
      await expect(request).rejects.toThrow(new RegExp(`^audio branch: ONNX Runtime cannot load ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} in its worker thread \\(`));
    }
    await expect(model.encodeAudio(mel(1), { run: audio.run })).rejects.toThrow(/^audio branch: ONNX Runtime cannot load/);
    expect(audio.starts).toBe(2);
  });
});
