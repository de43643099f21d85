// Draws the analytics dashboard's charts with Chart.js. Each <canvas data-chart="…"> carries
// its figures as JSON in the attribute (no inline script, so the CSP stays default-src 'self');
// the table beside it shows the same figures without JavaScript.
(function () {
  "use strict";

  var PALETTE = ["#5b3df5", "#22a06b", "#e0478f", "#0e7490", "#d97706", "#3b82f6", "#b42318", "#7c3aed"];

  function config(spec) {
    var horizontal = spec.type === "horizontalBar";
    var doughnut = spec.type === "doughnut";
    var datasets = spec.datasets.map(function (set, i) {
      var dataset = {
        label: set.label,
        data: set.data,
        backgroundColor: doughnut ? PALETTE : PALETTE[i % PALETTE.length],
        borderColor: doughnut ? "#fff" : PALETTE[i % PALETTE.length],
        borderWidth: doughnut ? 2 : 1
      };
      // A second measure (e.g. an average rating next to viewers) gets its own axis.
      if (i === 1 && !doughnut) {
        dataset.yAxisID = "y1";
        dataset.type = "line";
      }
      return dataset;
    });
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: doughnut || datasets.length > 1 } }
    };
    if (horizontal) options.indexAxis = "y";
    if (!doughnut && datasets.length > 1) {
      options.scales = { y: { beginAtZero: true }, y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } };
    }
    return {
      type: horizontal ? "bar" : spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: options
    };
  }

  function draw() {
    if (typeof window.Chart !== "function") return;
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i++) {
      var canvas = canvases[i];
      if (canvas.dataset.drawn) continue;
      try {
        var chart = new window.Chart(canvas, config(JSON.parse(canvas.dataset.chart)));
        canvas.dataset.drawn = "true";
        canvas.chartInstance = chart;
      } catch (e) {
        // The table beside the canvas still shows the figures.
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
