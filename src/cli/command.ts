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
  readonly usage: string;
  /** Returns the exit code. */
  readonly run: (argv: string[], io: CommandIO) => number | Promise<number>;
}
