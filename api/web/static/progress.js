// Follows a running probe run without reloading the page; without JavaScript the page refreshes itself.
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-progress-url");
  function show(id, done, total) {
    var bar = document.getElementById(id);
    if (bar) { bar.max = total || 1; bar.value = done; bar.textContent = done + " / " + total; }
  }
  function tick() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (p) {
        document.getElementById("run-status").textContent = p.text;
        show("run-probes", p.probes_done, p.probes_total);
        show("run-pages", p.done, p.total);
        if (p.active) { setTimeout(tick, 2000); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(tick, 5000); });
  }
  setTimeout(tick, 2000);
})();
