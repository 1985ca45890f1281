/**
 * The numbers value_sum, value_avg, value_percentile and value_median read (README, "Correlations"): a field's
 * text (a string itself, a JSON number as JavaScript writes it, a one-element array's element) is a number when
 * it is, whole, an optional sign, decimal digits with an optional fraction (or a fraction alone), and an optional
 * exponent of one to three digits — '12', '+5', '-0.5', '.5', '5.', '1e3', '2.5E-2' — at most 100 characters, and
 * its value as a double is finite. Not numbers: hex, octal or binary forms ('0x10'), surrounding or inner white
 * space (' 12'), '', '1e', '.', digit separators ('1_000', '1,5'), non-ASCII digits, 'Infinity', 'NaN', an exponent
 * of four digits or more ('1e0003'), and values beyond the double range ('1e400'). A value too small for a double
 * reads as 0 ('1e-400'), as every cast does. The converted SQL and KQL queries test the same grammar (the pattern
 * below, or its GLOB equivalent on SQLite) before they cast, so a value counts in a database exactly when it
 * counts in the engine.
 */
export const METRIC_NUMBER_PATTERN = '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]{1,3})?$';
/** The longest text read as a number (a bound every database's cast handles without an error). */
export const METRIC_NUMBER_MAX_LENGTH = 100;

const GRAMMAR = new RegExp(METRIC_NUMBER_PATTERN);

/** The number a field's text stands for, or undefined when the text is no number of the grammar above. */
export function metricNumber(text: string | undefined): number | undefined {
  if (text === undefined || text.length > METRIC_NUMBER_MAX_LENGTH || !GRAMMAR.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
