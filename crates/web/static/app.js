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

  // Live day view: when a reservation of this restaurant changes anywhere, fetch the page
  // again and swap in the covers line, the list and the timeline, without a reload.
  if (document.querySelector('[data-live]') && window.EventSource) {
    var busy = false, again = false;
    var refresh = function () {
      if (busy) { again = true; return; }
      busy = true;
      page(location.href)
        .then(function (doc) { if (doc) swap(doc, ['covers', 'list', 'timeline']); })
        .catch(function () {})
        .then(function () { busy = false; if (again) { again = false; refresh(); } });
    };
    var events = new EventSource('/events');
    events.addEventListener('reservation', refresh);
    events.addEventListener('reload', refresh);
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
})();
