import { Command, type Option, type OptionValues } from 'commander';
import type { CommandIO } from './command.js';
import { COMMANDS, commandsFor } from './commands.js';
import { examples } from './option-values.js';
import { packageVersion } from './package-path.js';

/** An option's help: its meaning, then its choices and its default (a flag's default is stated in its meaning). */
function optionDescription(option: Option): string {
  const extra = [option.argChoices === undefined ? undefined : `one of ${option.argChoices.join(', ')}`, typeof option.defaultValue === 'string' ? `default: ${option.defaultValue}` : undefined].filter((x) => x !== undefined);
  return extra.length === 0 ? option.description : `${option.description} (${extra.join('; ')})`;
}

/**
 * Commander writes only through io and never exits: every outcome comes back to main() as a return or a
 * throw. Help is not wrapped: one line per option, whatever the terminal's width.
 */
function contained(command: Command, io: CommandIO): Command {
  return command
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t), outputError: () => undefined })
    .configureHelp({ helpWidth: Number.MAX_SAFE_INTEGER, optionDescription })
    .helpOption('-h, --help', 'print this help and exit');
}

/**
 * The command line: the top level and a subcommand for each command the arguments need (commandsFor). `done` receives a command's exit
 * code; parse errors, help and version come out of parseAsync as CommanderError.
 */
export async function cliProgram(io: CommandIO, done: (code: number) => void, argv: readonly string[]): Promise<Command> {
  const program = contained(new Command('sigmatch'), io)
    .description('Sigma detection engine and threat-hunting tool for Windows event logs')
    .usage('COMMAND [options]')
    .version(`sigmatch ${packageVersion()}`, '-V, --version', 'print the version and exit')
    .helpCommand('help [command]', 'print the help of a command')
    .addHelpText(
      'after',
      examples([
        ['sigmatch hunt examples/', 'hunt the shipped example log with the built-in rules'],
        ['sigmatch hunt --help', 'the options of a command (or: sigmatch help hunt)'],
      ]),
    );
  for (const name of commandsFor(argv)) {
    const spec = await COMMANDS[name]();
    const command = spec.define(contained(new Command(name), io).summary(spec.summary).description(spec.summary));
    command.action(async (paths: string[], options: OptionValues) => done(await spec.run(paths, options, io)));
    program.addCommand(command);
  }
  return program;
}
