import { formatDiagnostic, lineColOf, type Diagnostic } from '../diagnostics.js';
import { checkRuleFields } from '../pipeline/check-fields.js';
import { loadRules } from '../rule/load-rules.js';
import { parsePlaceholders } from './placeholders.js';
import type { CommandSpec } from './command.js';
import { choiceOption, examples, noCacheOption, repeatable } from './option-values.js';

interface CheckOptions {
  readonly format: 'text' | 'json';
  readonly quiet?: true;
  readonly placeholder?: string[];
  /** False with --no-cache. */
  readonly cache: boolean;
}

export const check: CommandSpec = {
  summary: 'lint Sigma rule files and folders',
  define: (command) =>
    command
      .argument('<path...>', 'rule files and folders (folders recursively: every .yml and .yaml file)')
      .addOption(choiceOption('--format <format>', 'report format', ['text', 'json'], 'text'))
      .option('--quiet', 'show errors only, no warnings (default: off)')
      .addOption(repeatable('--placeholder <name=values>', 'values for %NAME% under |expand, comma-separated; repeatable (default: none, a warning)'))
      .addOption(noCacheOption())
      .addHelpText(
        'after',
        examples([
          ['sigmatch check rules/', 'lint the built-in pack'],
          ['sigmatch check --format json --quiet sigma/rules', 'errors only, as one JSON document'],
        ]),
      ),
  run(positionals, options, io) {
    const values = options as CheckOptions;
    const placeholders = parsePlaceholders(values.placeholder);
    // Linting does not need placeholder values: an unresolved one is a warning here, an error at hunt time.
    const loaded = loadRules(positionals, { placeholders, lint: true, cache: values.cache, deferCacheWrite: true });
    const collection = { ...loaded, diagnostics: [...loaded.diagnostics, ...loaded.rules.flatMap(checkRuleFields)] };
    const shown = values.quiet ? collection.diagnostics.filter((d) => d.severity === 'error') : collection.diagnostics;
    const errors = collection.diagnostics.filter((d) => d.severity === 'error');
    const warnings = collection.diagnostics.filter((d) => d.severity === 'warning');
    const byCode = countBy(collection.diagnostics);
    const unreadable = errors.some((d) => d.code === 'file-unreadable') && collection.files === 0;
    if (values.format === 'json') {
      io.out(
        JSON.stringify({
          files: collection.files,
          documents: collection.documents,
          rules: collection.rules.length,
          correlations: collection.correlations.length,
          filters: collection.filters.length,
          errors: errors.length,
          warnings: warnings.length,
          byCode: Object.fromEntries(byCode),
          diagnostics: shown.map((d) => toJson(d, collection.sources)),
        }) + '\n',
      );
    } else {
      for (const d of shown) io.out(formatDiagnostic(d, collection.sources) + '\n');
      io.out(
        `\n${collection.files} files, ${collection.documents} documents: ${collection.rules.length} rules, ${collection.correlations.length} correlations, ${collection.filters.length} filters valid\n` +
          `${errors.length} errors, ${warnings.length} warnings\n`,
      );
      for (const [code, n] of [...byCode].sort((a, b) => b[1] - a[1])) io.out(`  ${String(n).padStart(6)}  ${code}\n`);
    }
    // The rule cache is rewritten once the report is out.
    loaded.saveCache?.();
    if (unreadable) return 2;
    return errors.length > 0 ? 1 : 0;
  },
};

function countBy(diagnostics: readonly Diagnostic[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of diagnostics) {
    const key = `${d.severity} ${d.code}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

function toJson(d: Diagnostic, sources: ReadonlyMap<string, string>): object {
  const text = d.span === undefined ? undefined : sources.get(d.span.file);
  const pos = d.span !== undefined && text !== undefined ? lineColOf(text, d.span.start) : undefined;
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...(d.span !== undefined ? { file: d.span.file } : {}),
    ...(pos !== undefined ? { line: pos.line, column: pos.column } : {}),
  };
}
