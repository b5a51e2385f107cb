/** Test helper: starts a long ffmpeg run through runTool and waits (killed by the parent test). */
import { resolveBinary, runTool } from '../../../src/media/ffmpeg.js';

const run = runTool(resolveBinary('ffmpeg'), ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'sine=duration=3600', '-f', 'null', '-'], {
  timeoutMs: 600_000,
});
run.catch(() => undefined);
setTimeout(() => process.stdout.write('started\n'), 300);
