/**
 * One subcommand per registered spec (src/specs/registry.ts), with the shared options and the
 * spec's own, plus `report DIR`.
 */
import { Option, type Command } from 'commander';
import { addCommonOptions, type CommonOptions } from '../specs/common-options.js';
import { listSpecs } from '../specs/registry.js';
import type { Spec, SpecRunOptions } from '../specs/spec.js';
import { executeSpec, type SpecEnvironment } from '../runner/execute.js';
import { reportCommand } from '../report/report-command.js';
import { binaryVersion, resolveBinary } from '../media/ffmpeg.js';

/** Builds the environment a spec runs in (the real one loads the model runtime lazily). */
export type EnvironmentFactory = () => Promise<SpecEnvironment>;

const realEnvironment: EnvironmentFactory = async () => (await import('../runner/real-env.js')).realEnvironment();

const COMMON_KEYS: readonly (keyof CommonOptions)[] = [
  'manifest', 'model', 'ep', 'threads', 'warmup', 'repeats', 'maxSamples', 'seed', 'shard', 'maxNewTokens',
  'out', 'resume', 'json', 'quiet', 'ortProfile', 'memIntervalMs', 'memArena', 'isolate', 'ffmpeg', 'ffprobe', 'middleware', 'cacheMb', 'threadsAudio', 'threadsVision', 'logitsTolerance', 'variants',
];

/** Splits commander's parsed values into the shared options and the spec's own. */
export function toRunOptions(spec: Spec, values: Record<string, unknown>): SpecRunOptions {
  const common = Object.fromEntries(COMMON_KEYS.map((k) => [k, values[k]])) as unknown as CommonOptions;
  common.manifest = (values['manifest'] as string[] | undefined) ?? [];
  const specOptions = Object.fromEntries(spec.options.map((o) => [o.key, values[o.key]]));
  return { ...common, specOptions };
}

/**
 * --ffmpeg/--ffprobe: checked to run (exit 2 naming the binary otherwise), then handed to the
 * media module and to --isolate children through OMNI_BENCH_FFMPEG/OMNI_BENCH_FFPROBE.
 */
function useMediaTools(options: Pick<CommonOptions, 'ffmpeg' | 'ffprobe'>): void {
  const tools = [['ffmpeg', options.ffmpeg, 'OMNI_BENCH_FFMPEG'], ['ffprobe', options.ffprobe, 'OMNI_BENCH_FFPROBE']] as const;
  for (const [tool, path, variable] of tools) {
    if (path === undefined) continue;
    binaryVersion(resolveBinary(tool, path));
    process.env[variable] = path;
  }
}

/** Adds a spec's options to `command`: the shared ones, the spec's own, and the internal --records-only. */
export function addSpecOptions(command: Command, spec: Spec): Command {
  addCommonOptions(command, spec);
  for (const o of spec.options) {
    const option = new Option(o.flags, o.description);
    if (o.choices) option.choices(o.choices);
    if (o.defaultValue !== undefined) option.default(o.defaultValue);
    command.addOption(option);
  }
  return command.addOption(new Option('--records-only', 'internal: child of --isolate process').hideHelp());
}

/** Adds the subcommand of one spec. */
export function addSpecCommand(program: Command, spec: Spec, environment: EnvironmentFactory = realEnvironment): Command {
  const command = addSpecOptions(program.command(spec.name).description(spec.description), spec);
  command.action(async (values: Record<string, unknown>, cmd: Command) => {
    const options = toRunOptions(spec, values);
    useMediaTools(options);
    const explicit = new Set(Object.keys(values).filter((k) => cmd.getOptionValueSource(k) === 'cli'));
    const env = await environment();
    process.exitCode = await executeSpec(spec, options, env, {
      stdout: process.stdout,
      stderr: process.stderr,
      argv: process.argv.slice(2),
      explicit,
      recordsOnly: values['recordsOnly'] === true,
    });
  });
  return command;
}

/** Adds `report DIR`. */
export function addReportCommand(program: Command): Command {
  return program
    .command('report')
    .description('re-render tables and charts of a results folder from its records.csv (no model needed)')
    .argument('<dir>', 'results folder of a spec run')
    .option('--json', 'print summary.json to stdout instead of the table', false)
    .option('--quiet', 'write the files, print nothing', false)
    .action(async (dir: string, values: { json: boolean; quiet: boolean }) => {
      process.exitCode = await reportCommand(dir, values, { stdout: process.stdout, stderr: process.stderr });
    });
}

/** Registers every spec's subcommand and `report` (one line in src/commands/index.ts). */
export function specCommands(program: Command): void {
  for (const spec of listSpecs()) addSpecCommand(program, spec);
  addReportCommand(program);
}
