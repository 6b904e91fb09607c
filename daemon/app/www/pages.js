/*
 * pages.js: one function per page (route).  Each gets an element of its
 * own (app.js shows it in <main> once built)
 * and the route's arguments, fills it from the API, and may return a
 * function that undoes what it started (live handlers) when the user
 * leaves.  What a user may do is decided by the server; the page only
 * leaves out the buttons the user's role cannot use.
 */
'use strict';

const ROLE_ACTIONS = {
  owner:       ['ack', 'verify-alarm', 'dismiss', 'rectifying', 'submit', 'assign'],
  caretaker:   ['ack', 'verify-alarm', 'dismiss', 'rectifying', 'submit', 'assign'],
  grid_worker: ['verify-alarm', 'verify', 'close', 'supervise'],
  installer:   [],
  admin:       ['ack', 'verify-alarm', 'dismiss', 'rectifying', 'submit', 'verify', 'close', 'assign', 'supervise'],
};

const canCommission = () => session.me && (session.me.role === 'installer' || session.me.role === 'admin');

// the actions a record's kind and state leave open
function recordActions(r) {
  const acked = r.acknowledged_at || r.acked_at;
  if (r.kind === 'alarm')
    return [!acked && 'ack', !r.verdict && 'verify-alarm'].filter(Boolean);
  if (r.kind === 'fault')
    return r.state === 'dismissed' || r.state === 'cleared' ? [] : [!acked && 'ack', 'dismiss'].filter(Boolean);
  if (r.state === 'closed') return [];
  return [!acked && 'ack', 'assign',
    r.state === 'open' && 'rectifying',
    (r.state === 'open' || r.state === 'rectifying') && 'submit',
    r.state === 'submitted' && 'verify', r.state === 'submitted' && 'close',
    r.severity === 'major' && !r.supervised && 'supervise'].filter(Boolean);
}

// ------------------------------------------------------------ login

async function pageLogin(main) {
  const err = h('p.error', { role: 'alert', hidden: true });
  const user = h('input', { id: 'login-user', name: 'user', autocomplete: 'username', required: true });
  const pass = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form.card.login', {
    onsubmit: async ev => {
      ev.preventDefault();
      err.hidden = true;
      try {
        const me = await api('POST', '/api/login', { user: user.value, password: pass.value });
        await signedIn(me);
        location.hash = '#/';
      } catch (e) {
        err.hidden = false;
        err.textContent = e.status === 429 ? t('login.throttled', { s: e.retry || '?' })
          : e.status === 401 ? t('login.failed') : t('error') + ': ' + e.message;
      }
    },
  },
  h('h1', {}, t('login.title')),
  h('label', {}, t('login.user'), user),
  h('label', {}, t('login.password'), pass),
  h('button', { type: 'submit', id: 'login-submit' }, t('login.submit')),
  err);
  const help = h('div.card.help', {},
    h('p', {}, t('login.first')),
    h('pre', {}, 'hazardctl user add NAME --role admin'),
    h('p', {}, t('login.first2')));
  main.replaceChildren(h('div.login-wrap', {}, form, help));
  setTimeout(() => user.focus(), 0);
}

// ------------------------------------------------------------ overview

function bySite(recs) {
  const m = new Map();
  for (const r of recs) {
    if (!m.has(r.site)) m.set(r.site, { alarm: 0, fault: 0, hazard: 0 });
    m.get(r.site)[r.kind]++;
  }
  return [...m.entries()].map(([site, c]) => ({ site, ...c }));
}

function deviceTable(devs) {
  return table(devs, [
    [t('device'), d => d.id],
    [t('site'), d => h('a', { href: '#/site/' + encodeURIComponent(d.site) }, d.site)],
    [t('kind'), d => d.kind],
    [t('state'), d => stateEl(d.state)],
    [t('last_seen'), d => h('span.last-seen', {}, fmtTime(d.last_seen))],
    [t('values'), d => h('span.vals', {}, valuesEl(d.values))],
  ], { rowAttrs: d => ({ 'data-device': d.id }) });
}

