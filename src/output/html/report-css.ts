/** The report's style sheet, inlined into the page after the story's (story-css.ts). */
export const REPORT_CSS = String.raw`
:root { --bg: #f7f7f5; --fg: #1d1f21; --row: 26px; }
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
.grid-head span { min-width: 0; }
.viewport { height: 55vh; min-height: 300px; overflow-y: auto; position: relative; outline: none; }
.viewport:focus { box-shadow: inset 0 0 0 2px var(--accent); }
.sm-row { height: var(--row); border-bottom: 1px solid #f0f0f0; cursor: pointer; white-space: nowrap; }
.sm-row span { overflow: hidden; text-overflow: ellipsis; }
.sm-row:hover { background: #f3f6fb; } .sm-row.selected { background: #dde7f7; }
#story { overflow: auto; max-height: calc(55vh + 60px); }
`;
