/**
 * Which events a rule's logsource covers, as a pipeline says it: any of the alternatives, each a set of
 * channels and, optionally, event IDs on them. Compilation turns it into a matcher condition; the
 * rule index buckets rules by it.
 */
export type LogsourceCondition = ReadonlyArray<{ readonly channels: readonly string[]; readonly eventIds?: readonly number[] }>;

/** A pipeline's answer for one rule: the condition, or why no pipeline knows the logsource. */
export type LogsourceResolution = { readonly condition: LogsourceCondition } | { readonly reason: string };
