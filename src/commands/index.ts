import type { Command } from 'commander';
import { modelCommand } from './model.js';
import { mediaCommands } from './media.js';
import { datasetsCommand } from './datasets.js';
import { specCommands } from './specs.js';
import { compareCommands } from './compare.js';
import { mergeCommands } from './merge.js';
import { suiteCommands } from './suite.js';

/** Adds one command group to the program. One line per group below registers it. */
export type RegisterCommand = (program: Command) => void;

/** Every command group of the CLI, in help order. */
export const COMMANDS: RegisterCommand[] = [modelCommand, mediaCommands, datasetsCommand, specCommands, compareCommands, mergeCommands, suiteCommands];
