import { Command, CommanderError } from 'commander';
import { OmniBenchError, ExitCode, errorMessage } from './errors.js';
import { VERSION } from './paths.js';
import { COMMANDS } from './commands/index.js';
import { terminalSafe } from './safe-text.js';

/** Builds the commander program with every registered command. */
export function buildProgram(): Command {
  const program = new Command('omni-bench')
    .description('Benchmark and profile on-device omni-modal LLM inference (video + audio + text) on ONNX Runtime')
    .version(VERSION, '-V, --version')
    .option('--verbose', 'print stack traces with errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of COMMANDS) register(program);
  // Subcommands throw CommanderError instead of exiting, like the root.
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

/**
 * Runs the CLI on `argv` (as process.argv) and resolves to the exit code. Errors are printed
 * here, in one place, as one line; stack traces only with --verbose.
 */
export async function main(argv: string[]): Promise<number> {
  // `omni-bench ... | head` closes the pipe early: that is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.Ok);
      throw error;
    });
  }
  const program = buildProgram();
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with a CommanderError whose exitCode is 0.
      if (error.exitCode === 0) return ExitCode.Ok;
      return ExitCode.Usage;
    }
    if (error instanceof OmniBenchError) {
      process.stderr.write(`omni-bench: ${terminalSafe(error.message)}\n`);
      if (verbose && error.stack) process.stderr.write(`${error.stack}\n`);
      return error.exitCode;
    }
    process.stderr.write(`omni-bench: internal error: ${terminalSafe(errorMessage(error))}\n`);
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    else process.stderr.write('(run with --verbose for the stack trace)\n');
    return ExitCode.Failures;
  }
}
