/** The dashboard's style sheet, served after the story's (src/output/html/story-css.ts); laid out for 1280×800 and up. */
export const DASHBOARD_CSS = String.raw`
:root { --bg: #f7f7f5; --fg: #1d1f21; --row: 26px; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
header { padding: 8px 16px; background: #1d2733; color: #fff; display: flex; gap: 18px; align-items: center; }
header h1 { font-size: 16px; margin: 0; }
header nav { display: flex; gap: 4px; flex: 1; }
header nav a { color: #d8e0e8; text-decoration: none; padding: 4px 10px; border-radius: 4px; }
header nav a.active, header nav a:hover { background: #33455a; color: #fff; }
header .sub { color: #b8c4d0; }
button { font: inherit; padding: 3px 10px; border: 1px solid #b9c0c8; border-radius: 4px; background: #fff; cursor: pointer; }
button:hover { background: #eef2f7; } button:disabled { opacity: .5; cursor: default; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
header button.quiet { background: transparent; color: #d8e0e8; border-color: #51637a; }
input, select, textarea { font: inherit; padding: 3px 6px; border: 1px solid #b9c0c8; border-radius: 4px; background: #fff; }
main { padding: 12px 16px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; min-width: 0; }
section h2 { font-size: 13px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
h3 { font-size: 13px; margin: 12px 0 6px; }
.login-page { display: grid; place-items: center; min-height: 80vh; }
.login { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 24px 28px; width: 440px; display: grid; gap: 10px; }
.login h1 { margin: 0; font-size: 20px; }
.login label { display: grid; gap: 4px; } .login p { margin: 0; }
.work { display: grid; grid-template-columns: minmax(0, 7fr) minmax(0, 5fr); gap: 12px; height: calc(100vh - 70px); }
.work > section { overflow: hidden; display: flex; flex-direction: column; }
.controls { display: flex; gap: 6px; margin-bottom: 6px; flex-wrap: wrap; align-items: center; }
.controls input { width: 11em; }
.live { font-size: 11px; color: #1b7f3a; border: 1px solid #9fd3ad; border-radius: 10px; padding: 0 8px; margin-left: auto; }
.live.down { color: #8a4b00; border-color: #e0b070; }
.grid-head, .sm-row { display: grid; grid-template-columns: 12.6em 5.4em 6em minmax(0, 2.6fr) minmax(0, 1.3fr) minmax(0, 1fr) minmax(0, 1.5fr) minmax(0, .7fr); gap: 6px; align-items: center; padding: 0 6px; font-size: 12px; }
.grid-head span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.sm-row .lvl { min-width: 0; }
.grid-head { font-weight: 600; border-bottom: 1px solid var(--line); height: var(--row); }
.viewport { flex: 1; min-height: 200px; overflow-y: auto; position: relative; outline: none; }
.viewport:focus { box-shadow: inset 0 0 0 2px var(--accent); }
.rows { position: absolute; left: 0; right: 0; }
.sm-row { height: var(--row); border-bottom: 1px solid #f0f0f0; cursor: pointer; white-space: nowrap; }
.sm-row span { overflow: hidden; text-overflow: ellipsis; }
.sm-row:hover { background: #f3f6fb; } .sm-row.selected { background: #dde7f7; }
.sm-row.fresh { animation: fresh 4s ease-out; }
@keyframes fresh { from { background: #fff3c4; } to { background: transparent; } }
.st { font-size: 12px; } .st-open { color: var(--high); } .st-acknowledged { color: var(--medium); } .st-closed { color: var(--muted); }
.sm-row[data-status="closed"] { color: var(--muted); }
#story { overflow: auto; display: block; }
/* The panel names the alert above its triage; the story's own heading would say it twice. */
.story-body > h3:first-child { display: none; }
.triage { border-bottom: 1px solid var(--line); padding-bottom: 8px; margin-bottom: 8px; display: grid; gap: 6px; }
.actions { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; }
.actions textarea { flex: 1; min-width: 14em; }
#close-comment { flex: 1; min-width: 8em; }
.notes { margin: 0; padding-left: 16px; }
.suppress { border: 1px solid var(--line); border-radius: 4px; padding: 4px 8px; margin-bottom: 8px; }
.suppress summary { cursor: pointer; color: var(--accent); }
.suppress .fields { display: grid; gap: 2px; margin: 6px 0; max-height: 180px; overflow: auto; }
.suppress .field { display: grid; grid-template-columns: 1.5em 12em minmax(0, 1fr); gap: 6px; align-items: baseline; }
.suppress .actions input[type=number] { width: 5em; }
.preview { margin: 6px 0; font-weight: 600; } .saved { color: #1b7f3a; margin: 6px 0; }
.yaml { font: 12px/1.35 ui-monospace, Menlo, Consolas, monospace; background: #f3f3f1; padding: 6px; overflow: auto; max-height: 220px; }
table.list { border-collapse: collapse; width: 100%; }
table.list th, table.list td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
table.list th { color: var(--muted); font-weight: 600; border-bottom-color: var(--line); }
table.list td.n { text-align: right; font-variant-numeric: tabular-nums; }
table.list tr.go { cursor: pointer; } table.list tr.go:hover, table.list tr.go:focus { background: #f3f6fb; outline: none; }
.tags { font-size: 11px; color: var(--muted); }
#rules-table td:nth-child(3) { width: 34%; } #rules-table td:nth-child(6) { font-size: 11px; color: var(--muted); word-break: break-all; }
.chip { display: inline-block; border: 1px solid var(--line); border-radius: 10px; padding: 0 6px; margin: 0 4px 2px 0; font-size: 12px; }
.stack { display: inline-flex; height: 10px; border-radius: 2px; overflow: hidden; vertical-align: middle; }
.stack .seg { display: inline-block; height: 10px; }
.cards { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.card h3 { margin: 0 0 4px; color: var(--muted); font-weight: 600; text-transform: uppercase; font-size: 11px; letter-spacing: .04em; }
.big { font-size: 22px; font-weight: 600; }
.status-ok .big { color: #1b7f3a; } .status-degraded .big { color: var(--high); }
.spark { width: 100%; height: 28px; margin-top: 4px; } .spark polyline { fill: none; stroke: var(--accent); stroke-width: 1; vector-effect: non-scaling-stroke; }
.errors { margin-bottom: 8px; }
`;
