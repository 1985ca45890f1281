import { check } from './check.js';
import type { CommandSpec } from './command.js';
import { dump } from './dump.js';
import { hunt } from './hunt.js';

export const COMMANDS = {
  hunt,
  check,
  dump,
} satisfies Record<string, CommandSpec>;
