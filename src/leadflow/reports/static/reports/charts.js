/* Each table's chart of a report page, drawn by the shared leadflow/charts.js (loaded before
   this script) from the page's JSON (json_script "report-charts"). Colours: the Okabe–Ito
   palette, told apart with colour blindness; every chart has its numbers in the table under it
   ("Show the numbers"). */
(function () {
  "use strict";
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  var charts = window.leadflowCharts;
  var INK = charts.INK;

  function option(spec) {
    var many = spec.categories.length > 8;
    var suffix = spec.percent ? " %" : "";
    var result = charts.base();
    result.color = PALETTE;
    result.tooltip = { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } };
    // One line, paged when the series do not fit, so it never runs over the axis name.
    result.legend = { type: "scroll", top: 0, textStyle: { color: INK } };
    result.grid = { left: 16, right: 16, top: 56, bottom: many ? 64 : 44, containLabel: true };
    result.xAxis = {
      type: "category",
      data: spec.categories,
      name: spec.x_label,
      nameLocation: "middle",
      nameGap: many ? 70 : 30,
      nameTextStyle: { color: INK, fontWeight: "bold" },
      axisLabel: { color: INK, interval: 0, rotate: many ? 30 : 0, hideOverlap: false },
    };
    result.yAxis = {
      type: "value",
      name: spec.y_label,
      nameLocation: "end",
      nameTextStyle: { color: INK, fontWeight: "bold", align: "left" },
      axisLabel: { color: INK, formatter: "{value}" + suffix },
    };
    result.series = spec.series.map(function (each) {
      return {
        type: "bar",
        name: each.name,
        data: each.data,
        label: { show: spec.series.length <= 2, position: "top", color: INK, formatter: "{c}" + suffix },
      };
    });
    return result;
  }

  charts.draw("report-charts", option);
})();
