/* A table too wide for its box scrolls sideways inside .table-wrap (on a phone, mostly). A box
   that scrolls must be reachable by keyboard (WCAG 2.1.1; axe: scrollable-region-focusable),
   so while it overflows it is a tab stop and a region named after its table's caption or its
   section's heading (the suffix, translated, comes from this script tag's data-label); a box
   that fits is left out of the tab order. Checked on load, when the window
   changes size and after htmx swaps. No inline script: this file is the whole behaviour. */
(function () {
  "use strict";

  var script = document.currentScript;
  var suffix = (script && script.dataset.label) || "";

  // "<the section's heading or the table's caption> <suffix>", unique in the page: a region of
  // the same name as its section would be a second landmark of one name.
  function nameFor(wrap) {
    var table = wrap.querySelector("table");
    var heading = table && table.querySelector("caption");
    if (!heading) {
      var section = wrap.closest("section");
      heading = section && section.querySelector("h2, h3");
    }
    var base = ((heading ? heading.textContent.trim() + " " : "") + suffix).trim();
    var name = base;
    for (var n = 2; document.querySelector('[aria-label="' + name.replace(/"/g, "") + '"]'); n++) {
      name = base + " " + n;
    }
    return name;
  }

  function update() {
    var wraps = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < wraps.length; i++) {
      var wrap = wraps[i];
      // A box the template made a region itself keeps what the template says.
      if (wrap.hasAttribute("tabindex") && !wrap.dataset.scrollAdded) continue;
      var overflows = wrap.scrollWidth > wrap.clientWidth + 1;
      if (overflows && !wrap.dataset.scrollAdded) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", nameFor(wrap));
        wrap.dataset.scrollAdded = "1";
      } else if (!overflows && wrap.dataset.scrollAdded) {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
        delete wrap.dataset.scrollAdded;
      }
    }
  }

  var pending = null;
  function soon() {
    if (pending) window.clearTimeout(pending);
    pending = window.setTimeout(update, 100);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
  window.addEventListener("resize", soon);
  document.addEventListener("htmx:afterSettle", soon);
})();
