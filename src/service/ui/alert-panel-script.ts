/**
 * The dashboard's alert panel (browser JavaScript, in the scope of dashboard-script.ts): one alert's triage
 * (acknowledge, close with a reason, reopen, assign, notes), suppress-from-alert (choose the fields, preview what
 * the filter would have suppressed over the last N days, save it) and its story, drawn by the report's own
 * renderer (SmStory.renderStory) from `GET /api/alerts/{id}/story`.
 */
export const ALERT_PANEL_SCRIPT = String.raw`
var opening = 0;
function enc(id) { return encodeURIComponent(id); }

function openAlert(panel, id, hooks) {
  var ticket = ++opening;
  panel.dataset.id = id;
  return api('GET', '/api/alerts/' + enc(id)).then(function (doc) {
    if (ticket !== opening) return;
    panel.textContent = '';
    var r = rowOf(doc);
    add(panel, add(el('h3'), level(r.level), document.createTextNode(' ' + r.rule)));
    var triage = el('div', 'triage'); triage.id = 'triage';
    add(panel, triage);
    drawTriage(triage, id, doc.sigmatch.triage, doc.sigmatch.triage.notes || [], hooks);
    var sup = add(el('details', 'suppress'), el('summary', '', 'Suppress alerts like this…'));
    sup.id = 'suppress';
    sup.addEventListener('toggle', function () { if (sup.open && !sup.dataset.loaded) { sup.dataset.loaded = 'true'; drawSuppress(sup, id); } });
    add(panel, sup);
    var story = el('div', 'story-body'); story.id = 'story-body';
    add(panel, story);
    add(story, el('div', 'count', 'Loading the story…'));
    api('GET', '/api/alerts/' + enc(id) + '/story').then(function (s) {
      if (ticket !== opening) return;
      story.textContent = '';
      SmStory.renderStory(story, s.story, { top: true, onTimeline: function (t) { if (t.id) hooks.choose(t.id, true); } });
      story.dataset.ready = 'true';
    }, function (e) {
      if (ticket !== opening) return;
      story.textContent = '';
      add(story, el('div', 'warn', 'No story: ' + e.message));
      story.dataset.ready = 'error';
    });
  }, function (e) { panel.textContent = ''; fail(panel, e); });
}

// The notes live on the box, not in one drawing: a triage change answered after a note was added redraws the panel
// with every note. The note being typed is one textarea for the life of the box, never redrawn: a change answered
// while someone types (or a browser test fills it) keeps the element, its text and its focus.
function drawTriage(box, id, t, notes, hooks) {
  if (notes) box.notes = notes.slice();
  var noteRow = box.noteRow || (box.noteRow = noteRowOf(box, id));
  for (var c = box.firstChild; c; ) { var next = c.nextSibling; if (c !== noteRow) box.removeChild(c); c = next; }
  if (noteRow.parentNode !== box) box.appendChild(noteRow);
  var state = el('div', 'state');
  add(state, el('span', 'st st-' + t.status, t.status), t.reason ? el('span', '', ' — ' + t.reason) : null, t.comment ? el('span', 'count', ' “' + t.comment + '”') : null,
    el('span', 'count', t.assignee ? '  assigned to ' + t.assignee : '  unassigned'), t.updated ? el('span', 'count', '  (' + isoText(t.updated) + ' by ' + t.updated_by + ')') : null);
  state.id = 'triage-state';
  var msg = el('div', 'warn'); msg.hidden = true;
  function change(body) {
    msg.hidden = true;
    return api('PATCH', '/api/alerts/' + enc(id), body).then(function (s) {
      hooks.changed(s);
      drawTriage(box, id, s, null, hooks);
    }, function (e) { msg.hidden = false; msg.textContent = e.message; });
  }
  var actions = el('div', 'actions');
  if (t.status !== 'acknowledged') add(actions, button('Acknowledge (a)', 'ack', function () { change({ status: 'acknowledged' }); }));
  if (t.status !== 'open') add(actions, button('Reopen', 'reopen', function () { change({ status: 'open' }); }));
  var reason = select('close-reason', 'reason…', REASONS, '');
  var comment = el('input'); comment.id = 'close-comment'; comment.placeholder = 'comment (optional)';
  var close = button('Close (c)', 'close', function () {
    if (!reason.value) { msg.hidden = false; msg.textContent = 'Closing needs a reason.'; reason.focus(); return; }
    var body = { status: 'closed', reason: reason.value };
    if (comment.value.trim()) body.comment = comment.value.trim();
    change(body);
  });
  close.id = 'close-alert';
  add(actions, reason, comment, close);
  var who = el('input'); who.id = 'assignee'; who.placeholder = 'assignee'; who.value = t.assignee || '';
  var assign = el('div', 'actions');
  add(assign, who, button('Assign', 'assign', function () { change({ assignee: who.value.trim() || null }); }));
  var noteList = el('ul', 'notes');
  box.notes.forEach(function (n) { add(noteList, noteItem(n)); });
  [state, actions, assign, noteList].forEach(function (x) { box.insertBefore(x, noteRow); });
  add(box, msg);
  box.triage = { reason: reason, change: change, status: t.status };
}

function noteItem(n) { return add(el('li'), el('span', 'count', isoText(n.time) + ' ' + n.author + ': '), el('span', '', n.text)); }

function noteRowOf(box, id) {
  var noteText = el('textarea'); noteText.id = 'note-text'; noteText.rows = 2; noteText.placeholder = 'note';
  var row = add(el('div', 'actions'), noteText, button('Add note', 'note', function () {
    var text = noteText.value.trim();
    if (!text) return;
    api('POST', '/api/alerts/' + enc(id) + '/notes', { text: text }).then(function (n) {
      box.notes = box.notes.concat([n]);
      var list = box.querySelector('.notes');
      if (noteText.value.trim() === text) noteText.value = '';
      if (list) add(list, noteItem(n));
    }, function (e) { var m = box.querySelector('.warn'); if (m) { m.hidden = false; m.textContent = e.message; } });
  }));
  return row;
}


// Keys on the table: a acknowledges the selected alert, c closes it with the reason chosen in its panel.
function panelKey(panel, id, key, hooks) {
  var box = document.getElementById('triage');
  if (panel.dataset.id !== id || !box || !box.triage) { openAlert(panel, id, hooks).then(function () { if (key === 'c') { var r = document.getElementById('close-reason'); if (r) r.focus(); } }); return; }
  if (key === 'a') box.triage.change({ status: 'acknowledged' });
  else if (box.triage.reason.value) document.getElementById('close-alert').click();
  else box.triage.reason.focus();
}

function drawSuppress(box, id) {
  var body = el('div', 'suppress-body');
  add(box, body);
  var days = el('input'); days.type = 'number'; days.min = '1'; days.max = '365'; days.value = '7'; days.id = 'suppress-days';
  var fieldsBox = el('div', 'fields'), result = el('div', 'preview'), yaml = el('pre', 'yaml'), msg = el('div', 'warn');
  result.id = 'suppress-preview'; msg.hidden = true;
  var boxes = [];
  function chosen() { return boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; }); }
  function preview() {
    msg.hidden = true;
    result.textContent = 'Counting…';
    return api('GET', '/api/alerts/' + enc(id) + '/suppression' + q({ fields: boxes.length ? chosen().join(',') : '', days: days.value })).then(function (p) {
      if (!boxes.length) {
        var on = new Set(p.fields.map(function (f) { return f.name; }));
        p.candidates.forEach(function (c) {
          var cb = el('input'); cb.type = 'checkbox'; cb.value = c.name; cb.checked = on.has(c.name);
          cb.addEventListener('change', preview);
          boxes.push(cb);
          add(fieldsBox, add(el('label', 'field'), cb, el('strong', '', c.name), el('code', '', String(c.value))));
        });
      }
      var w = p.would_suppress;
      result.textContent = 'Over the last ' + plural(Number(days.value), 'day') + ' it would have suppressed ' + plural(w.alerts, 'alert') + ' of ' + p.rule.title + ' (' + num(w.open) + ' open) on ' + plural(w.hosts, 'host') + (w.complete === false ? ' (counted over the newest ' + num(w.scanned) + ' of its alerts)' : '') + '.';
      result.dataset.alerts = w.alerts;
      yaml.textContent = p.yaml;
    }, function (e) { result.textContent = ''; msg.hidden = false; msg.textContent = e.message; });
  }
  days.addEventListener('change', preview);
  var save = button('Save suppression', 'primary', function () {
    var fields = chosen();
    if (!fields.length) { msg.hidden = false; msg.textContent = 'Choose at least one field.'; return; }
    save.disabled = true; msg.hidden = true;
    api('POST', '/api/alerts/' + enc(id) + '/suppression', { fields: fields }).then(function (s) {
      var w = s.would_suppress;
      var done = el('div', 'saved', 'Saved ' + s.file + ' (filter “' + s.filter.title + '”): the service runs it now; it would have suppressed ' + plural(w.alerts, 'alert') + '.');
      done.id = 'suppress-saved';
      add(body, done);
    }, function (e) { save.disabled = false; msg.hidden = false; msg.textContent = e.message; });
  });
  save.id = 'suppress-save';
  add(body, el('p', 'count', 'A Sigma filter for this rule, testing the fields ticked below with this alert\'s values.'), fieldsBox,
    add(el('div', 'actions'), add(el('label'), document.createTextNode('preview over the last '), days, document.createTextNode(' days ')), button('Preview', 'quiet', preview), save),
    result, msg, add(el('details'), el('summary', 'count', 'the filter file'), yaml));
  preview();
}
`;
