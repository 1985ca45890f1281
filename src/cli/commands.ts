import { check } from './check.js';
import type { CommandSpec } from './command.js';

export const COMMANDS = {
  check,
} satisfies Record<string, CommandSpec>;