// a reading from the live feed into a device row shown on the page
function onReadingRow(main, m) {
  const row = main.querySelector(`tr[data-device="${CSS.escape(m.device)}"]`);
  if (!row) return;
  const vals = row.querySelector('.vals'), ls = row.querySelector('.last-seen'), st = row.querySelector('.state');
  if (vals) vals.replaceChildren(valuesEl(m.values));
  if (ls) ls.textContent = fmtTime(m.at);
  if (st) st.replaceWith(stateEl('online'));
}

async function pageOverview(main) {
  const [st, al, fa, hz, dv] = await apiAll(['/api/status', '/api/alarms?state=open',
    '/api/faults?state=open', '/api/hazards?state=open', '/api/devices']);
  const links = (st && st.links) || {};
  const link = (name, up) => h('div.link.' + (up ? 'up' : 'down'), { 'data-link': name },
    t('link.' + name), ': ', h('b', {}, up ? t('link.up') : t('link.down')));
  const recs = [...(al.records || []), ...(fa.records || []), ...(hz.records || [])];
  main.replaceChildren(
    h('section.card', {}, h('h2', {}, t('links')), link('local', links.local), link('upstream', links.upstream)),
    h('section.card', { id: 'open-alarms' }, h('h2', {}, t('open.alarms')), recordTable(al.records || [])),
    h('section.card', { id: 'open-hazards' }, h('h2', {}, t('open.hazards')), recordTable(hz.records || [])),
    h('section.card', { id: 'open-faults' }, h('h2', {}, t('open.faults')), recordTable(fa.records || [])),
    h('section.card', {}, h('h2', {}, t('by.site')), table(bySite(recs), [
      [t('site'), r => h('a', { href: '#/site/' + encodeURIComponent(r.site) }, r.site)],
      [t('open.alarms'), r => r.alarm], [t('open.faults'), r => r.fault], [t('open.hazards'), r => r.hazard]])),
    h('section.card', { id: 'devices' }, h('h2', {}, t('devices')), deviceTable(dv.devices || [])));
  const offR = live.on('reading', m => onReadingRow(main, m));
  const offE = live.on('record', () => reload());
  return () => { offR(); offE(); };
}

// ------------------------------------------------------------ site

async function pageSite(main, id) {
  const site = await api('GET', '/api/sites/' + encodeURIComponent(id));
  const known = ['id', 'name', 'kind', 'address', 'grid', 'devices', 'people', 'records', 'open',
                 'ledger', 'coverage', 'selfcheck', 'last_selfcheck'];
  const secs = [h('h1', {}, (site.name || id) + ' ', h('span.muted', {}, id)),
    h('p.muted', {}, [site.kind, site.address, site.grid].filter(Boolean).join(' · '))];
  const actions = h('p', {}, h('a.button', { href: '#/selfcheck/' + encodeURIComponent(id) }, t('selfcheck.do')));
  const open = site.records || site.open;
  secs.push(actions);
  secs.push(h('section.card', {}, h('h2', {}, t('records')),
    Array.isArray(open) ? recordTable(open) : jsonEl(open)));
  if (site.devices) secs.push(h('section.card', { id: 'devices' }, h('h2', {}, t('devices')),
    Array.isArray(site.devices) && site.devices.every(d => d.id) ? deviceTable(site.devices) : jsonEl(site.devices)));
  if (site.people) secs.push(h('section.card', {}, h('h2', {}, t('people')), jsonEl(site.people)));
  if (site.ledger) secs.push(h('section.card', {}, h('h2', {}, t('ledger')), jsonEl(site.ledger.rows || site.ledger.hazards || site.ledger)));
  if (site.coverage) secs.push(h('section.card', {}, h('h2', {}, t('coverage')), jsonEl(site.coverage)));
  const sc = site.last_selfcheck || site.selfcheck;
  secs.push(h('section.card', {}, h('h2', {}, t('last_selfcheck')), sc ? jsonEl(sc) : h('p.muted', {}, t('none'))));
  for (const [k, v] of Object.entries(site))
    if (!known.includes(k) && typeof v === 'object' && v !== null)
      secs.push(h('section.card', {}, h('h2', {}, k), jsonEl(v)));
  main.replaceChildren(...secs);
  const offR = live.on('reading', m => onReadingRow(main, m));
  const offE = live.on('record', m => { if (!m.site || m.site === id) reload(); });
  return () => { offR(); offE(); };
}

