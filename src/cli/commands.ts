import { check } from './check.js';
import type { CommandSpec } from './command.js';
import { dump } from './dump.js';

export const COMMANDS = {
  check,
  dump,
} satisfies Record<string, CommandSpec>;
