// The overview's charts, drawn with the vendored ECharts from the JSON the page carries.
// Every chart has its table beside it; the chart is only another view of the same numbers.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("overview-charts").textContent);
  var money = function (v) { return v.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " 元"; };
  var persons = function (v) { return v.toLocaleString("zh-CN") + " 人"; };

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element || !window.echarts) { return; }
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // Tooltips as plain text: the page's Content-Security-Policy refuses inline styles.
  var tooltip = { trigger: "axis", renderMode: "richText" };
  var axes = function (labels) {
    return {
      tooltip: tooltip,
      legend: { data: ["救助人数", "发放金额"] },
      grid: { left: 60, right: 80, bottom: 60 },
      xAxis: { type: "category", data: labels, axisLabel: { rotate: labels.length > 8 ? 45 : 0 } },
      yAxis: [
        { type: "value", name: "人", axisLabel: { formatter: function (v) { return v.toLocaleString("zh-CN"); } } },
        { type: "value", name: "元", axisLabel: { formatter: function (v) { return v.toLocaleString("zh-CN"); } } },
      ],
    };
  }

  if (data.regions.labels.length) {
    var regions = axes(data.regions.labels);
    regions.series = [
      { name: "救助人数", type: "bar", data: data.regions.persons, tooltip: { valueFormatter: persons } },
      { name: "发放金额", type: "bar", yAxisIndex: 1, data: data.regions.amounts, tooltip: { valueFormatter: money } },
    ];
    draw("chart-regions", regions);
  }
  if (data.trend.labels.length) {
    var trend = axes(data.trend.labels);
    trend.series = [
      { name: "救助人数", type: "line", data: data.trend.persons, tooltip: { valueFormatter: persons } },
      { name: "发放金额", type: "line", yAxisIndex: 1, data: data.trend.amounts, tooltip: { valueFormatter: money } },
    ];
    draw("chart-trend", trend);
  }
  if (data.programmes.labels.length) {
    draw("chart-programmes", {
      tooltip: { trigger: "item", renderMode: "richText", valueFormatter: persons },
      legend: { bottom: 0 },
      series: [{
        name: "救助人数",
        type: "pie",
        radius: ["35%", "65%"],
        data: data.programmes.labels.map(function (label, i) { return { name: label, value: data.programmes.persons[i] }; }),
      }],
    });
  }
})();
