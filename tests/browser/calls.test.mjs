// The phone agent's call log in a real browser: the simulator replays a Vapi call against the
// running demo server; the call appears in the log with its outcome, and its page shows the
// transcript and the reservation it made, which in turn links back to the call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, login, DEMO, openDay, shots } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

/** Replays a call script with `hostsystem voice simulate` against the demo server. */
function simulate(script) {
  const dir = mkdtempSync(join(tmpdir(), 'hs-call-'));
  const file = join(dir, 'call.json');
  writeFileSync(file, JSON.stringify(script));
  return JSON.parse(execFileSync(server.bin, ['voice', 'simulate', '--json', '--url', server.base,
    '--restaurant', printed('Restaurant id'), '--secret', printed('Voice secret'),
    '--retell-key', printed('Retell key \\(demo\\)'), '--script', file],
    { encoding: 'utf8', env: { PATH: process.env.PATH, HOSTSYSTEM_LOG_LEVEL: 'warn' } }));
}

function printed(label) {
  const m = server.printed().match(new RegExp(`${label}: (\\S+)`));
  assert.ok(m, `serve --demo printed ${label}`);
  return m[1];
}

test('simulated Vapi and Retell calls book tables and show up in the call log with transcript and outcome', async () => {
  const day = openDay(3);
  const script = {
    provider: 'vapi', call_id: 'browser-call-1', caller: '+4915199887766',
    tool_calls: [
      { tool: 'check_availability', arguments: { date: day, party_size: 'zu zweit' } },
      { tool: 'create_reservation', arguments: { date: day, time: '21:00', party_size: 2, name: 'Greta Anruferin' } },
    ],
    end: { transcript: 'Gast: Übermorgen um neun für zwei, bitte.\nAgent: Gern, ich habe reserviert.', summary: 'Tisch für zwei reserviert.', duration_seconds: 83 },
  };
  const out = simulate(script);
  const booked = out.answers[1];
  assert.equal(booked.ok, true, JSON.stringify(out));
  // And a Retell call, signed with the demo's Retell key.
  const retell = simulate({
    provider: 'retell', call_id: 'browser-call-2', caller: '+4915155443322',
    tool_calls: [{ tool: 'create_reservation', arguments: { date: day, time: '20:45', party_size: 'zu zweit', name: 'Rudi Retell' } }],
    end: { transcript: 'User: Um Viertel vor neun zu zweit.', summary: 'Tisch für zwei.', duration_seconds: 40 },
  });
  assert.equal(retell.answers[0].ok, true, JSON.stringify(retell));

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await login(page, server.base, DEMO.manager);
  await page.click('a[href="/calls"]');
  await page.waitForURL(`${server.base}/calls`);
  const row = page.locator('tr', { hasText: '+4915199887766' });
  await row.waitFor();
  assert.equal(await row.locator('.o-booked').count(), 1, 'outcome booked');
  const retellRow = page.locator('tr', { hasText: '+4915155443322' });
  assert.equal(await retellRow.locator('.o-booked').count(), 1, 'the Retell call, booked');
  assert.match(await retellRow.textContent(), /retell/);
  assert.ok(await page.locator('tbody tr').count() >= 3, 'the demo calls are listed too');
  await page.screenshot({ path: join(shots, 'calls.png'), fullPage: true });
  await page.selectOption('#calls-outcome', 'handed_over');
  await Promise.all([page.waitForURL(/outcome=handed_over/), page.click('form[role=search] button')]);
  assert.equal(await page.locator('tr', { hasText: '+4915199887766' }).count(), 0, 'filtered out');
  await page.goto(`${server.base}/calls`);
  await page.locator('tr', { hasText: '+4915199887766' }).locator('a').click();
  await page.waitForURL(/\/calls\/[0-9a-f-]{36}$/);
  assert.match(await page.locator('#transcript').textContent(), /Übermorgen um neun/);
  await page.screenshot({ path: join(shots, 'call-detail.png'), fullPage: true });
  await page.locator('a[href^="/reservations/"]').click();
  await page.waitForURL(/\/reservations\/[0-9a-f-]{36}$/);
  assert.ok((await page.locator('h1').textContent()).includes('Greta Anruferin'));
  assert.equal(await page.locator('a[href^="/calls/"]').count(), 1, 'the reservation links its call');
  await page.close();
});
