import type { Command } from 'commander';

/** Adds one command group to the program. One line per group below registers it. */
export type RegisterCommand = (program: Command) => void;

/** Every command group of the CLI, in help order. */
export const COMMANDS: RegisterCommand[] = [];
