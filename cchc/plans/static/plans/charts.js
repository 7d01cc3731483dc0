// Charts of the plans page: the tasks of the year by PAR area, the four outcomes stacked, and the year's
// totals as a doughnut. The data is the table's own (json_script "task-chart"; the Content-Security-Policy
// forbids inline script); the table stays as the accessible alternative.
(function () {
  // Done on time, done late, not done and overdue, not done and not yet due.
  const COLOURS = ["#146c43", "#ffc107", "#b02a37", "#adb5bd"];
  function data(canvas) {
    const element = document.getElementById(canvas.dataset.source);
    return element ? JSON.parse(element.textContent) : null;
  }
  function areas(canvas, d) {
    const datasets = d.series.map((s, i) => ({ label: s.label, data: s.data, backgroundColor: COLOURS[i] }));
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: d.labels, datasets: datasets },
      options: {
        indexAxis: "y",
        scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
      },
    });
  }
  function totals(canvas, d) {
    return new window.Chart(canvas, {
      type: "doughnut",
      data: {
        labels: d.series.map((s) => s.label),
        datasets: [{ data: d.totals, backgroundColor: COLOURS }],
      },
      options: { plugins: { legend: { position: "bottom" } } },
    });
  }
  document.addEventListener("DOMContentLoaded", () => {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-chart^='task-']").forEach((canvas) => {
      const d = data(canvas);
      if (d) (canvas.dataset.chart === "task-areas" ? areas : totals)(canvas, d);
    });
  });
})();
