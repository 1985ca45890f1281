import { check } from './check.js';
import type { CommandSpec } from './command.js';
import { dump } from './dump.js';
import { explain } from './explain.js';
import { hunt } from './hunt.js';

export const COMMANDS = {
  hunt,
  check,
  dump,
  explain,
} satisfies Record<string, CommandSpec>;
