// The plan page. Esc in an open entry form puts the row back, as its 取消 link does. This lives
// in a static file rather than an htmx trigger filter (keyup[key=='Escape']) because htmx
// evaluates filters as JavaScript, which the Content-Security-Policy refuses (no 'unsafe-eval').
document.addEventListener("keyup", (event) => {
  if (event.key !== "Escape" || !(event.target instanceof Element)) return;
  const form = event.target.closest("form");
  const cancel = form && form.querySelector("[data-cancel-on-escape]");
  if (cancel) cancel.click();
});
