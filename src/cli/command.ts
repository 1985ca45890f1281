import type { Command, OptionValues } from 'commander';

/** Where a command writes; the only place output goes. */
export interface CommandIO {
  readonly out: (text: string | Uint8Array) => void;
  readonly err: (text: string) => void;
  /** True when stderr is a terminal and colour is allowed (no NO_COLOR, not piped). */
  readonly interactive: boolean;
  readonly color: boolean;
}

export interface CommandSpec {
  readonly summary: string;
  /** Declares the command's arguments and options (each with its meaning and default) and its help examples. */
  readonly define: (command: Command) => Command;
  /** Runs with the paths and the option values commander parsed (validated by `define`'s parsers). Returns the exit code. */
  readonly run: (paths: string[], options: OptionValues, io: CommandIO) => number | Promise<number>;
}
