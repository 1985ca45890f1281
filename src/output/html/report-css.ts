/** The report's style sheet, inlined into the page. */
export const REPORT_CSS = String.raw`
:root { --bg: #f7f7f5; --fg: #1d1f21; --muted: #666; --line: #ddd; --accent: #2557a7; --row: 26px;
  --critical: #8e1b8e; --high: #c62828; --medium: #d08400; --low: #1b7f9e; --informational: #777; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
header { padding: 10px 16px; background: #1d2733; color: #fff; display: flex; gap: 16px; align-items: baseline; }
header h1 { font-size: 16px; margin: 0; }
header .sub { color: #b8c4d0; }
main { padding: 12px 16px; display: grid; gap: 12px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; min-width: 0; }
section h2 { font-size: 13px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 12px; }
.big { font-size: 22px; font-weight: 600; }
.bars div { display: grid; grid-template-columns: 9em 1fr 4em; gap: 6px; align-items: center; margin: 2px 0; }
.bars .bar { height: 10px; background: var(--accent); border-radius: 2px; }
.bars span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.lvl { display: inline-block; min-width: 6.5em; padding: 0 6px; border-radius: 3px; color: #fff; font-size: 11px; text-align: center; text-transform: uppercase; }
.lvl-critical { background: var(--critical); } .lvl-high { background: var(--high); } .lvl-medium { background: var(--medium); }
.lvl-low { background: var(--low); } .lvl-informational { background: var(--informational); } .lvl-suppressed { background: #aaa; }
.matrix { display: flex; gap: 6px; overflow-x: auto; padding-bottom: 4px; }
.matrix .tactic { min-width: 120px; }
.matrix .tactic h3 { font-size: 11px; margin: 0 0 4px; }
.matrix button { display: block; width: 100%; margin: 2px 0; border: 1px solid var(--line); border-radius: 3px; padding: 2px 4px; text-align: left; cursor: pointer; font: inherit; font-size: 12px; }
.lanes { display: grid; grid-template-columns: 14em 1fr; gap: 2px 8px; align-items: center; }
.lanes .host { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; cursor: pointer; }
.lanes svg { width: 100%; height: 18px; background: #f0f0ee; border-radius: 2px; }
.axis { display: flex; justify-content: space-between; color: var(--muted); font-size: 11px; grid-column: 2; }
.work { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 12px; }
.controls { display: flex; gap: 8px; margin-bottom: 6px; flex-wrap: wrap; }
.controls input { flex: 1; min-width: 12em; padding: 4px 6px; }
.grid-head, .sm-row { display: grid; grid-template-columns: 11.5em 7em minmax(0, 3fr) minmax(0, 1.4fr) minmax(0, 1.2fr) minmax(0, 1.6fr); gap: 8px; align-items: center; padding: 0 6px; }
.grid-head { font-weight: 600; border-bottom: 1px solid var(--line); height: var(--row); }
.grid-head span { cursor: pointer; user-select: none; }
.grid-head span[aria-sort="ascending"]::after { content: " \25B2"; } .grid-head span[aria-sort="descending"]::after { content: " \25BC"; }
.viewport { height: 55vh; min-height: 300px; overflow-y: auto; position: relative; outline: none; }
.viewport:focus { box-shadow: inset 0 0 0 2px var(--accent); }
.sm-row { height: var(--row); border-bottom: 1px solid #f0f0f0; cursor: pointer; white-space: nowrap; }
.sm-row span { overflow: hidden; text-overflow: ellipsis; }
.sm-row:hover { background: #f3f6fb; } .sm-row.selected { background: #dde7f7; }
.count { color: var(--muted); }
#story { overflow: auto; max-height: calc(55vh + 60px); }
#story h3 { margin: 0 0 4px; font-size: 15px; }
.facts { display: grid; grid-template-columns: 8em minmax(0, 1fr); gap: 2px 8px; margin: 6px 0; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; word-break: break-all; }
code { font: 12px/1.35 ui-monospace, Menlo, Consolas, monospace; background: #f3f3f1; padding: 0 3px; border-radius: 2px; word-break: break-all; }
.tree, .tree ul { list-style: none; margin: 0; padding-left: 18px; }
.tree { padding-left: 0; }
.tree li { position: relative; margin: 4px 0; }
.tree ul > li.branch::before { content: ""; position: absolute; left: -12px; top: -4px; width: 10px; height: 16px; border-left: 1px solid #999; border-bottom: 1px solid #999; }
.tree-node { border: 1px solid var(--line); border-radius: 4px; padding: 3px 6px; background: #fff; }
.tree-node.focus { border-color: var(--high); box-shadow: 0 0 0 1px var(--high); }
.tree-node.inferred { border-style: dashed; color: var(--muted); }
.link { font-size: 10px; text-transform: uppercase; color: var(--muted); border: 1px solid var(--line); border-radius: 3px; padding: 0 3px; margin-left: 4px; }
.cmd { margin: 2px 0; }
.tree-node details summary { cursor: pointer; font-size: 11px; }
.acts { margin: 2px 0 0 0; padding-left: 14px; }
.acts li { margin: 1px 0; }
.warn { color: #8a4b00; background: #fff4e0; border-radius: 3px; padding: 2px 6px; margin: 4px 0; }
.timeline li.here { font-weight: 600; }
.timeline a, .contrib summary, .chronology summary { cursor: pointer; color: var(--accent); }
.chronology { margin: 6px 0; }
.empty { color: var(--muted); padding: 8px; }
`;
