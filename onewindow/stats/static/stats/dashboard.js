// Charts of the statistics dashboard (Chart.js, served from our own static files).
(function () {
  var el = document.getElementById("stats-chart-data");
  if (!el || typeof Chart === "undefined") { return; }
  var d = JSON.parse(el.textContent);
  // A fresh options object per chart: Chart.js writes its resolved scales into the object it is given.
  function opts(extra) {
    return Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, extra || {});
  }
  new Chart(document.getElementById("chart-trend"), {
    type: "bar", options: opts(),
    data: { labels: d.labels, datasets: [
      { label: "收件量", data: d.received, backgroundColor: "#2f6db5" },
      { label: "办结量", data: d.completed, backgroundColor: "#5aa36b" }
    ] }
  });
  new Chart(document.getElementById("chart-rates"), {
    type: "line", options: opts({ spanGaps: true, scales: { y: { min: 0, max: 100 } } }),
    data: { labels: d.labels, datasets: [
      { label: "按期办结率 %", data: d.on_time_rate, borderColor: "#2f6db5" },
      { label: "满意率 %", data: d.satisfaction, borderColor: "#c0752b" }
    ] }
  });
  new Chart(document.getElementById("chart-slice"), {
    type: "bar", options: opts({ indexAxis: "y" }),
    data: { labels: d.slice_labels, datasets: [{ label: "收件量", data: d.slice_received, backgroundColor: "#2f6db5" }] }
  });
})();
