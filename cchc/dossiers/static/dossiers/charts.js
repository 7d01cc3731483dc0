// Charts of the dossier statistics page; the data comes from a json_script element (no inline script).
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("dossier-chart-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const locale = document.documentElement.lang || "vi";
  const number = new Intl.NumberFormat(locale);
  const percent = (value) => (value === null ? "—" : new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value) + "%");

  const trend = document.getElementById("chart-trend");
  if (trend) {
    new Chart(trend, {
      type: "line",
      data: {
        labels: data.months,
        datasets: [
          { label: data.labels.received, data: data.received, borderColor: "#0d6efd" },
          { label: data.labels.resolved, data: data.resolved, borderColor: "#198754" },
          { label: data.labels.late, data: data.late, borderColor: "#dc3545" },
        ],
      },
      options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { callback: (v) => number.format(v) } } } },
    });
  }
  const shares = document.getElementById("chart-shares");
  if (shares) {
    new Chart(shares, {
      type: "doughnut",
      data: {
        labels: [data.labels.early, data.labels.on_time, data.labels.late],
        datasets: [{ data: data.shares, backgroundColor: ["#198754", "#0d6efd", "#dc3545"] }],
      },
      options: { maintainAspectRatio: false, plugins: { tooltip: { callbacks: { label: (c) => `${c.label}: ${number.format(c.raw)}` } } } },
    });
  }
  const online = document.getElementById("chart-online");
  if (online) {
    // One row per agency kind: its online rate beside its target (horizontal, so long names stay legible).
    new Chart(online, {
      type: "bar",
      data: {
        labels: data.kinds,
        datasets: [
          { label: data.labels.online_rate, data: data.online_rate, backgroundColor: "#0d6efd" },
          { label: data.labels.target, data: data.online_target, backgroundColor: "#fd7e14" },
        ],
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        scales: { x: { beginAtZero: true, max: 100, ticks: { callback: (v) => `${v}%` } } },
        plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${percent(c.raw)}` } } },
      },
    });
  }
});
