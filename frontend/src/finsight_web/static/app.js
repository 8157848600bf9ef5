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

// Connections: Plaid Link (its script loads on that page only). A new connection posts Link's
// public token to /connections/link; update mode (Reconnect) tells /connections/<id>/reconnected.
function plaidLink() {
  document.querySelectorAll("[data-plaid-link]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!window.Plaid) { window.alert("Plaid Link could not load; check your connection."); return; }
      var itemId = button.getAttribute("data-plaid-link");
      var body = new URLSearchParams({ csrf_token: button.getAttribute("data-csrf"), item_id: itemId });
      fetch("/connections/link-token", { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (!answer.link_token) { window.alert(answer.detail || "Could not start Plaid Link."); return; }
          window.Plaid.create({
            token: answer.link_token,
            onSuccess: function (publicToken, metadata) {
              var form;
              if (itemId) {
                form = document.createElement("form");
                form.method = "post";
                form.action = "/connections/" + itemId + "/reconnected";
                var csrf = document.createElement("input");
                csrf.type = "hidden"; csrf.name = "csrf_token"; csrf.value = button.getAttribute("data-csrf");
                form.appendChild(csrf);
                document.body.appendChild(form);
              } else {
                form = document.getElementById("plaid-link-result");
                form.elements.public_token.value = publicToken;
                form.elements.institution_id.value = (metadata.institution || {}).institution_id || "";
              }
              form.submit();
            }
          }).open();
        });
    });
  });
}

document.addEventListener("DOMContentLoaded", function () {
  plaidLink();
  autosubmit();
  selectAll();
  confirmations();
  importProgress();
});
