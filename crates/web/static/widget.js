// HostSystem's website widget: <script src="https://<host>/widget.js" data-restaurant="<id>" async>
// A launcher opens a chat panel in a shadow root, styled by a constructed stylesheet (no inline
// styles or scripts, so strict CSPs work), without cookies (the token is in localStorage).
// Replies stream over a streamed fetch. Every text is set with textContent. With
// data-mode="form" the panel shows the restaurant's booking page (/book/<slug>) in a frame
// instead of the chat (the host page's CSP then needs frame-src for this server).
(() => {
  'use strict';
  const me = document.currentScript || document.querySelector('script[data-restaurant][src*="widget.js"]');
  if (!me || !me.dataset.restaurant || window.__hsWidget) return;
  window.__hsWidget = true;
  const id = me.dataset.restaurant;
  const base = new URL(me.src, location.href).origin;
  const api = `${base}/api/w/${encodeURIComponent(id)}`;
  const store = `hs-widget:${id}`;
  const formMode = me.dataset.mode === 'form';
  const lang = ((me.dataset.lang || document.documentElement.lang || navigator.language || 'de').toLowerCase().startsWith('de')) ? 'de' : 'en';
  const T = {
    de: {
      open: 'Chat öffnen: Tisch reservieren oder Frage stellen', close: 'Chat schließen', send: 'Senden',
      book: 'Tisch reservieren', closeForm: 'Reservierung schließen',
      input: 'Ihre Nachricht', hello: 'Hallo! Ich kann für Sie einen Tisch reservieren, eine Reservierung ändern oder Fragen beantworten.',
      notice: 'Ihre Nachrichten werden von {n} gespeichert, um Ihre Anfrage zu bearbeiten. Bitte keine Gesundheitsdaten, außer sie sind für Ihren Besuch nötig.',
      privacy: 'Datenschutzhinweise', yourData: 'Ihre Daten: Auskunft, Löschung', calendar: 'Zum Kalender hinzufügen', code: 'Buchungsnummer',
      people: 'Personen', wait: 'Sie schreiben sehr schnell – bitte einen Moment.', error: 'Das hat leider nicht geklappt. Bitte versuchen Sie es noch einmal.',
      typing: 'schreibt …', pending: 'wartet auf Bestätigung', confirmed: 'bestätigt', team: 'Team',
      person: 'Eine Person aus dem Team antwortet Ihnen hier.',
      mail: 'Gespräch per E-Mail erhalten', email: 'Ihre E-Mail-Adresse', mailed: 'Das Gespräch ist an {e} unterwegs.',
      mailNo: 'Das ging nicht: Bitte prüfen Sie die Adresse. Ein Gespräch wird erst nach Ihrer ersten Nachricht und höchstens dreimal verschickt.',
      attach: 'Bild oder PDF senden', fileNo: 'Diese Datei kann ich nicht annehmen: nur Bilder (JPEG, PNG, WebP) und PDF bis 10 MB, höchstens fünf je Gespräch.',
    },
    en: {
      open: 'Open chat: book a table or ask a question', close: 'Close chat', send: 'Send',
      book: 'Book a table', closeForm: 'Close booking',
      input: 'Your message', hello: 'Hello! I can book a table for you, change a booking or answer questions.',
      notice: 'Your messages are stored by {n} to handle your request. Please share no health details unless your visit needs them.',
      privacy: 'Privacy notice', yourData: 'Your data: access, erasure', calendar: 'Add to calendar', code: 'Booking code',
      people: 'people', wait: 'You are typing very fast – please wait a moment.', error: 'Sorry, that did not work. Please try again.',
      typing: 'is typing …', pending: 'awaiting confirmation', confirmed: 'confirmed', team: 'Team',
      person: 'A person from the team answers you here.',
      mail: 'Get this conversation by email', email: 'Your email address', mailed: 'The conversation is on its way to {e}.',
      mailNo: 'That did not work: please check the address. A conversation can be sent after your first message, at most three times.',
      attach: 'Send an image or PDF', fileNo: 'I cannot take this file: only images (JPEG, PNG, WebP) and PDF up to 10 MB, at most five per conversation.',
    },
  }[lang];

  const css = (c, ink) => `
:host{all:initial;--c:${c};--ink:${ink};font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f}
*{box-sizing:border-box}
.l{position:fixed;bottom:20px;right:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;border:0;background:var(--c);color:var(--ink);cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);display:grid;place-items:center}
:host(.left) .l{right:auto;left:20px}
.l svg{width:26px;height:26px;fill:currentColor}
.l:focus-visible,button:focus-visible,textarea:focus-visible,a:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}
.p{position:fixed;bottom:88px;right:20px;z-index:2147483001;width:370px;max-width:calc(100vw - 40px);height:560px;max-height:calc(100vh - 110px);background:#fff;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.3);display:flex;flex-direction:column;overflow:hidden}
:host(.left) .p{right:auto;left:20px}
.p[hidden]{display:none}
header{background:var(--c);color:var(--ink);padding:12px 14px;display:flex;align-items:center;gap:8px}
header b{flex:1;font-size:16px}
.x,.k{background:none;border:0;color:inherit;font-size:24px;line-height:1;cursor:pointer;padding:2px 8px;border-radius:6px}
.k{font-size:19px}
.e{border:0;border-bottom:1px solid #e4e4e4}
.e[hidden]{display:none}
.e input{flex:1;border:1px solid #8d8d8d;border-radius:10px;padding:6px 10px;font:inherit;min-width:0}
.n{margin:0;padding:8px 14px;font-size:12.5px;color:#444;background:#f6f6f6;border-bottom:1px solid #e4e4e4}
.n a{color:#1a4f9c}
.g{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px}
.m{max-width:85%;padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere}
.m.agent,.m.team{background:#f0f0f2;align-self:flex-start;border-bottom-left-radius:4px}
.m.team{background:#e8f1e4}
.m.guest{background:var(--c);color:var(--ink);align-self:flex-end;border-bottom-right-radius:4px}
.who{display:block;font-size:11.5px;font-weight:600;color:#3d5c2f}
.ch{display:flex;flex-wrap:wrap;gap:6px}
.ch button{border:1.5px solid var(--c);background:#fff;color:#1d1d1f;border-radius:16px;padding:5px 12px;cursor:pointer;font:inherit}
.ch button:hover{background:#f3f3f3}
.cd{border:1px solid #d9d9d9;border-radius:12px;padding:10px 12px;align-self:flex-start;background:#fffdf8}
.cd strong{font-size:17px;letter-spacing:.08em}
.cd a{display:inline-block;margin-top:6px;color:#1a4f9c}
.t{padding:0 14px 6px;font-size:12.5px;color:#555}
.t[hidden]{display:none}
form{display:flex;gap:8px;padding:10px;border-top:1px solid #e4e4e4}
textarea{flex:1;resize:none;border:1px solid #8d8d8d;border-radius:10px;padding:8px 10px;font:inherit;min-height:40px;max-height:120px;color:#1d1d1f}
.u{border:1px solid #8d8d8d;background:#fff;border-radius:10px;padding:0 8px;cursor:pointer;display:grid;place-items:center}
.u svg{width:20px;height:20px;fill:#444}
.m a{color:inherit}
.m svg{width:14px;height:14px;fill:currentColor;vertical-align:-2px;margin-right:4px}
.s{border:0;border-radius:10px;background:var(--c);color:var(--ink);padding:0 14px;cursor:pointer;font:inherit;font-weight:600}
.f{flex:1;border:0;width:100%;background:#fff}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px){.p{inset:0;width:100%;max-width:none;height:100%;max-height:none;border-radius:0}}
`;
  // Text on the restaurant's colour: black or white, whichever contrasts more (WCAG).
  const lum = h => {
    const v = [1, 3, 5].map(i => parseInt(h.slice(i, i + 2), 16) / 255).map(x => (x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4));
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  };
  const ink = c => ((lum(c) + 0.05) / 0.05 > 1.05 / (lum(c) + 0.05) ? '#000' : '#fff');

  const host = document.createElement('div');
  host.setAttribute('data-hostsystem-widget', '');
  const root = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  const paint = c => sheet.replaceSync(css(c, ink(c)));
  paint('#8a3b12');
  root.adoptedStyleSheets = [sheet];
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; };

  const launcher = el('button', 'l');
  launcher.type = 'button';
  launcher.setAttribute('aria-label', formMode ? T.book : T.open);
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-controls', 'hs-panel');
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(svgNs, 'path');
  path.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z');
  svg.append(path);
  launcher.append(svg);

  const panel = el('section', 'p');
  panel.id = 'hs-panel';
  panel.hidden = true;
  panel.setAttribute('role', 'dialog');
  const head = el('header');
  const title = el('b', null, '');
  title.id = 'hs-title';
  panel.setAttribute('aria-labelledby', 'hs-title');
  const close = el('button', 'x', '×');
  close.type = 'button';
  close.setAttribute('aria-label', formMode ? T.closeForm : T.close);
  const mailer = el('button', 'k', '✉');
  mailer.type = 'button';
  mailer.setAttribute('aria-label', T.mail);
  mailer.title = T.mail;
  mailer.setAttribute('aria-expanded', 'false');
  if (formMode) head.append(title, close);
  else head.append(title, mailer, close);
  // The conversation by email: an address, sent through the restaurant's outbox.
  const mailForm = el('form', 'e');
  mailForm.hidden = true;
  const mailLabel = el('label', 'sr', T.email);
  mailLabel.htmlFor = 'hs-email';
  const mailInput = el('input');
  mailInput.id = 'hs-email';
  mailInput.type = 'email';
  mailInput.required = true;
  mailInput.maxLength = 254;
  mailInput.autocomplete = 'email';
  mailInput.placeholder = T.email;
  const mailSend = el('button', 's', T.send);
  mailSend.type = 'submit';
  mailForm.append(mailLabel, mailInput, mailSend);
  const mailDone = el('div', 't');
  mailDone.setAttribute('role', 'status');
  mailDone.hidden = true;
  const notice = el('p', 'n');
  const log = el('div', 'g');
  log.setAttribute('role', 'log');
  log.setAttribute('aria-live', 'polite');
  const typing = el('div', 't');
  typing.hidden = true;
  const person = el('div', 't', T.person);
  person.hidden = true;
  const form = el('form');
  const label = el('label', 'sr', T.input);
  label.htmlFor = 'hs-input';
  const input = el('textarea');
  input.id = 'hs-input';
  input.rows = 1;
  input.maxLength = 2000;
  input.placeholder = T.input;
  const send = el('button', 's', T.send);
  send.type = 'submit';
  // A guest's image or PDF, checked again on the server by its content.
  const attach = el('button', 'u');
  attach.type = 'button';
  const clip = document.createElementNS(svgNs, 'svg');
  clip.setAttribute('viewBox', '0 0 24 24');
  clip.setAttribute('aria-hidden', 'true');
  const clipPath = document.createElementNS(svgNs, 'path');
  clipPath.setAttribute('d', 'M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6z');
  clip.append(clipPath);
  attach.append(clip);
  attach.setAttribute('aria-label', T.attach);
  attach.title = T.attach;
  const picker = el('input', 'sr');
  picker.type = 'file';
  picker.accept = 'image/jpeg,image/png,image/webp,application/pdf';
  picker.tabIndex = -1;
  picker.setAttribute('aria-hidden', 'true');
  form.append(label, attach, picker, input, send);
  const frame = el('iframe', 'f');
  frame.title = T.book;
  if (formMode) panel.append(head, frame);
  else panel.append(head, mailForm, mailDone, notice, log, typing, person, form);
  root.append(launcher, panel);

  let token = null;
  try { token = localStorage.getItem(store); } catch (e) { /* storage blocked */ }
  let cfg = null;
  let busy = false;
  let opened = null;

  const bubble = (role, text) => {
    const m = el('div', `m ${role}`);
    if (role === 'team') m.append(el('span', 'who', T.team));
    m.append(document.createTextNode(text));
    log.append(m);
    log.scrollTop = log.scrollHeight;
    return m;
  };
  const showNotice = () => {
    notice.textContent = T.notice.replace('{n}', cfg ? cfg.name : '');
    if (cfg && cfg.privacy_url) {
      const a = el('a', null, T.privacy);
      a.href = cfg.privacy_url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      notice.append(' ', a);
    }
    if (cfg && cfg.slug) {
      // The guest's own data-protection request (access, erasure, …) on the hosted form.
      const r = el('a', null, T.yourData);
      r.href = `${base}/book/${encodeURIComponent(cfg.slug)}/privacy?lang=${lang}`;
      r.target = '_blank';
      r.rel = 'noopener noreferrer';
      notice.append(' · ', r);
    }
  };
  const ics = card => {
    const d = card.date.replace(/-/g, '');
    const t = card.time.replace(':', '') + '00';
    const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//HostSystem//Widget//EN', 'BEGIN:VEVENT',
      `UID:${card.code}@${location.hostname || 'hostsystem'}`, `DTSTAMP:${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`,
      `DTSTART:${d}T${t}`, `SUMMARY:${(cfg ? cfg.name : '').replace(/[,;\\]/g, ' ')} (${card.party_size})`,
      `DESCRIPTION:${T.code} ${card.code}`, 'END:VEVENT', 'END:VCALENDAR'];
    return URL.createObjectURL(new Blob([lines.join('\r\n')], { type: 'text/calendar' }));
  };
  const showCard = card => {
    const c = el('div', 'cd');
    c.setAttribute('data-code', card.code);
    c.append(el('div', null, `${T.code}: `));
    c.lastChild.append(el('strong', null, card.code));
    const when = new Date(`${card.date}T${card.time}`);
    const day = isNaN(when) ? card.date : when.toLocaleDateString(lang === 'de' ? 'de-DE' : 'en-GB', { weekday: 'long', day: 'numeric', month: 'long' });
    c.append(el('div', null, `${day}, ${card.time} · ${card.party_size} ${T.people}`));
    c.append(el('div', null, card.status === 'pending' ? T.pending : T.confirmed));
    const a = el('a', null, T.calendar);
    a.href = ics(card);
    a.download = `${card.code}.ics`;
    c.append(a);
    log.append(c);
  };
  const showChoices = list => {
    if (!list || !list.length) return;
    const w = el('div', 'ch');
    for (const t of list) {
      const b = el('button', null, t);
      b.type = 'button';
      b.addEventListener('click', () => { w.remove(); say(t); });
      w.append(b);
    }
    log.append(w);
  };

  const post = (path, body, extra) => fetch(`${api}/${path}`, {
    method: 'POST', mode: 'cors', credentials: 'omit',
    headers: Object.assign({ 'content-type': 'application/json' }, extra || {}),
    body: JSON.stringify(body),
  });
  // Server-sent events of a streamed fetch, each `data:` line's JSON handed to `on`.
  const events = async (r, on) => {
    const reader = r.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) return;
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const ev = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (ev.startsWith('data: ')) on(JSON.parse(ev.slice(6)));
      }
    }
  };
  // The conversation live: what a person from the team writes, and whether one answers.
  // Opens once the conversation exists and reconnects from the last message it showed.
  let after = -1;
  let following = false;
  const follow = async () => {
    if (following || formMode) return;
    following = true;
    let wait = 1000;
    while (following) {
      try {
        const r = await fetch(`${api}/stream?after=${after}`, {
          mode: 'cors', credentials: 'omit', headers: { 'x-widget-token': token },
        });
        if (r.status === 404 || r.status === 401 || r.status === 403) break;
        if (r.ok && r.body) {
          wait = 1000;
          await events(r, d => {
            if (d.team) { bubble('team', d.team); after = Math.max(after, d.pos); }
            if (d.status) person.hidden = d.status !== 'person';
          });
        }
      } catch (e) { /* offline or the server restarted: try again */ }
      await new Promise(ok => setTimeout(ok, wait));
      wait = Math.min(wait * 2, 30000);
    }
    following = false;
  };

  const open = async fresh => {
    if (opened && !fresh) return opened;
    opened = (async () => {
      const r = await post('session', { token: fresh ? null : token });
      if (!r.ok) throw new Error(`session ${r.status}`);
      const s = await r.json();
      token = s.token;
      try { localStorage.setItem(store, token); } catch (e) { /* storage blocked */ }
      cfg = s.config;
      paint(cfg.colour);
      host.classList.toggle('left', cfg.position === 'left');
      title.textContent = cfg.name;
      if (formMode) return s;
      showNotice();
      if (!fresh) {
        log.textContent = '';
        const greeting = (lang === 'de' ? cfg.greeting_de : cfg.greeting_en) || T.hello;
        bubble('agent', greeting);
        for (const m of s.messages) if (m.text) bubble(m.role, m.text);
      }
      after = s.last;
      if (s.messages.length) follow();
      return s;
    })();
    return opened;
  };

  // What the guest sends while an answer is still coming: shown at once, sent in turn.
  const queued = [];
  const working = () => {
    busy = true;
    attach.disabled = true;
    log.setAttribute('aria-busy', 'true');
  };
  const idle = () => {
    busy = false;
    attach.disabled = false;
    if (queued.length) say(queued.shift(), true);
    else log.setAttribute('aria-busy', 'false');
  };
  async function say(text, shown) {
    text = text.trim();
    if (!text) return;
    if (busy) {
      bubble('guest', text);
      queued.push(text);
      return;
    }
    working();
    if (!shown) bubble('guest', text);
    typing.textContent = `${cfg ? cfg.name : ''} ${T.typing}`;
    typing.hidden = false;
    let reply = null;
    try {
      await open();
      let r = await post('messages', { text }, { 'x-widget-token': token });
      if (r.status === 401) {
        await open(true);
        r = await post('messages', { text }, { 'x-widget-token': token });
      }
      if (r.status === 429) { bubble('agent', T.wait); return; }
      if (!r.ok || !r.body) throw new Error(`messages ${r.status}`);
      let done = null;
      await events(r, d => {
        if (d.delta) {
          if (!reply) { typing.hidden = true; reply = bubble('agent', ''); }
          reply.textContent += d.delta;
          log.scrollTop = log.scrollHeight;
        } else if (d.done) {
          done = d.done;
        } else if (d.error) {
          throw new Error(d.error);
        }
      });
      if (!done) throw new Error('no answer');
      // No text: a person from the restaurant has the conversation and answers live.
      if (reply) reply.textContent = done.text;
      else if (done.text) reply = bubble('agent', done.text);
      if (done.card) showCard(done.card);
      showChoices(done.choices);
      follow();
      log.scrollTop = log.scrollHeight;
    } catch (e) {
      if (!reply) bubble('agent', T.error);
    } finally {
      typing.hidden = true;
      idle();
    }
  }

  const show = on => {
    panel.hidden = !on;
    launcher.setAttribute('aria-expanded', String(on));
    if (on) {
      if (formMode) {
        // The booking page loads when the guest first opens the panel.
        open().then(() => {
          if (!frame.getAttribute('src')) frame.src = `${base}/book/${encodeURIComponent(cfg.slug)}?embed=1&lang=${lang}`;
          frame.focus();
        }).catch(() => { opened = null; });
        return;
      }
      open().catch(() => { if (!log.firstChild) bubble('agent', T.error); });
      input.focus();
    } else {
      launcher.focus();
    }
  };
  attach.addEventListener('click', () => picker.click());
  picker.addEventListener('change', async () => {
    const f = picker.files && picker.files[0];
    picker.value = '';
    if (!f || busy) return;
    if (f.size > 10 * 1024 * 1024) { bubble('agent', T.fileNo); return; }
    working();
    try {
      await open();
      const r = await fetch(`${api}/files?name=${encodeURIComponent(f.name)}`, {
        method: 'POST', mode: 'cors', credentials: 'omit',
        headers: { 'x-widget-token': token, 'content-type': 'application/octet-stream' }, body: f,
      });
      if (!r.ok) throw new Error(`files ${r.status}`);
      const u = await r.json();
      const m = bubble('guest', '');
      m.append(clip.cloneNode(true));
      const a = el('a', null, u.name);
      a.href = u.url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      m.append(a);
      after = Math.max(after, u.pos);
      follow();
    } catch (e) {
      bubble('agent', T.fileNo);
    } finally {
      idle();
      attach.focus();
    }
  });
  mailer.addEventListener('click', () => {
    mailForm.hidden = !mailForm.hidden;
    mailer.setAttribute('aria-expanded', String(!mailForm.hidden));
    if (!mailForm.hidden) mailInput.focus();
  });
  mailForm.addEventListener('submit', async e => {
    e.preventDefault();
    const to = mailInput.value.trim();
    let ok = false;
    try {
      await open();
      ok = (await post('transcript', { email: to }, { 'x-widget-token': token })).ok;
    } catch (err) { /* shown below */ }
    mailDone.textContent = ok ? T.mailed.replace('{e}', to) : T.mailNo;
    mailDone.hidden = false;
    if (ok) { mailForm.hidden = true; mailer.setAttribute('aria-expanded', 'false'); mailer.focus(); }
  });
  launcher.addEventListener('click', () => show(panel.hidden));
  close.addEventListener('click', () => show(false));
  panel.addEventListener('keydown', e => { if (e.key === 'Escape') { e.preventDefault(); show(false); } });
  form.addEventListener('submit', e => { e.preventDefault(); const t = input.value; input.value = ''; say(t); });
  input.addEventListener('keydown', e => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  (document.body || document.documentElement).append(host);
  // The colour and side before the guest opens the panel; the conversation comes with it.
  open().catch(() => { opened = null; });
})();
