#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { COMMANDS } from './commands.js';
import type { CommandIO } from './command.js';
import { UsageError } from './usage-error.js';

function help(): string {
  const lines = Object.entries(COMMANDS).map(([name, spec]) => `  ${name.padEnd(8)} ${spec.summary}\n           ${spec.usage}`);
  return `sigmatch: Sigma detection engine and threat-hunting tool\n\nUsage: sigmatch COMMAND [options]\n\n${lines.join('\n')}\n`;
}

/** Maps every outcome to an exit code, in one place: usage errors 2, bugs 70 with a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const io: CommandIO = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    interactive: process.stderr.isTTY === true,
    color: process.stderr.isTTY === true && process.env['NO_COLOR'] === undefined,
  };
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.out('sigmatch 0.1.0\n');
    return 0;
  }
  const command = (COMMANDS as Record<string, (typeof COMMANDS)[keyof typeof COMMANDS]>)[name];
  if (command === undefined) {
    io.err(`sigmatch: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      io.err(`sigmatch ${name}: ${e.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    const sys = e as NodeJS.ErrnoException;
    if (e instanceof Error && typeof sys.code === 'string' && typeof sys.syscall === 'string') {
      // The system refused (no space, no permission...): not a bug, and no stack trace.
      io.err(`sigmatch ${name}: ${e.message}\n`);
      return 74;
    }
    io.err(`sigmatch: internal error (a bug, please report it):\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 70;
  }
}

/**
 * V8 lets the old generation grow to about four times what survived the last full collection before it
 * collects again; a hunt's live heap is small (about 160 MB with every SigmaHQ rule) but allocates fast, so
 * that slack was most of its resident memory. Growing by half instead cut the peak of an all-rules hunt
 * over 1 GB of EVTX from 1,653 to 1,109 MB at the same speed (bench/README.md). Set before any worker starts:
 * V8 flags are process-wide.
 */
setFlagsFromString('--heap-growing-percent=50');
/**
 * V8 "pretenures" an allocation site whose objects often survive a young collection: it allocates them in
 * the old generation from then on. Rule loading makes such sites look long-lived, and once the per-event
 * objects of the reader and matcher are allocated old, every young value they point to survives scavenges
 * (a single-threaded all-rules match spent a quarter of its time copying them, 2.9 MB per scavenge instead
 * of 0.5) and the old generation fills with garbage. Without pretenuring the same match ran 42% faster, and
 * workers keep their speed with a 32 MB instead of a 128 MB young generation (bench/README.md).
 */
setFlagsFromString('--no-allocation-site-pretenuring');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`sigmatch: internal error: ${String(e)}\n`);
    process.exitCode = 70;
  },
);
