// Autosave of a report draft (no inline script: the Content-Security-Policy forbids it).
//
// Every change is kept in localStorage first, then posted with the version the page was read at; what
// the server confirms is removed from localStorage. A lost connection keeps the typing and sends it
// again; reloading the page restores what was not confirmed. A field someone else changed meanwhile is
// not overwritten: the page shows their text and lets the person keep theirs knowingly.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form || !form.dataset.autosave) { return; }
  var url = form.dataset.autosave;
  var key = "cchc-report-" + form.dataset.report;
  var version = parseInt(form.dataset.version, 10) || 0;
  var status = document.getElementById("save-status");
  var timer = null;
  var sending = false;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function pending() {
    try { return JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { return {}; }
  }
  function keep(changes) {
    try { localStorage.setItem(key, JSON.stringify(changes)); } catch (e) { /* private mode: the post still goes */ }
  }
  function say(text, bad) {
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle("text-danger", !!bad);
  }
  function valueOf(code) {
    var table = form.querySelector("[data-table='" + code + "']");
    if (table) {
      return Array.prototype.map.call(table.tBodies[0].rows, function (row) {
        var cells = {};
        row.querySelectorAll("[data-column]").forEach(function (input) { cells[input.dataset.column] = input.value; });
        return cells;
      });
    }
    var input = form.querySelector("[data-code='" + code + "']");
    return input ? input.value : null;
  }
  function codeOf(element) {
    if (element.dataset.code) { return element.dataset.code; }
    var table = element.closest("[data-table]");
    return table ? table.dataset.table : null;
  }
  function changed(event) {
    var code = codeOf(event.target);
    if (!code) { return; }
    var changes = pending();
    changes[code] = valueOf(code);
    keep(changes);
    say(form.dataset.msgTyping || "…");
    clearTimeout(timer);
    timer = setTimeout(send, 800);
  }
  function clearErrors() {
    form.querySelectorAll("[data-error]").forEach(function (p) { p.textContent = ""; });
  }
  function showConflict(conflict) {
    var box = form.querySelector("[data-error='" + conflict.code + "']");
    if (!box) { return; }
    box.textContent = "";
    var text = document.createElement("span");
    text.textContent = (form.dataset.msgConflict || "Changed by") + " " + conflict.by + " (" + conflict.at + "): " +
      (typeof conflict.value === "string" ? conflict.value : JSON.stringify(conflict.value)) + " ";
    var mine = document.createElement("button");
    mine.type = "button"; mine.className = "btn btn-sm btn-outline-danger me-1";
    mine.textContent = form.dataset.msgKeepMine || "Keep mine";
    mine.addEventListener("click", function () { box.textContent = ""; send(); });
    var theirs = document.createElement("button");
    theirs.type = "button"; theirs.className = "btn btn-sm btn-outline-secondary";
    theirs.textContent = form.dataset.msgTakeTheirs || "Take theirs";
    theirs.addEventListener("click", function () {
      var input = form.querySelector("[data-code='" + conflict.code + "']");
      if (input && typeof conflict.value === "string") { input.value = conflict.value; }
      var changes = pending(); delete changes[conflict.code]; keep(changes);
      box.textContent = "";
    });
    box.appendChild(text); box.appendChild(mine); box.appendChild(theirs);
  }
  function send() {
    var changes = pending();
    if (sending || Object.keys(changes).length === 0) { return; }
    sending = true;
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      credentials: "same-origin",
      body: JSON.stringify({ version: version, changes: changes })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      sending = false;
      clearErrors();
      if (!answer.ok) { say(answer.body.detail || "?", true); return; }
      version = answer.body.version;
      form.querySelector("input[name=version]").value = version;
      var left = pending();
      answer.body.saved.forEach(function (code) {
        if (JSON.stringify(left[code]) === JSON.stringify(changes[code])) { delete left[code]; }
      });
      // A conflict stays pending: the person decides; sent again, it overwrites knowingly (newer version).
      keep(left);
      answer.body.conflicts.forEach(showConflict);
      say((form.dataset.msgSaved || "Saved") + " " + answer.body.at, answer.body.conflicts.length > 0);
      if (Object.keys(left).length > answer.body.conflicts.length) { timer = setTimeout(send, 800); }
    }).catch(function () {
      sending = false;
      say(form.dataset.msgOffline || "Offline", true);
      timer = setTimeout(send, 5000);
    });
  }
  function restore() {
    var changes = pending();
    var codes = Object.keys(changes);
    codes.forEach(function (code) {
      var value = changes[code];
      var input = form.querySelector("[data-code='" + code + "']");
      if (input && typeof value === "string") { input.value = value; }
      var table = form.querySelector("[data-table='" + code + "']");
      if (table && Array.isArray(value)) { fillTable(table, value); }
    });
    if (codes.length) { say(form.dataset.msgRestored || "Restored", false); send(); }
  }
  function fillTable(table, rows) {
    var body = table.tBodies[0];
    while (body.rows.length < rows.length) { body.appendChild(emptyRow(body)); }
    rows.forEach(function (cells, i) {
      body.rows[i].querySelectorAll("[data-column]").forEach(function (input) {
        input.value = cells[input.dataset.column] || "";
      });
    });
  }
  function emptyRow(body) {
    var row = body.rows[body.rows.length - 1].cloneNode(true);
    var number = String(body.rows.length + 1);
    row.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.setAttribute("aria-label", (input.getAttribute("aria-label") || "").replace(/\d+$/, number));
    });
    return row;
  }
  function addRow(event) {
    var code = event.target.dataset.addRow;
    var table = form.querySelector("[data-table='" + code + "']");
    var row = emptyRow(table.tBodies[0]);
    table.tBodies[0].appendChild(row);
    row.querySelector("input").focus();
  }
  form.addEventListener("input", changed);
  document.querySelectorAll("[data-add-row]").forEach(function (button) { button.addEventListener("click", addRow); });
  window.addEventListener("online", send);
  restore();
})();
