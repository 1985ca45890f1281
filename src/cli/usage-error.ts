/** A mistake in how the command was called: printed on one line without a stack trace, with a pointer to the help; exit code 2. */
export class UsageError extends Error {}
