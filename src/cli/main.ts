#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { CommanderError } from 'commander';
import type { CommandIO } from './command.js';
import { isCommandName } from './commands.js';
import { cliProgram } from './cli-program.js';
import { UsageError } from './usage-error.js';

/**
 * Maps every outcome to an exit code, in one place: help and version 0, usage errors 2 (one line and a
 * pointer to the help), a write the system refused 74, bugs 70 with a stack trace.
 */
export async function main(argv: string[]): Promise<number> {
  const io: CommandIO = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    interactive: process.stderr.isTTY === true,
    color: process.stderr.isTTY === true && process.env['NO_COLOR'] === undefined,
  };
  const name = isCommandName(argv[0]) ? `sigmatch ${argv[0]}` : 'sigmatch';
  let code = 0;
  try {
    await (await cliProgram(io, (c) => (code = c), argv)).parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError && e.code === 'commander.help') return argv.length === 0 ? 2 : 0; // help already written
    if (e instanceof CommanderError && e.exitCode === 0) return 0; // --help or --version, already written
    if (e instanceof CommanderError || e instanceof UsageError) {
      const message = e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').replace(/\.$/, '');
      io.err(`${name}: ${message}; see '${name} --help'\n`);
      return 2;
    }
    const sys = e as NodeJS.ErrnoException;
    if (e instanceof Error && typeof sys.code === 'string' && typeof sys.syscall === 'string') {
      // The system refused (no space, no permission...): not a bug, and no stack trace.
      io.err(`${name}: ${e.message}\n`);
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

/**
 * The reader of our output went away (`sigmatch dump ... | head`): stop quietly, as Unix tools do, with the shell's
 * usual code for SIGPIPE (141), never an 'Unhandled error event' stack trace.
 */
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(141);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`sigmatch: internal error: ${String(e)}\n`);
    process.exitCode = 70;
  },
);
