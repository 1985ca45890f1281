/**
 * The story renderer, shared by the hunt's HTML report and the service's dashboard: one component drawing one
 * Story value (src/engine/story/story.ts) the same way in both pages. Plain browser JavaScript kept as a string
 * (it runs in the page, not in Node); it defines the global `SmStory` with the renderer and the small DOM helpers
 * both pages use. Every element is made with createElement and every text set with textContent: data never
 * becomes markup.
 */
export const STORY_SCRIPT = String.raw`var SmStory = (function () {
'use strict';
function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined && text !== null) e.textContent = String(text); return e; }
function add(parent) { for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]); return parent; }
function iso(ms) { return typeof ms === 'number' && ms > 0 ? new Date(ms).toISOString().replace('T', ' ').replace('.000Z', 'Z') : ''; }
function base(p) { return p ? String(p).split(/[\\/]/).pop() : ''; }
function level(l, suppressed) { return el('span', 'lvl lvl-' + (suppressed ? 'suppressed' : l), suppressed ? 'suppressed' : l); }
// The row a table's navigation key moves to from pos (null when the key is not one of them): both pages' tables.
function nextRow(key, pos, length, page) {
  if (key === 'ArrowDown') return Math.min(length - 1, pos + 1);
  if (key === 'ArrowUp') return Math.max(0, pos - 1);
  if (key === 'PageDown') return Math.min(length - 1, pos + page);
  if (key === 'PageUp') return Math.max(0, pos - page);
  if (key === 'Home') return 0;
  if (key === 'End') return length - 1;
  return null;
}
// Scrolls a virtualised table's viewport (rows of rowHeight px) just enough to show row pos.
function showRow(viewport, pos, rowHeight) {
  if (pos < 0) return;
  var top = pos * rowHeight;
  if (top < viewport.scrollTop) viewport.scrollTop = top;
  else if (top + rowHeight > viewport.scrollTop + viewport.clientHeight) viewport.scrollTop = top + rowHeight - viewport.clientHeight;
}
function facts(pairs) {
  var dl = el('dl', 'facts');
  pairs.forEach(function (p) { if (p[1] !== undefined && p[1] !== null && p[1] !== '') add(dl, el('dt', '', p[0]), p[2] ? add(el('dd'), el('code', '', p[1])) : el('dd', '', p[1])); });
  return dl;
}
function renderStory(box, story, opts) {
  var top = !!(opts && opts.top), onTimeline = opts && opts.onTimeline;
  var a = story.alert;
  add(box, add(el('h3'), level(a.level, !!a.suppressedBy), document.createTextNode(' ' + a.rule)));
  add(box, facts([['time', iso(a.at)], ['host', a.host], ['correlation', a.correlation], ['process', a.image], ['command line', a.commandLine, true], ['user', a.user],
    ['destination', a.destinationIp ? a.destinationIp + (a.destinationPort ? ':' + a.destinationPort : '') : ''], ['domain', a.domain], ['tags', (a.tags || []).join(', ')],
    ['suppressed by', a.suppressedBy ? a.suppressedBy.join('; ') : ''], ['repeated', a.repeat ? a.repeat.count + ' times until ' + iso(a.repeat.last) : '']]));
  if (a.processMissing) add(box, el('div', 'warn', 'The event names a process whose creation event is not in the inputs.'));
  if (story.processes.length > 0) { add(box, el('h2', '', 'Process tree')); add(box, tree(story)); }
  if (story.processes.length > 0) chronology(box, story);
  var lim = story.limits;
  if (lim.truncated) add(box, el('div', 'warn', 'The tree is cut at its depth or child limit.'));
  if (lim.cycles.length) add(box, el('div', 'warn', 'A parent link leads back into the chain (PID reuse?) at ' + lim.cycles.join(', ') + ': the walk stopped there.'));
  if (lim.missingParents) add(box, el('div', 'warn', lim.missingParents + ' parent process start(s) not in the inputs: shown dashed, as the child names them.'));
  if (top && story.timeline.length) {
    add(box, el('h2', '', 'Host timeline (other alerts on ' + a.host + ' around it)'));
    var ul = el('ul', 'timeline'), here = false;
    story.timeline.forEach(function (t) {
      if (!here && t.at > a.at) { add(ul, el('li', 'here', iso(a.at) + '  this alert')); here = true; }
      var text = iso(t.at) + '  ' + t.level + '  ' + t.rule;
      if (onTimeline) { var link = el('a', '', text); link.addEventListener('click', function () { onTimeline(t); }); add(ul, add(el('li'), link)); }
      else add(ul, el('li', '', text));
    });
    if (!here) add(ul, el('li', 'here', iso(a.at) + '  this alert'));
    add(box, ul);
  }
  if (story.contributors.length) {
    add(box, el('h2', '', 'Contributors (' + story.contributorCount + ')'));
    story.contributors.forEach(function (c) {
      var d = el('details', 'contrib'), sum = el('summary', '', iso(c.alert.at) + '  ' + c.alert.rule);
      add(d, sum); renderStory(d, c, { top: false }); add(box, d);
    });
    if (story.contributorCount > story.contributors.length) add(box, el('div', 'count', '... and ' + (story.contributorCount - story.contributors.length) + ' more'));
  }
}
// The tree's processes and what they did, in time order: the same story, read as a sequence.
function chronology(box, story) {
  var items = [];
  story.processes.forEach(function (p) {
    var who = base(p.image) || '?';
    if (p.started) items.push([Date.parse(p.started), who + ' started' + (p.commandLine ? ': ' + p.commandLine : '')]);
    p.connections.forEach(function (c) { items.push([c.at, who + ' connected to ' + c.ip + (c.port !== undefined ? ':' + c.port : '') + (c.domain ? ' (' + c.domain + ')' : '')]); });
    p.dns.forEach(function (d) { if (d.at) items.push([d.at, who + ' resolved ' + d.query + ' → ' + d.answers.join(', ')]); });
    p.files.forEach(function (f) { items.push([f.at, who + ' wrote ' + f.path]); });
    p.registry.forEach(function (r) { items.push([r.at, who + ' ' + r.change + ' ' + r.target]); });
  });
  if (items.length === 0) return;
  items.sort(function (x, y) { return x[0] - y[0]; });
  var d = add(el('details', 'chronology'), el('summary', '', 'In time order (' + items.length + ')'));
  var ul = el('ul');
  items.slice(0, 200).forEach(function (it) { add(ul, el('li', '', iso(it[0]) + '  ' + it[1])); });
  if (items.length > 200) add(ul, el('li', 'count', '... and ' + (items.length - 200) + ' more'));
  add(box, add(d, ul));
}
function tree(story) {
  var kids = new Map(), roots = [];
  story.processes.forEach(function (p) {
    if (p.parentId && story.processes.some(function (q) { return q.id === p.parentId; })) { var k = kids.get(p.parentId) || []; k.push(p); kids.set(p.parentId, k); }
    else roots.push(p);
  });
  function branch(list) {
    var ul = el('ul', 'tree');
    list.forEach(function (p) { var li = add(el('li', 'branch'), node(p, story.focus)); var k = kids.get(p.id); if (k) li.appendChild(branch(k)); ul.appendChild(li); });
    return ul;
  }
  return branch(roots);
}
function node(p, focus) {
  var n = el('div', 'tree-node' + (p.id === focus ? ' focus' : '') + (p.kind === 'inferred' ? ' inferred' : ''));
  n.dataset.image = base(p.image).toLowerCase();
  add(n, el('strong', 'image', base(p.image) || '(unknown image)'), el('span', 'link', p.kind === 'inferred' ? 'named only' : 'by ' + p.kind));
  var about = [p.processId !== undefined ? 'pid ' + p.processId : '', p.user, p.integrityLevel, p.started ? iso(Date.parse(p.started)) : ''].filter(Boolean).join('  ·  ');
  if (about) add(n, el('span', 'count', '  ' + about));
  if (p.commandLine) add(n, add(el('div', 'cmd'), el('code', '', p.commandLine)));
  if (p.hashes || p.processGuid) { var more = add(el('details'), el('summary', 'count', 'hashes and GUID')); add(more, facts([['hashes', p.hashes, true], ['guid', p.processGuid, true]])); n.appendChild(more); }
  var acts = el('ul', 'acts');
  p.connections.forEach(function (c) { var li = add(el('li', 'conn'), document.createTextNode('→ ' + c.ip + (c.port !== undefined ? ':' + c.port : '') + (c.protocol ? ' ' + c.protocol : '') + ' ')); if (c.domain) add(li, el('strong', 'conn-domain', c.domain)); add(li, el('span', 'count', '  ' + iso(c.at))); acts.appendChild(li); });
  p.dns.forEach(function (d) { add(acts, el('li', 'dns', 'DNS ' + d.query + ' → ' + d.answers.join(', '))); });
  p.files.forEach(function (f) { add(acts, el('li', 'file', 'wrote ' + f.path + '  ' + iso(f.at))); });
  p.registry.forEach(function (r) { add(acts, el('li', 'reg', r.change + ' ' + r.target + (r.details ? ' = ' + r.details : ''))); });
  p.images.forEach(function (m) { add(acts, el('li', 'img', 'loaded ' + m.path + (m.signed ? ' (signed: ' + m.signed + ')' : ''))); });
  var cut = p.cut, more = Object.keys(cut).filter(function (k) { return cut[k] > 0; }).map(function (k) { return cut[k] + ' more ' + k; });
  if (more.length) add(acts, el('li', 'count', '... ' + more.join(', ')));
  if (acts.childNodes.length) n.appendChild(acts);
  return n;
}

// renderStory(box, story, { top, onTimeline }): the alert's facts, its process tree, what each process did, and
// (top) the host's timeline; onTimeline(entry) makes the timeline's entries links.
return { el: el, add: add, iso: iso, base: base, level: level, nextRow: nextRow, showRow: showRow, facts: facts, renderStory: renderStory };
})();
`;
