/**
 * Sortable table columns, shared by the hunt's HTML report and the service's dashboard (browser JavaScript kept
 * as a string, like story-script.ts; it defines the global `SmSort`). A column sorts by what its values mean:
 * levels by severity (informational < low < medium < high < critical), times as times, text by a numeric-aware
 * collation (host-2 before host-10, case ignored). Each row gets one number per column (text through the rank
 * of its distinct value, so the collator runs once per distinct text, not once per comparison), then an index
 * array is sorted by those numbers. Empty values go last in both directions; ties keep the rows' own order
 * (the sort is stable whichever the direction).
 */
export const SORT_SCRIPT = String.raw`var SmSort = (function () {
'use strict';
var SEVERITY = { informational: 1, low: 2, medium: 3, high: 4, critical: 5 };
var collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
// One number per item for a column of this kind; NaN is an empty value.
function keys(items, kind, valueOf) {
  var out = new Float64Array(items.length), i;
  if (kind === 'time') {
    for (i = 0; i < items.length; i++) { var t = valueOf(items[i]); out[i] = typeof t === 'number' && t > 0 ? t : NaN; }
  } else if (kind === 'level') {
    for (i = 0; i < items.length; i++) out[i] = SEVERITY[valueOf(items[i])] || NaN;
  } else if (Array.isArray(kind)) {
    // A fixed order of known values (a triage status: open, acknowledged, closed).
    for (i = 0; i < items.length; i++) { var k = kind.indexOf(valueOf(items[i])); out[i] = k < 0 ? NaN : k; }
  } else {
    var texts = new Array(items.length), seen = new Map();
    for (i = 0; i < items.length; i++) { var s = String(valueOf(items[i]) || ''); texts[i] = s; if (s) seen.set(s, 0); }
    var distinct = Array.from(seen.keys()).sort(collator.compare);
    // Texts the collation holds equal (WS01, ws01) share a rank: their rows are ties, kept in their own order.
    for (var rank = 0, j = 0; j < distinct.length; j++) { if (j > 0 && collator.compare(distinct[j - 1], distinct[j]) !== 0) rank++; seen.set(distinct[j], rank); }
    for (i = 0; i < items.length; i++) out[i] = texts[i] ? seen.get(texts[i]) : NaN;
  }
  return out;
}
// The positions 0..n-1 ordered by key (dir 1 ascending, -1 descending), empty keys last, ties by position.
function order(key, dir) {
  var idx = new Array(key.length);
  for (var i = 0; i < idx.length; i++) idx[i] = i;
  idx.sort(function (a, b) {
    var x = key[a], y = key[b];
    if (x === y) return a - b;
    if (x !== x) return y !== y ? a - b : 1;
    if (y !== y) return -1;
    return x < y ? -dir : dir;
  });
  return idx;
}
// A table head of sortable columns ([key, label] pairs): each header is a button (Tab reaches it, Enter or
// Space sorts), the sorted one carries aria-sort. A click on the sorted column turns its direction, on another
// sorts by it ascending. onSort(key, dir) does the sorting; state {key, dir} is the current one (key null: none).
function header(head, columns, state, onSort) {
  var cells = [];
  head.setAttribute('role', 'row');
  columns.forEach(function (c) {
    var h = document.createElement('span'), b = document.createElement('button');
    h.setAttribute('role', 'columnheader'); h.dataset.key = c[0];
    b.type = 'button'; b.className = 'sort'; b.textContent = c[1];
    b.addEventListener('click', function () {
      if (state.key === c[0]) state.dir = -state.dir; else { state.key = c[0]; state.dir = 1; }
      mark();
      onSort(state.key, state.dir);
    });
    h.appendChild(b); head.appendChild(h); cells.push(h);
  });
  function mark() {
    cells.forEach(function (h) {
      var on = h.dataset.key === state.key, b = h.firstChild;
      if (on) h.setAttribute('aria-sort', state.dir > 0 ? 'ascending' : 'descending'); else h.removeAttribute('aria-sort');
      b.title = on && state.dir > 0 ? 'Sorted ascending; click for descending' : 'Sort ascending';
    });
  }
  mark();
  return mark;
}
return { keys: keys, order: order, header: header, collator: collator };
})();
`;

/** The sortable headers' look, in both pages' style sheets: the header text is the button, the arrow the order. */
export const SORT_CSS = String.raw`
.grid-head button.sort { all: unset; box-sizing: border-box; width: 100%; cursor: pointer; user-select: none; font-weight: 600; display: block; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.grid-head button.sort:hover { color: var(--accent); }
.grid-head button.sort:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; border-radius: 2px; }
.grid-head [aria-sort="ascending"] button.sort::after { content: " \25B2"; font-size: 10px; }
.grid-head [aria-sort="descending"] button.sort::after { content: " \25BC"; font-size: 10px; }
`;
