#!/usr/bin/env node
/*
 * console.js: the web console in a real browser (Debian's chromium driven
 * by playwright-core; no browser download), against a hazardd that
 * tests/e2e/t_console.sh started.  Every check prints "PASS: ..." or
 * "FAIL: ...: why"; with CONSOLE_SHOTS=DIR it also writes a screenshot of
 * each page in English and Chinese (make screenshots).
 *
 * Environment (set by t_console.sh):
 *   CONSOLE_URL       http://127.0.0.1:PORT
 *   CONSOLE_PASSWORD  the password of every test user
 *   OWNER_A, OWNER_B  owners of site-1 and site-2; INSTALLER; GRID (grid worker)
 *   PUB               JSON array: mosquitto_pub's arguments for the local
 *                     broker (host, port, user, password)
 *   CHROMIUM          the browser (default /usr/bin/chromium)
 */
'use strict';

const { chromium } = require('playwright-core');
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const URL0 = process.env.CONSOLE_URL;
const PASSWORD = process.env.CONSOLE_PASSWORD;
const PUB = JSON.parse(process.env.PUB || '[]');
const SHOTS = process.env.CONSOLE_SHOTS || '';
let failed = 0;

function pass(name) { console.log('PASS: ' + name); }
function fail(name, why) { console.log('FAIL: ' + name + ': ' + why); failed++; }
function info(s) { console.log('INFO: ' + s); }

async function check(name, fn) {
  try {
    const r = await fn();
    if (r === false) fail(name, 'not as expected');
    else pass(name + (typeof r === 'string' ? ' (' + r + ')' : ''));
  } catch (e) {
    fail(name, String(e && e.message ? e.message : e).split('\n')[0]);
    // what the page showed, for whoever reads the failure
    if (lastPage) {
      const txt = await lastPage.evaluate(() => location.hash + ' | ' +
        document.getElementById('main').innerText.replace(/\s+/g, ' ').slice(0, 400)).catch(() => '?');
      info('page then: ' + txt);
    }
  }
}
let lastPage = null;

function publish(topic, payload) {
  execFileSync('mosquitto_pub', [...PUB, '-q', '1', '-t', topic, '-m', payload], { stdio: 'inherit' });
}

// the page's route rendered: main[data-page] is the page, and a render
// finished after the moment given
async function onPage(page, name, timeout) {
  await page.waitForSelector(`main[data-page="${name}"][data-ready]`, { timeout: timeout || 5000 });
}

// Each person in a browser of their own: a fresh --user-data-dir (a new
// temporary profile: no cookie, cache or storage from anything before),
// removed when that browser closes.  playwright's persistent context is
// the way to give chromium the directory.
const profiles = [];
async function newBrowser(lang, viewport) {
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'hazardd-chromium-'));
  profiles.push(udd);
  const ctx = await chromium.launchPersistentContext(udd, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    locale: lang === 'zh' ? 'zh-CN' : 'en-GB',
    viewport: viewport || { width: 1280, height: 900 },
  });
  opened.push(ctx);
  const page = ctx.pages()[0] || await ctx.newPage();
  return { ctx, page };
}

async function login(user, lang) {
  const b = await newBrowser(lang);
  const page = b.page;
  lastPage = page;
  page.on('pageerror', e => fail('no script error on the page (' + user + ')', e.message));
  await page.goto(URL0 + '/#/login');
  await page.fill('#login-user', user);
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await onPage(page, 'overview');
  return b;
}

async function main() {
  try {
    await run();
  } finally {
    for (const c of opened) await c.close().catch(() => {});
    for (const d of profiles) fs.rmSync(d, { recursive: true, force: true });
  }
}
const opened = [];

