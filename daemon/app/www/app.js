/*
 * app.js: the console's start and its routes (#/..., one page at a time):
 * who is signed in (/api/me), the header, the live feed, the alarm banner.
 */
'use strict';

const ROUTES = [
  [/^#\/login$/, pageLogin, false],
  [/^#\/?$/, pageOverview, true],
  [/^#\/site\/(.+)$/, pageSite, true],
  [/^#\/record\/(.+)$/, pageRecord, true],
  [/^#\/commission$/, pageCommission, true],
  [/^#\/selfcheck\/(.+)$/, pageSelfcheck, true],
  [/^#\/report(?:\/(.*))?$/, pageReport, true],
];

let leavePage = null;   // what the page on screen started, undone on leaving
let rendering = 0;
const REFRESH = { refresh: true };      // route(REFRESH): the same page again

// an action form on screen is someone typing: a refresh must not replace it
function formOpen() {
  return !!document.querySelector('#main form.action');
}

// The page for location.hash.  A navigation (a new hash, a click) always
// renders; a refresh (reload(): a live event, or an action done) is
// dropped when it would replace an open action form, whenever that form
// was opened: before the refresh started or while its page was loading.
async function route(how) {
  const refresh = how === REFRESH;
  const hash = location.hash || '#/';
  const main = document.getElementById('main');
  if (refresh && formOpen()) return;
  let found = ROUTES.find(([re]) => re.test(hash));
  if (!found) found = [null, async m => m.replaceChildren(h('p.error', {}, t('notfound'))), true];
  const [re, page, needsLogin] = found;
  if (needsLogin && !session.me) { location.hash = '#/login'; return; }
  if (!needsLogin && session.me) { location.hash = '#/'; return; }
  const args = re ? hash.match(re).slice(1).map(a => a === undefined ? a : decodeURIComponent(a)) : [];
  const mine = ++rendering;
  header();
  // the page is built in a box of its own and shown only if no later
  // route started meanwhile (a slow page must not overwrite a newer one)
  const box = h('div.page');
  try {
    const undo = await page(box, ...args);
    if (mine !== rendering || (refresh && formOpen())) { if (undo) undo(); return; }
    if (leavePage) { leavePage(); leavePage = null; }
    main.replaceChildren(box);
    leavePage = undo || null;
  } catch (e) {
    if (mine !== rendering || (refresh && formOpen())) return;
    if (leavePage) { leavePage(); leavePage = null; }
    if (!(e instanceof ApiError && e.status === 401))
      main.replaceChildren(e instanceof ApiError && e.status === 403 ? h('p.error', {}, t('forbidden')) : errorEl(e));
  }
  main.dataset.page = hash.split('/')[1] || 'overview';
  main.dataset.ready = String(mine);
}

// the page on screen again, as now (after a live event or an action
// done); events close together give one reload.  While an action form is
// open none happens (route): an action done closes its form first, so
// that its reload shows the result.
let reloadTimer = null;
function reload() {
  if (reloadTimer) return;
  reloadTimer = setTimeout(() => { reloadTimer = null; route(REFRESH); }, 150);
}

function header() {
  document.title = t('title');
  const nav = document.getElementById('nav');
  nav.replaceChildren();
  const me = session.me;
  if (me) {
    nav.append(h('a', { href: '#/' }, t('nav.overview')));
    const sites = me.role === 'owner' || me.role === 'caretaker' ? (me.sites || []) : [];
    for (const sid of sites) nav.append(h('a', { href: '#/site/' + encodeURIComponent(sid) }, sid));
    if (me.role === 'installer' || me.role === 'admin') nav.append(h('a', { href: '#/commission' }, t('nav.commission')));
    if (me.role === 'grid_worker' || me.role === 'admin') nav.append(h('a', { href: '#/report' }, t('nav.report')));
  }
  document.getElementById('who').textContent = me ? me.user + ' (' + t('role.' + me.role) + ')' : '';
  const out = document.getElementById('logout');
  out.hidden = !me;
  out.textContent = t('logout');
  document.getElementById('lang').textContent = t('lang.switch');
}

async function signedIn(me) {
  session.me = me;
  session.csrf = me.csrf;
  I18N.choose(me.lang);
  live.start();
  alarmBell.refresh();
}

async function boot() {
  I18N.choose(null);
  document.getElementById('lang').addEventListener('click', () => {
    I18N.set(I18N.lang === 'zh' ? 'en' : 'zh');
    alarmBell.render();
    route();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('POST', '/api/logout'); } catch (e) { /* signed out either way */ }
    session.me = null; session.csrf = null;
    live.stop();
    alarmBell.set([]);
    location.hash = '#/login';
    route();
  });
  // sound is allowed only after a gesture: the first one unlocks it
  for (const ev of ['click', 'keydown', 'touchstart'])
    document.addEventListener(ev, () => alarmBell.unlock(), { once: true, capture: true });
  try { await signedIn(await api('GET', '/api/me')); } catch (e) { session.me = null; }
  // a record event anywhere may be a new alarm or an acknowledgement
  live.on('record', () => alarmBell.refresh());
  // and a slow poll in case the live feed was down when it happened
  setInterval(() => alarmBell.refresh(), 30000);
  window.addEventListener('hashchange', route);
  route();
}

document.addEventListener('DOMContentLoaded', boot);
