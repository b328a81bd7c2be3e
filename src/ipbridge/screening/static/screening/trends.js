/* The early-warning chart: alerts per day, a line for all alerts and one for each of the most alerted brands,
   spikes marked. The page passes its data as JSON (json_script), so no script is inline. */
(function () {
  "use strict";

  // The first series is all alerts, drawn grey and dashed under the brands' lines.
  var TOTAL = "#6c757d";
  var PALETTE = ["#123e6b", "#dc3545", "#fd7e14", "#198754", "#6f42c1", "#0dcaf0", "#d63384", "#20c997"];

  function draw() {
    var canvas = document.getElementById("trend-chart");
    var source = document.getElementById("trend-data");
    if (!canvas || !source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var datasets = data.series.map(function (series, index) {
      var colour = index === 0 ? TOTAL : PALETTE[(index - 1) % PALETTE.length];
      return {
        label: series.label,
        data: series.counts,
        borderColor: colour,
        backgroundColor: colour,
        borderWidth: 2,
        borderDash: index === 0 ? [6, 4] : [],
        pointRadius: 0,
        tension: 0,
        order: index === 0 ? 2 : 1
      };
    });
    if (data.spikes.length) {
      datasets.push({
        type: "scatter",
        label: canvas.dataset.spikeLabel || "Spike",
        data: data.spikes.map(function (spike) {
          return { x: spike.day, y: spike.count, name: spike.label };
        }),
        borderColor: "#dc3545",
        backgroundColor: "rgba(220, 53, 69, 0.25)",
        pointStyle: "triangle",
        pointRadius: 7,
        order: 0
      });
    }
    new window.Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 10 } },
          y: { beginAtZero: true, ticks: { precision: 0 } }
        },
        plugins: {
          // Drawing order puts the brands over the total; the legend keeps the series' own order.
          legend: {
            labels: {
              sort: function (a, b) {
                return a.datasetIndex - b.datasetIndex;
              }
            }
          },
          tooltip: {
            callbacks: {
              label: function (context) {
                var raw = context.raw;
                if (raw && typeof raw === "object" && raw.name) {
                  return context.dataset.label + ": " + raw.name + " (" + raw.y + ")";
                }
                return context.dataset.label + ": " + context.formattedValue;
              }
            }
          }
        }
      }
    });
    canvas.dataset.drawn = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
