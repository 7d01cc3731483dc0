// Small behaviours without inline script (the Content-Security-Policy forbids it).
document.addEventListener("change", (event) => {
  const target = event.target;
  if ((target instanceof HTMLSelectElement || target instanceof HTMLInputElement) && target.hasAttribute("data-autosubmit")) {
    target.form.submit();
  }
});
