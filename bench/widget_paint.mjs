// First paint of the widget's launcher on a restaurant's website, for bench/widget.sh:
// `hostsystem serve --demo` (HOSTSYSTEM_BIN, the release build), a host page on another
// origin with a strict CSP and the one script tag, loaded RUNS times (default 30) in a fresh
// browser context each (nothing cached). Each load records, in the page, the first animation
// frame in which the launcher button is in the widget's shadow root, from the start of the
// navigation; and the page's own first contentful paint for comparison. Prints p50/p99.
import { createServer } from 'node:http';
import { startServer, launch, login, DEMO } from '../tests/browser/harness.mjs';

const runs = Number(process.env.RUNS || 30);
const server = await startServer();
const browser = await launch();
try {
  const id = server.printed().match(/data-restaurant="(w[0-9a-f]{15})"/)[1];
  const base = server.base;
  const html = `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Trattoria</title></head>
<body><h1>Trattoria Demo</h1><p>Willkommen.</p>
<script src="${base}/widget.js" data-restaurant="${id}" async></script></body></html>`;
  const csp = `default-src 'none'; script-src ${base}; connect-src ${base}; style-src 'self'`;
  const site = await new Promise(resolve => {
    const s = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp });
      res.end(html);
    });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
  const origin = `http://127.0.0.1:${site.address().port}`;
  const team = await browser.newPage();
  await login(team, base, DEMO.manager);
  await team.goto(`${base}/agent`);
  await team.fill('#origins', origin);
  await Promise.all([team.waitForURL(/\/agent/), team.click('form[action="/agent/widget"] button[type=submit]')]);
  await team.close();

  const launcher = [], fcp = [];
  for (let i = 0; i < runs; i++) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.addInitScript(() => {
      const look = () => {
        const b = document.querySelector('[data-hostsystem-widget]')?.shadowRoot?.querySelector('button');
        if (b) window.__launcher = performance.now();
        else requestAnimationFrame(look);
      };
      requestAnimationFrame(look);
    });
    await page.goto(origin);
    await page.waitForFunction(() => window.__launcher !== undefined);
    launcher.push(await page.evaluate(() => window.__launcher));
    fcp.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN));
    await ctx.close();
  }
  const pct = (v, p) => { const s = [...v].sort((a, b) => a - b); return s[Math.round((s.length - 1) * p)]; };
  const f = v => `p50 ${pct(v, 0.5).toFixed(1)} ms, p99 ${pct(v, 0.99).toFixed(1)} ms`;
  console.log(`launcher painted (first frame with the button), ${runs} cold loads: ${f(launcher)}`);
  console.log(`the host page's own first contentful paint, same loads: ${f(fcp.filter(x => !Number.isNaN(x)))}`);
  await new Promise(r => site.close(r));
} finally {
  await browser.close();
  await server.stop();
}
