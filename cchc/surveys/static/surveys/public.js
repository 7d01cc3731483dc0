/* The public survey form: an answer that cannot be sent now is kept on this device (localStorage)
   and sent when the connection is back ("online", or the next visit to any survey page). Each answer
   carries its client_token, so the server counts it once however many times it arrives. */
(function () {
  "use strict";
  var KEY = "cchc-survey-pending";
  var form = document.getElementById("survey");
  var status = document.getElementById("survey-status");
  var sending = {};

  function pending() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function store(list) {
    try { localStorage.setItem(KEY, JSON.stringify(list)); return true; } catch (e) { return false; }
  }
  function keep(item) {
    return store(pending().filter(function (p) { return p.token !== item.token; }).concat([item]));
  }
  function drop(token) {
    store(pending().filter(function (p) { return p.token !== token; }));
  }
  function say(text, kind) {
    if (!status) { return; }
    status.textContent = text;
    status.className = "status " + (kind || "");
  }
  function msg(name) { return form ? form.getAttribute("data-msg-" + name) : ""; }

  function post(item) {
    return fetch(item.url, {
      method: "POST",
      body: item.body,
      credentials: "same-origin",
      headers: {"Content-Type": "application/x-www-form-urlencoded", "X-Survey-Client": "js"}
    }).then(function (r) {
      return r.json().then(function (data) { return {code: r.status, data: data}; },
                           function () { return {code: r.status, data: {}}; });
    });
  }

  /* 200 received, 409 dossier already rated, 400 refused: settled, never sent again.
     429 (too many from this device), 5xx, no network: kept for later. */
  function settled(code) { return code === 200 || code === 409 || code === 400; }

  function send(item, own) {
    if (sending[item.token]) { return; }
    sending[item.token] = true;
    post(item).then(function (res) {
      sending[item.token] = false;
      if (settled(res.code)) { drop(item.token); }
      if (!own) {
        if (res.code === 200 && form) { say(msg("resent"), "sent"); }
        return;
      }
      if (res.code === 400 && res.data.status === "invalid") {
        form.submit(); /* the server shows what to correct, in the page */
      } else if (settled(res.code)) {
        done(res.data.message, res.code === 200 ? "sent" : res.code === 409 ? "answered" : "error");
      } else {
        say((res.data && res.data.message) || msg("saved"), "saved");
      }
    }, function () {
      sending[item.token] = false;
      if (own) { say(msg("saved"), "saved"); }
    });
  }

  function done(text, kind) {
    var p = document.createElement("p");
    p.className = "msg msg-" + kind;
    p.setAttribute("role", "status");
    p.setAttribute("tabindex", "-1");
    p.textContent = text;
    form.parentNode.replaceChild(p, form);
    form = null;
    p.focus();
  }

  function flush() {
    pending().forEach(function (item) {
      var mine = form && form.elements.client_token && form.elements.client_token.value === item.token;
      send(item, mine);
    });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.URLSearchParams || !window.FormData) { return; } /* a plain POST */
      event.preventDefault();
      var item = {
        url: form.action || window.location.href,
        body: new URLSearchParams(new FormData(form)).toString(),
        token: form.elements.client_token.value
      };
      if (!keep(item) && !navigator.onLine) { say(msg("storage"), "saved"); return; }
      if (!navigator.onLine) { say(msg("saved"), "saved"); return; }
      say(msg("sending"));
      send(item, true);
    });
    var mine = pending().some(function (p) { return p.token === form.elements.client_token.value; });
    if (mine) { say(msg("saved"), "saved"); }
    var errors = document.getElementById("form-errors");
    if (errors) { errors.focus(); }
  }
  window.addEventListener("online", flush);
  if (navigator.onLine) { flush(); }
})();