// ------------------------------------------------------------ record

function fileToBase64(file) {
  return new Promise((resolve, reject) => {
    const rd = new FileReader();
    rd.onload = () => resolve(String(rd.result).replace(/^data:[^,]*,/, ''));
    rd.onerror = () => reject(rd.error);
    rd.readAsDataURL(file);
  });
}

// the form of one action: its fields, then POST /api/records/ID/ACTION
function actionForm(rec, action, done) {
  const fields = [];
  const note = h('textarea', { name: 'note', rows: 2 });
  fields.push(h('label', {}, t('note'), note));
  let verdict, result, person, evidence, photo;
  if (action === 'verify-alarm') {
    verdict = h('select', { name: 'verdict' }, ['real', 'false', 'test'].map(v => h('option', { value: v }, t('verdict.' + v))));
    fields.unshift(h('label', {}, t('verdict'), verdict));
  }
  if (action === 'verify') {
    result = h('select', { name: 'result' }, ['pass', 'fail'].map(v => h('option', { value: v }, t('result.' + v))));
    fields.unshift(h('label', {}, t('result'), result));
  }
  if (action === 'assign') {
    person = h('input', { name: 'person', required: true });
    fields.unshift(h('label', {}, t('person'), person));
  }
  if (action === 'submit' || action === 'close') {
    evidence = h('input', { name: 'evidence' });
    fields.push(h('label', {}, t('evidence'), evidence));
  }
  if (action === 'submit') {
    photo = h('input', { name: 'photo', type: 'file', accept: 'image/*', multiple: true });
    fields.push(h('label', {}, t('photo'), photo));
  }
  const msg = h('p.msg', { role: 'status' });
  const form = h('form.action', {
    'data-action': action,
    onsubmit: async ev => {
      ev.preventDefault();
      const body = {};
      if (note.value.trim()) body.note = note.value.trim();
      if (verdict) body.verdict = verdict.value;
      if (result) body.result = result.value;
      if (person) body.person = person.value.trim();
      if (evidence && evidence.value.trim()) body.evidence = evidence.value.trim();
      try {
        if (photo && photo.files.length) {
          body.files = [];
          for (const f of photo.files) body.files.push({ name: f.name, data: await fileToBase64(f) });
        }
        const r = await api('POST', '/api/records/' + encodeURIComponent(rec.id) + '/' + action, body);
        msg.className = 'msg ok';
        msg.textContent = t('act.done', { s: (r && r.result && r.result.state) || t('act.' + action) });
        alarmBell.refresh();
        setTimeout(done, 300);
      } catch (e) {
        msg.className = 'msg error';
        msg.textContent = t('error') + ': ' + e.message;
      }
    },
  }, h('h3', {}, t('act.' + action)), fields, h('button', { type: 'submit' }, t('submit')), msg);
  return form;
}

// Without "readings" from the API, the values the record's evidence kept
// (at the raise, the latest, at the clear) are the chart's points.
function evidencePoints(ev, field) {
  if (!field) return [];
  const pts = ['raised', 'latest', 'cleared'].map(k => ev[k])
    .filter(x => x && x.ts && x[field] !== undefined).map(x => ({ at: x.ts, value: x[field] }));
  return pts.filter((p, i) => pts.findIndex(q => q.at === p.at) === i).sort((a, b) => a.at - b.at);
}