async function run() {
  // ---- the login page, before anyone signed in
  {
    const { ctx, page } = await newBrowser('en');
    await page.goto(URL0 + '/');
    await check('login page: says how to create the first user', async () => {
      await onPage(page, 'login');
      const txt = await page.textContent('main');
      return txt.includes('hazardctl user add NAME --role admin');
    });
    await check('login page: loads nothing from another host', async () => {
      const hosts = await page.evaluate(() => performance.getEntriesByType('resource').map(e => new URL(e.name).host));
      const other = hosts.filter(x => x !== new URL(URL0).host);
      if (other.length) throw new Error(other.join(' '));
    });
    await page.fill('#login-user', process.env.OWNER_A);
    await page.fill('#login-password', 'wrong-' + PASSWORD);
    await page.click('#login-submit');
    await check('login page: a wrong password is refused', async () => {
      await page.waitForSelector('main .error:not([hidden])', { timeout: 3000 });
    });
    await ctx.close();
  }

  // ---- owner of site-1: a gas alarm appears live, is acknowledged, verified
  const A = await login(process.env.OWNER_A, 'en');
  const pa = A.page;
  await pa.waitForSelector('#live.on', { timeout: 5000 }).catch(() => {});
  const t0 = Date.now();
  publish('t/gas-1', '{"gas": true, "gas_lel": 62}');
  let alarmId = null;
  await check('owner A: a new gas alarm is on the open overview within 2 s', async () => {
    await pa.waitForSelector('#open-alarms tr[data-record]', { timeout: 2000 });
    alarmId = await pa.getAttribute('#open-alarms tr[data-record]', 'data-record');
    return `${Date.now() - t0} ms, ${alarmId}`;
  });
  await check('owner A: the unacknowledged alarm is in the banner', async () => {
    await pa.waitForSelector('#banner:not([hidden]) .alarm', { timeout: 2000 });
  });
  // readings around the raise for the chart, then the alarm ends
  publish('t/gas-1', '{"gas": true, "gas_lel": 58}');
  await pa.waitForTimeout(1200);
  publish('t/gas-1', '{"gas": false, "gas_lel": 3}');
  await check('owner A: the device row shows the live value', async () => {
    await pa.waitForFunction(() => {
      const c = document.querySelector('tr[data-device="gas-1"] [data-field="gas_lel"]');
      return c && /\b3\b/.test(c.textContent);
    }, null, { timeout: 3000 });
  });
  if (alarmId) {
    await pa.click(`#open-alarms a[href="#/record/${alarmId}"]`).catch(() => pa.goto(URL0 + '/#/record/' + alarmId));
    await onPage(pa, 'record');
    // the alarm ended just before its page was opened: the page shows it
    // ended once that event is in (a live event refreshes it), and the
    // actions below are for the record in that state
    await check('owner A: the alarm page shows it ended', async () => {
      await pa.waitForSelector('[data-fact="state"] .st-ended', { timeout: 5000 });
    });
    if (SHOTS) await shotNow(pa, 'alarm');
    // a refresh that was due when a form opened (a live event just
    // before the click) must leave the form and what was typed in it
    await check('owner A: a refresh due while an action form is open keeps the form', async () => {
      await pa.click('button[data-act="ack"]', { timeout: 5000 });
      const note = pa.locator('form.action[data-action="ack"] textarea[name="note"]');
      await note.waitFor({ state: 'visible', timeout: 5000 });
      await note.fill('typing', { timeout: 5000 });
      await pa.evaluate(() => reload());
      await pa.waitForTimeout(1000);
      const v = await note.inputValue({ timeout: 1000 });
      return v === 'typing' ? 'kept' : false;
    });
    await check('owner A: acknowledge the alarm from its page', async () => {
      await pa.click('button[data-act="ack"]', { timeout: 5000 });
      const note = pa.locator('form.action[data-action="ack"] textarea[name="note"]');
      await note.waitFor({ state: 'visible', timeout: 5000 });
      await note.fill('seen on the console', { timeout: 5000 });
      await pa.click('form.action[data-action="ack"] button[type="submit"]', { timeout: 5000 });
      await pa.waitForFunction(u => [...document.querySelectorAll('#timeline tr')].some(tr =>
        /ack/.test(tr.textContent) && tr.textContent.includes(u)), process.env.OWNER_A, { timeout: 4000 });
    });
    await check('owner A: the banner is gone after the acknowledgement', async () => {
      await pa.waitForSelector('#banner[hidden]', { state: 'attached', timeout: 3000 });
    });
    await check('owner A: verify the alarm (real)', async () => {
      await pa.waitForSelector('button[data-act="verify-alarm"]', { timeout: 3000 });
      await pa.click('button[data-act="verify-alarm"]', { timeout: 5000 });
      const form = 'form.action[data-action="verify-alarm"]';
      await pa.waitForSelector(form + ' textarea[name="note"]', { state: 'visible', timeout: 5000 });
      await pa.selectOption(form + ' select[name="verdict"]', 'real', { timeout: 5000 });
      await pa.fill(form + ' textarea[name="note"]', 'a real leak at the stove', { timeout: 5000 });
      await pa.click(form + ' button[type="submit"]', { timeout: 5000 });
      await pa.waitForFunction(u => [...document.querySelectorAll('#timeline tr')].some(tr =>
        /verif/.test(tr.textContent) && tr.textContent.includes(u)), process.env.OWNER_A, { timeout: 4000 });
    });
    await check('owner A: the alarm page has a chart of the trigger value', async () => {
      const n = await pa.locator('svg.chart circle').count();
      return n > 0 ? n + ' points' : false;
    });
  } else {
    fail('owner A: alarm actions', 'no alarm to act on');
  }

  // ---- the hazard and its timeline
  let hazardId = null;
  await pa.goto(URL0 + '/#/');
  await onPage(pa, 'overview');
  await check('owner A: the hazard is on the overview', async () => {
    await pa.waitForSelector('#open-hazards tr[data-record]', { timeout: 4000 });
    hazardId = await pa.getAttribute('#open-hazards tr[data-record]', 'data-record');
    return hazardId;
  });
  if (hazardId) {
    await pa.goto(URL0 + '/#/record/' + hazardId);
    await onPage(pa, 'record');
    await check('owner A: the hazard page shows its timeline', async () => {
      const rows = await pa.locator('#timeline tbody tr').count();
      const txt = await pa.textContent('#timeline');
      return rows >= 1 && /raised|opened/.test(txt) ? rows + ' events' : false;
    });
    await check('owner A: report the hazard\'s rectification under way', async () => {
      await pa.click('button[data-act="rectifying"]', { timeout: 5000 });
      await pa.click('form.action[data-action="rectifying"] button[type="submit"]', { timeout: 5000 });
      await pa.waitForFunction(() => /rectifying/.test((document.querySelector('[data-fact="state"]') || {}).textContent),
        null, { timeout: 4000 });
    });
    if (SHOTS) await shotNow(pa, 'hazard');
  }

  // one browser at a time from here: the server bounds the connections
  // from one address (docs/http.md), and a browser keeps several open
  await A.ctx.close();

  // ---- owner of site-2 sees none of it
  const B = await login(process.env.OWNER_B, 'en');
  await check('owner B: no record of site-1 on the overview', async () => {
    const n = await B.page.locator('tr[data-record]').count();
    const txt = await B.page.textContent('main');
    if (n !== 0) throw new Error(n + ' records listed');
    if (txt.includes('gas-1') || txt.includes('site-1')) throw new Error('site-1 or gas-1 named on the page');
  });
  if (alarmId) {
    await B.page.goto(URL0 + '/#/record/' + alarmId);
    await check('owner B: site-1\'s alarm page is refused', async () => {
      await onPage(B.page, 'record');
      const err = await B.page.locator('main .error').count();
      const acts = await B.page.locator('button[data-act]').count();
      return err > 0 && acts === 0;
    });
  }
  await B.ctx.close();

  // ---- installer: commissioning shows an unknown sender and live readings
  publish('zigbee2mqtt/0x00158d0001a2b3c4', '{"temperature": 21.5, "humidity": 40, "battery": 97, "linkquality": 120}');
  const I = await login(process.env.INSTALLER, 'en');
  await I.page.goto(URL0 + '/#/commission');
  await onPage(I.page, 'commission');
  await check('installer: commissioning lists the unknown sender', async () => {
    await I.page.waitForFunction(() => /0x00158d0001a2b3c4/.test(document.querySelector('#unknown').textContent),
      null, { timeout: 3000 });
  });
  const sugg = await I.page.locator('#unknown pre.suggestion').count();
  if (sugg) pass('installer: the unknown sender has a suggested config entry');
  else info('the API gave no "suggestion" member for the unknown sender; nothing to show');
  publish('t/gas-1', '{"gas": false, "gas_lel": 1}');
  await check('installer: a reading arrives live on the commissioning page', async () => {
    await I.page.waitForSelector('#live-readings tr[data-live="gas-1"]', { timeout: 2000 });
  });
  await I.ctx.close();

  const A2 = await login(process.env.OWNER_A, 'en');
  const pa2 = A2.page;
  await check('owner A: no commissioning link for an owner', async () =>
    (await pa2.locator('#nav a[href="#/commission"]').count()) === 0);

  // ---- self-inspection check-in and the daily report
  await pa2.goto(URL0 + '/#/selfcheck/site-1');
  await onPage(pa2, 'selfcheck');
  await check('owner A: self-inspection check-in is recorded', async () => {
    await pa2.click('#selfcheck button[type="submit"]');
    await pa2.waitForSelector('#selfcheck .msg.ok', { timeout: 4000 });
  });
  await check('owner A: no daily report link for an owner', async () =>
    (await pa2.locator('#nav a[href="#/report"]').count()) === 0);
  await A2.ctx.close();

  // ---- the grid worker: every site, the daily report
  const G = await login(process.env.GRID, 'en');
  await check('grid worker: sees site-1\'s records', async () =>
    (await G.page.locator('tr[data-record]').count()) > 0);
  await G.page.goto(URL0 + '/#/report');
  await check('grid worker: the daily report page', async () => {
    await onPage(G.page, 'report');
    if (await G.page.locator('main .error').count()) throw new Error(await G.page.textContent('main .error'));
    return /gas_leak/.test(await G.page.textContent('main'));
  });
  await G.ctx.close();
  if (SHOTS) await screenshots(alarmId, hazardId);
}

