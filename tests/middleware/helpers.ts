import { copyFileSync, linkSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureModel } from '../../src/model/builder/cache.js';
import { OmniModel } from '../../src/model/omni-model.js';
import type { Message } from '../../src/model/types.js';
import type { GenerateResult } from '../../src/model/types.js';
import { cleanup, tempDir } from '../model-runtime/helpers.js';

export { cleanup, maxAbsDiff, mel, patches, noise, tempDir } from '../model-runtime/helpers.js';

/** The tiny preset built into a fresh OMNI_BENCH_HOME, loaded single-threaded; `done` releases and removes it. */
export async function tinyModel(): Promise<{ model: OmniModel; dir: string; home: string; done: () => Promise<void> }> {
  const home = tempDir('omni-bench-middleware-');
  process.env['OMNI_BENCH_HOME'] = home;
  const dir = await ensureModel('tiny');
  const model = await OmniModel.load(dir, { intraOpThreads: 1, interOpThreads: 1 });
  return {
    model,
    dir,
    home,
    done: async () => {
      await model.release();
      cleanup(home);
    },
  };
}

/** A copy of model folder `dir` in `into` whose genai_config.json has `contextLength` (ONNX files hard-linked). */
export function withContextLength(dir: string, into: string, contextLength: number): string {
  mkdirSync(into, { recursive: true });
  for (const file of readdirSync(dir)) {
    if (file === 'genai_config.json') {
      const config = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      config.model.context_length = contextLength;
      writeFileSync(join(into, file), JSON.stringify(config));
    } else if (file.endsWith('.onnx')) linkSync(join(dir, file), join(into, file));
    else copyFileSync(join(dir, file), join(into, file));
  }
  return into;
}

/** The assistant turn the pipeline appends after a turn: the generated ids, verbatim. */
export function answerOf(result: GenerateResult): Message {
  return { role: 'assistant', content: [{ type: 'tokens', ids: result.ids }] };
}
