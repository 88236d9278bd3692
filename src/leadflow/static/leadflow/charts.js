/* Draws a page's charts with the vendored Apache ECharts: the one drawing loop of every app's
   charts (the reports', predictive scoring's). The figures come from the page's JSON (a
   json_script element): no inline script, as the Content-Security-Policy asks. An app's own
   script, loaded after this one, says what each chart looks like:
     leadflowCharts.draw("report-charts", function (spec) { return option; });
   Every chart has its numbers in a table beside it. */
(function () {
  "use strict";
  var INK = "#1b1f24";

  // What every chart shares: described for screen readers, drawn at once, the page's type.
  function base() {
    return {
      aria: { enabled: true },
      animation: false,
      textStyle: { color: INK, fontFamily: "system-ui, sans-serif", fontSize: 13 },
    };
  }

  var drawn = [];

  // Each spec of the JSON names the element it is drawn in (spec.id); optionFor(spec) gives
  // its ECharts option. A drawn chart's element gets data-drawn="true" and is not drawn again.
  function drawNow(sourceId, optionFor) {
    var source = document.getElementById(sourceId);
    if (!source || !window.echarts) {
      return;
    }
    JSON.parse(source.textContent).forEach(function (spec) {
      var element = document.getElementById(spec.id);
      if (!element || element.getAttribute("data-drawn") === "true") {
        return;
      }
      var chart = window.echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(optionFor(spec));
      element.setAttribute("data-drawn", "true");
      drawn.push(chart);
    });
  }

  window.addEventListener("resize", function () {
    drawn.forEach(function (chart) { chart.resize(); });
  });

  // Draws the page's charts once it is read, and those that arrive later by htmx (a
  // backtest's result in place of its "running…" section) when they settle.
  function draw(sourceId, optionFor) {
    var now = function () { drawNow(sourceId, optionFor); };
    document.addEventListener("htmx:afterSettle", now);
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", now);
    } else {
      now();
    }
  }

  window.leadflowCharts = { INK: INK, base: base, draw: draw };
})();
