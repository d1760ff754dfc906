// Browser tests of the web admin page against a real appliance daemon.
//
// Why a real daemon and a real browser: the page is plain files embedded in the firmware binary,
// so what ships is exactly what the binary serves. Driving Debian's Chromium against it checks the
// page, the JSON API, the session cookie and the security headers (CSP) together, the way an
// administrator meets them. No mocks: every test can fail because of the page or the backend.
//
// The tests tell one story in order (first boot -> setup -> status -> logout -> login), sharing
// one daemon and one browser: the daemon's state (password set or not) is the point of the story,
// and starting one daemon keeps the whole run well under a minute.
//
// Environment:
//   APPLIANCE_BIN   the binary to test (default: ../out/linux-x64/appliance from web-ui/)
//   CHROMIUM_BIN    the browser (default: /usr/bin/chromium, Debian's package)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { chromium } from 'playwright-core';

const WEB_UI = fileURLToPath(new URL('..', import.meta.url));
const REPO = resolve(WEB_UI, '..');
// A path given in APPLIANCE_BIN means what it says from where the run started; the default is
// the x64 build next to web-ui/, wherever the run started.
const BIN = process.env.APPLIANCE_BIN
  ? resolve(process.env.APPLIANCE_BIN)
  : resolve(WEB_UI, '../out/linux-x64/appliance');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const ARTIFACTS = join(REPO, 'out', 'test', 'browser');

const PASSWORD = 'correct horse battery';   // long enough for the server's 8-character minimum
const SESSION_COOKIE = 'appliance_session';  // AdminApi.SessionCookie in the backend
const VIEWS = ['loading', 'setup', 'login', 'status'];
const TEST_TIMEOUT = 20_000;                 // per test; a hang fails one test, not the whole run

// ---------------------------------------------------------------- daemon helper

/** A loopback port nobody listens on right now: bind port 0, read what the kernel chose, close.
 *  The daemon binds it a moment later; on a test machine nothing else races for it. */