async function pageRecord(main, id) {
  const r = await api('GET', '/api/records/' + encodeURIComponent(id));
  const allowed = ROLE_ACTIONS[session.me.role] || [];
  const acts = recordActions(r).filter(a => allowed.includes(a));
  const slot = h('div.action-slot');
  const ev = r.evidence || {};
  const raisedAt = (ev.raised && ev.raised.ts) || Date.parse(r.raised_at);
  const clearedAt = (ev.cleared && ev.cleared.ts) || Date.parse(r.ended_at || r.cleared_at || r.normal_since || '');
  const field = ev.trigger && ev.trigger.field;
  const facts = [['kind', t('kind.' + r.kind)], ['type', r.type], ['state', stateEl(r.state)],
    ['site', h('a', { href: '#/site/' + encodeURIComponent(r.site) }, r.site)], ['device', r.device],
    ['severity', r.severity || r.level], ['raised_at', fmtTime(r.raised_at)],
    ['deadline', r.deadline && fmtTime(r.deadline)], ['detail', r.detail]]
    .filter(([, v]) => v !== undefined && v !== null && v !== '');
  main.replaceChildren(...[
    h('h1', {}, t('kind.' + r.kind) + ' ', h('span.rid', {}, r.id)),
    h('section.card', {}, h('dl.kv', {}, facts.map(([k, v]) => [h('dt', {}, t(k)), h('dd', { 'data-fact': k }, v)]))),
    acts.length ? h('section.card', { id: 'actions' }, h('h2', {}, t('actions')),
      h('div.buttons', {}, acts.map(a => h('button', {
        type: 'button', 'data-act': a,
        // done: the form closed first, so that the refresh may replace the page
        onclick: () => slot.replaceChildren(actionForm(r, a, () => { slot.replaceChildren(); reload(); })),
      }, t('act.' + a)))), slot) : null,
    h('section.card', {}, h('h2', {}, t('chart') + (field ? ' (' + field + ')' : '')),
      chartEl(r.readings || evidencePoints(ev, field), [{ at: raisedAt, cls: 'raise', label: '▲' }, { at: clearedAt, cls: 'clear', label: '▼' }])),
    h('section.card', { id: 'timeline' }, h('h2', {}, t('timeline')), table(r.events || [], [
      [t('at'), e => fmtTime(e.at)], [t('event'), e => h('span.ev', {}, e.event)],
      [t('actor'), e => h('span.actor', {}, e.actor || '—')],
      [t('note'), e => e.note || ''], [t('detail'), e => e.detail || (e.evidence ? JSON.stringify(e.evidence) : '')]])),
    h('section.card', {}, h('h2', {}, t('evidence')), jsonEl(r.evidence || {}))].filter(Boolean));
  const off = live.on('record', m => {
    const ids = [m.id, m.alarm_id, m.fault_id, m.hazard_id, m.source];
    if (ids.includes(id) && !slot.firstChild) reload();
  });
  return off;
}

// ------------------------------------------------------------ commissioning

async function pageCommission(main) {
  if (!canCommission()) { main.replaceChildren(h('p.error', {}, t('forbidden'))); return; }
  const [dv, un] = await apiAll(['/api/devices', '/api/unknown']);
  const devs = dv.devices || [];
  const unknown = Array.isArray(un) ? un : (un.unknown || un.senders || un.devices || []);
  const liveList = h('tbody');
  const liveRow = m => h('tr', { 'data-live': m.device }, h('td', {}, fmtTime(m.at)), h('td', {}, m.device),
    h('td', {}, m.site || ''), h('td', {}, valuesEl(m.values)));
  const outMsg = h('p.msg', { role: 'status' });
  const run = async (path, body) => {
    try {
      const r = await api('POST', path, body);
      outMsg.className = 'msg ok';
      outMsg.textContent = t('act.done', { s: JSON.stringify(r && r.result !== undefined ? r.result : r) });
    } catch (e) { outMsg.className = 'msg error'; outMsg.textContent = t('error') + ': ' + e.message; }
  };
  const outName = h('input', { name: 'output', placeholder: t('commission.output') });
  main.replaceChildren(
    h('h1', {}, t('nav.commission')),
    h('section.card', { id: 'live-readings' }, h('h2', {}, t('commission.live')),
      h('table', {}, h('thead', {}, h('tr', {}, [t('at'), t('device'), t('site'), t('values')].map(x => h('th', {}, x)))), liveList),
      h('p.muted.waiting', {}, t('commission.waiting'))),
    h('section.card', { id: 'unknown' }, h('h2', {}, t('commission.unknown')),
      unknown.length ? unknown.map(u => h('div.unknown', { 'data-unknown': u.topic || u.id || '' },
        h('dl.kv', {}, Object.entries(u).filter(([k]) => k !== 'suggestion')
          .map(([k, v]) => [h('dt', {}, k), h('dd', {}, fmtVal(v))])),
        u.suggestion !== undefined ? h('div', {}, h('h3', {}, t('commission.suggestion')),
          h('pre.suggestion', {}, JSON.stringify(u.suggestion, null, 2))) : null))
        : h('p.muted', {}, t('none'))),
    h('section.card', { id: 'outputs' }, h('h2', {}, t('commission.outputs')),
      h('form.inline', { onsubmit: ev => { ev.preventDefault(); run('/api/outputs/' + encodeURIComponent(outName.value.trim()) + '/test', {}); } },
        outName, h('button', { type: 'submit' }, t('commission.test'))),
      table(devs.filter(d => d.relay || (d.detail && d.detail.relay)), [
        [t('device'), d => d.id], [t('site'), d => d.site], [t('kind'), d => d.kind], [t('state'), d => stateEl(d.state)],
        ['', d => h('span.buttons', {},
          h('button', { type: 'button', onclick: () => run('/api/devices/' + encodeURIComponent(d.id) + '/switch', { set: 'on' }) }, t('commission.on')),
          h('button', { type: 'button', onclick: () => run('/api/devices/' + encodeURIComponent(d.id) + '/switch', { set: 'off' }) }, t('commission.off')))]]),
      outMsg),
    h('section.card', { id: 'devices' }, h('h2', {}, t('devices')), deviceTable(devs)));
  // the newest reading first; one row per device and arrival, at most 50
  return live.on('reading', m => {
    const w = main.querySelector('.waiting');
    if (w) w.remove();
    liveList.prepend(liveRow(m));
    while (liveList.children.length > 50) liveList.lastChild.remove();
    onReadingRow(main, m);
  });
}

