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
      var button = event.submitter && event.submitter.hasAttribute("data-busy-label")
        ? event.submitter : form.querySelector("button[type=submit][data-busy-label]");
      if (!button) { return; }
      if (form.dataset.submitted) { event.preventDefault(); return; }
      form.dataset.submitted = "1";
      button.setAttribute("aria-busy", "true");
      button.textContent = button.getAttribute("data-busy-label");
      var status = form.querySelector("[data-busy-status]");
      if (status) { status.hidden = false; }
    });
  });

  // A notice run in progress: refresh its progress section until it is done.
  var progress = document.querySelector("[data-progress-url][data-running]");
  if (progress && window.fetch && window.DOMParser) {
    var poll = window.setInterval(function () {
      window.fetch(window.location.href, { credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html")
            .getElementById(progress.id);
          if (!fresh) { return; }
          var text = progress.querySelector("[role=status]");
          var freshText = fresh.querySelector("[role=status]");
          var bar = progress.querySelector("progress");
          var freshBar = fresh.querySelector("progress");
          if (bar && freshBar) { bar.max = freshBar.max; bar.value = freshBar.value; }
          if (text && freshText && text.textContent !== freshText.textContent) {
            text.textContent = freshText.textContent;
          }
          if (!fresh.hasAttribute("data-running")) {
            window.clearInterval(poll);
            progress.innerHTML = fresh.innerHTML;  // the retry button, if anything failed
          }
        })
        .catch(function () { window.clearInterval(poll); });
    }, 3000);
  }

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

// Announcing a sub-processor change: show only the parts of the form for the chosen kind of
// change (each part lists its kinds in data-kinds); without this file every part is shown,
// with a note saying which is for what.
(function () {
  "use strict";
  var form = document.querySelector("[data-kind-form]");
  if (!form) { return; }
  var parts = form.querySelectorAll("[data-kinds]");
  function update() {
    var chosen = form.querySelector("input[name=kind]:checked");
    parts.forEach(function (part) {
      part.hidden = !!chosen &&
        part.getAttribute("data-kinds").split(" ").indexOf(chosen.value) < 0;
    });
  }
  form.querySelectorAll("[data-kind-note]").forEach(function (note) { note.hidden = true; });
  form.addEventListener("change", function (event) {
    if (event.target.name === "kind") { update(); }
  });
  update();
})();
