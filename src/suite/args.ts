/**
 * A suite entry's `args` parsed exactly as the spec's subcommand parses them (the same commander
 * options, src/commands/specs.ts), without running anything: bad options are found before the
 * first entry runs.
 */
import { Command, CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import { addSpecOptions, toRunOptions } from '../commands/specs.js';
import type { Spec, SpecRunOptions } from '../specs/spec.js';

/** Options the suite owns: each entry runs into its own folder, with its own output handling. */
const SUITE_OWNED: Readonly<Record<string, string>> = {
  out: '--out (the suite writes each entry to DIR/<name>/; pass --out to the suite instead)',
  resume: '--resume (a suite entry always starts a new run)',
  recordsOnly: '--records-only (internal option of --isolate process)',
};

/** What an entry's args give: the run options and the option keys given explicitly. */
export interface ParsedArgs {
  options: SpecRunOptions;
  /** Option keys (commander's camelCase) set by the args rather than by a default. */
  given: ReadonlySet<string>;
}

/**
 * Parses `args` as `omni-bench <spec> ARGS` would; UsageError with commander's one-line reason
 * (an unknown option, a bad value, a stray argument) or naming an option the suite owns.
 */
export function parseEntryArgs(spec: Spec, args: readonly string[]): ParsedArgs {
  const command = addSpecOptions(new Command(spec.name), spec)
    .exitOverride()
    .allowExcessArguments(false)
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  try {
    command.parse([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      const reason = error.exitCode === 0 ? `${error.code === 'commander.version' ? '--version' : '--help'} is not a run option` : error.message.replace(/^error: /, '').split('\n')[0];
      throw new UsageError(reason ?? error.message);
    }
    throw error;
  }
  const values = command.opts();
  const given = new Set(Object.keys(values).filter((k) => command.getOptionValueSource(k) === 'cli'));
  for (const [key, what] of Object.entries(SUITE_OWNED)) {
    if (given.has(key)) throw new UsageError(`${what} is not allowed in a suite entry's args`);
  }
  return { options: toRunOptions(spec, values), given };
}
