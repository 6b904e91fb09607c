/*
 * ui.js: what every page uses: building elements (never HTML strings, so
 * a device's name or a note is always text), the JSON API with the CSRF
 * token, dates, tables, the trigger-value chart, the alarm banner and its
 * sound, and the live feed (Server-Sent Events).
 */
'use strict';

// h('tag.class', {attr: v, onclick: fn}, child...): an element
function h(spec, attrs, ...kids) {
  const [tag, ...cls] = spec.split('.');
  const el = document.createElement(tag);
  if (cls.length) el.className = cls.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of kids.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const SVGNS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const c of kids) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// ---------------------------------------------------------------- API

const session = { me: null, csrf: null };

class ApiError extends Error {
  constructor(status, msg, retry) { super(msg); this.status = status; this.retry = retry; }
}

// api('GET', '/api/x') or api('POST', '/api/x', body): the parsed JSON
// (null for 204); throws ApiError.  A 401 anywhere but the login itself
// means the session ended: back to the login page.
async function api(method, path, body) {
  const headers = { 'Accept': 'application/json' };
  const opt = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    if (session.csrf) headers['X-CSRF-Token'] = session.csrf;
    opt.body = JSON.stringify(body || {});
  }
  const r = await fetch(path, opt);
  let data = null;
  const text = await r.text();
  if (text) {
    try { data = JSON.parse(text); } catch (e) { data = { error: text.slice(0, 200) }; }
  }
  if (!r.ok) {
    if (r.status === 401 && path !== '/api/login' && path !== '/api/me') {
      session.me = null;
      location.hash = '#/login';
    }
    throw new ApiError(r.status, (data && data.error) || r.statusText || String(r.status),
                       r.headers.get('Retry-After'));
  }
  return data;
}

// GETs one after the other: one kept-alive connection instead of one per
// request (the server bounds the connections per address, and a tab's
// live feed holds one)
async function apiAll(paths) {
  const out = [];
  for (const p of paths) out.push(await api('GET', p));
  return out;
}

// ---------------------------------------------------------------- formats