// ------------------------------------------------------------ screenshots

const shotsTaken = new Set();
async function shotNow(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const lang = await page.evaluate(() => I18N.lang);
  const file = path.join(SHOTS, `${name}-${lang}.png`);
  await page.waitForTimeout(200);
  await page.screenshot({ path: file, fullPage: true });
  shotsTaken.add(file);
}

async function screenshots(alarmId, hazardId) {
  const users = [
    [process.env.OWNER_A, [['overview', '#/'], ['site', '#/site/site-1'],
      alarmId && ['alarm', '#/record/' + alarmId], hazardId && ['hazard', '#/record/' + hazardId],
      ['selfcheck', '#/selfcheck/site-1']].filter(Boolean)],
    [process.env.GRID, [['report', '#/report']]],
    [process.env.INSTALLER, [['commission', '#/commission']]],
  ];
  for (const lang of ['en', 'zh']) {
    const { ctx, page: p } = await newBrowser(lang, { width: 1280, height: 800 });
    await p.goto(URL0 + '/#/login');
    await onPage(p, 'login');
    await shotNow(p, 'login');
    await ctx.close();
    for (const [user, pages] of users) {
      const b = await login(user, lang);
      // the language by the page's own switch, the pages by their routes:
      // one document, one live feed (no reloads, each of which would be
      // a new connection while the server is still closing the last)
      if (await b.page.evaluate(() => I18N.lang) !== lang) {
        await b.page.click('#lang');
        await b.page.waitForFunction(l => I18N.lang === l, lang);
      }
      for (const [name, hash] of pages) {
        const before = await b.page.getAttribute('main', 'data-ready');
        await b.page.evaluate(hs => { if ((location.hash || '#/') === hs) route(); else location.hash = hs; }, hash);
        await b.page.waitForFunction(r => document.querySelector('main').dataset.ready !== r, before, { timeout: 5000 });
        await onPage(b.page, name === 'alarm' || name === 'hazard' ? 'record' : name);
        await shotNow(b.page, name);
      }
      await b.ctx.close();
    }
  }
  info('screenshots: ' + [...shotsTaken].map(f => path.basename(f)).join(' '));
}

main().then(() => process.exit(failed ? 1 : 0), e => {
  fail('browser test', e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e));
  process.exit(1);
});
