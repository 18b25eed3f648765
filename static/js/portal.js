// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Move focus to the error summary so screen readers announce it.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }

  // "Show" button for password fields (lets people check long passphrases).
  document.querySelectorAll("input[data-password-toggle]").forEach(function (input) {
    var wrap = document.createElement("div");
    wrap.className = "password-wrap";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--secondary button--small";
    var lang = document.documentElement.lang;
    var show = lang === "nl" ? "Toon" : "Show";
    var hide = lang === "nl" ? "Verberg" : "Hide";
    button.textContent = show;
    button.setAttribute("aria-controls", input.id);
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      var visible = input.type === "text";
      input.type = visible ? "password" : "text";
      button.textContent = visible ? show : hide;
      button.setAttribute("aria-pressed", visible ? "false" : "true");
    });
    wrap.appendChild(button);
  });

  // Ask before destructive actions.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // Feedback on slow submissions; also prevents double submits.
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }
      var button = form.querySelector("button[type=submit][data-busy-label]");
      if (!button) { return; }
      if (form.dataset.submitted) { event.preventDefault(); return; }
      form.dataset.submitted = "1";
      button.setAttribute("aria-busy", "true");
      button.textContent = button.getAttribute("data-busy-label");
      var status = form.querySelector("[data-busy-status]");
      if (status) { status.hidden = false; }
    });
  });

  // Copy recovery codes.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = Array.prototype.map.call(source.querySelectorAll("code"), function (c) {
        return c.textContent;
      }).join("\n");
      navigator.clipboard.writeText(text).then(function () {
        button.textContent = document.documentElement.lang === "nl" ? "Gekopieerd" : "Copied";
      });
    });
  });
})();

// Agreement choices: show suggestions as services are ticked (never tick anything), and only
// ask for the acknowledgement when a sensitive item is chosen.
(function () {
  "use strict";
  var form = document.querySelector("[data-choices-form]");
  if (!form) { return; }
  var services = form.querySelectorAll("input[name=services]");
  function updateSuggestions() {
    var by = {};
    services.forEach(function (box) {
      if (!box.checked) { return; }
      (box.getAttribute("data-suggests") || "").split(" ").forEach(function (key) {
        if (!key) { return; }
        (by[key] = by[key] || []).push(box.getAttribute("data-name"));
      });
    });
    form.querySelectorAll("[data-suggestion-for]").forEach(function (tag) {
      var names = by[tag.getAttribute("data-suggestion-for")];
      tag.hidden = !names;
      if (names) { tag.querySelector("[data-suggestion-names]").textContent = names.sort().join(", "); }
    });
  }
  var ack = form.querySelector("[data-sensitive-ack]");
  function updateAck() {
    if (!ack) { return; }
    var any = form.querySelector("input[data-sensitive]:checked");
    ack.hidden = !any;
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "services") { updateSuggestions(); }
    if (event.target.hasAttribute("data-sensitive")) { updateAck(); }
  });
  updateAck();
})();
