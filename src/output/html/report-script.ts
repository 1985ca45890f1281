/**
 * The report's renderer, inlined into the page as plain JavaScript (it runs in the browser, not in Node, so it is
 * a string here) after the story renderer and the sortable columns it shares with the dashboard (story-script.ts, `SmStory`;
 * sort-script.ts, `SmSort`). It builds
 * every element with createElement and sets every text with textContent: data never becomes markup. The table is
 * virtualised (only the rows in view exist), stories are inflated per chunk and rendered when an alert is opened.
 */
export const REPORT_SCRIPT = String.raw`(function () {
'use strict';
var ROW = 26, OVERSCAN = 10, LEVELS = ['critical', 'high', 'medium', 'low', 'informational'];
var el = SmStory.el, add = SmStory.add, iso = SmStory.iso, base = SmStory.base;
function inflate(b64) {
  var bytes;
  // The browser's own decoder where it has one (a loop over atob's characters took most of the page's script time).
  if (typeof Uint8Array.fromBase64 === 'function') bytes = Uint8Array.fromBase64(b64);
  else {
    var bin = atob(b64);
    bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  }
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).text().then(JSON.parse);
}
var meta = JSON.parse(document.getElementById('sm-meta').textContent);
var rows = [], view = [], selected = -1, storyEls = [], storyCache = new Map();

function layout() {
  var header = add(el('header'), el('h1', '', 'sigmatch hunt report'), el('span', 'sub', meta.title), el('span', 'sub', 'generated ' + meta.generatedAt));
  var main = el('main');
  main.id = 'main';
  add(document.body, header, main);
  return main;
}

function section(parent, title, id) { var s = el('section'); if (id) s.id = id; add(s, el('h2', '', title)); parent.appendChild(s); return s; }

function bars(parent, pairs, max, limit) {
  var box = el('div', 'bars');
  pairs.slice(0, limit).forEach(function (p) {
    var bar = el('div', 'bar'); bar.style.width = Math.max(1, Math.round(100 * p[1] / Math.max(1, max))) + '%';
    var name = el('span', '', p[0]); name.title = p[0];
    add(box, add(el('div'), name, add(el('span'), bar), el('span', 'count', p[1])));
  });
  if (pairs.length > limit) add(box, el('div', 'count', '... and ' + (pairs.length - limit) + ' more'));
  parent.appendChild(box);
}

function summary(main) {
  var cards = el('div', 'cards');
  main.appendChild(cards);
  var a = section(cards, 'Hunt', 'summary');
  add(a, add(el('div'), el('span', 'big', meta.alerts), el('span', '', ' alerts')), el('div', '', meta.events + ' events from ' + meta.files + ' files'), el('div', '', meta.rulesLoaded + ' rules loaded'));
  if (meta.suppressed > 0) add(a, el('div', 'count', meta.suppressed + ' suppressed alerts shown'));
  var l = section(cards, 'Alerts by level');
  var byLevel = LEVELS.map(function (x) { var f = meta.byLevel.find(function (p) { return p[0] === x; }); return [x, f ? f[1] : 0]; }).filter(function (p) { return p[1] > 0; });
  bars(l, byLevel, meta.alerts, 5);
  bars(section(cards, 'Top rules'), meta.byRule, meta.byRule.length ? meta.byRule[0][1] : 1, 8);
  bars(section(cards, 'Top hosts'), meta.byHost, meta.byHost.length ? meta.byHost[0][1] : 1, 8);
  var m = section(main, 'ATT&CK tactics × techniques (alerts per rule tag; click a technique to search it)', 'attack');
  if (meta.attack.length === 0) { add(m, el('div', 'empty', 'No alert\'s rule carries an ATT&CK technique tag.')); return; }
  var max = Math.max.apply(null, meta.attack.map(function (c) { return c.alerts; }));
  var matrix = el('div', 'matrix'), cols = new Map();
  meta.attack.forEach(function (c) {
    var col = cols.get(c.tactic);
    if (!col) { col = add(el('div', 'tactic'), el('h3', '', c.tactic)); cols.set(c.tactic, col); matrix.appendChild(col); }
    var b = el('button', 'cell', c.technique + ' (' + c.alerts + ')');
    var heat = 0.15 + 0.85 * c.alerts / max;
    b.style.background = 'rgba(198, 40, 40, ' + heat.toFixed(2) + ')';
    if (heat > 0.55) b.style.color = '#fff';
    b.dataset.technique = c.technique;
    b.addEventListener('click', function () { search.value = c.technique.toLowerCase(); refilter(); });
    col.appendChild(b);
  });
  m.appendChild(matrix);
}

function timeline(main) {
  var s = section(main, 'Alerts over time per host (click a host to filter)', 'timeline');
  if (rows.length === 0) { add(s, el('div', 'empty', 'No alerts.')); return; }
  // Rows come in time order: the first and last timed ones span the lanes.
  var timed = rows.filter(function (r) { return r.at > 0; });
  if (!timed.length) { add(s, el('div', 'empty', 'No alert has a time.')); return; }
  var t0 = timed[0].at, t1 = timed[timed.length - 1].at;
  var BINS = 120, span = Math.max(1, t1 - t0), hosts = meta.byHost.slice(0, 20), lanes = el('div', 'lanes');
  var bins = new Map(hosts.map(function (h) { return [h[0], []]; }));
  timed.forEach(function (r) {
    var b = bins.get(r.host); if (!b) return;
    var k = Math.min(BINS - 1, Math.floor(BINS * (r.at - t0) / span));
    var cell = b[k] || (b[k] = { n: 0, worst: 9 });
    cell.n++; cell.worst = Math.min(cell.worst, LEVELS.indexOf(r.level) < 0 ? 4 : LEVELS.indexOf(r.level));
  });
  var NS = 'http://www.w3.org/2000/svg';
  hosts.forEach(function (h) {
    var name = el('span', 'host', h[0] + ' (' + h[1] + ')'); name.title = h[0];
    name.addEventListener('click', function () { hostSel.value = h[0]; refilter(); });
    var svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + BINS + ' 10'); svg.setAttribute('preserveAspectRatio', 'none');
    var peak = 1;
    bins.get(h[0]).forEach(function (c) { if (c && c.n > peak) peak = c.n; });
    bins.get(h[0]).forEach(function (c, k) {
      if (!c) return;
      var r = document.createElementNS(NS, 'rect'), hgt = 2 + 8 * c.n / peak;
      r.setAttribute('x', k); r.setAttribute('width', 1); r.setAttribute('y', 10 - hgt); r.setAttribute('height', hgt);
      r.setAttribute('fill', getComputedStyle(document.documentElement).getPropertyValue('--' + LEVELS[c.worst]).trim() || '#777');
      var t = document.createElementNS(NS, 'title'); t.textContent = c.n + ' alerts from ' + iso(t0 + k * span / BINS);
      r.appendChild(t); svg.appendChild(r);
    });
    add(lanes, name, svg);
  });
  if (meta.byHost.length > 20) add(lanes, el('span', 'count', '... ' + (meta.byHost.length - 20) + ' more hosts'), el('span'));
  add(lanes, el('span'), add(el('div', 'axis'), el('span', '', iso(t0)), el('span', '', iso(t1))));
  s.appendChild(lanes);
}

var COLUMNS = [['at', 'Time', 'time'], ['level', 'Level', 'level'], ['rule', 'Rule', 'text'], ['host', 'Host', 'text'], ['image', 'Process', 'text'], ['dest', 'Destination', 'text']];
var search, levelSel, hostSel, viewport, spacer, body, countEl, storyBox, sort = { key: 'at', dir: 1 }, sorted = [], sortKeys = new Map();
function cellText(r, k) {
  if (k === 'at') return iso(r.at);
  if (k === 'image') return base(r.image) || (r.kind === 'correlation' ? r.correlation : '');
  if (k === 'dest') return r.destinationIp ? (r.destinationIp + (r.destinationPort ? ':' + r.destinationPort : '') + (r.domain ? ' (' + r.domain + ')' : '')) : '';
  return r[k] || '';
}

function table(main) {
  var work = el('div', 'work');
  main.appendChild(work);
  var s = section(work, 'Alerts', 'alerts');
  var controls = el('div', 'controls');
  search = el('input'); search.type = 'search'; search.placeholder = 'Search rule, host, command line, user, IP, domain, tag... ( / )'; search.id = 'search';
  levelSel = el('select'); levelSel.id = 'level-filter';
  add(levelSel, opt('', 'all levels'));
  LEVELS.forEach(function (l) { add(levelSel, opt(l, l)); });
  hostSel = el('select'); hostSel.id = 'host-filter';
  add(hostSel, opt('', 'all hosts'));
  meta.byHost.forEach(function (h) { add(hostSel, opt(h[0], h[0])); });
  countEl = el('span', 'count');
  add(controls, search, levelSel, hostSel, countEl);
  var timer;
  search.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(refilter, 120); });
  levelSel.addEventListener('change', refilter); hostSel.addEventListener('change', refilter);
  var head = el('div', 'grid-head');
  SmSort.header(head, COLUMNS, sort, resort);
  viewport = el('div', 'viewport'); viewport.id = 'viewport'; viewport.tabIndex = 0; viewport.setAttribute('role', 'grid');
  spacer = el('div'); body = el('div'); body.style.position = 'absolute'; body.style.left = '0'; body.style.right = '0';
  add(viewport, spacer, body);
  body.addEventListener('click', onRowClick);
  viewport.addEventListener('scroll', function () { requestAnimationFrame(draw); });
  viewport.addEventListener('keydown', keys);
  add(s, controls, head, viewport);
  storyBox = section(work, 'Story', 'story');
  storyBox.classList.add('sm-story');
  add(storyBox, el('div', 'empty', 'Select an alert (click, or arrow keys and Enter) to see its story.'));
  document.addEventListener('keydown', function (e) {
    if (e.key === '/' && document.activeElement !== search) { e.preventDefault(); search.focus(); }
    else if (e.key === 'Escape' && document.activeElement === search) viewport.focus();
  });
  resort();
}
function opt(v, t) { var o = el('option', '', t); o.value = v; return o; }

// Every row in the chosen order (the filters keep it): one key per row and column, made once, as rows never change.
function resort() {
  var c = COLUMNS.find(function (x) { return x[0] === sort.key; }), k = sortKeys.get(sort.key);
  if (!k) { k = SmSort.keys(rows, c[2], function (r) { return c[2] === 'text' ? cellText(r, c[0]) : r[c[0]]; }); sortKeys.set(sort.key, k); }
  sorted = SmSort.order(k, sort.dir).map(function (i) { return rows[i]; });
  refilter();
  if (selected >= 0) SmStory.showRow(viewport, view.findIndex(function (r) { return r.i === selected; }), ROW); else viewport.scrollTop = 0;
  draw();
}
// What the search looks in, made for a row the first time a search reaches it (not at load: it is as large as the rows).
function hay(r) {
  if (r.hay === undefined) r.hay = [r.rule, r.host, r.level, r.image, r.commandLine, r.user, r.destinationIp, r.domain, r.correlation, (r.tags || []).join(' ')].join('\n').toLowerCase();
  return r.hay;
}
function refilter() {
  var q = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean), lv = levelSel.value, host = hostSel.value;
  view = q.length || lv || host ? sorted.filter(function (r) {
    if (lv && r.level !== lv) return false;
    if (host && r.host !== host) return false;
    for (var i = 0; i < q.length; i++) if (hay(r).indexOf(q[i]) < 0) return false;
    return true;
  }) : sorted;
  countEl.textContent = view.length + ' of ' + rows.length + ' alerts';
  spacer.style.height = (view.length * ROW) + 'px';
  draw();
}
// The rows in view, drawn into a pool of row elements kept from frame to frame: a scroll changes texts and
// attributes, and makes no elements (nor garbage for a collector that walks every alert held).
var pool = [];
function rowEl() {
  var row = el('div', 'sm-row');
  row.setAttribute('role', 'row');
  COLUMNS.forEach(function () { row.appendChild(el('span')); });
  return row;
}
function draw() {
  var first = Math.max(0, Math.floor(viewport.scrollTop / ROW) - OVERSCAN);
  var last = Math.min(view.length, Math.ceil((viewport.scrollTop + viewport.clientHeight) / ROW) + OVERSCAN);
  body.style.top = (first * ROW) + 'px';
  for (var p = first; p < last; p++) {
    var r = view[p], row = pool[p - first];
    if (!row) { row = pool[p - first] = rowEl(); body.appendChild(row); }
    row.className = r.i === selected ? 'sm-row selected' : 'sm-row';
    row.dataset.index = r.i;
    for (var c = 0; c < COLUMNS.length; c++) {
      var k = COLUMNS[c][0], cell = row.children[c];
      if (k === 'level') { var sup = !!r.suppressedBy; cell.className = 'lvl lvl-' + (sup ? 'suppressed' : r.level); cell.textContent = sup ? 'suppressed' : r.level; continue; }
      cell.textContent = cellText(r, k) + (k === 'rule' && r.repeat ? '  ×' + r.repeat.count : '');
      cell.title = cell.textContent;
    }
  }
  for (var n = Math.max(0, last - first); pool.length > n;) body.removeChild(pool.pop());
}
function onRowClick(e) { var row = e.target.closest('.sm-row'); if (!row) return; select(Number(row.dataset.index), true); viewport.focus(); }
function select(i, open) {
  selected = i;
  SmStory.showRow(viewport, view.findIndex(function (r) { return r.i === i; }), ROW);
  draw();
  if (open) openStory(i);
}
function keys(e) {
  var pos = view.findIndex(function (r) { return r.i === selected; }), page = Math.max(1, Math.floor(viewport.clientHeight / ROW) - 1);
  if (e.key === 'Enter' && selected >= 0) { e.preventDefault(); openStory(selected); return; }
  var next = SmStory.nextRow(e.key, pos, view.length, page);
  if (next === null) return;
  e.preventDefault();
  if (next >= 0 && view[next]) select(view[next].i, false);
}

function chunkOf(i) {
  var lo = 0, hi = storyEls.length - 1;
  while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (Number(storyEls[mid].dataset.first) <= i) lo = mid; else hi = mid - 1; }
  return lo;
}
function storyOf(i) {
  var c = chunkOf(i), p = storyCache.get(c);
  if (!p) { p = inflate(storyEls[c].textContent); storyCache.set(c, p); }
  return p.then(function (packed) { return unpackStory(Object.assign({ alert: rows[i] }, packed.stories[i - Number(storyEls[c].dataset.first)]), packed.nodes); });
}
// A chunk stores each process node once (see pack-stories.ts): a story names its nodes by index, with their depth.
function unpackStory(s, nodes) {
  var out = Object.assign({}, s);
  out.processes = s.processes.map(function (p) { return Object.assign({ depth: p[1] }, nodes[p[0]]); });
  out.timeline = s.timeline.map(function (i) { var r = rows[i]; return { index: i, at: r.at, rule: r.rule, level: r.level }; });
  out.contributors = s.contributors.map(function (c) { return unpackStory(c, nodes); });
  return out;
}
var opening = 0;
function openStory(i) {
  var ticket = ++opening;
  storyOf(i).then(function (story) {
    if (ticket !== opening) return;
    storyBox.textContent = '';
    add(storyBox, el('h2', '', 'Story'));
    SmStory.renderStory(storyBox, story, { top: true, onTimeline: function (t) { select(t.index, true); } });
    storyBox.dataset.index = i;
  });
}

var main = layout();
var rowEls = Array.prototype.slice.call(document.querySelectorAll('script[data-sm="rows"]'));
storyEls = Array.prototype.slice.call(document.querySelectorAll('script[data-sm="stories"]'));
Promise.all(rowEls.map(function (s) { return inflate(s.textContent); })).then(function (parts) {
  parts.forEach(function (part) { part.forEach(function (r) { rows.push(r); }); });
  rows.forEach(function (r, i) { r.i = i; });
  summary(main); timeline(main); table(main);
  document.body.dataset.ready = 'true';
}).catch(function (err) { document.body.appendChild(el('pre', 'warn', 'The report could not be read: ' + err)); document.body.dataset.ready = 'error'; });
})();
`;
