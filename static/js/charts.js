// Draw each <canvas data-chart="ID"> from the JSON spec in <script id="ID"> (see
// liaison/common/charts.py): month labels, one dataset per series, percentages.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Chart === "undefined") return;
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = JSON.parse(document.getElementById(canvas.getAttribute("data-chart")).textContent);
    var values = [];
    spec.series.forEach(function (s) {
      s.values.forEach(function (v) { if (v !== null) values.push(v); });
    });
    if (!values.length) return;
    // Lines start just below the lowest figure, so that 99.6% and 100% do not look alike (a
    // wide spread starts at a round ten); bars start at 0, their length is the figure.
    var low = Math.min.apply(null, values);
    var min = 0;
    if (spec.kind === "line") {
      min = Math.max(0, 100 - low > 10 ? Math.floor((low - 1) / 10) * 10 : Math.floor(low) - 1);
    }
    var points = ["circle", "rect", "triangle", "rectRot"];
    new Chart(canvas, {
      type: spec.kind,
      data: {
        labels: spec.labels,
        // Each line its own point shape and dash: close figures stay apart in print and
        // for readers who do not tell the colours apart.
        datasets: spec.series.map(function (s, i) {
          return {
            label: s.label, data: s.values, borderColor: s.color, backgroundColor: s.color,
            tension: 0.2, spanGaps: false, pointRadius: 3.5, pointStyle: points[i % points.length],
            borderDash: i ? [6, 3 * i] : []
          };
        })
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: {
          y: { min: min, max: 100, ticks: { callback: function (v) { return v + "%"; } } }
        },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true, boxWidth: 8, boxHeight: 8 } },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + c.formattedValue + "%"; } } }
        }
      }
    });
  });
});
