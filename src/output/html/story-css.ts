/**
 * The story's style sheet (level badges, facts, the process tree, activity, timeline), shared by the hunt's HTML
 * report and the service's dashboard with the renderer in story-script.ts. The colour variables are the pages'.
 */
export const STORY_CSS = String.raw`
:root { --muted: #666; --line: #ddd; --accent: #2557a7;
  --critical: #8e1b8e; --high: #c62828; --medium: #d08400; --low: #1b7f9e; --informational: #777; }
.lvl { display: inline-block; min-width: 6.5em; padding: 0 6px; border-radius: 3px; color: #fff; font-size: 11px; text-align: center; text-transform: uppercase; }
.lvl-critical { background: var(--critical); } .lvl-high { background: var(--high); } .lvl-medium { background: var(--medium); }
.lvl-low { background: var(--low); } .lvl-informational { background: var(--informational); } .lvl-suppressed { background: #aaa; }
.count { color: var(--muted); }
.sm-story h3 { margin: 0 0 4px; font-size: 15px; }
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
