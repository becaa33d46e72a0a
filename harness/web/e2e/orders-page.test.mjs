// The orders page in a real browser (Debian's Chromium through playwright-core): live indicator, a toast per event
// and the list refreshed over REST, once with the frontend's default transports and once polling-only; and the token
// renewed in band when the server says it is expiring.
// Needs a running orders service (ORDERS_API_URL, default http://localhost:3004, or ORDERS_API_START=1) and the
// page built (npm run build); the page is served by `vite preview` on http://localhost:3006, a different origin.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { decodeToken, mintToken, OrdersApi, repoRoot, startServer, useOrdersService } from '../../lib/index.mjs';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const artifacts = path.join(repoRoot, 'harness', 'artifacts');
const PAGE = 'http://localhost:3006';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

const service = useOrdersService();
let preview;
before(async () => {
  mkdirSync(artifacts, { recursive: true });
  preview = await startServer({
    command: process.execPath, args: [path.join(webDir, 'node_modules', 'vite', 'bin', 'vite.js'), 'preview'],
    cwd: webDir, name: 'vite preview', baseUrl: PAGE, readyUrl: `${PAGE}/`, timeoutMs: 20000,
  });
});
after(async () => { await preview?.stop(); });

async function openPage({ token, transports }) {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'harness-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1000, height: 700 },
  });
  const close = async () => { await context.close(); rmSync(userDataDir, { recursive: true, force: true }); };
  try {
    // Like production: the token lives in the accessToken cookie of the frontend's origin.
    await context.addCookies([{ name: 'accessToken', value: token, url: PAGE }]);
    const page = context.pages()[0] ?? await context.newPage();
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    const query = new URLSearchParams({ api: service.url, ...(transports ? { transports } : {}) });
    await page.goto(`${PAGE}/?${query}`);
    return { page, close, consoleLines, context };
  } catch (err) {
    await close();
    throw err;
  }
}

for (const [label, transports, expectedTransport] of [['default transports', undefined, 'websocket'], ['polling-only', 'polling', 'polling']]) {
  describe(`orders page, ${label}`, () => {
    test('shows Live Updates Active, a toast per event of the lifecycle, and the refreshed list', async (t) => {
      const user = `qa-browser-${label.replace(/\W+/g, '-')}-${Date.now()}`;
      const customer = new OrdersApi(service.url, { user });
      const admin = new OrdersApi(service.url, { user: 'qa-admin', role: 'admin' });
      const { page, close, consoleLines } = await openPage({ token: customer.token, transports });
      t.after(close);
      try {
        await page.getByTestId('live-indicator').filter({ hasText: 'Live Updates Active' }).waitFor({ timeout: 15000 });
        assert.equal(await page.evaluate(() => window.__orderSocket.io.engine.transport.name), expectedTransport);

        const order = await customer.createOrder();
        const n = order.orderNumber;
        const toast = (text) => page.getByTestId('toast').filter({ hasText: text }).first().waitFor({ timeout: 10000 });
        await toast(`✅ Your order #${n} has been created!`);
        await page.locator(`[data-testid=order-row][data-order-id="${order.id}"][data-status=pending]`).waitFor({ timeout: 10000 });

        for (const [status, emoji] of [['processing', '📦'], ['shipped', '🚚'], ['delivered', '✅']]) {
          await admin.setStatus(order.id, status);
          await toast(`${emoji} Order #${n} status updated to ${status}`);
        }
        await toast(`✅ Order #${n} has been delivered!`);
        // The list is refreshed over REST after the events: the row ends up delivered.
        await page.locator(`[data-testid=order-row][data-order-id="${order.id}"][data-status=delivered]`).waitFor({ timeout: 10000 });

        const texts = await page.getByTestId('toast').allTextContents();
        assert.deepEqual(texts.filter((x) => x.includes(n)), [
          `✅ Your order #${n} has been created!`,
          `📦 Order #${n} status updated to processing`,
          `🚚 Order #${n} status updated to shipped`,
          `✅ Order #${n} status updated to delivered`,
          `✅ Order #${n} has been delivered!`,
        ]);
        assert.ok(Number(await page.getByTestId('orders').getAttribute('data-fetches')) >= 2, 'list was not refetched');
        await page.screenshot({ path: path.join(artifacts, `e2e-${label.replace(/\W+/g, '-')}.png`) });
      } catch (err) {
        await page.screenshot({ path: path.join(artifacts, `e2e-${label.replace(/\W+/g, '-')}-failure.png`) }).catch(() => {});
        err.message += `\nbrowser console:\n${consoleLines.slice(-20).join('\n')}`;
        throw err;
      }
    });
  });
}

test('renews its token in band when the server says it is expiring, and shows it', async (t) => {
  const user = `qa-browser-renew-${Date.now()}`;
  // The server warns halfway to exp for a token this short: about 3 s after it was minted.
  const short = mintToken({ sub: user, expiresInSeconds: 6 });
  const { page, close, consoleLines, context } = await openPage({ token: short });
  t.after(close);
  try {
    await page.getByTestId('live-indicator').filter({ hasText: 'Live Updates Active' }).waitFor({ timeout: 15000 });
    const socketId = await page.evaluate(() => window.__orderSocket.id);
    // What the auth service does when it refreshes a session: a new accessToken cookie, which the page picks up.
    const fresh = mintToken({ sub: user, expiresInSeconds: 900 });
    await context.addCookies([{ name: 'accessToken', value: fresh, url: PAGE }]);

    const status = page.locator('[data-testid=token-status][data-state=renewed]');
    await status.waitFor({ timeout: 20000 });
    const until = new Date(decodeToken(fresh).exp * 1000).toISOString().slice(11, 19);
    assert.equal(await status.textContent(), `Token renewed, valid until ${until} UTC`);
    assert.deepEqual(await page.evaluate(() => [window.__orderSocket.connected, window.__orderSocket.id, window.__orderSocket.auth.token]),
      [true, socketId, fresh], 'the same socket lives on, and would reconnect with the renewed token');
  } catch (err) {
    await page.screenshot({ path: path.join(artifacts, 'e2e-token-renewal-failure.png') }).catch(() => {});
    err.message += `\nbrowser console:\n${consoleLines.slice(-20).join('\n')}`;
    throw err;
  }
});
