// Browser test of the admin dashboard at /dashboard.
//
// Builds the debug binary, starts it on a free port over a fresh SQLite
// database, and drives Debian's Chromium through playwright-core at phone
// width (375 px), the way an account owner would use the page; one test
// checks the key table at 1280 and 1920 px in a second window.
//
//   cd tests/e2e && npm ci && node --test dashboard.test.mjs
//
// CHROMIUM_PATH overrides /usr/bin/chromium. The screenshots go to
// target/dashboard.png (phone), target/dashboard-1280.png and
// target/dashboard-child-1280.png (a child account's own owner key), the
// server's log to target/e2e-server.log.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TARGET_DIR = process.env.CARGO_TARGET_DIR
  ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR)
  : path.join(ROOT, 'target');
const BINARY = path.join(TARGET_DIR, 'debug', 'keyward');
const SCREENSHOT = path.join(ROOT, 'target', 'dashboard.png');
const SCREENSHOT_WIDE = path.join(ROOT, 'target', 'dashboard-1280.png');
const SCREENSHOT_CHILD = path.join(ROOT, 'target', 'dashboard-child-1280.png');
const SERVER_LOG = path.join(ROOT, 'target', 'e2e-server.log');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// The machine has no network: without these, Chromium's background
// connections (updates, sync, QUIC probes) fail and slow every start.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const KEY_PATTERN = /^kw_[0-9A-Za-z]{62}$/;
const TOKEN_PATTERN = /^kwst_[0-9A-Za-z]{62}$/;

