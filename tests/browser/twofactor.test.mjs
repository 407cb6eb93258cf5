// Signing in with a second factor in a real browser: an owner turns on TOTP from the account
// page (secret read from the page, codes computed here per RFC 6238), signs out, and signs in
// again through the code challenge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { startServer, launch, login, DEMO, shots } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

function base32(s) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0; const out = [];
  for (const ch of s.replace(/[^A-Z2-7]/gi, '').toUpperCase()) {
    value = (value << 5) | abc.indexOf(ch); bits += 5;
    if (bits >= 8) { bits -= 8; out.push((value >>> bits) & 0xff); }
  }
  return Buffer.from(out);
}

function totp(secret, stepOffset = 0) {
  const step = Math.floor(Date.now() / 30000) + stepOffset;
  const msg = Buffer.alloc(8); msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', secret).update(msg).digest();
  const o = h[19] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1_000_000).padStart(6, '0');
}

test('an owner turns on two-factor sign-in and signs in with a code', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await login(page, server.base, DEMO.owner);
  await page.goto(`${server.base}/account`);
  await Promise.all([page.waitForURL(`${server.base}/account`), page.click('form[action="/account/2fa/start"] button')]);
  assert.equal(await page.locator('.qr svg').count(), 1, 'a QR code');
  await page.screenshot({ path: join(shots, 'account-2fa.png'), fullPage: true });
  const secret = base32(await page.locator('code.secret').textContent());
  await page.fill('#totp-code', totp(secret));
  await page.click('form[action="/account/2fa/confirm"] button');
  assert.equal(await page.locator('ul.codes li').count(), 10, 'ten recovery codes shown once');
  await Promise.all([page.waitForURL(/\/login/), page.click('form[action="/logout"] button')]);
  await page.fill('#email', DEMO.owner[0]);
  await page.fill('#password', DEMO.owner[1]);
  await Promise.all([page.waitForURL(/\/login\/2fa$/), page.click('button[type=submit]')]);
  // The setup code's time step is spent; the next step's code is within the allowed drift.
  await page.fill('#code', totp(secret, 1));
  await Promise.all([page.waitForURL(`${server.base}/`), page.click('button[type=submit]')]);
  assert.equal(await page.locator('[data-live]').count(), 1, 'signed in: the day view');
  await page.close();
});
