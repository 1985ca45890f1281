import type { CommandSpec } from './command.js';

/**
 * The commands, each module imported only when that command runs (or for the top-level help, which lists them all):
 * `sigmatch dump` does not load the converters, the service or the databases' clients. Importing every command's
 * modules cost about 0.2 s of CPU at each start.
 */
export const COMMANDS = {
  hunt: async () => (await import('./hunt.js')).hunt,
  check: async () => (await import('./check.js')).check,
  dump: async () => (await import('./dump.js')).dump,
  convert: async () => (await import('./convert.js')).convert,
  load: async () => (await import('./load.js')).load,
  explain: async () => (await import('./explain.js')).explain,
  baseline: async () => (await import('./baseline.js')).baseline,
  tune: async () => (await import('./tune.js')).tune,
  serve: async () => (await import('./serve.js')).serve,
  token: async () => (await import('./token.js')).token,
} satisfies Record<string, () => Promise<CommandSpec>>;

export type CommandName = keyof typeof COMMANDS;

export const isCommandName = (name: string | undefined): name is CommandName => name !== undefined && Object.hasOwn(COMMANDS, name);

/**
 * The commands a command line needs defined: the one it runs (`sigmatch hunt ...`) or asks help for
 * (`sigmatch help hunt`), none for the version, else all of them (the top-level help and the unknown-command error list them).
 */
export function commandsFor(argv: readonly string[]): CommandName[] {
  if (argv[0] === '-V' || argv[0] === '--version') return [];
  const named = argv[0] === 'help' ? argv[1] : argv[0];
  return isCommandName(named) ? [named] : (Object.keys(COMMANDS) as CommandName[]);
}
