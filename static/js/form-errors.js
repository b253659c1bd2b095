/* After a form comes back with errors, put focus on the first field in error and say so.

   Django marks fields in error with aria-invalid="true" (the plan form also ties each to its
   message with aria-describedby). On a page load, and after an htmx swap that brings such a
   field, this script focuses the first one and writes the errors into one polite live region
   that stays in the page (a region inserted together with its text is often not read out).
   The lead-in text comes from this script tag's data-summary attribute, translated by the
   server (templates/base.html). No inline script: this file is the whole behaviour. */
(function () {
  "use strict";
  var script = document.currentScript;
  var lead = (script && script.dataset.summary) || "";
  var REGION = "pmo-error-announcer";

  function region() {
    var found = document.getElementById(REGION);
    if (found) return found;
    found = document.createElement("div");
    found.id = REGION;
    found.className = "visually-hidden";
    found.setAttribute("aria-live", "assertive");
    found.setAttribute("aria-atomic", "true");
    document.body.appendChild(found);
    return found;
  }

  function labelOf(field) {
    if (field.labels && field.labels.length) return field.labels[0].textContent.trim();
    return field.getAttribute("aria-label") || "";
  }

  function messageOf(field) {
    var ids = (field.getAttribute("aria-describedby") || "").split(/\s+/);
    var parts = [];
    for (var i = 0; i < ids.length; i++) {
      var described = ids[i] && document.getElementById(ids[i]);
      if (described && described.textContent.trim()) parts.push(described.textContent.trim());
    }
    if (!parts.length) {
      var box = field.closest(".field") || field.parentElement;
      var shown = box ? box.querySelectorAll(".field-error, .errorlist") : [];
      for (var j = 0; j < shown.length; j++) parts.push(shown[j].textContent.trim());
    }
    return parts.join(" ");
  }

  function announce(text) {
    var live = region();
    live.textContent = "";
    // A change after a pause is read out even when the same text comes twice.
    window.setTimeout(function () { live.textContent = text; }, 150);
  }

  function handle(scope) {
    if (!scope || !scope.querySelector) return;
    var fields = scope.querySelectorAll("form [aria-invalid='true']");
    if (!fields.length) {
      // Swapped content without errors (a save that went through): no stale message stays.
      var live = document.getElementById(REGION);
      if (live && scope !== document.body && scope.id !== "main") live.textContent = "";
      return;
    }
    var texts = [];
    for (var i = 0; i < fields.length; i++) {
      var label = labelOf(fields[i]);
      var message = messageOf(fields[i]);
      texts.push(label && message ? label + ": " + message : label || message);
    }
    var first = fields[0];
    if (document.activeElement !== first) first.focus();
    announce((lead ? lead + " " : "") + texts.join(" "));
  }

  function start() {
    handle(document.getElementById("main") || document.body);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    // An outerHTML swap replaces the target: look it up again by its id.
    if (target && !target.isConnected && target.id) target = document.getElementById(target.id);
    handle(target && target.isConnected ? target : null);
  });
})();
