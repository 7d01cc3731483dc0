// Small behaviours without inline script (the Content-Security-Policy forbids it).
document.addEventListener("change", (event) => {
  const target = event.target;
  if ((target instanceof HTMLSelectElement || target instanceof HTMLInputElement) && target.hasAttribute("data-autosubmit")) {
    target.form.submit();
  }
});

// Widths come from data-width: the Content-Security-Policy forbids style attributes in the markup.
function applyWidths(root) {
  root.querySelectorAll("[data-width]").forEach((element) => {
    element.style.width = `${element.dataset.width}%`;
  });
}
document.addEventListener("DOMContentLoaded", () => applyWidths(document));
document.addEventListener("htmx:afterSettle", () => applyWidths(document));
