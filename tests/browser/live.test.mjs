// Live updates in a real browser: a reservation made in a second browser context appears in
// the first one's open day view without a reload. Prints how long it took.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launch, login, DEMO, openDay, shots } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('a booking made elsewhere appears in an open day view without reload', async () => {
  const day = openDay(3);
  const watcher = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await login(watcher, server.base, DEMO.manager);
  await watcher.goto(`${server.base}/?date=${day}`);
  await watcher.evaluate(() => { window.__notReloaded = true; });
  // Give the event stream a moment to connect before the booking happens.
  await watcher.waitForTimeout(500);
  const booker = await (await browser.newContext()).newPage();
  await login(booker, server.base, DEMO.owner);
  await booker.goto(`${server.base}/reservations/new?date=${day}&party_size=2`);
  await booker.locator('input[name=time]').first().check();
  await booker.fill('#new-name', 'Live Gast');
  const clicked = Date.now();
  await Promise.all([
    booker.waitForURL(u => u.pathname === '/'),
    booker.click('form[method=post][action="/reservations/new"] button[type=submit]'),
  ]);
  await watcher.locator('#list tr', { hasText: 'Live Gast' }).waitFor({ timeout: 10_000 });
  console.log(`live update shown ${Date.now() - clicked} ms after the click`);
  assert.equal(await watcher.evaluate(() => window.__notReloaded), true, 'no reload happened');
  await watcher.screenshot({ path: join(shots, 'day-live.png'), fullPage: true });
});
