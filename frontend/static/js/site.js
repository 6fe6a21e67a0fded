// Behaviour the pages need, kept out of the HTML so the Content-Security-Policy can say script-src 'self'.
(function () {
  "use strict";

  // The 菜单 button of narrow screens: a disclosure; the CSS shows the menu while aria-expanded is "true".
  var navToggle = document.querySelector("[data-nav-toggle]");
  var navMenu = navToggle && document.getElementById(navToggle.getAttribute("aria-controls"));
  if (navToggle && navMenu) {
    var setMenu = function (open) { navToggle.setAttribute("aria-expanded", open ? "true" : "false"); };
    var menuOpen = function () { return navToggle.getAttribute("aria-expanded") === "true"; };
    navToggle.addEventListener("click", function () { setMenu(!menuOpen()); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menuOpen()) { setMenu(false); navToggle.focus(); }
    });
    document.addEventListener("click", function (event) {  // a tap outside the menu closes it
      if (menuOpen() && !navMenu.contains(event.target) && !navToggle.contains(event.target)) setMenu(false);
    });
  }

  // <button data-confirm="…">: ask before submitting.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
    var back = event.target.closest ? event.target.closest("[data-history-back]") : null;
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  // <button data-busy="正在计算…">: while the page that waits on the matching engine loads, the
  // clicked button says so and the form ignores a second click (the button stays enabled until
  // the browser has read its name and value, or the form would lose which action was asked).
  document.addEventListener("submit", function (event) {
    var form = event.target, button = event.submitter;
    if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
    if (!button || !button.hasAttribute("data-busy") || event.defaultPrevented) return;
    form.setAttribute("aria-busy", "true");
    button.classList.add("is-busy");
    button.textContent = button.getAttribute("data-busy");
  });
  window.addEventListener("pageshow", function () {  // back to a page kept in the browser's cache
    document.querySelectorAll("form[aria-busy=true]").forEach(function (f) { f.removeAttribute("aria-busy"); });
  });

  // The export form builds the /ops/export/<what>.<fmt> address from its choices.
  var exportForm = document.getElementById("export-form");
  if (exportForm) {
    exportForm.addEventListener("submit", function (event) {
      var form = event.target;
      var what = form.elements.what.value, fmt = form.elements.fmt.value;
      var params = new URLSearchParams();
      if (form.elements.status.value) params.set("status", form.elements.status.value);
      if (form.elements.field.value && what !== "pairings") params.set("field", form.elements.field.value);
      event.preventDefault();
      window.location = "/ops/export/" + what + "." + fmt + (params.toString() ? "?" + params : "");
    });
  }

  // An unfinished import job: poll it until it finishes, then reload to show the report.
  var job = document.querySelector("[data-poll-job]");
  if (job) {
    var url = job.getAttribute("data-poll-job");
    (function poll() {
      fetch(url, {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          document.getElementById("job-progress").textContent = "已处理 " + data.processed + " / " + data.total + " 行";
          document.getElementById("job-bar").value = data.processed;
          document.getElementById("job-status").textContent = data.status_label;
          var encoding = document.getElementById("job-indexing");
          if (encoding && data.indexing) {
            encoding.textContent = data.indexing.summary;
            document.getElementById("index-bar").max = data.indexing.total || 1;
            document.getElementById("index-bar").value = data.indexing.done;
          } else if (!encoding && data.status === "indexing") {
            window.location.reload();  // the rows are stored: show the report and the encoding
            return;
          }
          if (data.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
        })
        .catch(function () { setTimeout(poll, 3000); });
    })();
  }
})();
