// The question form: the fields that belong to one kind of question (選択肢 for the choice
// kinds; 単位・最小値・最大値 for a number; 表の列 for a table) show only while that kind is
// chosen, so a number question is not asked for choices. Without JavaScript every field
// shows, each with its help text saying when it applies. A field with an error always shows.
(function () {
  "use strict";

  var form = document.querySelector("form[data-question-form]");
  if (!form) return;
  var kind = form.querySelector('[name="kind"]');
  if (!kind) return;

  function refresh() {
    form.querySelectorAll("[data-for-kinds]").forEach(function (wrapper) {
      var kinds = wrapper.getAttribute("data-for-kinds").split(" ");
      var errored = wrapper.querySelector(".field--error") !== null;
      wrapper.hidden = !errored && kinds.indexOf(kind.value) === -1;
    });
  }

  kind.addEventListener("change", refresh);
  refresh();
})();
