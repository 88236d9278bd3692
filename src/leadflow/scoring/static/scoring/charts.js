/* Draws the Scoring pages' charts with the vendored Apache ECharts (the reports' copy): the
   calibration (predicted against observed, with the diagonal) and the AUC by month against
   training. The figures come from the page's JSON (json_script "scoring-charts"): no inline
   script, as the Content-Security-Policy asks. Every chart has its numbers in a table. A chart
   that arrives by htmx (a backtest's result) is drawn when it settles. */
(function () {
  "use strict";
  var INK = "#1b1f24";
  var BLUE = "#0072B2";
  var ORANGE = "#E69F00";

  function base() {
    return {
      aria: { enabled: true },
      animation: false,
      textStyle: { color: INK, fontFamily: "system-ui, sans-serif", fontSize: 13 },
      legend: { top: 0, textStyle: { color: INK } },
      grid: { left: 16, right: 24, top: 48, bottom: 40, containLabel: true },
      tooltip: { trigger: "item", renderMode: "richText" },
    };
  }

  function reliability(spec) {
    var option = base();
    option.xAxis = { type: "value", min: 0, max: 100, name: "Predicted %", nameLocation: "middle", nameGap: 28, axisLabel: { color: INK } };
    option.yAxis = { type: "value", min: 0, max: 100, name: "Converted %", axisLabel: { color: INK } };
    option.series = [
      { type: "line", name: "Perfect calibration", data: [[0, 0], [100, 100]], symbol: "none", lineStyle: { type: "dashed", color: "#888" }, color: "#888" },
      { type: "line", name: "This model", data: spec.points.map(function (p) { return [p[0], p[1]]; }), color: BLUE, symbolSize: 9 },
    ];
    return option;
  }

  function monitoring(spec) {
    var option = base();
    option.tooltip = { trigger: "axis", renderMode: "richText" };
    option.xAxis = { type: "category", data: spec.months, axisLabel: { color: INK } };
    option.yAxis = { type: "value", min: 0.5, max: 1, name: "AUC", axisLabel: { color: INK } };
    option.series = [
      { type: "line", name: "Recent outcomes", data: spec.auc, color: BLUE, symbolSize: 9 },
      { type: "line", name: "At training", data: spec.months.map(function () { return spec.training; }), symbol: "none", lineStyle: { type: "dashed" }, color: ORANGE },
    ];
    return option;
  }

  var charts = [];

  function draw() {
    var source = document.getElementById("scoring-charts");
    if (!source || !window.echarts) {
      return;
    }
    JSON.parse(source.textContent).forEach(function (spec) {
      var element = document.getElementById(spec.id);
      if (!element || element.getAttribute("data-drawn") === "true") {
        return;
      }
      var chart = window.echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(spec.kind === "monitoring" ? monitoring(spec) : reliability(spec));
      element.setAttribute("data-drawn", "true");
      charts.push(chart);
    });
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
  // A backtest's result arrives by htmx in place of its "running…" section, with its figures.
  document.addEventListener("htmx:afterSettle", draw);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
