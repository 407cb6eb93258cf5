// Live day view: when a reservation of this restaurant changes anywhere, fetch the page again
// and swap in the covers line, the list and the timeline, without a reload.
(function () {
  var root = document.querySelector('[data-live]');
  if (!root || !window.EventSource || !window.fetch) return;
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, 'text/html');
        ['covers', 'list', 'timeline'].forEach(function (id) {
          var now = document.getElementById(id), next = doc.getElementById(id);
          if (now && next) now.replaceWith(next);
        });
      })
      .catch(function () {})
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  var events = new EventSource('/events');
  events.addEventListener('reservation', refresh);
  events.addEventListener('reload', refresh);
})();
