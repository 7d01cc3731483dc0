// Charts of the provincial indices page: per index, the rank over the years on an inverted axis (first place
// on top) and the score on a second axis. Data from json_script elements named by data-source (the
// Content-Security-Policy forbids inline script).
(function () {
  function data(canvas) {
    const element = document.getElementById(canvas.dataset.source);
    return element ? JSON.parse(element.textContent) : null;
  }
  function index(canvas, d) {
    const rank = {
      label: d.rank_label, data: d.rank, yAxisID: "rank", borderColor: "#7a1111", backgroundColor: "#7a1111",
      tension: 0, spanGaps: true,
    };
    const score = {
      label: d.score_label, data: d.score, yAxisID: "score", borderColor: "#0a58ca", backgroundColor: "#0a58ca",
      borderDash: [6, 4], tension: 0, spanGaps: true,
    };
    const scales = {
      rank: {
        type: "linear", position: "left", reverse: true, min: 1, suggestedMax: d.max_rank || undefined,
        title: { display: true, text: d.rank_label }, ticks: { precision: 0 },
      },
      score: {
        type: "linear", position: "right", beginAtZero: true, suggestedMax: d.scale || undefined,
        title: { display: true, text: d.score_label }, grid: { drawOnChartArea: false },
      },
    };
    return new window.Chart(canvas, {
      type: "line",
      data: { labels: d.years, datasets: [rank, score] },
      options: {
        scales: scales,
        plugins: {
          tooltip: {
            callbacks: {
              label: (item) => item.dataset.yAxisID === "rank" && d.out_of[item.dataIndex]
                ? `${item.dataset.label}: ${item.raw}/${d.out_of[item.dataIndex]}`
                : `${item.dataset.label}: ${item.formattedValue}`,
            },
          },
        },
      },
    });
  }
  document.addEventListener("DOMContentLoaded", () => {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-chart='index']").forEach((canvas) => {
      const d = data(canvas);
      if (d) index(canvas, d);
    });
  });
})();
