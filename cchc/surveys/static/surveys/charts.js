// Charts of the survey results page. Data comes from the json_script element "survey-chart-data"
// (the Content-Security-Policy forbids inline script); each chart has its table on the page.
(function () {
  const percent = { callback: (v) => `${v}%` };
  function elements(canvas, d) {
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: d.labels, datasets: [{ label: d.label, data: d.values, backgroundColor: "#7a1111" }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { min: 0, max: 100, ticks: percent } } },
    });
  }
  function groups(canvas, d) {
    const datasets = [{ type: "bar", label: d.label, data: d.values, backgroundColor: "#0a58ca" }];
    if (d.target !== null) {
      datasets.push({
        type: "line",
        label: d.target_label,
        data: d.labels.map(() => d.target),
        borderColor: "#b02a37",
        borderDash: [6, 4],
        pointRadius: 0,
      });
    }
    return new window.Chart(canvas, {
      data: { labels: d.labels, datasets: datasets },
      options: { indexAxis: "x", scales: { y: { min: 0, max: 100, ticks: percent } } },
    });
  }
  document.addEventListener("DOMContentLoaded", () => {
    const source = document.getElementById("survey-chart-data");
    if (!window.Chart || !source) return;
    const data = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const kind = canvas.dataset.chart;
      if (kind === "elements") elements(canvas, data.elements);
      if (kind === "groups") groups(canvas, data.groups);
    });
  });
})();
