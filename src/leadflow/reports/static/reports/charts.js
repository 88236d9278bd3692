/* Draws each table's chart of a report page with the vendored Apache ECharts.
   The figures come from the page's JSON (json_script "report-charts"): no inline script, as the
   Content-Security-Policy asks. Colours: the Okabe–Ito palette, told apart with colour blindness;
   every chart has its numbers in the table under it ("Show the numbers"). */
(function () {
  "use strict";
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  var INK = "#1b1f24";

  function option(spec) {
    var many = spec.categories.length > 8;
    var suffix = spec.percent ? " %" : "";
    return {
      color: PALETTE,
      aria: { enabled: true },
      textStyle: { color: INK, fontFamily: "system-ui, sans-serif", fontSize: 13 },
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
      // One line, paged when the series do not fit, so it never runs over the axis name.
      legend: { type: "scroll", top: 0, textStyle: { color: INK } },
      grid: { left: 16, right: 16, top: 56, bottom: many ? 64 : 44, containLabel: true },
      xAxis: {
        type: "category",
        data: spec.categories,
        name: spec.x_label,
        nameLocation: "middle",
        nameGap: many ? 70 : 30,
        nameTextStyle: { color: INK, fontWeight: "bold" },
        axisLabel: { color: INK, interval: 0, rotate: many ? 30 : 0, hideOverlap: false },
      },
      yAxis: {
        type: "value",
        name: spec.y_label,
        nameLocation: "end",
        nameTextStyle: { color: INK, fontWeight: "bold", align: "left" },
        axisLabel: { color: INK, formatter: "{value}" + suffix },
      },
      series: spec.series.map(function (each) {
        return {
          type: "bar",
          name: each.name,
          data: each.data,
          label: { show: spec.series.length <= 2, position: "top", color: INK, formatter: "{c}" + suffix },
        };
      }),
    };
  }

  function draw() {
    var source = document.getElementById("report-charts");
    if (!source || !window.echarts) {
      return;
    }
    var charts = [];
    JSON.parse(source.textContent).forEach(function (spec) {
      var element = document.getElementById(spec.id);
      if (!element) {
        return;
      }
      var chart = window.echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(option(spec));
      element.setAttribute("data-drawn", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