function freeLoopbackPort() {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Starts `appliance run` on dataDir (a fresh, empty directory), listening on 127.0.0.1 only,
 *  and resolves once it logs msg=ready (the web admin answers from then on). */
async function startDaemon(dataDir) {
  const port = await freeLoopbackPort();
  // 'config set' wants the directory to exist (mkdtemp made it) and creates the store in it;
  // loopback:PORT keeps the admin off every other interface, so the test exposes nothing.
  try {
    execFileSync(BIN, ['config', 'set', 'web.listen', `loopback:${port}`, '--data', dataDir],
      { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    throw new Error(`'${BIN} config set web.listen' failed (exit ${e.status}): ${e.stderr || e.message}`);
  }

  const child = spawn(BIN, ['run', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  const exited = new Promise((resolveExit) =>
    child.on('exit', (code, signal) => resolveExit({ code, signal })));

  await new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');   // nobody else holds it yet: don't leave it running
      reject(new Error(`daemon not ready within 15 s:\n${log.join('\n')}`));
    }, 15_000);
    let partial = '';
    const onData = (chunk) => {
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop();
      for (const line of lines) {
        log.push(line);
        if (/\bmsg=ready\b/.test(line)) { clearTimeout(timer); resolveReady(); }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => log.push(...chunk.toString().split('\n').filter(Boolean)));
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited before ready (code ${code}, signal ${signal}):\n${log.join('\n')}`));
    });
  });

  return {
    url: `http://127.0.0.1:${port}`,
    log,
    exited,
    /** SIGTERM, as systemd would send; resolves with the exit code and signal. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    kill() { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); },
  };
}

/** The firmware version the binary reports, e.g. "0.1.0+1cd0340" from
 *  "appliance 0.1.0+1cd0340 linux-x64": what the status page must show. */
function binaryVersion() {
  const out = execFileSync(BIN, ['version'], { encoding: 'utf8' }).trim();
  const m = /^appliance (\S+) (\S+)$/.exec(out);
  assert.ok(m, `unexpected 'appliance version' output: ${out}`);
  return m[1];
}

// ---------------------------------------------------------------- browser helpers

/** Which of the page's sections are visible, once its first API round trip is done. */
async function visibleViews(page) {
  await page.waitForFunction(() => document.getElementById('loading').hidden);
  return page.evaluate((ids) => ids.filter((id) => !document.getElementById(id).hidden), VIEWS);
}

async function waitForView(page, id) {
  await page.locator(`#${id}`).waitFor({ state: 'visible' });
  assert.deepEqual(await visibleViews(page), [id], `only #${id} should be visible`);
}

/** Asks the daemon directly, outside the browser: what the server really holds. */
async function apiGet(daemon, path, cookie) {
  const response = await fetch(daemon.url + path, { headers: cookie ? { cookie } : {} });
  return { status: response.status, data: await response.json().catch(() => null) };
}

// ---------------------------------------------------------------- the story

let dataDir, daemon, browser, context, page;
const pageErrors = [];   // uncaught exceptions and CSP violations seen in the admin's page

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  // Made here, not in startDaemon, so that after() removes it even when the daemon won't start.
  dataDir = await mkdtemp(join(tmpdir(), 'appliance-browser-'));
  daemon = await startDaemon(dataDir);
  // playwright-core drives the system's Chromium; it never downloads a browser of its own.
  // launch() gives the browser a fresh temporary profile (its own --user-data-dir) and removes
  // it on close, so no state leaks between runs.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`exception: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) pageErrors.push(`csp: ${m.text()}`);
  });
}, { timeout: 60_000 });

after(async () => {
  // Whatever happened above, leave no browser, daemon or temp directory behind.
  await browser?.close().catch(() => {});
  if (daemon) {
    daemon.kill();
    await writeFile(join(ARTIFACTS, 'daemon.log'), daemon.log.join('\n') + '\n').catch(() => {});
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('first visit shows the setup form, not login or status', { timeout: TEST_TIMEOUT }, async () => {
  await page.goto(daemon.url + '/');
  await waitForView(page, 'setup');
  assert.equal(await page.locator('#logout').isVisible(), false, 'no logout button before setup');
  assert.equal(await page.title(), 'VPN box');
});

test('mismatched passwords show an error and set nothing', { timeout: TEST_TIMEOUT }, async () => {
  const posts = [];
  const onRequest = (r) => { if (r.method() === 'POST') posts.push(r.url()); };
  page.on('request', onRequest);
  try {
    await page.fill('#setup-password', PASSWORD);
    await page.fill('#setup-repeat', PASSWORD + 'x');
    await page.click('#setup-form button[type=submit]');
    await page.locator('#setup-error').filter({ hasText: /differ/ }).waitFor();
  } finally {
    page.off('request', onRequest);
  }
  assert.deepEqual(posts, [], 'the page must not send differing passwords to the server');
  assert.deepEqual((await apiGet(daemon, '/api/setup')).data, { needsSetup: true });
  await waitForView(page, 'setup');
});

test('a too-short password is refused: by the browser, and with the server\'s own words', { timeout: TEST_TIMEOUT }, async () => {
  // The inputs carry minlength=8 (the server's minimum), so a typed short password is stopped by
  // the browser's constraint validation and never sent.
  const posts = [];
  const onRequest = (r) => { if (r.method() === 'POST') posts.push(r.url()); };
  page.on('request', onRequest);
  await page.fill('#setup-password', 'short');
  await page.fill('#setup-repeat', 'short');
  await page.click('#setup-form button[type=submit]');
  assert.equal(await page.$eval('#setup-password', (el) => el.validity.tooShort), true);
  page.off('request', onRequest);
  assert.deepEqual(posts, [], 'the browser should block a password shorter than minlength');

  // The server is the authority, though (an old browser, or a form posted without the page, skips
  // minlength). Drop the attribute to reach it, and the page must show the server's message.
  await page.$$eval('#setup input', (inputs) => inputs.forEach((i) => i.removeAttribute('minlength')));
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/setup') && r.request().method() === 'POST'),
    page.click('#setup-form button[type=submit]'),
  ]);
  assert.equal(response.status(), 400);
  const serverError = (await response.json()).error;
  assert.match(serverError, /at least 8 characters/);
  await page.locator('#setup-error').filter({ hasText: serverError }).waitFor();
  assert.equal(await page.textContent('#setup-error'), serverError);
  assert.deepEqual((await apiGet(daemon, '/api/setup')).data, { needsSetup: true });
});

test('a good password leads to the status page', { timeout: TEST_TIMEOUT }, async () => {
  const version = binaryVersion();
  await page.fill('#setup-password', PASSWORD);
  await page.fill('#setup-repeat', PASSWORD);
  await page.click('#setup-form button[type=submit]');
  await waitForView(page, 'status');

  assert.equal(await page.locator('#logout').isVisible(), true);
  assert.equal(await page.textContent('#st-datapath'), 'userspace');
  // "0.1.0+1cd0340 (x64)": the version the binary reports, then the architecture.
  const shown = await page.textContent('#st-version');
  assert.ok(shown.startsWith(version + ' ('), `#st-version "${shown}" should start with "${version} ("`);
  assert.match(await page.textContent('#st-uptime'), /^(\d+ (d|h|min) )*\d+ s$/);
  assert.ok((await page.textContent('#st-reasons')).length > 0, 'userspace datapath should say why');
  assert.match(await page.textContent('#st-cpuaes'), /^(yes|no)$/);
  // One row per ESP algorithm the box offers, three cells each, none empty.
  const rows = await page.$$eval('#st-crypto tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
  assert.equal(rows.length, 5, `crypto table rows: ${JSON.stringify(rows)}`);
  for (const cells of rows) {
    assert.equal(cells.length, 3);
    assert.ok(cells.every((c) => c.trim().length > 0), `empty cell in ${JSON.stringify(cells)}`);
  }
  assert.equal((await apiGet(daemon, '/api/setup')).data.needsSetup, false);

  await page.screenshot({ path: join(ARTIFACTS, 'status.png'), fullPage: true });
});

test('reloading the page keeps the session', { timeout: TEST_TIMEOUT }, async () => {
  await page.reload();
  await waitForView(page, 'status');
  assert.equal(await page.textContent('#st-datapath'), 'userspace');
});

test('the session cookie is HttpOnly and invisible to the page\'s scripts', { timeout: TEST_TIMEOUT }, async () => {
  const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
  assert.ok(cookie, `no ${SESSION_COOKIE} cookie after setup`);
  assert.equal(cookie.httpOnly, true, 'HttpOnly keeps an injected script from stealing the session');
  assert.equal(cookie.sameSite, 'Strict');
  assert.ok(cookie.value.length >= 32, 'the session id should be long and random');
  const visible = await page.evaluate(() => document.cookie);
  assert.ok(!visible.includes(SESSION_COOKIE) && !visible.includes(cookie.value),
    `document.cookie exposes the session: "${visible}"`);
});

test('logout shows the login form; a wrong password is refused; the right one logs in', { timeout: TEST_TIMEOUT }, async () => {
  const before = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
  assert.ok(before, 'logged in before logout');

  await page.click('#logout');
  await waitForView(page, 'login');
  assert.equal(await page.locator('#logout').isVisible(), false);
  // Logging out must end the session on the server, not just forget the cookie in this browser.
  assert.equal((await apiGet(daemon, '/api/status', `${SESSION_COOKIE}=${before.value}`)).status, 401,
    'the old session id still opens /api/status after logout');

  await page.fill('#login-password', PASSWORD + '-wrong');
  await page.click('#login-form button[type=submit]');
  await page.locator('#login-error').filter({ hasText: 'wrong password' }).waitFor();
  assert.equal(await page.textContent('#login-error'), 'wrong password');
  await waitForView(page, 'login');

  await page.fill('#login-password', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await waitForView(page, 'status');
  assert.equal(await page.textContent('#st-datapath'), 'userspace');
  assert.equal(await page.textContent('#login-error'), '', 'the old error is cleared on success');
  assert.equal(await page.inputValue('#login-password'), '', 'the password is not left in the form');
});

test('a second browser without the cookie sees login (not setup) and no status', { timeout: TEST_TIMEOUT }, async () => {
  const stranger = await browser.newContext();
  try {
    const other = await stranger.newPage();
    await other.goto(daemon.url + '/');
    await waitForView(other, 'login');
    const status = await other.evaluate(() => fetch('/api/status').then((r) => r.status));
    assert.equal(status, 401);
  } finally {
    await stranger.close();
  }
  // The first browser's session is untouched by the stranger's visit.
  await page.reload();
  await waitForView(page, 'status');
});

test('the page raised no script errors or CSP violations', () => {
  assert.deepEqual(pageErrors, []);
});

test('the daemon stops cleanly on SIGTERM', { timeout: TEST_TIMEOUT }, async () => {
  await browser.close();
  const { code, signal } = await daemon.stop();
  assert.equal(signal, null, `daemon died of ${signal}`);
  assert.equal(code, 0, `exit code:\n${daemon.log.slice(-10).join('\n')}`);
  assert.ok(daemon.log.some((l) => /\bmsg=stopped\b/.test(l)), 'no msg=stopped in the log');
  const errors = daemon.log.filter((l) => /\blevel=(error|fatal)\b/.test(l));
  assert.deepEqual(errors, [], 'the daemon logged errors during the run');
});
