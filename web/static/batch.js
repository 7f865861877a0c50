/* Live progress of a queued or running batch: polls progress.json, reloads when done.
   Without JavaScript the page refreshes itself (meta refresh inside <noscript>). */
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-url");
  var bar = document.getElementById("progress-bar");
  var text = document.getElementById("progress-text");
  var status = document.getElementById("batch-status");

  function show(p) {
    status.textContent = p.status_label;
    if (p.total > 0) {
      bar.max = p.total;
      bar.value = p.done;
      text.textContent = p.phase_label + ": 已处理 " + p.done + " / " + p.total + " 行(" + p.percent + "%)。";
    }
  }

  function tick() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (p) {
        if (p.finished) { window.location.reload(); return; }
        show(p);
        window.setTimeout(tick, 1500);
      })
      .catch(function () { window.setTimeout(tick, 5000); });
  }
  window.setTimeout(tick, 1000);
}());
