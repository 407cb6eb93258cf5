// A service at the host stand, on a fixed Friday evening (the demo's clock starts at
// 2026-11-27 18:00 in Freiburg): book a known guest found while typing on a table chosen by
// hand, seat a guest, mark a no-show and seat a walk-in, each with one click.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launch, login, DEMO, shots } from './harness.mjs';

const FRIDAY = '2026-11-27';
let server;
let browser;
before(async () => {
  server = await startServer({ HOSTSYSTEM_CLOCK_START: `${FRIDAY}T17:00:00Z` });
  browser = await launch();
});
after(async () => { await browser?.close(); await server?.stop(); });

async function book(page, name, note) {
  await page.goto(`${server.base}/reservations/new?date=${FRIDAY}&party_size=2`);
  await page.locator('input[name=time]').last().check();
  await page.fill('#new-name', name);
  await page.fill('#new-notes', note);
  await Promise.all([
    page.waitForURL(u => u.pathname === '/'),
    page.click('form[data-book] button[type=submit]'),
  ]);
  const row = page.locator('tr', { hasText: note });
  await row.waitFor();
  return row;
}

test('a known guest is picked while typing and booked on a table chosen by hand', async () => {
  const page = await browser.newPage({ viewport: { width: 768, height: 1024 } });
  await login(page, server.base, DEMO.staff);
  await page.goto(`${server.base}/reservations/new?date=${FRIDAY}&party_size=2`);
  await page.locator('input[name=time]').last().check();
  await page.locator('#new-name').pressSequentially('Web', { delay: 30 });
  const match = page.locator('#guest-matches button', { hasText: 'Anna Weber' });
  await match.waitFor();
  await page.screenshot({ path: join(shots, 'guest-lookup.png'), fullPage: true });
  await match.click();
  assert.equal(await page.inputValue('#new-name'), 'Anna Weber');
  assert.match(await page.inputValue('#new-phone'), /^\+49151/, 'the phone is filled in');
  assert.equal(await page.locator('#guest-matches button').count(), 0, 'the offers close');
  await page.selectOption('#new-tables', { label: 'T20 (2–4)' });
  await page.fill('#new-notes', 'Tisch von Hand');
  await Promise.all([
    page.waitForURL(u => u.pathname === '/'),
    page.click('form[data-book] button[type=submit]'),
  ]);
  const row = page.locator('tr', { hasText: 'Tisch von Hand' });
  await row.waitFor();
  assert.equal((await row.locator('td').nth(3).textContent()).trim(), 'T20');
  assert.ok((await row.textContent()).includes('Anna Weber'));
  await page.close();
});

test('staff seat a guest, mark a no-show and seat a walk-in with one click each', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  let dialogs = 0;
  page.on('dialog', d => { dialogs += 1; d.dismiss(); });
  await login(page, server.base, DEMO.staff);
  const arriving = await book(page, 'Klara Ankunft', 'kommt gleich');
  await Promise.all([page.waitForURL(u => u.pathname === '/'), arriving.locator('form[action$="/seat"] button').click()]);
  await page.locator('tr', { hasText: 'kommt gleich' }).locator('.s-seated').waitFor();
  const missing = await book(page, 'Max Fehlt', 'kommt nicht');
  await Promise.all([page.waitForURL(u => u.pathname === '/'), missing.locator('form[action$="/no-show"] button').click()]);
  await page.locator('tr', { hasText: 'kommt nicht' }).locator('.s-no_show').waitFor();
  const gone = page.locator('tr', { hasText: 'kommt nicht' });
  assert.equal(await gone.locator('form[action$="/no-show"]').count(), 0, 'marked once');
  assert.equal(await gone.locator('form[action$="/seat"]').count(), 1, 'a late guest can still be seated');
  // Walk-in: party size and table, one click.
  await page.goto(`${server.base}/`);
  await page.selectOption('#walk-in-party', '3');
  await page.selectOption('#walk-in-table', { label: 'T21' });
  const before = await page.locator('tr', { hasText: 'T21' }).count();
  await Promise.all([page.waitForURL(u => u.pathname === '/'), page.click('form[action="/walk-ins"] button[type=submit]')]);
  const walkIns = page.locator('tr', { hasText: 'T21' }).filter({ has: page.locator('.s-seated') });
  await walkIns.first().waitFor();
  assert.ok(await page.locator('tr', { hasText: 'T21' }).count() > before, 'a new row on T21');
  assert.equal(dialogs, 0);
  await page.screenshot({ path: join(shots, 'service.png'), fullPage: true });
  await page.close();
});

test("today's view with the walk-in controls fits a tablet", async () => {
  const page = await browser.newPage({ viewport: { width: 768, height: 1024 } });
  await login(page, server.base, DEMO.staff);
  await page.goto(`${server.base}/`);
  assert.equal(await page.locator('#walk-in-table').count(), 1, 'walk-in with a table choice today');
  await page.screenshot({ path: join(shots, 'service-tablet.png'), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  const wide = await page.evaluate(() => [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .slice(0, 5).map(e => `${e.tagName}.${e.className} ${e.textContent.trim().slice(0, 30)}`));
  assert.ok(overflow <= 0, `no horizontal scrolling at 768 px (overflow ${overflow}px): ${wide.join(' | ')}`);
  await page.close();
});