/** Retries `check` (which throws while unmet) until it passes or time runs out. */
async function eventually(check, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts `keyward serve` and resolves once it printed its key and its port. */
function startServer(dir) {
  const child = spawn(
    BINARY,
    [
      'serve',
      '--bind', '127.0.0.1:0',
      '--database-url', path.join(dir, 'e2e.db'),
    ],
    { cwd: dir, env: { ...process.env, RUST_LOG: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // Kept for failure reports, with the key blanked out.
  const log = [];
  const ready = new Promise((resolve, reject) => {
    let key = null;
    let port = null;
    const timer = setTimeout(() => {
      reject(new Error(`the server did not start within 60 s:\n${log.join('\n')}`));
    }, 60_000);
    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      const secret = line.match(/kw_[0-9A-Za-z]{62}/);
      if (line.includes('shown once') && secret) key = secret[0];
      log.push(key ? line.replaceAll(key, 'kw_<bootstrap key>') : line);
      const listening = line.match(/listening on 127\.0\.0\.1:(\d+)/);
      if (listening) port = Number(listening[1]);
      if (key && port) {
        clearTimeout(timer);
        resolve({ key, port });
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}) before it was ready:\n${log.join('\n')}`));
    });
  });
  return { child, log, ready };
}

/**
 * Key lists shown with the widest times there are. The times in a list are
 * whenever the test runs, and a date or a clock time is wider on some days
 * and hours than on others ("May 31" against "Dec 1", "10:59" against
 * "9:59"); a layout check holds on every day at every hour only if it sees
 * the widest. Everything else in the list is the server's answer. The page's
 * context should be in UTC (`timezoneId`), so that the clock reads 10:59.
 */
async function widestTimes(page) {
  await page.route(
    (url) => url.pathname.endsWith('/api-keys'),
    async (route) => {
      if (route.request().method() !== 'GET') return route.fallback();
      const response = await route.fetch();
      const keys = await response.json();
      if (!Array.isArray(keys)) return route.fulfill({ response });
      for (const key of keys) {
        for (const field of ['createdAt', 'modifiedAt', 'lastUsedAt']) key[field] = '2026-05-31T10:59:58Z';
        // An active key's expiry stays in the future, an expired key's past.
        if (key.expiresAt) key.expiresAt = key.status === 'expired' ? '2026-05-31T10:59:58Z' : '2099-05-31T10:59:58Z';
      }
      await route.fulfill({ response, json: keys });
    },
  );
}

/** Stops the server: SIGTERM, then SIGKILL if it is still there after 5 s. */
async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

describe('Keyward dashboard', () => {
  let dir;
  let server;
  let ownerKey;
  let base;
  let browser;
  let page;
  const requests = [];
  const problems = [];

  const row = (name) => page.locator(`tr[data-key-name="${name}"]`);
  const field = (name, which) => row(name).locator(`[data-field="${which}"]`);
  const text = async (locator) => ((await locator.textContent({ timeout: 1_000 })) ?? '').trim();
  const storedKey = () => page.evaluate(() => sessionStorage.getItem('keyward.apiKey'));
  /** Calls the native API directly with the bootstrap key. */
  const call = async (method, apiPath, body) => {
    const response = await fetch(`${base}${apiPath}`, {
      method,
      headers: { 'x-api-key': ownerKey, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = response.status === 204 ? null : await response.json();
    assert.ok(response.ok, `${method} ${apiPath}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const verifyKey = (key) =>
    fetch(`${base}/api/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    }).then((response) => response.json());
  /** Opens a key's history from its row; returns the dialog. */
  const openHistory = async (name) => {
    await row(name).getByRole('button', { name: `History of ${name}` }).click();
    const dialog = page.locator('#history-dialog');
    await dialog.waitFor({ state: 'visible' });
    assert.equal(await text(page.locator('#history-name')), name);
    return dialog;
  };
  const events = () => page.locator('#history-list [data-testid="event"]');
  const closeHistory = async () => {
    await page.keyboard.press('Escape');
    await page.locator('#history-dialog').waitFor({ state: 'hidden' });
  };
  /** A local date-time for a datetime-local field, and the UTC instant it means. */
  const localDateTime = (offsetMs) =>
    page.evaluate((offset) => {
      const at = new Date(Date.now() + offset);
      at.setSeconds(0, 0);
      const pad = (n) => String(n).padStart(2, '0');
      const local =
        `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}` +
        `T${pad(at.getHours())}:${pad(at.getMinutes())}`;
      return { local, iso: at.toISOString() };
    }, offsetMs);
  /**
   * Like localDateTime, to the second, for the edit dialog's field (which
   * takes seconds): rounded up to a whole second, without ":00" seconds,
   * which the browser leaves out of the field's value.
   */
  const localDateTimeSeconds = (offsetMs) =>
    page.evaluate((offset) => {
      const at = new Date(Math.ceil((Date.now() + offset) / 1000) * 1000);
      const pad = (n) => String(n).padStart(2, '0');
      let local =
        `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}` +
        `T${pad(at.getHours())}:${pad(at.getMinutes())}`;
      if (at.getSeconds() !== 0) local += `:${pad(at.getSeconds())}`;
      return { local, iso: at.toISOString() };
    }, offsetMs);
  /** The create form: the edit dialog has fields with the same labels. */
  const createForm = () => page.locator('#create-form');
  const editDialog = () => page.locator('#edit-dialog');
  /** Opens the edit dialog from a row's button (`Edit` or `Change expiry of`). */
  const openEdit = async (name, label = 'Edit') => {
    await row(name).getByRole('button', { name: `${label} ${name}`, exact: true }).click();
    await editDialog().waitFor({ state: 'visible' });
    assert.equal(await text(page.locator('#edit-name')), name);
  };
  const saveEdit = async () => {
    await editDialog().getByRole('button', { name: 'Save' }).click();
    await editDialog().waitFor({ state: 'hidden' });
  };
  const focusedLabel = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
  /**
   * The page's script modules as the server serves them, by name: main.js
   * and, transitively, every module it imports (imports are `./name.js`).
   */
  const modules = async () => {
    const found = new Map();
    const pending = ['main.js'];
    while (pending.length > 0) {
      const name = pending.shift();
      if (found.has(name)) continue;
      const response = await fetch(`${base}/dashboard/${name}`);
      assert.equal(response.status, 200, name);
      const source = await response.text();
      found.set(name, source);
      for (const [, from] of source.matchAll(/^(?:import\b[^;]*?|\}) from '([^']+)';$/gm)) {
        assert.match(from, /^\.\/[a-z-]+\.js$/, `${name} imports ${from}: not a relative module path`);
        pending.push(from.slice(2));
      }
    }
    return found;
  };
  const keysApi = async () => `/api/accounts/${(await call('GET', '/api/me')).accountId}/api-keys`;
  let till2Secret;
  let till2Expiry;

  before(async () => {
    const build = spawnSync('cargo', ['build'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
    assert.equal(build.status, 0, 'cargo build failed');

    dir = mkdtempSync(path.join(os.tmpdir(), 'keyward-e2e-'));
    server = startServer(dir);
    // Whatever happens to the test process, the server does not outlive it.
    process.once('exit', () => server.child.kill('SIGKILL'));
    const { key, port } = await server.ready;
    ownerKey = key;
    base = `http://127.0.0.1:${port}`;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({
      viewport: { width: 375, height: 812 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('request', (request) => requests.push(request));
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) {
        problems.push(`console: ${message.text()}`);
      }
    });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    if (server) {
      await stopServer(server.child);
      // For failure reports; the bootstrap key is blanked out in it.
      mkdirSync(path.dirname(SERVER_LOG), { recursive: true });
      writeFileSync(SERVER_LOG, `${server.log.join('\n')}\n`);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page and its assets with their types and a strict policy', async () => {
    const response = await fetch(`${base}/dashboard`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^text\/html; charset=utf-8$/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    const policy = response.headers.get('content-security-policy');
    assert.match(policy, /script-src 'self'/);
    assert.match(policy, /style-src 'self'/);
    assert.match(policy, /frame-ancestors 'none'/);
    assert.doesNotMatch(policy, /unsafe|\*|https?:/);
    const html = await response.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(html, /\son[a-z]+=|\sstyle=/, 'no inline handlers or styles');

    for (const [file, type] of [
      ['main.js', 'text/javascript; charset=utf-8'],
      ['dashboard.css', 'text/css; charset=utf-8'],
      ['icon.svg', 'image/svg+xml'],
    ]) {
      const asset = await fetch(`${base}/dashboard/${file}`);
      assert.equal(asset.status, 200, file);
      assert.equal(asset.headers.get('content-type'), type, file);
      assert.equal(asset.headers.get('x-content-type-options'), 'nosniff', file);
    }
    for (const [name, script] of await modules()) {
      assert.doesNotMatch(script, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|localStorage/, name);
    }

    const post = await fetch(`${base}/dashboard`, { method: 'POST' });
    assert.equal(post.status, 405);
  });

  it('serves every module the page loads with the policy and no-cache, and 404 for others', async () => {
    const policy = (await fetch(`${base}/dashboard`)).headers.get('content-security-policy');
    const expected = await modules();
    assert.ok(expected.size > 1, 'main.js imports the other modules');

    const probe = await browser.newPage();
    try {
      const scripts = [];
      probe.on('response', (response) => {
        if (response.request().resourceType() === 'script') scripts.push(response);
      });
      const errors = [];
      probe.on('pageerror', (error) => errors.push(error.message));
      await probe.goto(`${base}/dashboard`);
      await probe.locator('#login-key').waitFor();
      // The script ran: it focuses the email field once it is wired up.
      await eventually(async () =>
        assert.equal(await probe.evaluate(() => document.activeElement?.id), 'login-email'),
      );
      assert.deepEqual(errors, []);

      const loaded = scripts.map((response) => new URL(response.url()).pathname).sort();
      assert.deepEqual(loaded, [...expected.keys()].map((name) => `/dashboard/${name}`).sort());
      for (const response of scripts) {
        const file = new URL(response.url()).pathname;
        const headers = await response.allHeaders();
        assert.equal(response.status(), 200, file);
        assert.equal(headers['content-type'], 'text/javascript; charset=utf-8', file);
        assert.equal(headers['content-security-policy'], policy, file);
        assert.equal(headers['cache-control'], 'no-cache', file);
        assert.equal(headers['x-content-type-options'], 'nosniff', file);
        assert.equal(headers['x-frame-options'], 'DENY', file);
        assert.equal(headers['referrer-policy'], 'no-referrer', file);
      }
    } finally {
      await probe.close();
    }

    // Every file the OpenAPI document lists carries the same headers.
    const openapi = await (await fetch(`${base}/api/openapi.json`)).json();
    const [parameter] = openapi.paths['/dashboard/{file}'].get.parameters;
    const listed = parameter.schema.enum;
    for (const name of expected.keys()) assert.ok(listed.includes(name), `${name} is documented`);
    for (const name of listed) {
      for (const method of ['GET', 'HEAD']) {
        const response = await fetch(`${base}/dashboard/${name}`, { method });
        assert.equal(response.status, 200, `${method} ${name}`);
        assert.equal(response.headers.get('content-security-policy'), policy, `${method} ${name}`);
        assert.equal(response.headers.get('cache-control'), 'no-cache', `${method} ${name}`);
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff', `${method} ${name}`);
        assert.equal(response.headers.get('x-frame-options'), 'DENY', `${method} ${name}`);
        assert.equal(response.headers.get('referrer-policy'), 'no-referrer', `${method} ${name}`);
      }
    }

    for (const file of ['x.js', 'dashboard.js', 'index.html', 'Main.js']) {
      const unknown = await fetch(`${base}/dashboard/${file}`);
      assert.equal(unknown.status, 404, file);
      assert.deepEqual(
        await unknown.json(),
        { statusCode: 404, error: 'Not Found', message: 'ROUTE_NOT_FOUND' },
        file,
      );
    }
  });

  it('refuses a wrong key with the API message in the alert', async () => {
    await page.goto(`${base}/dashboard`);
    assert.equal(await page.locator('#login-key').getAttribute('type'), 'password');
    await page.locator('#login-key').fill('kw_this-is-not-a-key');
    await page.locator('#login-submit').click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    assert.match(await text(alert), /Invalid authentication/);
    assert.match(
      await text(page.locator('#alert-next')),
      /^What to do: Sign in with a working account-owner API key\.$/,
      'the error says what to do next',
    );
    assert.equal(await storedKey(), null);
    assert.ok(await page.locator('#login-view').isVisible());
  });

  it('signs in with the bootstrap key and lists the owner key', async () => {
    await page.locator('#login-key').fill(ownerKey);
    await page.locator('#login-key').press('Enter');
    await row('owner').waitFor();
    assert.ok(await page.getByRole('alert').isHidden(), 'a successful sign-in clears the error');
    assert.match(await text(page.locator('#whoami-account')), /^[A-Za-z0-9]{22}$/);
    assert.equal(await text(page.locator('#whoami-name')), 'owner');
    assert.equal(await text(field('owner', 'role')), 'account-owner');
    assert.equal(await text(field('owner', 'status')), 'active');
    assert.equal(await text(field('owner', 'enabled')), 'enabled');
    assert.equal(await text(field('owner', 'apiKey')), `...${ownerKey.slice(-6)}`);
    assert.equal(await text(field('owner', 'version')), '1');
    assert.match(await text(field('owner', 'created')), /keyward CLI/);
    assert.match(await text(field('owner', 'modified')), /keyward CLI/);
    // The field is cleared only once the sign-in (and the list) finished.
    await eventually(async () =>
      assert.equal(await page.locator('#login-key').inputValue(), '', 'the field does not keep the key'),
    );
  });

  it('creates Till1 and shows its secret once', async () => {
    await page.getByLabel('Name', { exact: true }).fill('Till1');
    await createForm().getByLabel('Role').selectOption('merchant-terminal');
    await createForm().getByLabel(/^Description/).fill('Front counter till');
    await page.locator('#create-submit').click();

    const panel = page.locator('#secret-panel');
    await panel.waitFor({ state: 'visible' });
    const secret = await text(page.locator('#secret-value'));
    assert.match(secret, KEY_PATTERN);
    assert.equal(await text(page.locator('#secret-name')), 'Till1');

    await row('Till1').waitFor();
    assert.equal(await text(field('Till1', 'role')), 'merchant-terminal');
    assert.equal(await text(field('Till1', 'status')), 'active');
    assert.equal(await text(field('Till1', 'enabled')), 'enabled');
    assert.equal(await text(field('Till1', 'version')), '1');
    assert.equal(await text(field('Till1', 'apiKey')), `...${secret.slice(-6)}`);
    assert.match(await text(field('Till1', 'name')), /Front counter till/);
    assert.match(await text(field('Till1', 'created')), /^owner/);
    assert.equal(await text(field('Till1', 'expires')), 'never');
    assert.equal(await text(field('Till1', 'lastUsed')), 'never');

    await page.locator('#secret-copy').click();
    await eventually(async () => assert.match(await text(page.locator('#notice')), /copied|selected/));
    await page.locator('#secret-dismiss').click();
    await eventually(async () => assert.ok(await panel.isHidden()));
    assert.equal(await page.locator('#secret-value').textContent(), '', 'the secret leaves the page');
    assert.ok(!(await page.locator('body').innerText()).includes(secret));
  });

  it('disables Till1', async () => {
    await row('Till1').getByRole('button', { name: 'Disable Till1' }).click();
    await eventually(async () => {
      assert.equal(await text(field('Till1', 'enabled')), 'disabled');
      assert.equal(await text(field('Till1', 'version')), '2');
    });
    assert.equal(await text(row('Till1').locator('[data-action="toggle"]')), 'Enable');
    // Keyboard users stay where they were after the table is redrawn.
    await eventually(async () =>
      assert.equal(
        await page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
        'Enable Till1',
      ),
    );
  });

  it("lists Till1's history, newest first", async () => {
    const dialog = await openHistory('Till1');
    assert.equal(await events().count(), 2);
    const newest = events().first();
    assert.equal(await newest.getAttribute('data-version'), '2');
    assert.match(await text(newest.getByTestId('event-kinds')), /^disabled$/);
    assert.match(await text(newest), /version 2/);
    assert.match(await text(newest), /^version 2.*owner/s, 'who, shortened like the table');
    assert.match(await text(newest.locator('dd[data-change="enabled"]')), /^true\s*→\s*to\s*false$/);
    const oldest = events().last();
    assert.equal(await oldest.getAttribute('data-version'), '1');
    assert.match(await text(oldest.getByTestId('event-kinds')), /^created$/);
    assert.match(await text(oldest.locator('dd[data-change="name"]')), /^Till1$/);
    assert.ok(await page.locator('#history-more').isHidden(), 'one page only');
    assert.ok(await page.getByRole('alert').isHidden());
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    // The dialog hides at once; its close event, which empties the list, comes later.
    await eventually(async () => assert.equal(await events().count(), 0, 'the list is emptied on close'));
    await eventually(async () =>
      assert.equal(
        await page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
        'History of Till1',
      ),
    );
  });

  it('revokes Till1 only after the dialog confirms it', async () => {
    const dialog = page.locator('#revoke-dialog');
    await row('Till1').getByRole('button', { name: 'Revoke Till1' }).click();
    await dialog.waitFor({ state: 'visible' });
    assert.equal(await text(page.locator('#revoke-name')), 'Till1');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await text(field('Till1', 'status')), 'active');

    await row('Till1').getByRole('button', { name: 'Revoke Till1' }).click();
    await dialog.waitFor({ state: 'visible' });
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await eventually(async () => assert.equal(await text(field('Till1', 'status')), 'revoked'));
    assert.equal(await text(field('Till1', 'version')), '3');
    assert.deepEqual(
      await row('Till1').getByRole('button').allTextContents(),
      ['History', 'Usage'],
      'a revoked key has no actions but its history and usage',
    );
  });

  it('shows API_KEY_NAME_TAKEN when the name is used again', async () => {
    await page.getByLabel('Name', { exact: true }).fill('Till1');
    await page.locator('#create-submit').click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    assert.match(await text(alert), /API_KEY_NAME_TAKEN/);
    assert.ok(await page.locator('#secret-panel').isHidden());
    assert.equal(await page.locator('tr[data-key-name="Till1"]').count(), 1);
  });

  it('refuses an expiry in the past with the API message', async () => {
    const { local } = await localDateTime(-24 * 60 * 60 * 1000);
    await page.getByLabel('Name', { exact: true }).fill('Till2');
    await createForm().getByLabel(/^Expires/).fill(local);
    await page.locator('#create-submit').click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    // The alert of the previous test may still be up: wait for this answer's message.
    await eventually(async () => assert.match(await text(alert), /expiresAt must be in the future/));
    assert.match(await text(page.locator('#alert-next')), /^What to do: Choose a date and time later than now/);
    assert.equal(await row('Till2').count(), 0);
  });

  it('creates Till2 expiring a day ahead and shows the expiry', async () => {
    const { local, iso } = await localDateTime(24 * 60 * 60 * 1000);
    till2Expiry = iso;
    await page.getByLabel('Name', { exact: true }).fill('Till2');
    await createForm().getByLabel(/^Expires/).fill(local);
    await page.locator('#create-submit').click();
    await page.locator('#secret-panel').waitFor({ state: 'visible' });
    assert.ok(await page.getByRole('alert').isHidden());
    till2Secret = await text(page.locator('#secret-value'));
    assert.match(till2Secret, KEY_PATTERN);
    await row('Till2').waitFor();
    const expires = field('Till2', 'expires').locator('time');
    assert.equal(await expires.getAttribute('datetime'), iso, 'the local time, sent as UTC');
    assert.notEqual(await text(expires), 'never');
    assert.match(await text(expires), new RegExp(String(new Date(iso).getUTCFullYear())));
    assert.equal(await text(field('Till2', 'status')), 'active');
    assert.equal(await createForm().getByLabel(/^Expires/).inputValue(), '', 'the form is reset');
    await page.locator('#secret-dismiss').click();
  });

  it('rotates Till2 with no grace period and shows the new secret once', async () => {
    const oldMask = await text(field('Till2', 'apiKey'));
    assert.equal(oldMask, `...${till2Secret.slice(-6)}`);
    const dialog = page.locator('#rotate-dialog');
    await row('Till2').getByRole('button', { name: 'Rotate Till2' }).click();
    await dialog.waitFor({ state: 'visible' });
    assert.equal(await text(page.locator('#rotate-name')), 'Till2');
    assert.match(await text(dialog), /old secret stops working/);
    const grace = page.getByLabel('Grace period in seconds');
    assert.equal(await grace.inputValue(), '0');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'rotate-grace');
    await grace.press('Enter');
    await dialog.waitFor({ state: 'hidden' });

    await page.locator('#secret-panel').waitFor({ state: 'visible' });
    assert.ok(await page.getByRole('alert').isHidden());
    const secret = await text(page.locator('#secret-value'));
    assert.match(secret, KEY_PATTERN);
    assert.notEqual(secret, till2Secret);
    assert.equal(await text(page.locator('#secret-name')), 'Till2');
    assert.match(await text(page.locator('#secret-title')), /^New secret for Till2/);
    assert.match(await text(page.locator('#secret-note')), /old secret no longer works/);
    await eventually(async () => {
      assert.equal(await text(field('Till2', 'apiKey')), `...${secret.slice(-6)}`);
      assert.equal(await text(field('Till2', 'version')), '2');
    });
    assert.notEqual(await text(field('Till2', 'apiKey')), oldMask);

    assert.equal((await verifyKey(secret)).valid, true, 'the new secret works');
    assert.equal((await verifyKey(till2Secret)).valid, false, 'the old one ended at once');

    await page.locator('#secret-copy').click();
    await page.locator('#secret-dismiss').click();
    await eventually(async () => assert.equal(await page.locator('#secret-value').textContent(), ''));
    // The copy above may still be settling (it can move focus when it falls back to selecting).
    await eventually(async () =>
      assert.equal(
        await page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
        'Rotate Till2',
      ),
    );

    await openHistory('Till2');
    const newest = events().first();
    assert.equal(await newest.getAttribute('data-version'), '2');
    assert.match(await text(newest.getByTestId('event-kinds')), /^rotated$/);
    assert.equal(
      await text(newest.locator('dd[data-change="apiKey"]')).then((t) => t.replace(/\s+/g, ' ')),
      `${oldMask} → to ...${secret.slice(-6)}`,
    );
    assert.ok(!(await text(page.locator('#history-list'))).includes(secret.slice(0, 20)));
    await closeHistory();
  });

  it("edits Till2's description from its card, and clears it", async () => {
    await openEdit('Till2');
    const description = editDialog().getByLabel(/^Description/);
    assert.equal(await description.inputValue(), '');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'edit-description');
    assert.equal(await editDialog().getByLabel('Never expires').isChecked(), false);
    await description.fill('Back office till');
    await saveEdit();
    await eventually(async () => {
      assert.match(await text(field('Till2', 'name')), /Back office till/);
      assert.equal(await text(field('Till2', 'version')), '3');
    });
    assert.match(await text(page.locator('#notice')), /^Till2 saved \(version 3\)/);
    await eventually(async () => assert.equal(await focusedLabel(), 'Edit Till2'));

    await openEdit('Till2');
    assert.equal(await description.inputValue(), 'Back office till');
    await description.fill('');
    await saveEdit();
    await eventually(async () => assert.equal(await text(field('Till2', 'version')), '4'));
    assert.equal(await row('Till2').locator('.description').count(), 0);
    const key = await call('GET', `${await keysApi()}/Till2`);
    assert.equal(key.description, null, 'an emptied description is cleared');
    assert.equal(key.expiresAt, till2Expiry, 'the expiry, not touched, is not sent');
    assert.equal(key.status, 'active');
  });

  it('keeps what was typed and says what to do when the key changed elsewhere', async () => {
    await openEdit('Till2');
    // Another owner changes the key while the dialog is open.
    await call('PUT', `${await keysApi()}/Till2`, { description: 'Changed elsewhere' });
    const description = editDialog().getByLabel(/^Description/);
    await description.fill('Back office till');
    await editDialog().getByRole('button', { name: 'Save' }).click();
    const error = page.locator('#edit-error');
    await error.waitFor({ state: 'visible' });
    assert.match(await text(page.locator('#edit-error-message')), /^VERSION_MISMATCH$/);
    assert.match(await text(page.locator('#edit-error-detail')), /^\(412 Precondition Failed\) Till2 was changed elsewhere/);
    assert.match(await text(page.locator('#edit-error-next')), /^What to do: Save again .* or cancel/);
    assert.ok(await editDialog().isVisible(), 'the dialog stays open');
    assert.equal(await description.inputValue(), 'Back office till', 'what was typed stays');
    // Behind the dialog the list shows the key as it is now.
    await eventually(async () => {
      assert.equal(await text(field('Till2', 'version')), '5');
      assert.match(await text(field('Till2', 'name')), /Changed elsewhere/);
    });

    await saveEdit();
    await eventually(async () => {
      assert.equal(await text(field('Till2', 'version')), '6');
      assert.match(await text(field('Till2', 'name')), /Back office till/);
    });
    assert.ok(await page.getByRole('alert').isHidden());
  });

  it('refuses an expiry in the past in the dialog, with what to do instead', async () => {
    await openEdit('Till2');
    const { local } = await localDateTime(-60 * 60 * 1000);
    await editDialog().getByLabel(/^Expires/).fill(local);
    await editDialog().getByRole('button', { name: 'Save' }).click();
    await page.locator('#edit-error').waitFor({ state: 'visible' });
    assert.match(await text(page.locator('#edit-error-message')), /^expiresAt must be in the future$/);
    assert.match(
      await text(page.locator('#edit-error-next')),
      /^What to do: Choose a date and time later than now/,
    );
    await editDialog().getByRole('button', { name: 'Cancel' }).click();
    await editDialog().waitFor({ state: 'hidden' });
    assert.equal(await text(field('Till2', 'version')), '6', 'nothing changed');
    await eventually(async () => assert.equal(await focusedLabel(), 'Edit Till2'));
  });

  it('sets Till2 to expire in a few seconds and shows it expired without a reload', async () => {
    await openEdit('Till2');
    // A few seconds, so that the change surely arrives before the moment it names.
    const { local, iso } = await localDateTimeSeconds(4_000);
    await editDialog().getByLabel(/^Expires/).fill(local);
    await saveEdit();
    await eventually(async () => {
      assert.equal(await field('Till2', 'expires').locator('time').getAttribute('datetime', { timeout: 1_000 }), iso);
      assert.equal(await text(field('Till2', 'version')), '7');
    });
    // No click: the page reloads the list itself once the expiry has come.
    await eventually(async () => assert.equal(await text(field('Till2', 'status')), 'expired'), 20_000);
    assert.equal(await row('Till2').getByRole('button', { name: 'Rotate Till2' }).count(), 0);
    assert.equal(await row('Till2').getByRole('button', { name: 'Change expiry of Till2', exact: true }).count(), 1);
    assert.equal(await row('Till2').getAttribute('data-status'), 'expired');
    assert.match(await text(page.locator('#notice')), /Till2 has expired\./);
    assert.equal((await call('GET', `${await keysApi()}/Till2`)).status, 'expired');
  });

  it('gives expired Till2 no expiry from its card, which makes it active again', async () => {
    await openEdit('Till2', 'Change expiry of');
    assert.ok(await page.locator('#edit-expired').isVisible(), 'the dialog says the key has expired');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'edit-expires');
    await editDialog().getByLabel('Never expires').check();
    assert.ok(await editDialog().getByLabel(/^Expires/).isDisabled());
    await saveEdit();
    await eventually(async () => {
      assert.equal(await text(field('Till2', 'status')), 'active');
      assert.equal(await text(field('Till2', 'expires')), 'never');
      assert.equal(await text(field('Till2', 'version')), '8');
    });
    // The button that opened the dialog is gone: focus goes to Rotate, which took its place.
    await eventually(async () => assert.equal(await focusedLabel(), 'Rotate Till2'));

    await openHistory('Till2');
    const newest = events().first();
    assert.match(await text(newest.getByTestId('event-kinds')), /^expiry set$/);
    assert.match(await text(newest.locator('dd[data-change="expiresAt"]')), /→\s*to\s*never$/);
    await closeHistory();
  });

  it('says to change the expiry first when a key expired before its rotation', async () => {
    const keys = await keysApi();
    await call('POST', keys, { name: 'Till3', role: 'merchant-terminal' });
    await page.locator('#keys-refresh').click();
    await row('Till3').waitFor();
    // Elsewhere, Till3 gets an expiry a moment ahead; the page does not know.
    await call('PUT', `${keys}/Till3`, { expiresAt: new Date(Date.now() + 1_500).toISOString() });
    await eventually(async () => assert.equal((await call('GET', `${keys}/Till3`)).status, 'expired'));

    const dialog = page.locator('#rotate-dialog');
    await row('Till3').getByRole('button', { name: 'Rotate Till3' }).click();
    await dialog.waitFor({ state: 'visible' });
    await dialog.getByRole('button', { name: 'Rotate', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    assert.match(await text(page.locator('#alert-message')), /^API_KEY_EXPIRED$/);
    assert.match(await text(page.locator('#alert-detail')), /^\(409 Conflict\)/);
    assert.match(await text(page.locator('#alert-next')), /^What to do: Use “Change expiry…” on the key/);
    assert.ok(await page.locator('#secret-panel').isHidden());
    // The list was reloaded: it now offers what the next step names.
    await eventually(async () => {
      assert.equal(await text(field('Till3', 'status')), 'expired');
      assert.equal(await row('Till3').getByRole('button', { name: 'Change expiry of Till3', exact: true }).count(), 1);
    });
  });

  it('pages a long history with Load older', async () => {
    const { accountId } = await call('GET', '/api/me');
    const keys = `/api/accounts/${accountId}/api-keys`;
    await call('POST', keys, { name: 'Busy', role: 'merchant-terminal' });
    for (let i = 0; i < 21; i += 1) {
      await call('PUT', `${keys}/Busy`, { enabled: i % 2 === 1 });
    }
    await page.locator('#keys-refresh').click();
    await row('Busy').waitFor();

    await openHistory('Busy');
    assert.equal(await events().count(), 20);
    const more = page.getByRole('button', { name: 'Load older' });
    await more.focus();
    await page.keyboard.press('Enter');
    await eventually(async () => assert.equal(await events().count(), 22));
    assert.ok(await more.isHidden(), 'no older page left');
    const versions = await events().evaluateAll((items) => items.map((i) => i.dataset.version));
    assert.deepEqual(versions, Array.from({ length: 22 }, (_, i) => String(22 - i)));
    assert.match(await text(events().last().getByTestId('event-kinds')), /^created$/);
    await eventually(async () =>
      assert.equal(
        await page.evaluate(() => document.activeElement?.dataset.version),
        '2',
        'focus moves to the first older event',
      ),
    );
    await closeHistory();
  });

  // ---- limits ---------------------------------------------------------------

  let meterSecret;
  /** POST /api/verify with a cost (0 peeks without counting). */
  const verifyCost = (key, cost) =>
    fetch(`${base}/api/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key, cost }),
    }).then((response) => response.json());
  /** A whole number as the page formats it (the browser's locale). */
  const formatted = (n) => page.evaluate((value) => new Intl.NumberFormat().format(value), n);
  /** A row's limits as shown: the rate limit, the credits left, their refill ('' when absent). */
  const shownLimits = async (name) => {
    const cell = field(name, 'limits');
    const part = async (selector) =>
      (await cell.locator(selector).count()) === 0 ? '' : text(cell.locator(selector));
    return {
      rate: await part('[data-limit="rateLimit"] [aria-hidden="true"]'),
      left: await part('.credits-left'),
      refill: await part('.credits-refill'),
    };
  };
  const rateField = (scope, label) => scope.getByLabel(label, { exact: true });

  it('refuses a rate limit that is half filled in, or over the maximum, and says what to do', async () => {
    await page.getByLabel('Name', { exact: true }).fill('Meter1');
    await rateField(createForm(), 'Uses per window').fill('100');
    await page.locator('#create-submit').click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    await eventually(async () =>
      assert.match(await text(page.locator('#alert-message')), /^The rate limit needs its window in seconds$/),
    );
    assert.match(await text(page.locator('#alert-next')), /^What to do: Fill in both, .* or leave both empty for no rate limit\.$/);

    // Past the largest limit: the server's 400, with the next step.
    await rateField(createForm(), 'Uses per window').fill('2000000000');
    await rateField(createForm(), 'Window in seconds').fill('60');
    await page.locator('#create-submit').click();
    await eventually(async () =>
      assert.equal(await text(page.locator('#alert-message')), 'rateLimit.limit must be between 1 and 1000000000'),
    );
    assert.match(await text(page.locator('#alert-detail')), /^\(400 Bad Request\)/);
    assert.match(await text(page.locator('#alert-next')), /^What to do: Enter the uses per window as a whole number from 1 to 1,000,000,000/);
    assert.equal(await row('Meter1').count(), 0, 'nothing was created');
    await page.locator('#alert-dismiss').click();
  });

  it('creates Meter1 with a rate limit and credits and shows them in its row', async () => {
    // The form kept what was typed after the refusal.
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Meter1');
    await rateField(createForm(), 'Uses per window').fill('100');
    await rateField(createForm(), 'Window in seconds').fill('60');
    await createForm().getByLabel('Credit balance').fill('940');
    await createForm().getByLabel(/^Refill to/).fill('1000');
    await createForm().getByLabel('Refill interval').selectOption('daily');
    await page.locator('#create-submit').click();
    await page.locator('#secret-panel').waitFor({ state: 'visible' });
    assert.ok(await page.getByRole('alert').isHidden());
    meterSecret = await text(page.locator('#secret-value'));
    assert.match(meterSecret, KEY_PATTERN);
    await row('Meter1').waitFor();

    assert.deepEqual(await shownLimits('Meter1'), {
      rate: `100 / 60 s`,
      left: `940 credits left`,
      refill: `refills to ${await formatted(1000)} daily`,
    });
    // Said in words too, not only as "100 / 60 s".
    assert.match(await text(field('Meter1', 'limits')), /rate limit 100 uses per 60 seconds/);
    // A key without limits says so.
    assert.equal(await text(field('owner', 'limits').locator('.visually-hidden')), 'no limits');
    assert.equal(await text(field('owner', 'limits').locator('[aria-hidden="true"]')), '—');
    for (const id of ['create-rate-limit', 'create-rate-window', 'create-credits', 'create-refill-amount']) {
      assert.equal(await page.locator(`#${id}`).inputValue(), '', `${id}: the form is reset`);
    }
    await page.locator('#secret-dismiss').click();

    const key = await call('GET', `${await keysApi()}/Meter1`);
    assert.deepEqual(key.rateLimit, { limit: 100, windowSeconds: 60 });
    assert.deepEqual(key.credits, { remaining: 940, refill: { amount: 1000, interval: 'daily' } });
    const peek = await verifyCost(meterSecret, 0);
    assert.equal(peek.valid, true);
    assert.equal(peek.rateLimit.limit, 100);
    assert.equal(peek.credits.remaining, 940);
  });

  it("changes Meter1's refill and removes its rate limit, keeping the balance its verifies left", async () => {
    // A verify spends a credit; the page still shows 940 until it reloads.
    const spent = await verifyCost(meterSecret, 1);
    assert.equal(spent.valid, true);
    assert.equal(spent.credits.remaining, 939);

    await openEdit('Meter1');
    const rateNone = editDialog().getByLabel('No rate limit');
    assert.equal(await rateNone.isChecked(), false);
    assert.equal(await rateField(editDialog(), 'Uses per window').inputValue(), '100');
    assert.equal(await rateField(editDialog(), 'Window in seconds').inputValue(), '60');
    assert.equal(await editDialog().getByLabel('No credits').isChecked(), false);
    assert.equal(await editDialog().getByLabel('Credit balance').inputValue(), '940');
    assert.equal(await editDialog().getByLabel(/^Refill to/).inputValue(), '1000');
    assert.equal(await editDialog().getByLabel('Refill interval').inputValue(), 'daily');

    await rateNone.check();
    assert.ok(await rateField(editDialog(), 'Uses per window').isDisabled());
    await editDialog().getByLabel(/^Refill to/).fill('2000');
    await editDialog().getByLabel('Refill interval').selectOption('monthly');
    await saveEdit();
    await eventually(async () =>
      assert.deepEqual(await shownLimits('Meter1'), {
        rate: '',
        left: '939 credits left',
        refill: `refills to ${await formatted(2000)} monthly`,
      }),
    );
    assert.equal(await text(field('Meter1', 'version')), '2');

    const key = await call('GET', `${await keysApi()}/Meter1`);
    assert.equal('rateLimit' in key, false, 'the rate limit is removed');
    assert.deepEqual(key.credits, { remaining: 939, refill: { amount: 2000, interval: 'monthly' } });
    const peek = await verifyCost(meterSecret, 0);
    assert.equal(peek.rateLimit, undefined);
    assert.equal(peek.credits.remaining, 939);
  });

  it("sets Meter1's balance and a new rate limit, then removes its credits", async () => {
    await openEdit('Meter1');
    assert.equal(await editDialog().getByLabel('No rate limit').isChecked(), true);
    await editDialog().getByLabel('Credit balance').fill('500');
    // A rate limit from none: untick, and the first field takes focus.
    await editDialog().getByLabel('No rate limit').uncheck();
    await eventually(async () =>
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'edit-rate-limit'),
    );
    await rateField(editDialog(), 'Uses per window').fill('5');
    await rateField(editDialog(), 'Window in seconds').fill('9999999999');
    await editDialog().getByRole('button', { name: 'Save' }).click();
    await page.locator('#edit-error').waitFor({ state: 'visible' });
    assert.equal(
      await text(page.locator('#edit-error-message')),
      'rateLimit.windowSeconds must be between 1 and 2592000',
    );
    assert.match(await text(page.locator('#edit-error-next')), /^What to do: Enter the window as a whole number of seconds/);
    assert.ok(await editDialog().isVisible(), 'the dialog stays open');

    await rateField(editDialog(), 'Window in seconds').fill('10');
    await saveEdit();
    await eventually(async () =>
      assert.deepEqual(await shownLimits('Meter1'), {
        rate: '5 / 10 s',
        left: '500 credits left',
        refill: `refills to ${await formatted(2000)} monthly`,
      }),
    );
    let key = await call('GET', `${await keysApi()}/Meter1`);
    assert.deepEqual(key.rateLimit, { limit: 5, windowSeconds: 10 });
    assert.deepEqual(key.credits, { remaining: 500, refill: { amount: 2000, interval: 'monthly' } });

    await openEdit('Meter1');
    await editDialog().getByLabel('No credits').check();
    assert.ok(await editDialog().getByLabel('Credit balance').isDisabled());
    await saveEdit();
    await eventually(async () =>
      assert.deepEqual(await shownLimits('Meter1'), { rate: '5 / 10 s', left: '', refill: '' }),
    );
    key = await call('GET', `${await keysApi()}/Meter1`);
    assert.equal('credits' in key, false, 'the credits are removed');
    assert.deepEqual(key.rateLimit, { limit: 5, windowSeconds: 10 });
    assert.equal(String(key.version), '4');

    // The history says what changed, in the table's words.
    await openHistory('Meter1');
    const newest = events().first();
    assert.match(await text(newest.getByTestId('event-kinds')), /^credits set$/);
    assert.match(await text(newest.locator('dd[data-change="credits"]')), /^500 credits left · refills to .* monthly\s*→\s*to\s*none$/);
    await closeHistory();
  });

  it('keeps limits changed elsewhere that the dialog did not touch, when saving after a 412', async () => {
    await openEdit('Meter1');
    assert.equal(await editDialog().getByLabel('No credits').isChecked(), true);
    // Another owner gives Meter1 credits while the dialog is open.
    await call('PUT', `${await keysApi()}/Meter1`, { credits: { remaining: 50, refill: null } });
    await rateField(editDialog(), 'Uses per window').fill('6');
    await editDialog().getByRole('button', { name: 'Save' }).click();
    await page.locator('#edit-error').waitFor({ state: 'visible' });
    assert.match(await text(page.locator('#edit-error-message')), /^VERSION_MISMATCH$/);
    // The credits fields, untouched, now show the key as it is; what was typed stays.
    await eventually(async () => {
      assert.equal(await editDialog().getByLabel('No credits').isChecked(), false);
      assert.equal(await editDialog().getByLabel('Credit balance').inputValue(), '50');
    });
    assert.equal(await rateField(editDialog(), 'Uses per window').inputValue(), '6');

    await saveEdit();
    await eventually(async () =>
      assert.deepEqual(await shownLimits('Meter1'), { rate: '6 / 10 s', left: '50 credits left', refill: '' }),
    );
    const key = await call('GET', `${await keysApi()}/Meter1`);
    assert.deepEqual(key.rateLimit, { limit: 6, windowSeconds: 10 });
    assert.deepEqual(key.credits, { remaining: 50, refill: null }, 'the credits set elsewhere stay');
  });

  /** GET /api/me with `key`: its status only. */
  const meStatusOf = (key) =>
    fetch(`${base}/api/me`, { headers: { 'x-api-key': key } }).then((response) => response.status);

  it("sets Meter1's allowed networks, external id and meta from its card, and removes them", async () => {
    const networks = () => editDialog().getByLabel(/^Allowed networks/);
    const externalId = () => editDialog().getByLabel(/^External id/);
    const meta = () => editDialog().getByLabel(/^Meta/);
    await openEdit('Meter1');
    assert.equal(await networks().inputValue(), '');
    assert.equal(await externalId().inputValue(), '');
    assert.equal(await meta().inputValue(), '');
    await networks().fill('10.1.2.3/8\n2001:DB8::1');
    await externalId().fill('cus_4711');
    // Not JSON: the dialog says so and stays open, nothing is sent.
    await meta().fill('{"plan": ');
    await editDialog().getByRole('button', { name: 'Save' }).click();
    await page.locator('#edit-error').waitFor({ state: 'visible' });
    assert.equal(await text(page.locator('#edit-error-message')), 'The meta is not JSON');
    assert.ok(await editDialog().isVisible(), 'the dialog stays open');
    await meta().fill('{"plan": "gold", "seats": [1, 2], "café": "☕"}');
    await saveEdit();

    // Shown on the card, normalised as the server keeps them.
    await eventually(async () =>
      assert.equal(await text(field('Meter1', 'allowedCidrs')), 'Only from: 10.0.0.0/8, 2001:db8::1/128'),
    );
    assert.equal(await text(field('Meter1', 'externalId')), 'External id: cus_4711');
    await field('Meter1', 'meta').locator('summary').click();
    const shownMeta = JSON.parse(await text(field('Meter1', 'meta').locator('pre')));
    assert.deepEqual(shownMeta, { café: '☕', plan: 'gold', seats: [1, 2] });
    const key = await call('GET', `${await keysApi()}/Meter1`);
    assert.deepEqual(key.allowedCidrs, ['10.0.0.0/8', '2001:db8::1/128']);
    assert.equal(key.externalId, 'cus_4711');
    assert.deepEqual(key.meta, shownMeta);

    // The page is served from 127.0.0.1, outside: the key is refused there,
    // and a service that saw it inside learns its customer and data.
    assert.equal(await meStatusOf(meterSecret), 403);
    const inside = await fetch(`${base}/api/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: meterSecret, ip: '10.9.8.7', cost: 0 }),
    }).then((response) => response.json());
    assert.equal(inside.valid, true);
    assert.equal(inside.externalId, 'cus_4711');
    assert.deepEqual(inside.meta, shownMeta);

    // The dialog shows what is set; emptying the fields removes all three.
    await openEdit('Meter1');
    assert.equal(await networks().inputValue(), '10.0.0.0/8\n2001:db8::1/128');
    assert.equal(await externalId().inputValue(), 'cus_4711');
    assert.deepEqual(JSON.parse(await meta().inputValue()), shownMeta);
    await networks().fill('');
    await externalId().fill('');
    await meta().fill('');
    await saveEdit();
    await eventually(async () => assert.equal(await field('Meter1', 'allowedCidrs').count(), 0));
    assert.equal(await field('Meter1', 'externalId').count(), 0);
    assert.equal(await field('Meter1', 'meta').count(), 0);
    assert.equal(await meStatusOf(meterSecret), 200);

    await openHistory('Meter1');
    assert.match(
      await text(events().first().getByTestId('event-kinds')),
      /^allowlist set\s*external id set\s*meta set$/,
    );
    assert.match(
      await text(events().first().locator('dd[data-change="allowedCidrs"]')),
      /^10\.0\.0\.0\/8, 2001:db8::1\/128\s*→\s*to\s*none$/,
    );
    await closeHistory();
  });

  // ---- child accounts -----------------------------------------------------

  /** The signed-in (platform) key's /api/me, and the child account created below. */
  let platform;
  let cafe;
  const crumbs = () => page.locator('#account-path [data-testid="crumb"]');
  const child = (id) => page.locator(`#children-list li[data-account-id="${id}"]`);
  const childByName = (name) =>
    page.locator('#children-list li[data-testid="child"]').filter({
      has: page.locator('.child-name', { hasText: new RegExp(`^${name}$`) }),
    });
  /** GET /api/me with another key, without asserting success. */
  const meStatus = (key) =>
    fetch(`${base}/api/me`, { headers: { 'x-api-key': key } }).then((response) => response.status);
  const shown = async (id) =>
    eventually(async () => assert.equal(await text(page.locator('#account-id')), id));

  it('shows the signed-in account in the account bar, with no Suspend of itself', async () => {
    platform = await call('GET', '/api/me');
    assert.equal(platform.parentAccountId, null, 'the bootstrap account is a root');
    await shown(platform.accountId);
    assert.equal(await text(page.locator('#account-name')), 'Default account');
    assert.deepEqual(await crumbs().allTextContents(), ['Default account']);
    assert.equal(await crumbs().first().getAttribute('aria-current'), 'page');
    assert.equal(await page.locator('#account-path button').count(), 0, 'nothing above the own account');
    assert.equal(await text(page.locator('#account-status')), 'active');
    assert.ok(await page.locator('#account-own').isVisible());
    assert.equal(
      await page.locator('#account-actions').getByRole('button').count(),
      0,
      'the own account cannot be suspended',
    );
    await page.locator('#children-empty').waitFor({ state: 'visible' });
    assert.equal(await text(page.locator('#keys-account')), 'of Default account');
  });

  it('creates a child account and shows its owner key once', async () => {
    await page.getByRole('button', { name: 'Create child account…' }).click();
    const dialog = page.locator('#child-dialog');
    await dialog.waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'child-name');
    assert.equal(await text(page.locator('#child-parent')), 'Default account');

    // Nothing typed: said in the dialog, with what to do.
    await dialog.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#child-error').waitFor({ state: 'visible' });
    assert.match(await text(page.locator('#child-error-message')), /needs a name/);
    assert.match(await text(page.locator('#child-error-next')), /^What to do: /);

    await dialog.getByLabel('Account name').fill('Corner Cafe');
    await dialog.getByLabel(/^First key name/).fill('Manager');
    await dialog.getByRole('button', { name: 'Create account' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const panel = page.locator('#secret-panel');
    await panel.waitFor({ state: 'visible' });
    assert.ok(await page.getByRole('alert').isHidden());
    const secret = await text(page.locator('#secret-value'));
    assert.match(secret, KEY_PATTERN);
    assert.equal(await text(page.locator('#secret-name')), 'Manager');
    assert.match(await text(page.locator('#secret-title')), /^New account Corner Cafe, key Manager: copy it now$/);
    assert.match(await text(page.locator('#secret-note')), /first account-owner key of Corner Cafe/);
    assert.equal((await verifyKey(secret)).valid, true, 'the shown secret works');

    const listed = await call('GET', `/api/accounts/${platform.accountId}/accounts`);
    assert.equal(listed.items.length, 1);
    cafe = { id: listed.items[0].id, secret };
    assert.equal(listed.items[0].parentAccountId, platform.accountId);
    await child(cafe.id).waitFor();
    assert.ok(await page.locator('#children-empty').isHidden());
    assert.equal(await text(child(cafe.id).getByTestId('child-name')), 'Corner Cafe');
    assert.equal(await text(child(cafe.id).getByTestId('child-id')), cafe.id);
    assert.equal(await text(child(cafe.id).getByTestId('child-status')), 'active');

    await page.locator('#secret-copy').click();
    await page.locator('#secret-dismiss').click();
    await eventually(async () => assert.ok(await panel.isHidden()));
    assert.equal(await page.locator('#secret-value').textContent(), '', 'the secret leaves the page');
    assert.ok(!(await page.locator('body').innerText()).includes(secret));
    await eventually(async () => assert.equal(await focusedLabel(), 'Open Corner Cafe'));
  });

  it('opens the child and creates a key there, recorded as made by the platform key', async () => {
    await child(cafe.id).getByRole('button', { name: 'Open Corner Cafe' }).click();
    await shown(cafe.id);
    assert.equal(await text(page.locator('#account-name')), 'Corner Cafe');
    assert.deepEqual(await crumbs().allTextContents(), ['Default account', 'Corner Cafe']);
    assert.equal(await crumbs().last().getAttribute('aria-current'), 'page');
    assert.ok(await page.locator('#account-own').isHidden());
    assert.equal(await text(page.locator('#keys-account')), 'of Corner Cafe');
    assert.ok(await page.locator('#account-actions').getByRole('button', { name: 'Suspend Corner Cafe' }).isVisible());
    // The key list is the child's now.
    await row('Manager').waitFor();
    assert.equal(await row('owner').count(), 0, "the parent's keys are not listed");
    assert.equal(await row('Manager').locator('.badge-self').count(), 0, 'not the signed-in key');
    const managerBy = field('Manager', 'created').locator('.who');
    assert.equal(await managerBy.getAttribute('title'), platform.crn);
    assert.equal(await text(managerBy), 'owner (Default account)');
    await eventually(async () => assert.equal(await page.evaluate(() => document.activeElement?.id), 'account-title'));

    await page.getByLabel('Name', { exact: true }).fill('Kiosk1');
    await createForm().getByLabel('Role').selectOption('merchant-terminal');
    await page.locator('#create-submit').click();
    await page.locator('#secret-panel').waitFor({ state: 'visible' });
    const secret = await text(page.locator('#secret-value'));
    assert.match(secret, KEY_PATTERN);
    await row('Kiosk1').waitFor();
    assert.equal(await field('Kiosk1', 'created').locator('.who').getAttribute('title'), platform.crn);

    const kiosk = await call('GET', `/api/accounts/${cafe.id}/api-keys/Kiosk1`);
    assert.equal(kiosk.createdBy, platform.crn, "created by the platform key's CRN");
    assert.equal(kiosk.role, 'merchant-terminal');
    const inRoot = await fetch(`${base}/api/accounts/${platform.accountId}/api-keys/Kiosk1`, {
      headers: { 'x-api-key': ownerKey },
    });
    assert.equal(inRoot.status, 404, 'the key went to the child, not to the root');
    await page.locator('#secret-dismiss').click();
    await eventually(async () => assert.equal(await page.locator('#secret-value').textContent(), ''));
  });

  it('goes back up the breadcrumb and suspends the child, whose keys then get 401', async () => {
    assert.equal(await meStatus(cafe.secret), 200, "the child's owner key works");
    await page.locator('#account-path').getByRole('button', { name: 'Default account' }).click();
    await shown(platform.accountId);
    assert.deepEqual(await crumbs().allTextContents(), ['Default account']);
    await row('owner').waitFor();
    assert.equal(await row('Kiosk1').count(), 0);
    await eventually(async () => assert.equal(await focusedLabel(), 'Open Corner Cafe'), 5_000);

    const dialog = page.locator('#suspend-dialog');
    await child(cafe.id).getByRole('button', { name: 'Suspend Corner Cafe' }).click();
    await dialog.waitFor({ state: 'visible' });
    assert.equal(await text(page.locator('#suspend-name')), 'Corner Cafe');
    assert.match(await text(dialog), /all its descendant accounts/);
    assert.match(await text(dialog), /session token they minted ends for good/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await text(child(cafe.id).getByTestId('child-status')), 'active');
    assert.equal(await meStatus(cafe.secret), 200, 'a cancelled suspension changes nothing');

    await child(cafe.id).getByRole('button', { name: 'Suspend Corner Cafe' }).click();
    await dialog.waitFor({ state: 'visible' });
    await dialog.getByRole('button', { name: 'Suspend', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await eventually(async () => assert.equal(await text(child(cafe.id).getByTestId('child-status')), 'suspended'));
    assert.equal(await child(cafe.id).getAttribute('data-enabled'), 'false');
    assert.match(await text(page.locator('#notice')), /Corner Cafe is suspended/);
    assert.ok(await page.getByRole('alert').isHidden());
    await eventually(async () => assert.equal(await focusedLabel(), 'Resume Corner Cafe'));
    assert.equal((await call('GET', `/api/accounts/${cafe.id}`)).enabled, false);
    await eventually(async () => assert.equal(await meStatus(cafe.secret), 401, "the child's key is refused"));
    assert.equal((await verifyKey(cafe.secret)).valid, false);
  });

  it('resumes the child, whose keys work again', async () => {
    await child(cafe.id).getByRole('button', { name: 'Resume Corner Cafe' }).click();
    await eventually(async () => assert.equal(await text(child(cafe.id).getByTestId('child-status')), 'active'));
    assert.match(await text(page.locator('#notice')), /Corner Cafe is resumed/);
    await eventually(async () => assert.equal(await focusedLabel(), 'Suspend Corner Cafe'));
    const account = await call('GET', `/api/accounts/${cafe.id}`);
    assert.equal(account.enabled, true);
    assert.equal(account.modifiedBy, platform.crn);
    await eventually(async () => assert.equal(await meStatus(cafe.secret), 200));
  });

  it('says the child changed elsewhere (412) and what to do when suspending a stale copy', async () => {
    // Another owner renames the child while the page shows it.
    await call('PUT', `/api/accounts/${cafe.id}`, { name: 'Corner Cafe East' });
    const dialog = page.locator('#suspend-dialog');
    await child(cafe.id).getByRole('button', { name: 'Suspend Corner Cafe' }).click();
    await dialog.waitFor({ state: 'visible' });
    await dialog.getByRole('button', { name: 'Suspend', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    const alert = page.getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    assert.match(await text(page.locator('#alert-message')), /^VERSION_MISMATCH$/);
    assert.match(await text(page.locator('#alert-detail')), /^\(412 Precondition Failed\) Corner Cafe was changed by someone else/);
    assert.match(await text(page.locator('#alert-next')), /^What to do: .*reload/i);
    // The list shows the child as it is now, still active.
    await eventually(async () => assert.equal(await text(child(cafe.id).getByTestId('child-name')), 'Corner Cafe East'));
    assert.equal(await text(child(cafe.id).getByTestId('child-status')), 'active');
    assert.equal((await call('GET', `/api/accounts/${cafe.id}`)).enabled, true, 'nothing was suspended');
    await page.locator('#alert-dismiss').click();
  });

  it('pages child accounts with More and walks the breadcrumb down and up again', async () => {
    // As the child's own owner key: 11 grandchildren, one more than a page.
    for (let i = 1; i <= 11; i += 1) {
      const response = await fetch(`${base}/api/accounts/${cafe.id}/accounts`, {
        method: 'POST',
        headers: { 'x-api-key': cafe.secret, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Stall ${i}` }),
      });
      assert.equal(response.status, 200);
    }
    await child(cafe.id).getByRole('button', { name: 'Open Corner Cafe East' }).click();
    await shown(cafe.id);
    const children = page.locator('#children-list li[data-testid="child"]');
    await eventually(async () => assert.equal(await children.count(), 10));
    const more = page.getByRole('button', { name: 'More', exact: true });
    assert.ok(await more.isVisible());
    await more.click();
    await eventually(async () => assert.equal(await children.count(), 11));
    assert.ok(await more.isHidden(), 'no page left');
    assert.deepEqual(
      await children.getByTestId('child-name').allTextContents(),
      Array.from({ length: 11 }, (_, i) => `Stall ${i + 1}`),
      'oldest first',
    );
    await eventually(async () => assert.equal(await focusedLabel(), 'Open Stall 11'));
    // Created by the child's own key: named relative to the path.
    assert.equal(await text(childByName('Stall 1').locator('.who')), 'Manager');

    await childByName('Stall 11').getByRole('button', { name: 'Open Stall 11' }).click();
    await eventually(async () =>
      assert.deepEqual(await crumbs().allTextContents(), ['Default account', 'Corner Cafe East', 'Stall 11']),
    );
    // The children arrive after the path is drawn.
    await page.locator('#children-empty').waitFor({ state: 'visible' });
    await page.locator('#account-path').getByRole('button', { name: 'Corner Cafe East' }).click();
    await shown(cafe.id);
    assert.deepEqual(await crumbs().allTextContents(), ['Default account', 'Corner Cafe East']);
    await page.locator('#account-path').getByRole('button', { name: 'Default account' }).click();
    await shown(platform.accountId);
    assert.deepEqual(await crumbs().allTextContents(), ['Default account']);
    await row('owner').waitFor();
  });

  it("shows a child's owner key its own account at the top, without Suspend, at 1280 px", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    try {
      const wide = await context.newPage();
      wide.setDefaultTimeout(10_000);
      await widestTimes(wide);
      wide.on('pageerror', (error) => problems.push(`page error (child key): ${error.message}`));
      await wide.goto(`${base}/dashboard`);
      await wide.locator('#login-key').fill(cafe.secret);
      await wide.locator('#login-key').press('Enter');
      await wide.locator('tr[data-key-name="Manager"]').waitFor();
      assert.equal(await wide.locator('#account-id').textContent(), cafe.id);
      assert.deepEqual(
        await wide.locator('#account-path [data-testid="crumb"]').allTextContents(),
        ['Corner Cafe East'],
        'nothing above the signed-in key\'s own account',
      );
      assert.equal(await wide.locator('#account-path button').count(), 0);
      assert.equal(await wide.locator('#account-actions button').count(), 0, 'no Suspend of itself');
      assert.equal(await wide.locator('tr[data-key-name="Manager"] .badge-self').count(), 1);
      await wide.locator('#children-list li[data-testid="child"]').first().waitFor();
      assert.ok(await wide.getByRole('button', { name: 'Suspend Stall 1', exact: true }).isVisible());
      const overflow = await wide.evaluate(() => {
        const section = document.getElementById('account-section');
        const wide = [...document.querySelectorAll('body *')]
          .filter((node) => node.getBoundingClientRect().right > document.documentElement.clientWidth)
          .map((node) => `${node.tagName}#${node.id}.${node.className}:${Math.round(node.getBoundingClientRect().right)}`);
        return {
          scroll: section.scrollWidth,
          client: section.clientWidth,
          page: document.documentElement.scrollWidth,
          wide: wide.slice(0, 5).join(' '),
        };
      });
      assert.ok(overflow.scroll <= overflow.client, `the account bar needs ${overflow.scroll} px of ${overflow.client}`);
      assert.ok(overflow.page <= 1280, `no sideways scrolling at 1280 px: ${overflow.page} ${overflow.wide}`);
      // Keys made by the parent's key name the parent, which this key cannot read.
      assert.equal(
        await wide.locator('tr[data-key-name="Kiosk1"] [data-field="created"] .who').textContent(),
        'owner (parent account)',
      );
      const table = await wide.evaluate(() => {
        const wrap = document.querySelector('.table-wrap');
        return { display: getComputedStyle(document.getElementById('keys-table')).display, scroll: wrap.scrollWidth, client: wrap.clientWidth };
      });
      assert.equal(table.display, 'table');
      assert.ok(table.scroll <= table.client, `the key table needs ${table.scroll} px of ${table.client}`);
      mkdirSync(path.dirname(SCREENSHOT_CHILD), { recursive: true });
      await wide.screenshot({ path: SCREENSHOT_CHILD, fullPage: true });

      // A merchant-terminal key of the child never gets that far.
      const kiosk = await fetch(`${base}/api/accounts/${cafe.id}/api-keys`, {
        method: 'POST',
        headers: { 'x-api-key': cafe.secret, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Kiosk2', role: 'merchant-terminal' }),
      }).then((response) => response.json());
      await wide.getByRole('button', { name: 'Log out' }).click();
      await wide.locator('#login-key').fill(kiosk.secret);
      await wide.locator('#login-key').press('Enter');
      await wide.getByRole('alert').waitFor({ state: 'visible' });
      assert.match(await wide.locator('#alert-message').textContent(), /merchant-terminal/);
      assert.ok(await wide.locator('#account-section').isHidden());
      assert.equal(await wide.evaluate(() => sessionStorage.length), 0);
    } finally {
      await context.close();
    }
  });

  it('mints a show_card session token and shows it once', async () => {
    await page.getByLabel('Scope').selectOption('show_card');
    await page.locator('#mint-submit').click();
    await page.locator('#token-panel').waitFor({ state: 'visible' });
    assert.ok(await page.getByRole('alert').isHidden(), 'a successful action clears the error');
    const token = await text(page.locator('#token-value'));
    assert.match(token, TOKEN_PATTERN);
    assert.equal(await text(page.locator('#token-scope')), 'show_card');

    const verdict = await fetch(`${base}/api/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sessionToken: token }),
    }).then((response) => response.json());
    assert.equal(verdict.valid, true);
    assert.equal(verdict.scope, 'show_card');

    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it("draws Chart1's usage from its row, showing the traffic it had", async () => {
    const created = await call('POST', await keysApi(), { name: 'Chart1', role: 'merchant-terminal' });
    const me = () => fetch(`${base}/api/me`, { headers: { 'x-api-key': created.secret } });
    for (let i = 0; i < 3; i += 1) assert.equal((await me()).status, 200);
    for (let i = 0; i < 2; i += 1) assert.equal((await verifyKey(created.secret)).code, 'VALID');
    await call('PUT', `${await keysApi()}/Chart1`, { enabled: false });
    assert.equal((await me()).status, 401);
    await page.locator('#keys-refresh').click();
    await row('Chart1').waitFor();

    await row('Chart1').getByRole('button', { name: 'Usage of Chart1' }).click();
    const dialog = page.locator('#usage-dialog');
    await dialog.waitFor({ state: 'visible' });
    assert.equal(await text(page.locator('#usage-name')), 'Chart1');
    assert.equal(await text(page.getByTestId('usage-total')), '6');
    assert.match((await text(page.getByTestId('usage-summary'))).replace(/\s+/g, ' '), /^6 uses in the last 24 hours:/);
    const outcome = (code) => text(page.locator(`#usage-body dd[data-outcome="${code}"]`));
    assert.equal(await outcome('VALID'), '5');
    assert.equal(await outcome('DISABLED'), '1');
    /** Each bar's total, and the titles of the bars that have uses. */
    const bars = () =>
      page.locator('[data-testid="usage-bar"]').evaluateAll((nodes) =>
        nodes.map((node) => ({
          total: Number(node.getAttribute('data-total')),
          title: node.querySelector('title')?.textContent ?? '',
          drawn: node.querySelectorAll('rect.bar-valid, rect.bar-refused').length,
        })),
      );
    let drawn = await bars();
    assert.equal(drawn.length, 24, 'a bar per hour');
    assert.equal(drawn.reduce((sum, bar) => sum + bar.total, 0), 6);
    const used = drawn.filter((bar) => bar.total > 0);
    assert.ok(used.length >= 1 && used.length <= 2, JSON.stringify(used));
    for (const bar of used) {
      assert.match(bar.title, new RegExp(`: ${bar.total} uses? \\(`), bar.title);
      assert.ok(bar.drawn > 0, 'a bar with uses is drawn');
    }
    if (used.length === 1) {
      assert.match(used[0].title, /: 6 uses \(VALID 5, DISABLED 1\)$/);
      assert.equal(used[0].drawn, 2, 'valid and refused parts');
    }
    assert.ok(drawn.filter((bar) => bar.total === 0).every((bar) => bar.drawn === 0));

    // By day: one bar holds it all (or two, across midnight UTC).
    await dialog.getByRole('button', { name: '30 days, by day' }).click();
    await eventually(async () => assert.equal((await bars()).length, 30));
    assert.equal(await page.getByTestId('usage-day').getAttribute('aria-pressed'), 'true');
    assert.equal(await page.getByTestId('usage-hour').getAttribute('aria-pressed'), 'false');
    assert.match((await text(page.getByTestId('usage-summary'))).replace(/\s+/g, ' '), /^6 uses in the last 30 days:/);
    drawn = await bars();
    assert.equal(drawn.reduce((sum, bar) => sum + bar.total, 0), 6);

    // New traffic shows on Refresh.
    assert.equal((await verifyKey(created.secret)).code, 'DISABLED');
    await dialog.getByRole('button', { name: 'Refresh' }).click();
    await eventually(async () => assert.equal(await text(page.getByTestId('usage-total')), '7'));
    assert.equal(await outcome('DISABLED'), '2');
    assert.equal((await bars()).length, 30, 'the range stays');

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await eventually(async () => assert.equal(await focusedLabel(), 'Usage of Chart1'));
    assert.ok(await page.getByRole('alert').isHidden());
  });

  it('fits the keys in a table at 1280 px, as at 1920', async () => {
    const display = () => page.locator('#keys-table').evaluate((table) => getComputedStyle(table).display);
    assert.equal(await display(), 'block', 'one card per key at phone width');
    // The widest limits there are, which must fit too.
    await call('POST', await keysApi(), {
      name: 'Meter2',
      role: 'merchant-terminal',
      rateLimit: { limit: 1_000_000_000, windowSeconds: 2_592_000 },
      credits: { remaining: 1_000_000_000_000_000, refill: { amount: 1_000_000_000_000_000, interval: 'monthly' } },
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    try {
      const wide = await context.newPage();
      wide.setDefaultTimeout(10_000);
      await widestTimes(wide);
      wide.on('pageerror', (error) => problems.push(`page error (1280 px): ${error.message}`));
      await wide.goto(`${base}/dashboard`);
      await wide.locator('#login-key').fill(ownerKey);
      await wide.locator('#login-key').press('Enter');
      await wide.locator('tr[data-key-name="Till3"]').waitFor();
      await wide.locator('tr[data-key-name="Meter2"] .credits-refill').waitFor();
      for (const width of [1280, 1920]) {
        await wide.setViewportSize({ width, height: 900 });
        const layout = await wide.evaluate(() => {
          const wrap = document.querySelector('.table-wrap');
          const table = document.getElementById('keys-table');
          return {
            table: getComputedStyle(table).display,
            head: getComputedStyle(table.tHead).display,
            row: getComputedStyle(table.tBodies[0].rows[0]).display,
            scrollWidth: wrap.scrollWidth,
            clientWidth: wrap.clientWidth,
            // Each column's width, to tell which one grew when it does not fit.
            columns: [...table.tHead.rows[0].cells]
              .map((cell) => `${cell.textContent.trim() || 'actions'} ${Math.round(cell.getBoundingClientRect().width)}`)
              .join(', '),
          };
        });
        assert.deepEqual(
          [layout.table, layout.head, layout.row],
          ['table', 'table-header-group', 'table-row'],
          `a table at ${width} px`,
        );
        assert.ok(
          layout.scrollWidth <= layout.clientWidth,
          `at ${width} px the table needs ${layout.scrollWidth} px of ${layout.clientWidth} (${layout.columns})`,
        );
        if (width === 1280) {
          mkdirSync(path.dirname(SCREENSHOT_WIDE), { recursive: true });
          await wide.screenshot({ path: SCREENSHOT_WIDE, fullPage: true });
        }
      }
    } finally {
      await context.close();
    }
  });

  it('keeps the key in sessionStorage and out of every URL', async () => {
    assert.equal(await storedKey(), ownerKey);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.equal(await page.evaluate(() => document.cookie), '');
    assert.ok(!page.url().includes(ownerKey));
    assert.ok(requests.length > 0);
    for (const request of requests) {
      assert.ok(!request.url().includes(ownerKey), `key in ${request.url()}`);
      const sent = request.headers()['x-api-key'];
      if (sent !== undefined) {
        assert.match(new URL(request.url()).pathname, /^\/api\//, 'the key goes only to the API');
      }
    }

    // A reload in the same tab signs in again from sessionStorage.
    await page.reload();
    await row('owner').waitFor();
    assert.ok(!page.url().includes(ownerKey));
  });

  it('logs out and forgets the key', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('#login-view').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    assert.equal(await page.locator('tr[data-key-name]').count(), 0);
    await page.reload();
    await page.locator('#login-view').waitFor({ state: 'visible' });
    assert.ok(await page.locator('#app-view').isHidden());
  });

  // ---- people: invited users, their sessions, members ----------------------

  const ANA = { email: 'ana.lima@example.com', name: 'Ana Lima', password: 'a long walk on the quay 42' };
  const BEN = { email: 'ben.okafor@example.com', name: 'Ben Okafor', password: 'tea at four, every day 7' };
  /** Ana's user, as accepting her invitation answered it. */
  let ana;
  /** POST /api/invitations/{token}/accept, which needs no credential. */
  const accept = async (token, body) => {
    const response = await fetch(`${base}/api/invitations/${encodeURIComponent(token)}/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  /** Fills and sends the email and password form of `target` (a page). */
  const signInAs = async (target, person) => {
    await target.locator('#login-email').fill(person.email);
    await target.locator('#login-password').fill(person.password);
    await target.locator('#login-user-submit').click();
  };
  /** The session cookie of the main page's browser context, if any. */
  const sessionCookie = async () =>
    (await page.context().cookies(base)).find((cookie) => cookie.name === 'keyward_session') ?? null;
  const member = (userId) => page.locator(`#members-list li[data-user-id="${userId}"]`);
  const memberByEmail = (email) =>
    page.locator('#members-list li[data-testid="member"]').filter({
      has: page.locator('[data-testid="member-email"]', { hasText: email }),
    });
  const invitationByEmail = (email) =>
    page.locator('#invitations-list li[data-testid="invitation"]').filter({
      has: page.locator('[data-testid="invitation-email"]', { hasText: email }),
    });

  it('signs in as an invited user, creates and disables a key under her name, and signs out', async () => {
    // An owner key invites Ana; she accepts with her name and a password.
    const invitation = await call('POST', `/api/accounts/${platform.accountId}/invitations`, {
      email: ANA.email,
      role: 'account-owner',
    });
    assert.equal(invitation.email, ANA.email);
    assert.equal(invitation.role, 'account-owner');
    const accepted = await accept(invitation.token, { name: ANA.name, password: ANA.password });
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
    ana = accepted.body.user;
    assert.equal(ana.crn, `crn::user:${ana.id}`);

    await page.locator('#login-view').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'login-email');
    const from = requests.length;
    // A wrong password first: the API's message, and still the sign-in screen.
    await signInAs(page, { ...ANA, password: 'not her password at all' });
    const alert = page.getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    assert.match(await text(page.locator('#alert-message')), /^INVALID_EMAIL_OR_PASSWORD$/);
    assert.equal(await page.locator('#login-password').inputValue(), '', 'the password leaves the page');
    assert.ok(await page.locator('#app-view').isHidden());

    await signInAs(page, ANA);
    await row('owner').waitFor();
    assert.ok(await alert.isHidden(), 'a successful sign-in clears the error');
    assert.equal(await text(page.locator('#whoami-name')), ANA.name);
    assert.ok(await page.locator('#whoami-key-account').isHidden());
    assert.equal(await page.locator('#account-switch').inputValue(), platform.accountId);
    assert.equal(await text(page.locator('#account-name')), 'Default account');
    assert.ok(await page.locator('#mint-section').isHidden(), 'a person mints no session tokens');
    assert.equal(await page.locator('#login-password').inputValue(), '');
    assert.equal(await storedKey(), null, 'no key is stored');
    assert.equal(await page.evaluate(() => document.cookie), '', 'the session cookie is HttpOnly');
    const cookie = await sessionCookie();
    assert.ok(cookie, 'the sign-in set the session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');

    await createForm().getByLabel('Name', { exact: true }).fill('AnaTill');
    await createForm().getByLabel('Role').selectOption('merchant-terminal');
    await page.locator('#create-submit').click();
    await page.locator('#secret-panel').waitFor({ state: 'visible' });
    assert.match(await text(page.locator('#secret-value')), KEY_PATTERN);
    await page.locator('#secret-dismiss').click();
    await row('AnaTill').waitFor();
    const who = (which) => field('AnaTill', which).locator('.who');
    await eventually(async () => assert.equal(await text(who('created')), ANA.name));
    assert.equal(await who('created').getAttribute('title'), ana.crn);

    await row('AnaTill').getByRole('button', { name: 'Disable AnaTill' }).click();
    await eventually(async () => {
      assert.equal(await text(field('AnaTill', 'enabled')), 'disabled');
      assert.equal(await text(field('AnaTill', 'version')), '2');
    });
    assert.equal(await text(who('modified')), ANA.name);
    const key = await call('GET', `/api/accounts/${platform.accountId}/api-keys/AnaTill`);
    assert.equal(key.createdBy, ana.crn);
    assert.equal(key.modifiedBy, ana.crn);
    assert.equal(key.enabled, false);

    await openHistory('AnaTill');
    assert.equal(await events().count(), 2);
    for (const event of await events().all()) {
      assert.equal(await text(event.locator('.event-meta .who')), ANA.name);
      assert.equal(await event.locator('.event-meta .who').getAttribute('title'), ana.crn);
    }
    await closeHistory();

    // With the cookie, every state-changing request carried the CSRF token, and none a key.
    const sent = requests.slice(from).filter((request) => new URL(request.url()).pathname.startsWith('/api/'));
    const changes = sent.filter((request) => !['GET', 'HEAD'].includes(request.method()));
    assert.ok(changes.length >= 3, changes.map((request) => request.url()).join(' '));
    for (const request of sent) {
      const headers = request.headers();
      assert.equal(headers['x-api-key'], undefined, `${request.method()} ${request.url()} sent a key`);
      const signIn = new URL(request.url()).pathname === '/api/session' && request.method() === 'POST';
      if (changes.includes(request) && !signIn) {
        assert.match(headers['x-csrf-token'] ?? '', /./, `${request.method()} ${request.url()} without the token`);
      }
    }

    // A reload picks the session up again from the cookie.
    await page.reload();
    await row('AnaTill').waitFor();
    assert.equal(await text(page.locator('#whoami-name')), ANA.name);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('#login-view').waitFor({ state: 'visible' });
    assert.ok(await page.locator('#app-view').isHidden());
    assert.equal(await page.locator('tr[data-key-name]').count(), 0);
    // The session ended on the server too: its cookie no longer signs anyone in.
    const ended = await fetch(`${base}/api/me`, { headers: { cookie: `keyward_session=${cookie.value}` } });
    assert.equal(ended.status, 401);
    await page.reload();
    await page.locator('#login-view').waitFor({ state: 'visible' });
    assert.ok(await page.locator('#app-view').isHidden());
    assert.ok(await page.getByRole('alert').isHidden(), 'no session is not an error');
  });

  it('lets an owner user invite a member from the panel, and remove them', async () => {
    await signInAs(page, ANA);
    await row('owner').waitFor();
    await member(ana.id).waitFor();
    assert.equal(await text(member(ana.id).getByTestId('member-name')), `${ANA.name} you`);
    assert.equal(await text(member(ana.id).getByTestId('member-role')), 'account-owner');
    assert.equal(await member(ana.id).getByRole('button').count(), 0, 'no Remove of oneself');

    const panel = page.locator('#invite-panel');
    await page.locator('#invite-email').fill(BEN.email);
    await page.locator('#invite-role').selectOption('merchant-terminal');
    await page.locator('#invite-submit').click();
    await panel.waitFor({ state: 'visible' });
    assert.ok(await page.getByRole('alert').isHidden());
    assert.equal(await text(page.locator('#invite-panel-email')), BEN.email);
    const token = await text(page.locator('#invite-value'));
    assert.ok(token.length >= 20, token);
    await invitationByEmail(BEN.email).waitFor();
    assert.equal(await text(invitationByEmail(BEN.email).getByTestId('invitation-role')), 'merchant-terminal');
    assert.match(await text(invitationByEmail(BEN.email)), new RegExp(`invited by ${ANA.name}`));
    assert.ok(!(await text(page.locator('#invitations-list'))).includes(token));
    await page.locator('#invite-copy').click();
    await eventually(async () => assert.match(await text(page.locator('#notice')), /invitation is (copied|selected)/));
    await page.locator('#invite-dismiss').click();
    await eventually(async () => assert.ok(await panel.isHidden()));
    assert.equal(await page.locator('#invite-value').textContent(), '', 'the token leaves the page');
    assert.ok(!(await page.locator('body').innerText()).includes(token));

    // Ben accepts with the token the panel showed; Refresh lists him.
    const accepted = await accept(token, { name: BEN.name, password: BEN.password });
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
    const ben = accepted.body.user;
    await page.locator('#members-refresh').click();
    await member(ben.id).waitFor();
    assert.equal(await text(member(ben.id).getByTestId('member-role')), 'merchant-terminal');
    assert.equal(await text(member(ben.id).getByTestId('member-email')), BEN.email);
    await eventually(async () => assert.equal(await invitationByEmail(BEN.email).count(), 0));

    // A merchant-terminal member signs in to find nothing to manage, and is signed out again.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const other = await context.newPage();
      other.setDefaultTimeout(10_000);
      other.on('pageerror', (error) => problems.push(`page error (Ben): ${error.message}`));
      await other.goto(`${base}/dashboard`);
      await signInAs(other, BEN);
      await other.getByRole('alert').waitFor({ state: 'visible' });
      assert.equal(await other.locator('#alert-message').textContent(), `${BEN.name} owns no account`);
      assert.ok(await other.locator('#app-view').isHidden());
      const cookies = await context.cookies(base);
      const left = cookies.find((cookie) => cookie.name === 'keyward_session');
      if (left) {
        const me = await fetch(`${base}/api/me`, { headers: { cookie: `keyward_session=${left.value}` } });
        assert.equal(me.status, 401, 'the session was ended again');
      }
    } finally {
      await context.close();
    }

    // Removing asks first; Cancel keeps him.
    const dialog = page.locator('#remove-member-dialog');
    await member(ben.id).getByRole('button', { name: `Remove ${BEN.name}` }).click();
    await dialog.waitFor({ state: 'visible' });
    assert.equal(await text(page.locator('#remove-member-name')), BEN.name);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await member(ben.id).count(), 1);
    await member(ben.id).getByRole('button', { name: `Remove ${BEN.name}` }).click();
    await dialog.waitFor({ state: 'visible' });
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await eventually(async () => assert.equal(await member(ben.id).count(), 0));
    assert.match(await text(page.locator('#notice')), new RegExp(`${BEN.name} is no longer a member of Default account`));
    const members = await call('GET', `/api/accounts/${platform.accountId}/memberships`);
    assert.deepEqual(members.items.map((item) => item.userId), [ana.id]);
    assert.ok(await page.getByRole('alert').isHidden());
  });

  it('invites an address again in place of its pending invitation, and withdraws that', async () => {
    const inviteCleo = async (role) => {
      await page.locator('#invite-email').fill('cleo@example.com');
      await page.locator('#invite-role').selectOption(role);
      await page.locator('#invite-submit').click();
      await page.locator('#invite-panel').waitFor({ state: 'visible' });
      const token = await text(page.locator('#invite-value'));
      await page.locator('#invite-dismiss').click();
      await page.locator('#invite-panel').waitFor({ state: 'hidden' });
      return token;
    };
    const first = await inviteCleo('merchant-terminal');
    await invitationByEmail('cleo@example.com').waitFor();
    // Invited again with another role: one invitation, the new one.
    const token = await inviteCleo('account-owner');
    await eventually(async () =>
      assert.equal(await text(invitationByEmail('cleo@example.com').getByTestId('invitation-role')), 'account-owner'),
    );
    assert.equal(await invitationByEmail('cleo@example.com').count(), 1);
    const replaced = await accept(first, { name: 'Cleo', password: 'the tide comes in at nine' });
    assert.equal(replaced.status, 404);
    assert.equal(replaced.body.message, 'INVITATION_NOT_FOUND');
    await invitationByEmail('cleo@example.com')
      .getByRole('button', { name: 'Withdraw the invitation of cleo@example.com' })
      .click();
    await eventually(async () => assert.equal(await invitationByEmail('cleo@example.com').count(), 0));
    assert.match(await text(page.locator('#notice')), /withdrawn/);
    const refused = await accept(token, { name: 'Cleo', password: 'the tide comes in at nine' });
    assert.equal(refused.status, 404);
    assert.equal(refused.body.message, 'INVITATION_NOT_FOUND');
    const pending = await call('GET', `/api/accounts/${platform.accountId}/invitations`);
    assert.deepEqual(pending.items, []);
  });

  it("switches between the user's accounts, and shows the API's message when a request fails", async () => {
    // Ana becomes an owner of Corner Cafe too; as she is a user already, her password confirms it.
    const invitation = await call('POST', `/api/accounts/${cafe.id}/invitations`, {
      email: ANA.email.toUpperCase(),
      role: 'account-owner',
    });
    const accepted = await accept(invitation.token, { name: 'ignored', password: ANA.password });
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
    await page.reload();
    await row('owner').waitFor();
    const options = page.locator('#account-switch option');
    await eventually(async () => assert.equal(await options.count(), 2));
    const cafeName = (await call('GET', `/api/accounts/${cafe.id}`)).name;
    assert.deepEqual((await options.allTextContents()).sort(), [cafeName, 'Default account']);

    await page.locator('#account-switch').selectOption(cafe.id);
    await shown(cafe.id);
    assert.deepEqual(await crumbs().allTextContents(), [cafeName]);
    await row('Manager').waitFor();
    await member(ana.id).waitFor();
    assert.ok(await page.locator('#account-own').isVisible());
    assert.equal(await page.locator('#account-actions').getByRole('button').count(), 0);

    // An invitation the API refuses (Ana is a member already): its message, in the alert.
    await page.locator('#invite-email').fill(ANA.email);
    await page.locator('#invite-submit').click();
    await page.getByRole('alert').waitFor({ state: 'visible' });
    const direct = await fetch(`${base}/api/accounts/${cafe.id}/invitations`, {
      method: 'POST',
      headers: { 'x-api-key': ownerKey, 'content-type': 'application/json' },
      body: JSON.stringify({ email: ANA.email, role: 'merchant-terminal' }),
    });
    const refused = await direct.json();
    assert.ok(direct.status >= 400 && direct.status < 500, JSON.stringify(refused));
    assert.equal(await text(page.locator('#alert-message')), refused.message);
    assert.match(await text(page.locator('#alert-next')), /^What to do: ./);
    assert.ok(await page.locator('#invite-panel').isHidden());

    await page.locator('#account-switch').selectOption(platform.accountId);
    await shown(platform.accountId);
    assert.deepEqual(await crumbs().allTextContents(), ['Default account']);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('#login-view').waitFor({ state: 'visible' });
  });

  it('accepts an invitation in the page, signs in at once, and changes the password', async () => {
    const DORA = { email: 'dora.quist@example.com', name: 'Dora Quist', password: 'lanterns over the harbour 9' };
    const invitation = await call('POST', `/api/accounts/${platform.accountId}/invitations`, {
      email: DORA.email,
      role: 'account-owner',
    });
    await page.locator('#login-view').waitFor({ state: 'visible' });
    await page.locator('#accept-details summary').click();
    // A password the API refuses: its message, and the invitation still unused.
    await page.locator('#accept-token').fill(invitation.token);
    await page.locator('#accept-name').fill(DORA.name);
    await page.locator('#accept-password').fill('short one');
    await page.locator('#accept-submit').click();
    await page.getByRole('alert').waitFor({ state: 'visible' });
    assert.equal(await text(page.locator('#alert-message')), 'PASSWORD_TOO_SHORT');
    assert.match(await text(page.locator('#alert-next')), /^What to do: Choose a longer one/);
    assert.equal(await page.locator('#accept-password').inputValue(), '', 'the password leaves the page');
    assert.equal(await page.locator('#accept-token').inputValue(), invitation.token, 'kept to try again');

    await page.locator('#accept-password').fill(DORA.password);
    await page.locator('#accept-submit').click();
    await row('owner').waitFor();
    assert.equal(await text(page.locator('#whoami-name')), DORA.name);
    // The welcome follows the page being drawn: wait for it, not for the table.
    await eventually(async () =>
      assert.match(await text(page.locator('#notice')), /^Welcome, Dora Quist: you are now a member of Default account\.$/),
    );
    assert.equal(await page.locator('#accept-token').inputValue(), '', 'the token leaves the page');
    const pending = await call('GET', `/api/accounts/${platform.accountId}/invitations`);
    assert.ok(!pending.items.some((item) => item.email === DORA.email), 'the invitation is used');
    const first = await sessionCookie();
    assert.ok(first, 'signed in by the cookie');

    // A second session of Dora's, elsewhere, ends when she changes her password here.
    const elsewhere = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: DORA.email, password: DORA.password }),
    });
    assert.equal(elsewhere.status, 200);
    const other = /keyward_session=([^;]+)/.exec(elsewhere.headers.get('set-cookie'))[1];
    const otherMe = () => fetch(`${base}/api/me`, { headers: { cookie: `keyward_session=${other}` } });
    assert.equal((await otherMe()).status, 200);

    await page.locator('#password-open').click();
    const dialog = page.locator('#password-dialog');
    await dialog.waitFor({ state: 'visible' });
    await page.locator('#password-current').fill('not the current one');
    await page.locator('#password-new').fill('a brand new harbour light 10');
    await page.locator('#password-submit').click();
    await page.locator('#password-error').waitFor({ state: 'visible' });
    assert.equal(await text(page.locator('#password-error-message')), 'CURRENT_PASSWORD_INCORRECT');
    assert.ok(await dialog.isVisible(), 'a refusal keeps the dialog open');
    assert.equal(await page.locator('#password-current').inputValue(), '');
    assert.equal((await otherMe()).status, 200, 'a refused change ends nothing');

    const NEW = 'a brand new harbour light 10';
    await page.locator('#password-current').fill(DORA.password);
    await page.locator('#password-new').fill(NEW);
    await page.locator('#password-submit').click();
    await eventually(async () => assert.ok(await dialog.isHidden()));
    assert.equal(await text(page.locator('#notice')), 'Password changed. Your other sessions have ended.');
    assert.equal((await otherMe()).status, 401, 'the other session ended');
    // This one goes on: the next list is answered 200.
    const [listed] = await Promise.all([
      page.waitForResponse(
        (response) =>
          new URL(response.url()).pathname.endsWith('/api-keys') && response.request().method() === 'GET',
      ),
      page.locator('#keys-refresh').click(),
    ]);
    assert.equal(listed.status(), 200);
    await row('owner').waitFor();
    assert.ok(await page.getByRole('alert').isHidden());

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('#login-view').waitFor({ state: 'visible' });
    assert.ok(await page.locator('#password-open').isHidden());
    await signInAs(page, { ...DORA, password: DORA.password });
    await page.getByRole('alert').waitFor({ state: 'visible' });
    assert.equal(await text(page.locator('#alert-message')), 'INVALID_EMAIL_OR_PASSWORD');
    await signInAs(page, { ...DORA, password: NEW });
    await row('owner').waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('#login-view').waitFor({ state: 'visible' });
  });

  it('ran without page errors or policy violations', () => {
    assert.deepEqual(problems, []);
  });
});
