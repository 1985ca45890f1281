export type { Diagnostic, Severity, Span } from './diagnostics.js';
export { formatDiagnostic, hasErrors, lineColOf } from './diagnostics.js';
export type { Event, FieldValue, Provenance } from './event/event.js';
export { eventFromObject, lookupField } from './event/event.js';
export type {
  Detection,
  DetectionItem,
  Level,
  Logsource,
  SigmaCorrelation,
  SigmaDocument,
  SigmaFilter,
  SigmaRule,
  Status,
} from './rule/model.js';
export { parseRuleFile } from './rule/parse-rule-file.js';
export type { ParsedRuleFile, RuleFileOptions } from './rule/parse-rule-file.js';
export { loadRules, loadRuleTexts } from './rule/load-rules.js';
export type { RuleCollection } from './rule/load-rules.js';
export { applyFilters } from './rule/apply-filters.js';
export { parseCondition } from './condition/parse-condition.js';
export { printCondition } from './condition/print-condition.js';
export type { ConditionNode } from './condition/ast.js';
export type { MatchNode, ValueTest } from './compile/ir.js';
export { lowerRule } from './compile/lower-rule.js';
export { compileRule } from './compile/compile-rule.js';
export type { CompiledRule } from './compile/compile-rule.js';
export { interpret } from './compile/interpret.js';
export { RuleSet } from './engine/rule-set.js';
export type { RuleSetOptions, LogsourceResolver, SkippedRule } from './engine/rule-set.js';
export type { LogsourceCondition, LogsourceResolution } from './pipeline/logsource-condition.js';
export { resolveWindowsLogsource } from './pipeline/windows-logsources.js';
export { explain } from './engine/explain.js';
export type { Explanation, DetectionExplanation, ItemExplanation } from './engine/explain.js';
export type { InputItem, InputProblem } from './formats/input-item.js';
export { formatInputProblem } from './formats/input-item.js';
export type { InputFormat, ReadInputOptions } from './formats/read-input.js';
export { detectFormat, readInput } from './formats/read-input.js';
export type { EvtxItem, EvtxReadOptions } from './formats/evtx/read-evtx.js';
export { readEvtxBuffer, readEvtxFile } from './formats/evtx/read-evtx.js';
export type { EvtxProblem } from './formats/evtx/read-chunk.js';
export type { MappedItem, ParallelItem, ParallelOptions } from './formats/evtx/read-evtx-parallel.js';
export { mapEvtxParallel, readEvtxParallel } from './formats/evtx/read-evtx-parallel.js';
export type { WriterEvent } from './formats/evtx/write-evtx.js';
export { EvtxWriter, writeEvtxBuffer, writeEvtxFile } from './formats/evtx/write-evtx.js';
