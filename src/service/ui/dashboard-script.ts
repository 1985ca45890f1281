/**
 * The dashboard's shell, as browser JavaScript (a string: it runs in the page, after the shared story renderer
 * `SmStory` of src/output/html/story-script.ts): the API client with the login token, the login page, the
 * header and the hash router (#/alerts, #/rules, #/hosts, #/health). The pages are in their own scripts
 * (alerts-script.ts, alert-panel-script.ts, pages-script.ts); ui-assets.ts joins them into one function scope.
 * The page reads and changes nothing but the API; every text is set with textContent.
 */
export const DASHBOARD_SCRIPT = String.raw`
var el = SmStory.el, add = SmStory.add, iso = SmStory.iso, base = SmStory.base, level = SmStory.level;
var LEVELS = ['critical', 'high', 'medium', 'low', 'informational'], STATUSES = ['open', 'acknowledged', 'closed'];
var REASONS = ['false_positive', 'true_positive', 'benign', 'duplicate', 'other'];
var TOKEN_KEY = 'sigmatch.token';
var current = null;

// The token lives in this tab's sessionStorage: null is logged out, '' the empty token (loopback, no SIGMATCH_API_TOKEN).
function token() { return sessionStorage.getItem(TOKEN_KEY); }
function ApiError(status, message) { this.status = status; this.message = message; }
ApiError.prototype.toString = function () { return this.message; };
function api(method, path, body) {
  var headers = { accept: 'application/json' }, t = token();
  if (t) headers.authorization = 'Bearer ' + t;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(path, { method: method, headers: headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) }).then(function (res) {
    return res.text().then(function (text) {
      var data = null;
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      var message = data && data.error ? data.error : res.status + ' ' + res.statusText;
      if (res.status === 401) { logout(message); throw new ApiError(401, message); }
      if (!res.ok) throw new ApiError(res.status, message);
      return data;
    });
  });
}
function q(params) {
  var parts = [];
  Object.keys(params).forEach(function (k) { if (params[k] !== undefined && params[k] !== null && params[k] !== '') parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(params[k])); });
  return parts.length ? '?' + parts.join('&') : '';
}
function button(text, cls, onClick) { var b = el('button', cls, text); b.type = 'button'; b.addEventListener('click', onClick); return b; }
function opt(v, t) { var o = el('option', '', t); o.value = v; return o; }
function select(id, first, values, value) {
  var s = el('select'); s.id = id; add(s, opt('', first));
  values.forEach(function (v) { add(s, opt(v, v)); });
  s.value = value || '';
  return s;
}
function fail(box, e) { add(box, el('div', 'warn', String(e && e.message ? e.message : e))); }
function num(n) { return typeof n === 'number' ? n.toLocaleString('en-US') : String(n === undefined || n === null ? '' : n); }
function plural(n, word) { return num(n) + ' ' + word + (n === 1 ? '' : 's'); }
function isoText(s) { return s ? String(s).replace('T', ' ').replace(/\.\d+Z$/, 'Z') : ''; }

function logout(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  if (current) { current.stop(); current = null; }
  showLogin(message);
}
function showLogin(message) {
  document.body.textContent = '';
  document.body.dataset.page = 'login';
  var box = el('form', 'login'); box.id = 'login';
  add(box, el('h1', '', 'sigmatch'), el('p', '', 'Sign in with an API token (sigmatch token create --data DIR --scope read|triage|admin).'));
  var input = el('input'); input.type = 'password'; input.id = 'token'; input.placeholder = 'smt_…'; input.autocomplete = 'off';
  var label = add(el('label'), el('span', '', 'API token'), input);
  add(box, label, el('p', 'count', 'On this machine, with the service started without SIGMATCH_API_TOKEN, an empty token works: leave the field empty and sign in.'));
  var err = el('div', 'warn'); err.id = 'login-error'; err.hidden = !message; err.textContent = message || '';
  var go = el('button', 'primary', 'Sign in'); go.type = 'submit';
  add(box, go, err);
  box.addEventListener('submit', function (e) {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    api('GET', '/api/health').then(start, function (x) {
      // A 401 has shown this page again with the API's reason; anything else is said here.
      if (x.status === 401) return;
      sessionStorage.removeItem(TOKEN_KEY);
      err.hidden = false; err.textContent = 'Not signed in: ' + x.message;
    });
  });
  add(document.body, add(el('main', 'login-page'), box));
  input.focus();
}

var NAV = [['alerts', 'Alerts'], ['rules', 'Rules'], ['hosts', 'Hosts'], ['health', 'Ingest health']];
var PAGES = {};
function start() {
  document.body.textContent = '';
  var header = add(el('header'), el('h1', '', 'sigmatch'));
  var nav = el('nav');
  NAV.forEach(function (n) { var a = el('a', '', n[1]); a.href = '#/' + n[0]; a.dataset.page = n[0]; nav.appendChild(a); });
  var who = el('span', 'sub', token() ? 'signed in with a token' : 'signed in without a token (this machine)');
  add(header, nav, who, button('Sign out', 'quiet', function () { logout(); }));
  var view = el('main'); view.id = 'view';
  add(document.body, header, view);
  window.onhashchange = route;
  route();
}
function route() {
  var hash = location.hash.replace(/^#\/?/, ''), i = hash.indexOf('?'), name = (i < 0 ? hash : hash.slice(0, i)) || 'alerts';
  var params = {};
  new URLSearchParams(i < 0 ? '' : hash.slice(i + 1)).forEach(function (v, k) { params[k] = v; });
  if (!PAGES[name]) name = 'alerts';
  if (current) current.stop();
  var view = document.getElementById('view');
  view.textContent = ''; view.className = 'page-' + name;
  document.body.dataset.page = name;
  Array.prototype.forEach.call(document.querySelectorAll('nav a'), function (a) { a.classList.toggle('active', a.dataset.page === name); });
  current = PAGES[name](view, params) || { stop: function () {} };
}
function go(page, params) { location.hash = '#/' + page + q(params || {}); }
`;

/** Starts the dashboard: the login when no token is held in this tab, else the page the address names. */
export const DASHBOARD_START = String.raw`
if (token() === null) showLogin(); else start();
`;
