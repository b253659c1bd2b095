// Charts of the review page, drawn with the vendored Chart.js from the figures in #review-charts.
// Legends come translated from the canvas's data-legend-* attributes (review/index.html).
(function () {
  "use strict";
  var ROW = 28;  // px per bar of a horizontal chart: its box grows with what it shows

  function narrow() { return window.matchMedia("(max-width: 48rem)").matches; }

  // A horizontal bar chart's box is as tall as its bars (plus axis and legend), never the
  // height of 47 prefectures when it shows one. CSSOM, not a style attribute (CSP).
  function fit(canvas, count, legend) {
    var box = canvas.parentNode;
    box.style.height = (count * ROW + (legend ? 72 : 40)) + "px";
  }

  // Long labels ("E. 番号利用事務移行") are cut to fit a phone; the table below has them whole.
  function tick(limit) {
    return function (value) {
      var label = this.getLabelForValue(value);
      return label.length > limit ? label.slice(0, limit - 1) + "…" : label;
    };
  }

  function draw() {
    var source = document.getElementById("review-charts");
    if (!source || typeof Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var blue = "#0031d8", green = "#259d63", red = "#ec0000";
    var limit = narrow() ? 9 : 24;
    var font = { size: narrow() ? 12 : 14 };
    function rates(id, set) {
      var canvas = document.getElementById(id);
      if (!canvas) { return; }
      fit(canvas, set.labels.length, true);
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
          indexAxis: "y",
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { labels: { font: font } } },
          scales: {
            x: { min: 0, max: 100, ticks: { font: font } },
            y: { ticks: { font: font, autoSkip: false, callback: tick(limit) } }
          }
        }
      });
    }
    rates("chart-items", data.workItems);
    rates("chart-prefs", data.prefectures);
    var rules = document.getElementById("chart-rules");
    if (rules) {
      fit(rules, data.rules.labels.length, false);
      new Chart(rules, {
        type: "bar",
        data: { labels: data.rules.labels, datasets: [{ label: rules.dataset.legendCount || "件数", data: data.rules.counts, backgroundColor: red }] },
        options: {
          indexAxis: "y", maintainAspectRatio: false, animation: false,
          plugins: { legend: { display: false } },
          scales: {
            x: { beginAtZero: true, ticks: { font: font, precision: 0 } },
            y: { ticks: { font: font, autoSkip: false, callback: tick(limit + 2) } }
          }
        }
      });
    }
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
