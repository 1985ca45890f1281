/**
 * A value as JSON text that is safe inside an HTML `<script type="application/json">` element: the one
 * escaping function of the report. `<` (so no `</script>` or `<!--` ends or bends the element), `>` and `&`
 * become \u escapes, and so do U+2028 and U+2029, which older JavaScript parsers take for line ends.
 * JSON.parse reads the escapes back to the same characters.
 */
export function embedJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new Error('embedJson: the value has no JSON form');
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
