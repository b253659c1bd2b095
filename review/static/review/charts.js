// Charts of the review page, drawn with the vendored Chart.js from the figures in #review-charts.
// Legends come translated from the canvas's data-legend-* attributes (review/index.html).
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("review-charts");
    if (!source || typeof Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var blue = "#0031d8", green = "#259d63", red = "#ec0000";
    function rates(id, set, horizontal) {
      var canvas = document.getElementById(id);
      if (!canvas) { return; }
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: set.labels,
          datasets: [
            { label: canvas.dataset.legendRate || "完了率（%）", data: set.rate, backgroundColor: blue },
            {
              label: canvas.dataset.legendWeighted || "工数加重完了率（%）",
              data: set.weighted,
              backgroundColor: green
            }
          ]
        },
        options: {
          indexAxis: horizontal ? "y" : "x",
          maintainAspectRatio: false,
          animation: false,
          scales: horizontal ? { x: { min: 0, max: 100 } } : { y: { min: 0, max: 100 } }
        }
      });
    }
    rates("chart-items", data.workItems, false);
    rates("chart-prefs", data.prefectures, true);
    var rules = document.getElementById("chart-rules");
    if (rules) {
      new Chart(rules, {
        type: "bar",
        data: { labels: data.rules.labels, datasets: [{ label: rules.dataset.legendCount || "件数", data: data.rules.counts, backgroundColor: red }] },
        options: { indexAxis: "y", maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } } }
      });
    }
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
