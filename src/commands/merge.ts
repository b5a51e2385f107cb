/** `omni-bench merge DIR... --out DIR`: one results folder from the folders of a run's --shard K/N parts. */
import type { Command } from 'commander';
import { mergeCommand } from '../merge/merge-command.js';

/** Adds `merge` (one line in src/commands/index.ts). */
export function mergeCommands(program: Command): void {
  program
    .command('merge')
    .description('combine the results folders of the --shard K/N runs of one spec and model into one results folder')
    .argument('<dirs...>', 'results folders of the shards, in any order')
    .requiredOption('--out <dir>', 'the merged results folder (must not exist, or be empty)')
    .option('--json', 'print summary.json to stdout instead of the table', false)
    .option('--quiet', 'print one line instead of the table', false)
    .action(async (dirs: string[], values: { out: string; json: boolean; quiet: boolean }) => {
      process.exitCode = await mergeCommand(dirs, values, { stdout: process.stdout, stderr: process.stderr, argv: process.argv.slice(2) });
    });
}
