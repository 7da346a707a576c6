/*
 * Attain charts: every element with data-chart-source="<id>" becomes an ECharts chart fed by the JSON in
 * <script type="application/json" id="<id>"> (written by Django's json_script). No inline script and no
 * eval, so a strict Content-Security-Policy can stay on.
 *
 * JSON shape: {"type": "bar" | "line", "labels": [...], "series": [{"name": "...", "data": [...]}],
 *              "horizontal": false}
 */
(function () {
  "use strict";

  function readData(element) {
    var source = document.getElementById(element.dataset.chartSource);
    if (!source) { return null; }
    try { return JSON.parse(source.textContent); } catch (error) { return null; }
  }

  function optionFor(data) {
    var horizontal = Boolean(data.horizontal);
    var categoryAxis = { type: "category", data: data.labels || [], axisLabel: { interval: 0, hideOverlap: true } };
    var valueAxis = { type: "value", minInterval: 1 };
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: (data.series || []).length > 1 ? { top: 0 } : undefined,
      grid: { left: 8, right: 16, top: (data.series || []).length > 1 ? 32 : 16, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? Object.assign({}, categoryAxis, { inverse: true }) : valueAxis,
      series: (data.series || []).map(function (series) {
        return { type: data.type || "bar", name: series.name, data: series.data, barMaxWidth: 40,
                 label: { show: true, position: horizontal ? "right" : "top" } };
      })
    };
  }

  function init(root) {
    if (typeof window.echarts === "undefined") { return; }
    (root || document).querySelectorAll("[data-chart-source]").forEach(function (element) {
      if (element.dataset.chartReady) { return; }
      var data = readData(element);
      if (!data) { return; }
      var chart = window.echarts.init(element, null, { renderer: "svg" });
      chart.setOption(optionFor(data));
      element.dataset.chartReady = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
  window.AttainCharts = { init: init };
})();
