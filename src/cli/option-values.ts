import { InvalidArgumentError, Option } from 'commander';
import { parseTimespan } from '../rule/parse-correlation.js';

/** `--flag N` taking a whole number of at least `min`; commander names the option when it is refused. */
export function intOption(flags: string, description: string, min: 0 | 1): Option {
  return new Option(flags, description).argParser((v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(min === 0 ? 'Expected a whole number (0 or more).' : 'Expected a positive whole number.');
    return n;
  });
}

/** `--flag DURATION` such as 30s, 5m, 2h or 1d (Sigma's timespan units); the value in milliseconds. */
export function durationOption(flags: string, description: string): Option {
  return new Option(flags, description).argParser((v: string) => {
    const t = parseTimespan(v);
    if (t === null || t.nonStandard) throw new InvalidArgumentError('Expected a duration such as 30s, 5m, 2h or 1d.');
    return t.seconds * 1000;
  });
}

/** `--flag VALUE` that may be given more than once; the values in order. */
export function repeatable(flags: string, description: string): Option {
  return new Option(flags, description).argParser((v: string, previous: string[] | undefined) => [...(previous ?? []), v]);
}

/** `--flag VALUE` with a fixed set of values and a default, both shown in the help. */
export function choiceOption(flags: string, description: string, choices: readonly string[], fallback: string): Option {
  return new Option(flags, description).choices(choices).default(fallback);
}

/** `--no-cache`, for the commands that load rules: the option value `cache` is loadRules's (true unless given). */
export function noCacheOption(): Option {
  return new Option('--no-cache', 'do not read or write the parsed-rule cache');
}

/** The examples section of a command's help: each command under a comment saying what it does. */
export function examples(lines: ReadonlyArray<readonly [command: string, meaning: string]>): string {
  return `\nExamples:\n${lines.map(([c, m]) => `  # ${m}\n  ${c}`).join('\n')}\n`;
}
