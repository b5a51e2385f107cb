/**
 * `omni-bench suite FILE [--out DIR] [--shard K/N] [--json] [--quiet]`: runs the spec runs a
 * suite file lists, each into DIR/<name>/, and checks their expectations (docs/ci.md).
 */
import type { Command } from 'commander';
import { parseShard } from '../datasets/select.js';
import { defaultResultsDir } from '../runner/results-dir.js';
import { loadSuite } from '../suite/load.js';
import { runSuite, type SuiteIo } from '../suite/run-suite.js';

/** The suite command's options as commander parses them. */
interface SuiteFlags {
  out?: string;
  shard?: string;
  json: boolean;
  quiet: boolean;
}

/** Validates FILE (exit 2 naming the file, entry and field, nothing run), then runs it; resolves to the exit code. */
export async function suiteCommand(file: string, flags: SuiteFlags, io: SuiteIo): Promise<number> {
  if (flags.shard !== undefined) parseShard(flags.shard);
  const suite = loadSuite(file, flags.shard !== undefined ? ['--shard', flags.shard] : []);
  return runSuite(suite, { out: flags.out ?? defaultResultsDir('suite'), json: flags.json, quiet: flags.quiet }, io);
}

/** Registers `suite` (one line in src/commands/index.ts). */
export function suiteCommands(program: Command): void {
  program
    .command('suite')
    .description('run the spec runs of a suite file (JSON or YAML), each into DIR/<name>/, and check their expectations (docs/ci.md)')
    .argument('<file>', 'suite file: a list of { name, spec, args, expect } entries, or { args, runs }')
    .option('--out <dir>', 'results folder of the suite (default results/suite/<timestamp>-<id>)')
    .option('--shard <K/N>', 'pass --shard K/N to every entry (one part of each entry\'s samples, for N machines)')
    .option('--json', 'print suite.json to stdout instead of the tables', false)
    .option('--quiet', 'no progress and no tables (failed expectations are still printed)', false)
    .action(async (file: string, flags: SuiteFlags) => {
      process.exitCode = await suiteCommand(file, flags, { stdout: process.stdout, stderr: process.stderr });
    });
}