// ------------------------------------------------------------ self-inspection

async function pageSelfcheck(main, site) {
  const cl = await api('GET', '/api/checklist?site=' + encodeURIComponent(site));
  const items = cl.items || [];
  const note = h('textarea', { name: 'note', rows: 2 });
  const msg = h('p.msg', { role: 'status' });
  const radios = items.map(it => h('fieldset.item', { 'data-item': it.id }, h('legend', {}, it.name || it.id),
    ['ok', 'fail'].map(v => h('label.radio', {}, h('input', { type: 'radio', name: 'i-' + it.id, value: v, checked: v === 'ok' }), t('selfcheck.' + v)))));
  main.replaceChildren(h('h1', {}, t('selfcheck.do') + ' · ' + site),
    h('form.card', {
      id: 'selfcheck',
      onsubmit: async ev => {
        ev.preventDefault();
        const body = { site, items: {} };
        for (const it of items) body.items[it.id] = ev.target.querySelector(`input[name="i-${CSS.escape(it.id)}"]:checked`).value;
        if (note.value.trim()) body.note = note.value.trim();
        try {
          await api('POST', '/api/selfcheck', body);
          msg.className = 'msg ok'; msg.textContent = t('selfcheck.done');
        } catch (e) { msg.className = 'msg error'; msg.textContent = t('error') + ': ' + e.message; }
      },
    }, radios, h('label', {}, t('note'), note), h('button', { type: 'submit' }, t('submit')), msg));
}

// ------------------------------------------------------------ daily report

async function pageReport(main, day) {
  const today = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10);
  day = /^\d{4}-\d{2}-\d{2}$/.test(day || '') ? day : today;
  const rep = await api('GET', '/api/report/daily?day=' + day);
  const input = h('input', { type: 'date', value: day, name: 'day' });
  const tot = rep.totals || {};
  main.replaceChildren(h('h1', {}, t('nav.report') + ' ' + (rep.date || day)),
    h('form.inline', { onsubmit: ev => { ev.preventDefault(); location.hash = '#/report/' + input.value; } },
      h('label', {}, t('report.day'), input), h('button', { type: 'submit' }, t('report.show'))),
    h('section.card', {}, h('h2', {}, t('report.hazards')), jsonEl({ by_state: tot.by_state, by_severity: tot.by_severity,
      new: tot.new, closed: tot.closed, overdue: tot.overdue })),
    h('section.card', {}, h('h2', {}, t('report.alarms')), jsonEl(tot.alarms || {})),
    h('section.card', {}, h('h2', {}, t('report.faults')), jsonEl(tot.faults || {})),
    h('section.card', {}, h('h2', {}, t('devices')), jsonEl(tot.devices || {})),
    h('section.card', {}, h('h2', {}, t('by.site')), jsonEl(rep.sites || [])));
}
