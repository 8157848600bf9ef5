// finsight dashboard behaviour. Every page works without it; this only makes some smoother.
// Loaded as a file: the Content-Security-Policy allows no inline script.
"use strict";

function autosubmit() {
  // A select marked data-autosubmit sends its form when changed; its button stays for keyboards.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });
}

function selectAll() {
  document.querySelectorAll("input[data-select-all]").forEach(function (box) {
    var name = box.getAttribute("data-select-all");
    box.addEventListener("change", function () {
      document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (item) {
        item.checked = box.checked;
      });
    });
  });
}

function confirmations() {
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
}

function importProgress() {
  // The import page polls its batch until it ends, then reloads to show the errors by row.
  var batch = document.getElementById("batch");
  if (!batch || batch.getAttribute("data-finished") === "true") { return; }
  var url = batch.getAttribute("data-status-url");
  var fields = { rows_processed: "count-rows", inserted: "count-inserted", duplicates: "count-duplicates", skipped: "count-skipped" };
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (state) {
        document.getElementById("batch-progress").value = state.progress;
        document.getElementById("batch-status").textContent = state.status;
        Object.keys(fields).forEach(function (key) {
          document.getElementById(fields[key]).textContent = state[key];
        });
        if (state.finished) { window.location.reload(); } else { window.setTimeout(poll, 700); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 300);
}

document.addEventListener("DOMContentLoaded", function () {
  autosubmit();
  selectAll();
  confirmations();
  importProgress();
});
