// Guest messages in a real browser: the demo's guest opens the self-service link from the
// confirmation the demo wrote as an .eml file, moves the booking to another time, then
// cancels it; the team's reservation page lists all three messages with their status.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, login, DEMO, shots } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

/** The .eml files to `to`, oldest first, once at least `n` are there. */
async function mailsTo(to, n) {
  const dir = join(server.dataDir, 'mail');
  const deadline = Date.now() + 20_000;
  for (;;) {
    const files = existsSync(dir) ? readdirSync(dir).filter(f => f.endsWith('.eml')).sort() : [];
    const mine = files.map(f => readFileSync(join(dir, f), 'utf8')).filter(m => m.includes(`To: ${to}\r\n`));
    if (mine.length >= n) return mine;
    if (Date.now() > deadline) throw new Error(`only ${mine.length} of ${n} mails to ${to}`);
    await new Promise(r => setTimeout(r, 200));
  }
}

test('the guest changes and cancels through the link in the demo mail, and the team sees both messages', async () => {
  const [confirmation] = await mailsTo('greta.gast@example.com', 1);
  assert.match(confirmation, /Buchungscode: [A-Z0-9]{6}/);
  const link = confirmation.match(/http:\/\/127\.0\.0\.1:\d+\/r\/[0-9a-f-]{36}\/[A-Za-z0-9_-]{22}/)[0];
  const page = await browser.newPage();
  await page.goto(link);
  assert.equal(await page.getAttribute('#status', 'data-status'), 'confirmed');
  const before = await page.textContent('#when');
  await page.screenshot({ path: join(shots, 'guest-manage.png'), fullPage: true });

  // Another free time on the same day.
  const times = await page.$$eval('#change input[name=time]', els => els.map(e => ({ v: e.value, c: e.checked })));
  const other = times.find(t => !t.c && t.v !== '19:00');
  assert.ok(other, `a free time besides the booked one: ${JSON.stringify(times)}`);
  await page.check(`#change input[value="${other.v}"]`);
  await Promise.all([page.waitForURL(/done=changed/), page.click('#change button[type=submit]')]);
  assert.notEqual(await page.textContent('#when'), before);
  assert.ok((await page.textContent('#when')).includes(other.v.replace(/^0/, '').replace(':00', '')));

  await Promise.all([page.waitForURL(/done=cancelled/), page.click('#cancel button[type=submit]')]);
  assert.equal(await page.getAttribute('#status', 'data-status'), 'cancelled');
  await page.screenshot({ path: join(shots, 'guest-cancelled.png'), fullPage: true });
  const mails = await mailsTo('greta.gast@example.com', 3);
  assert.ok(mails.some(m => m.includes('Geändert')), 'the change was confirmed');
  assert.ok(mails.some(m => m.includes('METHOD:CANCEL') || m.includes('method=CANCEL')), 'the calendar entry is withdrawn');

  // The team's view of the reservation: three messages, each sent.
  const team = await browser.newPage();
  await login(team, server.base, DEMO.manager);
  const reservationId = link.split('/r/')[1] && (await (async () => {
    await team.goto(`${server.base}/guests?q=Greta`);
    const guest = await team.getAttribute('a[href^="/guests/"]', 'href');
    await team.goto(`${server.base}${guest}`);
    return team.getAttribute('#messages a[href^="/reservations/"]', 'href');
  })());
  await team.goto(`${server.base}${reservationId}`);
  const rows = await team.$$eval('#messages tbody tr', trs => trs.map(tr => tr.querySelector('[data-status]').dataset.status));
  assert.equal(rows.length, 3, `confirmation, change, cancellation: ${rows}`);
  assert.ok(rows.every(s => s === 'sent'), rows.join());
  await team.screenshot({ path: join(shots, 'reservation-messages.png'), fullPage: true });
});
