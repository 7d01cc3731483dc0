// Charts of the PAR index pages. Data comes from json_script elements named by data-source
// (the Content-Security-Policy forbids inline script).
(function () {
  const BAND_COLOURS = ["#146c43", "#0a58ca", "#ffc107", "#b02a37"];
  function data(canvas) {
    const element = document.getElementById(canvas.dataset.source);
    return element ? JSON.parse(element.textContent) : null;
  }
  function bands(canvas, d) {
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: d.labels, datasets: [{ label: d.label, data: d.counts, backgroundColor: BAND_COLOURS }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }
  function areas(canvas, d) {
    const datasets = [{ label: d.current_label, data: d.current, backgroundColor: "#7a1111" }];
    if (d.previous.some((v) => v !== null)) {
      datasets.push({ label: d.previous_label, data: d.previous, backgroundColor: "#adb5bd" });
    }
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: d.labels, datasets: datasets },
      options: { indexAxis: "y", scales: { x: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } } },
    });
  }
  document.addEventListener("DOMContentLoaded", () => {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const d = data(canvas);
      if (!d) return;
      (canvas.dataset.chart === "bands" ? bands : areas)(canvas, d);
    });
  });
})();
