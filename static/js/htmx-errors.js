/* When an htmx request fails (server error, not found, timeout, no network), say so where the
   person is looking: in the form that sent it, or at the top of the page. The texts come from
   this script tag's data- attributes, translated by the server (templates/base.html). No
   inline script: this file is the whole behaviour. */
(function () {
  "use strict";
  var script = document.currentScript;
  var texts = script ? script.dataset : {};
  var CLASS = "htmx-error";

  if (window.htmx && !window.htmx.config.timeout) {
    window.htmx.config.timeout = 30000; // a hung request reports instead of waiting forever
  }

  function host(elt) {
    var form = elt && elt.closest ? elt.closest("form") : null;
    if (form) return form;
    if (elt && /^(DIV|SECTION|ARTICLE)$/.test(elt.tagName)) return elt;
    return document.getElementById("main") || document.body;
  }

  function regionOf(place, create) {
    for (var i = 0; i < place.children.length; i++) {
      if (place.children[i].classList.contains(CLASS)) return place.children[i];
    }
    if (!create) return null;
    var region = document.createElement("p");
    region.className = "form-error " + CLASS;
    region.setAttribute("role", "alert");
    region.setAttribute("aria-live", "assertive");
    place.insertBefore(region, place.firstChild);
    return region;
  }

  function show(event, text) {
    var region = regionOf(host(event.detail && event.detail.elt), true);
    region.textContent = text || texts.server || "";
  }

  function failed(event) {
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 404) return show(event, texts.notFound);
    if (status === 403) return show(event, texts.forbidden);
    show(event, texts.server);
  }

  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", function (event) {
    show(event, navigator.onLine === false ? texts.offline : texts.unreachable || texts.offline);
  });
  document.addEventListener("htmx:timeout", function (event) {
    show(event, texts.timeout);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail || !event.detail.successful) return;
    var region = regionOf(host(event.detail.elt), false);
    if (region) region.remove();
  });
})();
