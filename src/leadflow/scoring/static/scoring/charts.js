/* The Scoring pages' charts, drawn by the shared leadflow/charts.js (loaded before this script)
   from the page's JSON (json_script "scoring-charts"): the calibration (predicted against
   observed, with the diagonal) and the AUC by month against training. Every chart has its
   numbers in a table. */
(function () {
  "use strict";
  var BLUE = "#0072B2";
  var ORANGE = "#E69F00";
  var charts = window.leadflowCharts;
  var INK = charts.INK;

  function base() {
    var option = charts.base();
    option.legend = { top: 0, textStyle: { color: INK } };
    option.grid = { left: 16, right: 24, top: 48, bottom: 40, containLabel: true };
    option.tooltip = { trigger: "item", renderMode: "richText" };
    return option;
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

  charts.draw("scoring-charts", function (spec) {
    return spec.kind === "monitoring" ? monitoring(spec) : reliability(spec);
  });
})();
