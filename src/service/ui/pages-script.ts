/**
 * The dashboard's rules, hosts and ingest-health pages (browser JavaScript, in the scope of
 * dashboard-script.ts), each drawn from one API document: `GET /api/rules`, `GET /api/hosts`, `GET /api/health`.
 */
export const PAGES_SCRIPT = String.raw`
function table(id, heads, rows, onRow) {
  var t = el('table', 'list'); t.id = id;
  var tr = el('tr');
  heads.forEach(function (h) { add(tr, el('th', '', h)); });
  add(t, add(el('thead'), tr));
  var tb = el('tbody');
  rows.forEach(function (r) {
    var row = el('tr');
    r.cells.forEach(function (c) { add(row, c instanceof Node ? add(el('td'), c) : el('td', typeof c === 'number' ? 'n' : '', typeof c === 'number' ? num(c) : c)); });
    if (onRow) { row.tabIndex = 0; row.classList.add('go'); row.addEventListener('click', function () { onRow(r.item); }); row.addEventListener('keydown', function (e) { if (e.key === 'Enter') onRow(r.item); }); }
    tb.appendChild(row);
  });
  return add(t, tb);
}
function page(view, title, load, draw, refreshMs) {
  var s = add(el('section'), el('h2', '', title)), box = el('div'), timer = null, stopped = false;
  add(view, add(s, box));
  function run() {
    load().then(function (d) {
      if (stopped) return;
      box.textContent = ''; draw(box, d); box.dataset.ready = 'true';
      if (refreshMs) timer = setTimeout(run, refreshMs);
    }, function (e) { if (stopped) return; box.textContent = ''; fail(box, e); if (refreshMs) timer = setTimeout(run, refreshMs); });
  }
  run();
  return { stop: function () { stopped = true; clearTimeout(timer); } };
}

PAGES.rules = function (view) {
  return page(view, 'Rules (hits per rule, noisiest first)', function () { return api('GET', '/api/rules'); }, function (box, d) {
    add(box, el('p', 'count', num(d.rules.length) + ' rules running, loaded ' + isoText(d.loaded_at) + (d.reloads ? ', ' + d.reloads + ' reloads' : '')));
    if (d.errors.length) {
      var errs = add(el('div', 'errors'), el('h3', '', d.errors.length + ' not loaded'));
      errs.id = 'rule-errors';
      d.errors.forEach(function (e) { add(errs, add(el('div', 'warn'), el('code', '', e.file + (e.line ? ':' + e.line + (e.column ? ':' + e.column : '') : '')), document.createTextNode(' ' + e.message))); });
      add(box, errs);
    }
    var rules = d.rules.slice().sort(function (a, b) { return b.alerts - a.alerts || (a.title < b.title ? -1 : 1); });
    add(box, table('rules-table', ['Alerts', 'Level', 'Rule', 'Filters (suppressed)', 'Tags', 'File'], rules.map(function (r) {
      var filters = el('span', 'filters');
      r.filters.forEach(function (f) { add(filters, el('span', 'chip', f.title + (f.suppressed !== undefined ? ' (' + num(f.suppressed) + ')' : ''))); });
      var tags = el('span', 'tags', (r.tags || []).join(' '));
      return { item: r, cells: [r.alerts, level(r.level || 'informational'), r.title, filters, tags, base(r.file)] };
    }), function (r) { go('alerts', { rule: r.id }); }));
    var all = d.filters || [];
    if (all.length) {
      add(box, el('h3', '', 'Filters'));
      add(box, table('filters-table', ['Suppressed', 'Filter', 'Rules it gates', 'File'], all.map(function (f) {
        return { item: f, cells: [f.suppressed !== undefined ? f.suppressed : '', f.title, f.rules, base(f.file)] };
      })));
    }
  });
};

PAGES.hosts = function (view) {
  return page(view, 'Hosts', function () { return api('GET', '/api/hosts'); }, function (box, d) {
    var hosts = d.hosts.slice().sort(function (a, b) { return b.alerts - a.alerts || (a.name < b.name ? -1 : 1); });
    var max = hosts.reduce(function (m, h) { return Math.max(m, h.alerts); }, 1);
    add(box, el('p', 'count', num(hosts.length) + ' hosts with alerts'));
    add(box, table('hosts-table', ['Host', 'Alerts', 'Open', 'By level', 'First alert', 'Last alert'], hosts.map(function (h) {
      var bar = el('span', 'stack');
      LEVELS.forEach(function (l) { var n = h.levels[l] || 0; if (!n) return; var seg = el('span', 'seg lvl-' + l); seg.style.width = Math.max(2, Math.round(160 * n / max)) + 'px'; seg.title = n + ' ' + l; bar.appendChild(seg); });
      return { item: h, cells: [h.name, h.alerts, h.open, bar, isoText(h.first_alert), isoText(h.last_alert)] };
    }), function (h) { go('alerts', { host: h.name }); }));
  });
};

PAGES.health = function (view) {
  var rates = [];
  return page(view, 'Ingest health', function () { return api('GET', '/api/health'); }, function (box, h) {
    rates.push(h.ingest.rate_per_second); if (rates.length > 60) rates.shift();
    var cards = el('div', 'cards'); cards.id = 'health-cards';
    function card(title, big, lines) {
      var c = add(el('div', 'card'), el('h3', '', title), el('div', 'big', big));
      lines.forEach(function (l) { if (l) add(c, el('div', 'count', l)); });
      cards.appendChild(c);
      return c;
    }
    card('Status', h.status, ['up ' + num(h.uptime_seconds) + ' s']).classList.add('status-' + h.status);
    var rate = card('Ingest rate', num(Math.round(h.ingest.rate_per_second * 10) / 10) + ' events/s', [num(h.ingest.events) + ' events, ' + num(h.ingest.duplicates) + ' duplicates, ' + num(h.ingest.quarantined) + ' quarantined',
      Object.keys(h.ingest.rejected).length ? 'rejected: ' + Object.keys(h.ingest.rejected).map(function (k) { return k + ' × ' + h.ingest.rejected[k]; }).join(', ') : '']);
    rate.appendChild(spark(rates));
    var dc = h.detection, cc = dc.correlations;
    card('Detection lag', num(dc.lag_events) + ' events', [num(Math.round(dc.lag_seconds * 10) / 10) + ' s behind', num(dc.events) + ' detected' + (dc.suppressed !== undefined ? ', ' + plural(dc.suppressed, 'alert') + ' suppressed by filters' : ''),
      cc && (cc.late || cc.evicted) ? 'correlations: ' + num(cc.late) + ' late, ' + num(cc.evicted) + ' groups evicted' : '', dc.last_error ? 'error: ' + dc.last_error : '']);
    card('Journal', num(h.journal.events) + ' events', [num(Math.round(h.journal.bytes / 1024)) + ' KiB']);
    card('Store', num(h.store.alerts) + ' alerts', [h.store.kind + (h.store.reachable ? '' : ' — unreachable'), h.store.error ? String(h.store.error) : '']);
    card('Rules', num(h.rules.loaded) + ' loaded', [h.rules.errors.length + ' not loaded', h.rules.reloads + ' reloads']);
    add(box, cards, el('h3', '', 'Senders'));
    var sources = h.ingest.sources || [];
    if (!sources.length) add(box, el('div', 'empty', 'Nothing received since the service started.'));
    else add(box, table('sources-table', ['Protocol', 'Client', 'Events', 'Duplicates', 'Last seen'], sources.map(function (s) { return { item: s, cells: [s.protocol, s.client, s.events, s.duplicates, isoText(s.last_seen)] }; })));
  }, 3000);
};
// The ingest rate over the samples taken while the page is open.
function spark(values) {
  var NS = 'http://www.w3.org/2000/svg', svg = document.createElementNS(NS, 'svg'), max = Math.max.apply(null, values.concat([1]));
  svg.setAttribute('viewBox', '0 0 60 20'); svg.setAttribute('preserveAspectRatio', 'none'); svg.setAttribute('class', 'spark');
  var line = document.createElementNS(NS, 'polyline');
  line.setAttribute('points', values.map(function (v, i) { return (i * 60 / Math.max(1, values.length - 1)).toFixed(1) + ',' + (19 - 18 * v / max).toFixed(1); }).join(' '));
  svg.appendChild(line);
  return svg;
}
`;
