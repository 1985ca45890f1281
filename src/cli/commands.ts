import { baseline } from './baseline.js';
import { check } from './check.js';
import type { CommandSpec } from './command.js';
import { convert } from './convert.js';
import { dump } from './dump.js';
import { explain } from './explain.js';
import { hunt } from './hunt.js';
import { load } from './load.js';
import { serve } from './serve.js';
import { token } from './token.js';
import { tune } from './tune.js';

export const COMMANDS = {
  hunt,
  check,
  dump,
  convert,
  load,
  explain,
  baseline,
  tune,
  serve,
  token,
} satisfies Record<string, CommandSpec>;
