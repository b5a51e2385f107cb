/**
 * Generates the committed media fixtures in fixtures/media/ with the bundled ffmpeg:
 * lavfi sources only (testsrc2, smptebars, mandelbrot; sine, anoisesrc with fixed seeds,
 * aevalsrc), bit-exact flags, no metadata, single-threaded encoders, and no CPU-specific SIMD
 * where it changes results (ffmpeg's own DSP: -cpuflags 0; x264: asm=0; ffmpeg's native Opus
 * encoder instead of libopus, whose float SIMD is picked per CPU), so a re-run with the same
 * ffmpeg build gives the same bytes, on any x86-64 machine. Usage: `npm run fixtures` (options: --only NAME, --ffmpeg PATH,
 * --out DIR to write elsewhere, e.g. to compare two runs without touching the committed files).
 */
import { mkdirSync, readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES_DIR } from '../src/paths.js';
import { lastErrorLine, resolveBinary, runTool } from '../src/media/ffmpeg.js';

const OUT_DIR = join(FIXTURES_DIR, 'media');
/** Total size every committed fixture must stay under (the 5 MB). */
const BUDGET_BYTES = 5 * 1024 * 1024;

const BITEXACT = ['-fflags', '+bitexact', '-flags:v', '+bitexact', '-flags:a', '+bitexact', '-map_metadata', '-1'];
/**
 * ffmpeg's DSP (swscale, the AAC and FLAC encoders' float code) in plain C: its SIMD variants
 * round differently, so the bytes would depend on the CPU (AVX2/FMA vs AVX-512 machines differ).
 */
const NO_SIMD = ['-cpuflags', '0'];
/** x264 with asm=0: its float SIMD (mbtree propagation) gives different bytes per CPU. */
const H264 = ['-c:v', 'libx264', '-preset', 'medium', '-crf', '30', '-pix_fmt', 'yuv420p', '-threads', '1', '-g', '50', '-x264-params', 'asm=0'];
const AAC = ['-c:a', 'aac', '-b:a', '48k', '-ac', '1'];

/** A speech-like signal: a gliding voiced harmonic source under a ~4 Hz syllable envelope (commas escaped for lavfi). */
const SPEECHLIKE = (
  '(0.15+0.85*pow(sin(PI*4*t),2))*(0.30*sin(2*PI*130*t+6*sin(2*PI*0.7*t))+0.20*sin(4*PI*130*t+12*sin(2*PI*0.7*t))' +
  '+0.12*sin(2*PI*700*t)*sin(2*PI*3*t)+0.08*sin(2*PI*1200*t)*cos(2*PI*2.5*t)+0.04*sin(2*PI*2500*t))'
).replaceAll(',', '\\,');

interface Fixture {
  name: string;
  args: string[];
}

function lavfi(source: string): string[] {
  return ['-f', 'lavfi', '-i', source];
}

function video(name: string, src: string, audio: string | undefined, seconds: number, codec: 'h264' | 'vp9'): Fixture {
  const args = [...lavfi(src)];
  if (audio) args.push(...lavfi(audio));
  args.push('-t', String(seconds));
  args.push('-map', '0:v:0');
  if (audio) args.push('-map', '1:a:0');
  if (codec === 'h264') args.push(...H264, ...(audio ? AAC : ['-an']));
  else {
    // libvpx picks SIMD per CPU too, but its SIMD is bit-exact to its C code; one thread, no row-mt.
    args.push('-c:v', 'libvpx-vp9', '-b:v', '120k', '-deadline', 'realtime', '-cpu-used', '8', '-threads', '1', '-row-mt', '0', '-g', '50');
    // ffmpeg's native Opus encoder (C under -cpuflags 0): libopus's float SIMD differs between CPUs.
    args.push(...(audio ? ['-c:a', 'opus', '-strict', '-2', '-b:a', '32k', '-ac', '1'] : ['-an']));
  }
  return { name, args };
}