function fmtTime(v) {
  if (v === null || v === undefined || v === '') return '—';
  const d = typeof v === 'number' ? new Date(v) : new Date(v);
  if (isNaN(d)) return String(v);
  return d.toLocaleString(I18N.lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
}

function fmtVal(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? '✔' : '✘';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// a device's values as "field value" chips, ts left out
function valuesEl(values) {
  if (!values || typeof values !== 'object') return h('span.muted', {}, '—');
  return h('span.values', {}, Object.entries(values).filter(([k]) => k !== 'ts')
    .map(([k, v]) => h('span.chip', { 'data-field': k }, k + ' ', h('b', {}, fmtVal(v)))));
}

function stateEl(state) {
  return h('span.state.st-' + String(state || 'none').replace(/[^a-z_]/g, ''), {}, t(state) || state);
}

// table(rows, [[title, fn(row) → node|text], ...], {rowAttrs})
function table(rows, cols, opt) {
  if (!rows || !rows.length) return h('p.muted', {}, t('none'));
  return h('table', {},
    h('thead', {}, h('tr', {}, cols.map(c => h('th', {}, c[0])))),
    h('tbody', {}, rows.map(r => h('tr', opt && opt.rowAttrs ? opt.rowAttrs(r) : {},
      cols.map(c => { const v = c[1](r); return h('td', {}, v instanceof Node ? v : fmtVal(v)); })))));
}

// any JSON value shown plainly: objects as definition lists, arrays of
// objects as tables (what a listing the page does not know in detail is)
function jsonEl(v) {
  if (Array.isArray(v)) {
    if (v.length && v.every(x => x && typeof x === 'object' && !Array.isArray(x))) {
      const keys = [...new Set(v.flatMap(Object.keys))].slice(0, 10);
      return table(v, keys.map(k => [k, r => typeof r[k] === 'object' && r[k] !== null ? JSON.stringify(r[k]) : r[k]]));
    }
    return h('span', {}, v.map(fmtVal).join(', ') || '—');
  }
  if (v && typeof v === 'object')
    return h('dl.kv', {}, Object.entries(v).map(([k, x]) => [h('dt', {}, k), h('dd', {}, jsonEl(x))]));
  return h('span', {}, fmtVal(v));
}

function recordLink(r) {
  return h('a', { href: '#/record/' + encodeURIComponent(r.id) }, r.id);
}

function recordTable(recs) {
  return table(recs, [
    [t('id'), r => recordLink(r)],
    [t('kind'), r => t('kind.' + r.kind)],
    [t('type'), r => r.type],
    [t('site'), r => h('a', { href: '#/site/' + encodeURIComponent(r.site) }, r.site)],
    [t('device'), r => r.device || '—'],
    [t('state'), r => stateEl(r.state)],
    [t('raised_at'), r => fmtTime(r.raised_at)],
  ], { rowAttrs: r => ({ 'data-record': r.id, class: 'kind-' + r.kind }) });
}

function errorEl(e) {
  return h('p.error', { role: 'alert' }, t('error') + ': ' + (e && e.message ? e.message : String(e)));
}

// ---------------------------------------------------------------- chart

// readings [{at, value}] as a line, with the raise and the clear marked
function chartEl(readings, marks) {
  const pts = (readings || []).filter(p => typeof p.value === 'number' || typeof p.value === 'boolean')
    .map(p => ({ at: Number(p.at), v: Number(p.value) }));
  if (!pts.length) return h('p.muted', {}, t('chart.none'));
  const W = 560, H = 160, L = 44, R = 10, T = 10, B = 24;
  const t0 = Math.min(...pts.map(p => p.at), ...marks.map(m => m.at).filter(Boolean));
  const t1 = Math.max(...pts.map(p => p.at), ...marks.map(m => m.at).filter(Boolean));
  let v0 = Math.min(0, ...pts.map(p => p.v)), v1 = Math.max(...pts.map(p => p.v));
  if (v1 === v0) v1 = v0 + 1;
  const x = a => L + (t1 === t0 ? 0.5 : (a - t0) / (t1 - t0)) * (W - L - R);
  const y = v => T + (1 - (v - v0) / (v1 - v0)) * (H - T - B);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img' });
  svg.append(s('line', { x1: L, y1: y(v0), x2: W - R, y2: y(v0), class: 'axis' }));
  svg.append(s('line', { x1: L, y1: T, x2: L, y2: H - B, class: 'axis' }));
  svg.append(s('text', { x: L - 4, y: y(v1) + 4, 'text-anchor': 'end', class: 'lbl' }, fmtVal(v1)));
  svg.append(s('text', { x: L - 4, y: y(v0), 'text-anchor': 'end', class: 'lbl' }, fmtVal(v0)));
  for (const m of marks) {
    if (!m.at) continue;
    svg.append(s('line', { x1: x(m.at), y1: T, x2: x(m.at), y2: H - B, class: 'mark ' + m.cls }));
    svg.append(s('text', { x: x(m.at) + 3, y: H - 8, class: 'lbl ' + m.cls }, m.label));
  }
  svg.append(s('polyline', { points: pts.map(p => x(p.at).toFixed(1) + ',' + y(p.v).toFixed(1)).join(' '), class: 'line' }));
  for (const p of pts) svg.append(s('circle', { cx: x(p.at).toFixed(1), cy: y(p.v).toFixed(1), r: 2, class: 'dot' }));
  return svg;
}

// ---------------------------------------------------------------- banner

// The alarms no one has acknowledged: shown on top of every page and
// sounded until acknowledged.  Browsers allow sound only after the user
// touched the page once; until then the banner says so.
const alarmBell = {
  ctx: null, timer: null, open: [],
  unlock() {
    if (this.ctx) return;
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    this.ctx = new AC();
    this.ctx.resume();
    this.render();
  },
  beep() {
    if (!this.ctx || this.ctx.state !== 'running') return;
    const o = this.ctx.createOscillator(), g = this.ctx.createGain();
    o.frequency.value = 880;
    g.gain.value = 0.2;
    o.connect(g); g.connect(this.ctx.destination);
    o.start(); o.stop(this.ctx.currentTime + 0.35);
  },
  async refresh() {
    if (!session.me) { this.set([]); return; }
    try {
      const d = await api('GET', '/api/alarms?state=open');
      this.set((d.records || []).filter(r => !r.acknowledged_at));
    } catch (e) { /* the next event or poll tries again */ }
  },
  set(list) {
    this.open = list;
    this.render();
    if (list.length && !this.timer) {
      this.beep();
      this.timer = setInterval(() => this.beep(), 2000);
    } else if (!list.length && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  },
  render() {
    const b = document.getElementById('banner');
    b.replaceChildren();
    b.hidden = !this.open.length;
    for (const r of this.open)
      b.append(h('div.alarm', { 'data-alarm': r.id },
        h('b', {}, t('banner.alarm')), ' ', r.type, ' · ', r.site, r.device ? ' · ' + r.device : '',
        ' · ', fmtTime(r.raised_at), ' ', h('a', { href: '#/record/' + encodeURIComponent(r.id) }, t('banner.open'))));
    if (this.open.length && !this.ctx) b.append(h('div.muted', {}, t('banner.sound')));
  },
};

// ---------------------------------------------------------------- live feed

// EventSource('/api/events'): "reading" and "record" events to whoever
// listens (the page on screen); the browser reconnects by itself.
const live = {
  es: null, handlers: { reading: new Set(), record: new Set() },
  start() {
    if (this.es) return;
    this.es = new EventSource('/api/events');
    const st = document.getElementById('live');
    this.es.onopen = () => { st.textContent = '● ' + t('live.on'); st.className = 'on'; };
    this.es.onerror = () => { st.textContent = '○ ' + t('live.off'); st.className = 'off'; };
    for (const type of ['reading', 'record'])
      this.es.addEventListener(type, ev => {
        let msg;
        try { msg = JSON.parse(ev.data); } catch (e) { return; }
        for (const fn of this.handlers[type]) fn(msg);
      });
  },
  stop() { if (this.es) { this.es.close(); this.es = null; } },
  on(type, fn) { this.handlers[type].add(fn); return () => this.handlers[type].delete(fn); },
};
