// The answer form: a question shown only when an earlier answer has a value appears and
// disappears as the respondent answers (the server applies the same rule on saving:
// surveys.kinds.shown). Without JavaScript the form still works: hidden questions appear
// once the draft is saved.
(function () {
  "use strict";

  function valuesOf(form, name) {
    var found = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) found.push(input.value);
      } else if (input.value.trim() !== "") {
        found.push(input.value.trim());
      }
    });
    return found;
  }

  function holds(values, expected, kind) {
    if (kind === "number") {
      return values.some(function (v) { return Number(v.replace(/,/g, "")) === Number(expected); });
    }
    return values.indexOf(expected) !== -1;
  }

  function refresh(form) {
    // In question order, so a condition on a hidden question hides its dependants too.
    form.querySelectorAll("[data-question]").forEach(function (field) {
      var depends = field.getAttribute("data-shown-if");
      if (!depends) return;
      var source = form.querySelector('[data-question="' + depends + '"]');
      var shown = source && !source.hidden && holds(
        valuesOf(form, "q" + depends),
        field.getAttribute("data-shown-value"),
        field.getAttribute("data-shown-kind")
      );
      field.hidden = !shown;
    });
  }

  // A deferred script runs once the page is parsed: the form is there. Refresh once at
  // once too, in case an answer changed before the script ran.
  var form = document.querySelector("form[data-answer-form]");
  if (!form) return;
  form.addEventListener("change", function () { refresh(form); });
  form.addEventListener("input", function () { refresh(form); });
  refresh(form);
})();
