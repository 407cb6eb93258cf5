// The day view in a real browser: book through the form, find the booking in list and
// timeline, cancel it with confirmation, staff kept out of the team page, a hostile guest
// name rendered as text, and the 768 px tablet width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launch, login, DEMO, isoDate, openDay, quietDay, shots } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('a manager books through the form and finds it in list and timeline, then cancels it', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  let dialogs = 0;
  page.on('dialog', d => { dialogs += 1; d.dismiss(); });
  await login(page, server.base, DEMO.manager);
  const day = openDay(2);
  await page.goto(`${server.base}/reservations/new?date=${day}&party_size=4`);
  const firstTime = page.locator('input[name=time]').first();
  assert.ok(await firstTime.count() > 0, 'free times are offered');
  await page.screenshot({ path: join(shots, 'reservation-form.png'), fullPage: true });
  await page.locator('input[name=time]').last().check();
  const hostile = '<img src=x onerror=alert(1)>';
  await page.fill('#new-name', hostile);
  await page.fill('#new-phone', '0761 2345678');
  await page.fill('#new-notes', 'Hochstuhl bitte');
  await Promise.all([
    page.waitForURL(u => u.pathname === '/'),
    page.click('form[method=post][action="/reservations/new"] button[type=submit]'),
  ]);
  const row = page.locator('tr', { hasText: 'Hochstuhl bitte' });
  await row.waitFor();
  assert.ok((await row.textContent()).includes(hostile), 'the name shows as text');
  assert.equal(dialogs, 0, 'no script ran');
  await page.screenshot({ path: join(shots, 'day-list.png'), fullPage: true });
  await page.click('nav.tabs a[href*="view=timeline"]');
  const block = page.locator('.timeline .block', { hasText: hostile.slice(0, 10) });
  assert.equal(await block.count(), 1, 'one block on the timeline');
  await page.screenshot({ path: join(shots, 'day-timeline.png'), fullPage: true });
  await page.click('nav.tabs a[href*="view=list"]');
  // Move it to the first free time of that day from its own page.
  await row.locator('td a').first().click();
  await page.waitForURL(/\/reservations\/[0-9a-f-]{36}$/);
  const target = await page.locator('#move-form input[name=time]').first().getAttribute('value');
  await page.locator('#move-form input[name=time]').first().check();
  await Promise.all([page.waitForURL(u => u.pathname === '/'), page.click('#move-form button[type=submit]')]);
  const moved = page.locator('tr', { hasText: 'Hochstuhl bitte' });
  assert.equal((await moved.locator('.time').textContent()).trim(), target, 'moved to the chosen time');
  await moved.locator('a[href$="/cancel"]').click();
  await page.waitForURL(/\/cancel$/);
  await Promise.all([page.waitForURL(u => u.pathname === '/'), page.click('form[action$="/cancel"] button[type=submit]')]);
  assert.equal(await page.locator('tr', { hasText: 'Hochstuhl bitte' }).locator('.s-cancelled').count(), 1, 'shown as cancelled');
  await page.close();
});

test('staff are kept out of the team and settings pages and the day view fits a tablet', async () => {
  const page = await browser.newPage({ viewport: { width: 768, height: 1024 } });
  await login(page, server.base, DEMO.staff);
  assert.equal(await page.locator('a[href="/team"]').count(), 0, 'no team link for staff');
  const resp = await page.goto(`${server.base}/team`);
  assert.equal(resp.status(), 403);
  assert.equal(await page.locator('a[href="/settings"]').count(), 0, 'no settings link for staff');
  assert.equal((await page.goto(`${server.base}/settings`)).status(), 403, 'settings typed by hand');
  await page.goto(`${server.base}/?date=${isoDate(1)}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 768 px (overflow ${overflow}px)`);
  await page.screenshot({ path: join(shots, 'day-tablet.png'), fullPage: true });
  // The guest book: find a demo guest and open the profile with the visit history.
  await page.click('a[href="/guests"]');
  await page.fill('#guest-q', 'Weber');
  await Promise.all([page.waitForURL(/q=Weber/), page.click('form[role=search] button')]);
  await page.locator('table a[href^="/guests/"]').first().click();
  await page.waitForURL(/\/guests\/[0-9a-f-]{36}/);
  assert.ok(await page.locator('h1', { hasText: 'Weber' }).count() === 1, 'the profile');
  assert.equal(await page.locator('#g-special').count(), 0, 'staff get no special-notes field');
  await page.screenshot({ path: join(shots, 'guest-profile.png'), fullPage: true });
  await page.close();
});

test('a manager changes a setting and it is saved', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await login(page, server.base, DEMO.manager);
  await page.click('a[href="/settings"]');
  await page.waitForURL(`${server.base}/settings`);
  await page.fill('#lead_minutes', '45');
  await Promise.all([page.waitForURL(/saved=1/), page.click('form[action="/settings/restaurant"] button[type=submit]')]);
  assert.equal(await page.inputValue('#lead_minutes'), '45');
  assert.equal(await page.locator('.notice').count(), 1, 'a saved notice');
  await page.screenshot({ path: join(shots, 'settings.png'), fullPage: true });
  await page.close();
});

test('the free times follow the party size without a page load', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await login(page, server.base, DEMO.manager);
  await page.goto(`${server.base}/reservations/new?date=${quietDay(1)}&party_size=2`);
  await page.evaluate(() => { window.__same = true; });
  const tablesFor2 = await page.locator('#slots .radios label').first().textContent();
  await page.selectOption('#new-party', '12');
  await page.waitForFunction(() => document.querySelector('input[type=hidden][name=party_size]').value === '12');
  await page.waitForFunction(() => /T11/.test((document.querySelector('#slots .radios label') || {}).textContent || ''));
  assert.equal(await page.evaluate(() => window.__same), true, 'no page load');
  assert.notEqual(await page.locator('#slots .radios label').first().textContent(), tablesFor2);
  assert.match(page.url(), /party_size=12/);
  await page.close();
});
