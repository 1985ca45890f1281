/**
 * The dashboard's alerts page (browser JavaScript, in the scope of dashboard-script.ts): the live list. The API
 * lists alerts newest stored first with a cursor, so the page shows the first page at once, pages in the rest in
 * the background (up to MAX_ROWS), and polls the first pages every POLL_MS for alerts stored since: they appear at
 * the top without a reload, and the known ones on those pages refresh their triage. Filters (level, status, host,
 * rule) are the API's query parameters and live in the address (#/alerts?level=high), and so does the open
 * alert (&id=...) and the sort (&sort=level&dir=desc). A column header sorts the alerts loaded so far (SmSort,
 * shared with the report); alerts paged in or polled later take their place in that order. The table is
 * virtualised and keyboard driven like the report's: arrows, Page Up/Down, Home/End, Enter opens, `a`
 * acknowledges, `c` closes (after a reason), `/` goes to the filters.
 */
export const ALERTS_SCRIPT = String.raw`
var ROW = 26, OVERSCAN = 10, FIRST_PAGE = 200, PAGE = 1000, MAX_ROWS = 20000, POLL_MS = 2000;
var COLUMNS = [['at', 'Time', 'time'], ['level', 'Level', 'level'], ['status', 'Status', STATUSES], ['rule', 'Rule', 'text'], ['host', 'Host', 'text'], ['image', 'Process', 'text'], ['dest', 'Destination', 'text'], ['assignee', 'Assignee', 'text']];

// One alert document as a table row.
function rowOf(d) {
  var s = d.sigmatch || {}, a = s.alert || {}, t = s.triage || {}, p = d.process || {}, dst = d.destination || {}, r = d.rule || {};
  return {
    id: a.id, at: Date.parse(d['@timestamp']), level: r.level || '', rule: r.name || '', ruleId: r.id || '', host: (d.host && d.host.name) || '',
    image: base(p.executable) || (s.correlation ? 'correlation ' + s.correlation.name : ''),
    dest: dst.ip ? dst.ip + (dst.port ? ':' + dst.port : '') + (dst.domain ? ' (' + dst.domain + ')' : '') : '',
    status: t.status || 'open', reason: t.reason || '', assignee: t.assignee || '', doc: d,
  };
}
function cell(r, k) {
  if (k === 'at') return iso(r.at);
  if (k === 'status') return r.status + (r.reason ? ' (' + r.reason + ')' : '');
  return r[k] || '';
}

PAGES.alerts = function (view, params) {
  var filters = { level: params.level || '', status: params.status || '', host: params.host || '', rule: params.rule || '' };
  // loaded: every alert fetched, in the API's order (newest stored first); rows: the same in the order shown.
  var loaded = [], rows = [], byId = new Map(), selected = null, generation = 0, timer = null, stopped = false, complete = false;
  var list = add(el('section', 'alerts'), el('h2', '', 'Alerts'));
  list.id = 'alerts';
  var controls = el('div', 'controls');
  var levelSel = select('level-filter', 'all levels', LEVELS, filters.level), statusSel = select('status-filter', 'any status', STATUSES, filters.status);
  var hostIn = el('input'); hostIn.id = 'host-filter'; hostIn.placeholder = 'host'; hostIn.value = filters.host; hostIn.setAttribute('list', 'host-names');
  var ruleIn = el('input'); ruleIn.id = 'rule-filter'; ruleIn.placeholder = 'rule id or title'; ruleIn.value = filters.rule; ruleIn.setAttribute('list', 'rule-names');
  var hostList = el('datalist'); hostList.id = 'host-names';
  var ruleList = el('datalist'); ruleList.id = 'rule-names';
  var countEl = el('span', 'count'); countEl.id = 'alert-count';
  var live = el('span', 'live', 'live'); live.title = 'New alerts are polled every ' + POLL_MS / 1000 + ' s';
  add(controls, levelSel, statusSel, hostIn, ruleIn, hostList, ruleList, countEl, live);
  function address(id) { return { level: filters.level, status: filters.status, host: filters.host, rule: filters.rule, sort: sort.key, dir: sort.key && sort.dir < 0 ? 'desc' : '', id: id || undefined }; }
  function refilter() {
    go('alerts', { level: levelSel.value, status: statusSel.value, host: hostIn.value.trim(), rule: ruleIn.value.trim(), sort: sort.key, dir: sort.key && sort.dir < 0 ? 'desc' : '' });
  }
  // rows from loaded: sorted when a column is chosen, so that alerts paged in or arriving live take their place in
  // it. With keep, the first row in view stays where it was on the screen (rows inserted above it push the scroll).
  function arrange(keep) {
    var top = keep && viewport.scrollTop > 0 ? rows[Math.floor(viewport.scrollTop / ROW)] : undefined, was = top ? rows.indexOf(top) : -1;
    if (sort.key === null) rows = loaded.slice();
    else {
      var c = COLUMNS.find(function (x) { return x[0] === sort.key; });
      rows = SmSort.order(SmSort.keys(loaded, c[2], function (r) { return c[2] === 'text' ? cell(r, c[0]) : r[c[0]]; }), sort.dir).map(function (i) { return loaded[i]; });
    }
    if (top) viewport.scrollTop += (rows.indexOf(top) - was) * ROW;
  }
  levelSel.addEventListener('change', refilter); statusSel.addEventListener('change', refilter);
  [hostIn, ruleIn].forEach(function (i) { i.addEventListener('change', refilter); i.addEventListener('keydown', function (e) { if (e.key === 'Enter') refilter(); if (e.key === 'Escape') viewport.focus(); }); });
  // The sort is of the alerts loaded so far, in the address like the filters (&sort=level&dir=desc); none: the API's order.
  var sort = { key: COLUMNS.some(function (c) { return c[0] === params.sort; }) ? params.sort : null, dir: params.dir === 'desc' ? -1 : 1 };
  var head = el('div', 'grid-head');
  SmSort.header(head, COLUMNS, sort, function () {
    history.replaceState(null, '', '#/alerts' + q(address(selected)));
    arrange(false);
    if (selected) SmStory.showRow(viewport, rows.findIndex(function (r) { return r.id === selected; }), ROW); else viewport.scrollTop = 0;
    draw();
  });
  var viewport = el('div', 'viewport'); viewport.id = 'viewport'; viewport.tabIndex = 0; viewport.setAttribute('role', 'grid');
  var spacer = el('div'), body = el('div', 'rows');
  add(viewport, spacer, body);
  add(list, controls, head, viewport);
  var panel = el('section', 'sm-story'); panel.id = 'story';
  add(panel, el('div', 'empty', 'Select an alert (click, or arrow keys and Enter) to see its story and triage it.'));
  add(view, add(el('div', 'work'), list, panel));

  function count() { countEl.textContent = num(rows.length) + (complete ? '' : '+') + ' alerts' + (rows.length >= MAX_ROWS ? ' (the newest ' + num(MAX_ROWS) + ' shown)' : '') + (sort.key && !complete ? ', sorted as loaded' : ''); }
  function draw() {
    var first = Math.max(0, Math.floor(viewport.scrollTop / ROW) - OVERSCAN);
    var last = Math.min(rows.length, Math.ceil((viewport.scrollTop + viewport.clientHeight) / ROW) + OVERSCAN);
    spacer.style.height = rows.length * ROW + 'px';
    body.style.top = first * ROW + 'px';
    body.textContent = '';
    for (var i = first; i < last; i++) {
      var r = rows[i], row = el('div', 'sm-row' + (r.id === selected ? ' selected' : '') + (r.fresh ? ' fresh' : ''));
      row.setAttribute('role', 'row'); row.dataset.id = r.id; row.dataset.status = r.status;
      COLUMNS.forEach(function (c) {
        var x = c[0] === 'level' ? level(r.level) : el('span', c[0] === 'status' ? 'st st-' + r.status : '', cell(r, c[0]));
        if (c[0] !== 'level') x.title = x.textContent;
        row.appendChild(x);
      });
      row.addEventListener('click', onClick);
      body.appendChild(row);
    }
    count();
  }
  function onClick(e) { choose(e.currentTarget.dataset.id, true); viewport.focus(); }
  function choose(id, open) {
    selected = id;
    SmStory.showRow(viewport, rows.findIndex(function (r) { return r.id === id; }), ROW);
    draw();
    if (open) {
      // The address names the open alert (a link to it), without a new history entry or a reload.
      history.replaceState(null, '', '#/alerts' + q(address(id)));
      openAlert(panel, id, { changed: changed, choose: choose });
    }
  }
  // The panel changed an alert's triage: the row shows it without waiting for the next poll.
  function changed(state) {
    var r = byId.get(state.id);
    if (!r) return;
    r.status = state.status; r.reason = state.reason || ''; r.assignee = state.assignee || '';
    // A row sorted by its triage moves to its new place.
    if (sort.key === 'status' || sort.key === 'assignee') arrange(true);
    draw();
  }
  viewport.addEventListener('scroll', function () { requestAnimationFrame(draw); });
  viewport.addEventListener('keydown', function (e) {
    var pos = rows.findIndex(function (r) { return r.id === selected; });
    if (e.key === 'Enter' && selected) { e.preventDefault(); choose(selected, true); return; }
    if ((e.key === 'a' || e.key === 'c') && selected) { e.preventDefault(); panelKey(panel, selected, e.key, { changed: changed, choose: choose }); return; }
    var next = SmStory.nextRow(e.key, pos, rows.length, Math.max(1, Math.floor(viewport.clientHeight / ROW) - 1));
    if (next === null) return;
    e.preventDefault();
    if (rows[next]) choose(rows[next].id, false);
  });
  function onKey(e) {
    var t = e.target && e.target.tagName;
    if (e.key === '/' && t !== 'INPUT' && t !== 'TEXTAREA' && t !== 'SELECT') { e.preventDefault(); levelSel.focus(); }
  }
  document.addEventListener('keydown', onKey);

  function fetchPage(limit, cursor) { return api('GET', '/api/alerts' + q({ limit: limit, cursor: cursor, level: filters.level, status: filters.status, host: filters.host, rule: filters.rule })); }
  // The rest of the list, page by page, behind the first paint.
  function more(gen, cursor) {
    if (gen !== generation || stopped) return;
    if (cursor === null || loaded.length >= MAX_ROWS) { complete = true; count(); document.body.dataset.loaded = 'true'; performance.mark('sm-alerts-loaded'); return; }
    fetchPage(PAGE, cursor).then(function (page) {
      if (gen !== generation) return;
      page.alerts.forEach(function (d) { var r = rowOf(d); if (!byId.has(r.id)) { byId.set(r.id, r); loaded.push(r); } });
      arrange(true);
      draw();
      setTimeout(function () { more(gen, page.next); }, 0);
    }, function (e) { fail(list, e); });
  }
  // Alerts stored since the last look: the first pages until one holds a known alert (at most ten).
  function poll(gen) {
    if (gen !== generation || stopped) return;
    var fresh = [];
    (function step(cursor, n) {
      fetchPage(100, cursor).then(function (page) {
        if (gen !== generation) return;
        var known = false, retriaged = false;
        page.alerts.forEach(function (d) {
          var r = rowOf(d), old = byId.get(r.id);
          if (old) { known = true; if (old.status !== r.status || old.assignee !== r.assignee) { old.status = r.status; old.reason = r.reason; old.assignee = r.assignee; old.doc = d; retriaged = true; } }
          else { r.fresh = true; byId.set(r.id, r); fresh.push(r); }
        });
        if (!known && page.next !== null && n < 10) return step(page.next, n + 1);
        if (fresh.length) {
          loaded = fresh.concat(loaded);
          setTimeout(function () { fresh.forEach(function (r) { r.fresh = false; }); draw(); }, 4000);
        }
        // New alerts go where the sort puts them (at the top unsorted); the view stays on the rows it showed.
        if (fresh.length || (retriaged && (sort.key === 'status' || sort.key === 'assignee'))) arrange(true);
        draw();
        live.classList.remove('down'); live.textContent = 'live';
        timer = setTimeout(function () { poll(gen); }, POLL_MS);
      }, function (e) {
        live.classList.add('down'); live.textContent = 'live: ' + e.message;
        timer = setTimeout(function () { poll(gen); }, POLL_MS * 2);
      });
    })(undefined, 0);
  }
  var gen = ++generation;
  fetchPage(FIRST_PAGE).then(function (page) {
    page.alerts.forEach(function (d) { var r = rowOf(d); byId.set(r.id, r); loaded.push(r); });
    arrange(false);
    draw();
    performance.mark('sm-table-ready');
    viewport.dataset.ready = 'true';
    if (rows.length && params.id === undefined) selected = rows[0].id;
    if (params.id) choose(params.id, true); else draw();
    viewport.focus();
    more(gen, page.next);
    timer = setTimeout(function () { poll(gen); }, POLL_MS);
  }, function (e) { fail(list, e); });
  // Names for the filters' suggestions, once the list is up.
  setTimeout(function () {
    api('GET', '/api/hosts').then(function (h) { h.hosts.forEach(function (x) { add(hostList, opt(x.name, x.alerts + ' alerts')); }); }, function () {});
    api('GET', '/api/rules').then(function (r) { r.rules.forEach(function (x) { add(ruleList, opt(x.id, x.title)); }); }, function () {});
  }, 300);
  return { stop: function () { stopped = true; generation++; clearTimeout(timer); document.removeEventListener('keydown', onKey); } };
};
`;
