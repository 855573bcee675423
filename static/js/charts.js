// Draw the page's charts from their specs (liaison/common/charts.py): every
// <canvas data-chart="ID"> takes the JSON of <script id="ID">. Needs Chart.js first.
(function () {
  var INK = "#212529";

  // Rates with one decimal, as the page writes them (99.0%); counts and ticks as they are.
  function format(value, unit, exact) {
    var digits = exact && unit === "%" ? 1 : 0;
    return value.toLocaleString(document.documentElement.lang || undefined, {
      minimumFractionDigits: digits, maximumFractionDigits: 1
    }) + unit;
  }

  // Each bar's value at its end (above a column, right of a horizontal bar).
  var valueLabels = {
    id: "liaisonValueLabels",
    afterDatasetsDraw: function (chart, args, options) {
      if (!options.display) return;
      var ctx = chart.ctx;
      ctx.save();
      ctx.font = "12px " + Chart.defaults.font.family;
      ctx.fillStyle = INK;
      // Columns narrower than their values (twelve months on a phone) go without: the
      // table next to the chart gives the figures.
      var barSets = chart.data.datasets.filter(function (d, i) { return chart.getDatasetMeta(i).type === "bar"; }).length;
      var slot = chart.chartArea.width / Math.max(chart.data.labels.length * barSets, 1);
      var fits = options.horizontal || chart.data.datasets.every(function (dataset, i) {
        var meta = chart.getDatasetMeta(i);
        return meta.type !== "bar" || dataset.data.every(function (value) {
          return value === null || ctx.measureText(format(value, options.unit, true)).width <= slot - 4;
        });
      });
      if (!fits) { ctx.restore(); return; }
      chart.data.datasets.forEach(function (dataset, i) {
        var meta = chart.getDatasetMeta(i);
        if (meta.hidden || meta.type !== "bar") return;
        meta.data.forEach(function (bar, j) {
          var value = dataset.data[j];
          if (value === null || value === undefined) return;
          var text = format(value, options.unit, true);
          if (options.horizontal) {
            ctx.textAlign = "left";
            ctx.textBaseline = "middle";
            ctx.fillText(text, bar.x + 4, bar.y);
          } else {
            ctx.textAlign = "center";
            ctx.textBaseline = "bottom";
            ctx.fillText(text, bar.x, bar.y - 2);
          }
        });
      });
      ctx.restore();
    }
  };

  function draw(canvas) {
    var spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    if (!spec.labels.length) return;
    var bars = spec.kind === "bar";
    if (bars && spec.horizontal) {
      // A row per area: as tall as its bars need, so that no label is dropped.
      var rows = spec.labels.length * spec.datasets.length;
      canvas.parentNode.style.height = Math.max(200, rows * 16 + spec.labels.length * 8 + 90) + "px";
    }
    var valueAxis = {
      min: spec.min,
      ticks: { color: INK, callback: function (v) { return format(v, spec.unit); } },
      grid: { color: "#dee2e6" }
    };
    if (spec.max !== null) valueAxis.max = spec.max;
    else if (bars && spec.valueLabels && !spec.horizontal) valueAxis.grace = "10%";  // room above
    var categoryAxis = { ticks: { color: INK, autoSkip: !bars }, grid: { display: false } };
    new Chart(canvas, {
      type: spec.kind,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d) {
          return {
            label: d.label,
            data: d.data,
            backgroundColor: d.color,
            borderColor: d.color,
            borderDash: d.dashed ? [6, 4] : [],
            borderWidth: bars && !d.dashed ? 0 : 2,
            // A quota line marks each month with a dash, so a single month shows it too.
            pointStyle: d.dashed ? "line" : (bars ? "rect" : "circle"),
            pointRadius: d.dashed ? 12 : (bars ? 0 : 2),
            pointBorderWidth: d.dashed ? 3 : 1,
            tension: 0,
            spanGaps: true,
            type: d.dashed ? "line" : undefined,
            order: d.dashed ? 0 : 1  // a reference line over the bars
          };
        })
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        indexAxis: bars && spec.horizontal ? "y" : "x",
        // Room for the value written at the end of the longest bar.
        layout: { padding: bars && spec.valueLabels ? (spec.horizontal ? { right: 56 } : { top: 18 }) : 0 },
        scales: bars && spec.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
        plugins: {
          legend: { labels: { color: INK, usePointStyle: true, boxHeight: 8, sort: function (a, b) { return a.datasetIndex - b.datasetIndex; } } },
          subtitle: { display: !!spec.note, text: spec.note, color: INK, position: "bottom" },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + format(c.parsed[bars && spec.horizontal ? "x" : "y"], spec.unit, true); } } },
          liaisonValueLabels: { display: spec.valueLabels, unit: spec.unit, horizontal: spec.horizontal }
        }
      },
      plugins: [valueLabels]
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
