/**
 * Media tool commands: `doctor` (which ffmpeg/ffprobe run, their paths and versions) and
 * `inspect-media FILE...` (what probe finds and what the pipeline will produce).
 */
import { Command, InvalidArgumentError } from 'commander';
import { ExitCode, errorMessage } from '../errors.js';
import { binaryVersion, resolveBinary, type MediaTool } from '../media/ffmpeg.js';
import { IMAGE_FACTOR } from '../media/frames.js';
import { inspectMedia, type MediaInspection } from '../media/inspect.js';

interface ToolFlags {
  ffmpeg?: string;
  ffprobe?: string;
  timeout?: number;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** A per-frame pixel cap smart_resize can meet: at least one 28x28 patch (784). */
function pixelCap(value: string): number {
  const n = Number(value);
  const patch = IMAGE_FACTOR * IMAGE_FACTOR;
  if (!Number.isInteger(n) || n < patch) throw new InvalidArgumentError(`expected an integer of at least ${patch} (one ${IMAGE_FACTOR}x${IMAGE_FACTOR} patch)`);
  return n;
}

/** A chunk_length logMel accepts: a multiple of 0.01 s (whole mel frames), at least one 25 ms window. */
function chunkSeconds(value: string): number {
  const n = Number(value);
  const samples = Math.round(n * 16_000);
  if (!Number.isFinite(n) || n <= 0 || samples % 160 !== 0 || samples < 400) {
    throw new InvalidArgumentError('expected seconds, a multiple of 0.01 and at least 0.025 (Qwen2.5-Omni: 300, Whisper: 30)');
  }
  return n;
}

function addToolOptions(command: Command): Command {
  return command
    .option('--ffmpeg <path>', 'ffmpeg binary (default: $OMNI_BENCH_FFMPEG, else the bundled one)')
    .option('--ffprobe <path>', 'ffprobe binary (default: $OMNI_BENCH_FFPROBE, else the bundled one)')
    .option('--timeout <seconds>', 'time limit of each ffmpeg/ffprobe run', positiveNumber);
}

function doctor(flags: ToolFlags): void {
  let failed = false;
  for (const tool of ['ffmpeg', 'ffprobe'] as MediaTool[]) {
    try {
      const binary = resolveBinary(tool, tool === 'ffmpeg' ? flags.ffmpeg : flags.ffprobe);
      const version = binaryVersion(binary);
      process.stdout.write(`${tool.padEnd(8)} ok       ${binary.path} (${binary.source})\n${''.padEnd(17)}${version}\n`);
    } catch (error) {
      failed = true;
      process.stdout.write(`${tool.padEnd(8)} MISSING  ${errorMessage(error)}\n`);
    }
  }
  if (failed) process.exitCode = ExitCode.Failures;
}

function seconds(s: number): string {
  return `${s.toFixed(2)} s`;
}

/** The lines `inspect-media` prints for one file. */
export function formatInspection(r: MediaInspection): string {
  if (r.status === 'error') return `${r.path}\n  FAILED (${r.kind}): ${r.error}\n`;
  const { info, video, audio } = r;
  const lines = [`${r.path}`];
  lines.push(`  container  ${info.format}, ${seconds(info.durationSeconds)}, ${(info.sizeBytes / 1024).toFixed(1)} KB, streams: ${info.streams.join(', ')}`);
  if (info.video) {
    const v = info.video;
    lines.push(`  video      ${v.codec} ${v.width}x${v.height}, ${v.fps.toFixed(2)} fps, ${v.frameCount} frames`);
    if (v.rotation !== 0) {
      lines.push(`  rotation   ${v.rotation} degrees in the metadata, ignored as decord and torchvision ignore it: frames are read as stored, ${v.width}x${v.height}`);
    }
  }
  if (info.audio) {
    const a = info.audio;
    lines.push(`  audio      ${a.codec} ${a.sampleRate} Hz, ${a.channels} ch, ${seconds(a.durationSeconds)}`);
  }
  if (video) {
    const [t, h, w] = video.gridThw;
    lines.push(
      `  frames     ${video.nframes} sampled at ${video.sampleFps.toFixed(2)} fps, resized ${video.width}x${video.height}, ` +
        `grid [${t}, ${h}, ${w}] = ${t * h * w} patches, ${video.visionTokens} vision tokens`,
    );
  }
  if (audio) {
    lines.push(
      `  mel        ${seconds(audio.audioSeconds)} of audio, ${audio.melFrames} mel frames (${audio.paddedMelFrames} padded), ${audio.audioTokens} audio tokens` +
        (audio.truncatedSamples > 0 ? ` (audio past the ${seconds(audio.paddedMelFrames / 100)} chunk is cut, as the processor does)` : ''),
    );
  } else {
    lines.push('  mel        no audio stream');
  }
  return `${lines.join('\n')}\n`;
}

interface InspectFlags extends ToolFlags {
  fps?: number;
  nframes?: number;
  maxPixels?: number;
  chunkLength?: number;
  json?: boolean;
}

async function inspectFiles(files: string[], flags: InspectFlags): Promise<void> {
  // A binary that cannot run is bad configuration (exit 2, one line), not a failure of each file.
  binaryVersion(resolveBinary('ffprobe', flags.ffprobe));
  binaryVersion(resolveBinary('ffmpeg', flags.ffmpeg));
  const results: MediaInspection[] = [];
  for (const file of files) {
    const result = await inspectMedia(file, {
      ffmpegPath: flags.ffmpeg,
      ffprobePath: flags.ffprobe,
      timeoutMs: flags.timeout !== undefined ? flags.timeout * 1000 : undefined,
      ...(flags.nframes !== undefined ? { nframes: flags.nframes } : { fps: flags.fps ?? 2 }),
      maxPixels: flags.maxPixels,
      chunkLengthS: flags.chunkLength,
    });
    results.push(result);
    if (!flags.json) process.stdout.write(formatInspection(result));
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  const failed = results.filter((r) => r.status === 'error').length;
  if (failed > 0) {
    process.stderr.write(`omni-bench: ${failed} of ${results.length} file(s) failed\n`);
    process.exitCode = ExitCode.Failures;
  }
}

/** Registers `doctor` and `inspect-media`. */
export function mediaCommands(program: Command): void {
  addToolOptions(program.command('doctor').description('print the ffmpeg and ffprobe binaries in use, their paths and versions')).action(
    (flags: ToolFlags) => doctor(flags),
  );
  addToolOptions(
    program
      .command('inspect-media')
      .description('probe media files and show what the pipeline will produce (frames, size, vision tokens, mel frames, audio tokens)')
      .argument('<files...>', 'media files')
      .option('--fps <n>', 'frames per second to sample (default 2)', positiveNumber)
      .option('--nframes <n>', 'sample exactly n frames instead of by fps', positiveInt)
      .option('--max-pixels <n>', 'cap on pixels per frame (at least 784, one 28x28 patch)', pixelCap)
      .option('--chunk-length <seconds>', "the processor's audio chunk_length: max_length padding and truncation (default 300, Qwen2.5-Omni)", chunkSeconds)
      .option('--json', 'print the results as JSON'),
  ).action((files: string[], flags: InspectFlags) => inspectFiles(files, flags));
}