const FIXTURES: Fixture[] = [
  video('v01_320x240_h264_aac_4s.mp4', 'testsrc2=size=320x240:rate=10', 'sine=frequency=440:sample_rate=44100', 4, 'h264'),
  video('v02_640x360_h264_aac_6s.mp4', 'smptebars=size=640x360:rate=15', 'anoisesrc=color=pink:seed=2:amplitude=0.2:sample_rate=44100', 6, 'h264'),
  video('v03_640x360_h264_aac_10s.mp4', 'testsrc2=size=640x360:rate=25', `aevalsrc=${SPEECHLIKE}:sample_rate=48000`, 10, 'h264'),
  video('v04_320x240_h264_aac_2s.mp4', 'mandelbrot=size=320x240:rate=10', 'sine=frequency=660:sample_rate=22050', 2, 'h264'),
  video('v05_320x240_vp9_opus_6s.webm', 'testsrc2=size=320x240:rate=12', 'sine=frequency=330:sample_rate=48000', 6, 'vp9'),
  video('v06_320x240_h264_noaudio_5s.mp4', 'mandelbrot=size=320x240:rate=10', undefined, 5, 'h264'),
  video('v07_640x360_h264_aac_12s.mp4', 'testsrc2=size=640x360:rate=15', `aevalsrc=${SPEECHLIKE}:sample_rate=44100`, 12, 'h264'),
  {
    name: 'a01_tone_1s.wav',
    args: [...lavfi('sine=frequency=440:sample_rate=16000:duration=1'), '-c:a', 'pcm_s16le'],
  },
  {
    name: 'a02_chirp_3s.flac',
    args: [...lavfi("aevalsrc=0.5*sin(2*PI*(100*t+650*t*t)):sample_rate=22050:duration=3"), '-c:a', 'flac'],
  },
  {
    name: 'a03_noise_5s.mp3',
    args: [...lavfi('anoisesrc=color=pink:seed=3:amplitude=0.3:sample_rate=44100:duration=5'), '-c:a', 'libmp3lame', '-b:a', '64k'],
  },
  {
    name: 'a04_speechlike_10s.m4a',
    args: [...lavfi(`aevalsrc=${SPEECHLIKE}:sample_rate=48000:duration=10`), ...AAC],
  },
  {
    name: 'a05_tones_2s.wav',
    args: [
      ...lavfi('aevalsrc=0.4*sin(2*PI*if(lt(t\\,1)\\,440\\,880)*t)|0.4*sin(2*PI*if(lt(t\\,1)\\,550\\,1100)*t):sample_rate=22050:duration=2'),
      '-c:a',
      'pcm_s16le',
    ],
  },
  {
    name: 'a06_mix_7s.flac',
    args: [
      '-filter_complex',
      'sine=frequency=300:sample_rate=16000:duration=7[s];anoisesrc=color=white:seed=7:amplitude=0.1:sample_rate=16000:duration=7[n];[s][n]amix=inputs=2:duration=first',
      '-c:a',
      'flac',
    ],
  },
];

function parseArgs(argv: string[]): { only: string | undefined; ffmpegPath: string | undefined; outDir: string } {
  let only: string | undefined;
  let ffmpegPath: string | undefined;
  let outDir = OUT_DIR;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') only = argv[++i];
    else if (argv[i] === '--ffmpeg') ffmpegPath = argv[++i];
    else if (argv[i] === '--out') outDir = argv[++i] ?? OUT_DIR;
  }
  return { only, ffmpegPath, outDir };
}

async function main(): Promise<void> {
  const { only, ffmpegPath, outDir: OUT_DIR } = parseArgs(process.argv.slice(2));
  const ffmpeg = resolveBinary('ffmpeg', ffmpegPath);
  mkdirSync(OUT_DIR, { recursive: true });
  for (const fixture of FIXTURES) {
    if (only && fixture.name !== only) continue;
    const out = join(OUT_DIR, fixture.name);
    const args = ['-nostdin', '-hide_banner', '-v', 'error', '-y', ...NO_SIMD, ...fixture.args, ...BITEXACT, out];
    const run = await runTool(ffmpeg, args, { timeoutMs: 300_000 });
    if (run.code !== 0) throw new Error(`${fixture.name}: ffmpeg failed: ${lastErrorLine(run.stderr)}`);
    process.stdout.write(`${fixture.name} ${statSync(out).size} bytes\n`);
  }
  // Broken files: each is a distinct failure kind for probe() and the CLI.
  if (only && only !== 'v01_320x240_h264_aac_4s.mp4') return;
  const valid = readFileSync(join(OUT_DIR, 'v01_320x240_h264_aac_4s.mp4'));
  writeFileSync(join(OUT_DIR, 'broken_truncated.mp4'), valid.subarray(0, Math.floor(valid.length * 0.3)));
  writeFileSync(join(OUT_DIR, 'broken_empty.mp4'), Buffer.alloc(0));
  writeFileSync(join(OUT_DIR, 'broken_text.mp4'), 'This is a plain text file renamed to .mp4.\nIt holds no media streams.\n');

  const total = readdirSync(OUT_DIR).reduce((sum, name) => sum + statSync(join(OUT_DIR, name)).size, 0);
  process.stdout.write(`fixtures/media: ${(total / 1024).toFixed(0)} KiB in total\n`);
  if (total > BUDGET_BYTES) throw new Error(`fixtures/media is ${total} bytes, over the ${BUDGET_BYTES} byte budget: lower bitrates`);
}

main().catch((error: unknown) => {
  process.stderr.write(`make-fixtures: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
