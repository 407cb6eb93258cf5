// Progressive enhancement; every page works without it.
(function () {
  if (!window.fetch || !window.DOMParser) return;
  function page(url) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { return html && new DOMParser().parseFromString(html, 'text/html'); });
  }
  function swap(doc, ids) {
    ids.forEach(function (id) {
      var now = document.getElementById(id), next = doc.getElementById(id);
      if (now && next) now.replaceWith(next);
    });
  }

  // One event stream per page, opened when something on it follows changes.
  var stream = null;
  function live() {
    if (!stream) stream = new EventSource('/events');
    return stream;
  }
  // Fetches the page again and swaps in the given parts, one fetch at a time.
  function refresher(ids) {
    var busy = false, again = false;
    var run = function () {
      if (busy) { again = true; return; }
      busy = true;
      page(location.href)
        .then(function (doc) { if (doc) swap(doc, ids); })
        .catch(function () {})
        .then(function () { busy = false; if (again) { again = false; run(); } });
    };
    return run;
  }

  // Live day view: when a reservation of this restaurant changes anywhere, fetch the page
  // again and swap in the covers line, the list and the timeline, without a reload.
  if (document.querySelector('[data-live]') && window.EventSource) {
    var refresh = refresher(['covers', 'list', 'timeline']);
    live().addEventListener('reservation', refresh);
    live().addEventListener('reload', refresh);
  }

  // The inbox: the list and the waiting count follow every conversation change, an open
  // conversation follows its own, and every other page shows a notice linking to a
  // conversation whose guest asks for a person.
  var notice = document.body.getAttribute('data-waiting-notice');
  if (notice && window.EventSource) {
    var head = document.getElementById('conversation-head');
    if (document.querySelector('[data-inbox]')) {
      var inbox = refresher(['inbox-list', 'waiting']);
      live().addEventListener('conversation', inbox);
      live().addEventListener('reload', inbox);
    } else if (head) {
      var id = head.getAttribute('data-conversation');
      var follow = refresher(['conversation-head', 'conversation-notes', 'conversation-files', 'transcript']);
      live().addEventListener('conversation', function (e) {
        if (e.data.split(' ')[0] === id) follow();
      });
      live().addEventListener('reload', follow);
    } else {
      live().addEventListener('conversation', function (e) {
        var p = e.data.split(' ');
        if (p[1] !== 'needs_person') return;
        var box = document.getElementById('live-notice');
        if (!box) {
          box = document.createElement('p');
          box.id = 'live-notice';
          box.className = 'error live-notice';
          box.setAttribute('role', 'alert');
          document.body.appendChild(box);
        }
        var a = document.createElement('a');
        a.href = '/inbox/' + p[0];
        a.textContent = notice;
        box.replaceChildren(a);
      });
    }
  }

  // Booking and moving forms: the free times follow the date and party size as they change.
  var finder = document.querySelector('form[data-slots]');
  var book = document.querySelector('form[data-book]');
  if (finder && book) {
    finder.addEventListener('change', function () {
      var url = finder.getAttribute('action') + '?' + new URLSearchParams(new FormData(finder)).toString();
      page(url).then(function (doc) {
        if (!doc) return;
        swap(doc, ['slots']);
        ['date', 'party_size'].forEach(function (n) {
          var hidden = book.querySelector('input[type=hidden][name=' + n + ']');
          var shown = finder.querySelector('[name=' + n + ']');
          if (hidden && shown) hidden.value = shown.value;
        });
        var next = doc.querySelector('form[data-book] button[type=submit]');
        var button = book.querySelector('button[type=submit]');
        if (next && button) button.disabled = next.disabled;
        history.replaceState(null, '', url);
      }).catch(function () {});
    });
  }

  // Booking form: known guests are offered while the name or phone is typed; picking one fills
  // name, phone, email and language.
  var matches = document.getElementById('guest-matches');
  if (matches && book) {
    var timer = null, asked = '';
    var lookup = function (q) {
      q = q.trim();
      if (q.length < 2 || q === asked) return;
      asked = q;
      page('/guests/lookup?q=' + encodeURIComponent(q)).then(function (doc) {
        if (doc && asked === q) swap(doc, ['guest-matches']);
      }).catch(function () {});
    };
    ['name', 'phone'].forEach(function (n) {
      var input = book.querySelector('[name=' + n + ']');
      if (!input) return;
      input.setAttribute('autocomplete', 'off');
      input.addEventListener('input', function () {
        clearTimeout(timer);
        timer = setTimeout(function () { lookup(input.value); }, 150);
      });
    });
    document.addEventListener('click', function (e) {
      var b = e.target.closest && e.target.closest('#guest-matches [data-guest-name]');
      if (!b) return;
      ['name', 'phone', 'email', 'language'].forEach(function (n) {
        var input = book.querySelector('[name=' + n + ']');
        if (input) input.value = b.getAttribute('data-guest-' + n) || (n === 'language' ? input.value : '');
      });
      var list = document.getElementById('guest-matches');
      if (list) list.innerHTML = '';
      asked = '';
    });
  }
})();
