// The plan page. Esc in an open entry form puts the row back, as its 取消 link does. This lives
// in a static file rather than an htmx trigger filter (keyup[key=='Escape']) because htmx
// evaluates filters as JavaScript, which the Content-Security-Policy refuses (no 'unsafe-eval').
document.addEventListener("keyup", (event) => {
  if (event.key !== "Escape" || !(event.target instanceof Element)) return;
  const form = event.target.closest("form");
  const cancel = form && form.querySelector("[data-cancel-on-escape]");
  if (!cancel) return;
  if (window.htmx && cancel.hasAttribute("hx-get")) {
    // The link's own request, made directly: htmx may not have wired a just-swapped link yet
    // (it does so after its settle delay), and a plain click would then only follow the href.
    window.htmx.ajax("GET", cancel.getAttribute("hx-get"), {
      source: cancel,
      target: cancel.getAttribute("hx-target"),
      swap: cancel.getAttribute("hx-swap") || "outerHTML",
    });
  } else {
    cancel.click();
  }
});
