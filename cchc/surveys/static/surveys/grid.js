// The paper forms' keyboard grid: type a digit 1-5 in an answer cell and the focus moves to the
// next cell; Enter moves to the first cell of the next row (a new row is added at the end); Tab and
// Shift+Tab move as everywhere. Any other key in an answer cell is refused. No framework.
(function () {
  function cells(table) {
    return Array.from(table.querySelectorAll("input[data-cell]"));
  }
  function rowOf(input) {
    return input.closest("tr");
  }
  function addRow(table) {
    const body = table.tBodies[0];
    const last = body.rows[body.rows.length - 1];
    const clone = last.cloneNode(true);
    const number = body.rows.length + 1;
    clone.querySelectorAll("input").forEach((input) => {
      input.value = input.dataset.default || "";
      input.name = input.name.replace(/^r\d+-/, `r${number}-`);
      input.id = input.id.replace(/^r\d+-/, `r${number}-`);
      const label = input.getAttribute("aria-label") || "";
      input.setAttribute("aria-label", label.replace(/\d+(?=\D*$)/, String(number)));
    });
    const head = clone.querySelector("th");
    if (head) head.textContent = String(number);
    body.appendChild(clone);
    const counter = document.getElementById(table.dataset.counter);
    if (counter) counter.value = String(number);
    return clone;
  }
  function nextRow(table, input) {
    let row = rowOf(input).nextElementSibling;
    if (!row) row = addRow(table);
    const first = row.querySelector("input[data-cell]");
    if (first) first.focus();
  }
  function moveNext(table, input) {
    const all = cells(table);
    const index = all.indexOf(input);
    if (index + 1 < all.length) all[index + 1].focus();
    else nextRow(table, input);
  }
  document.addEventListener("DOMContentLoaded", () => {
    const table = document.querySelector("table[data-grid]");
    if (!table) return;
    table.addEventListener("keydown", (event) => {
      const input = event.target;
      if (!(input instanceof HTMLInputElement) || !input.dataset.cell) return;
      if (event.key === "Enter") {
        event.preventDefault();
        nextRow(table, input);
        return;
      }
      if (input.dataset.cell !== "answer" || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key.length === 1) {
        event.preventDefault();
        if (/^[1-5]$/.test(event.key)) {
          input.value = event.key;
          moveNext(table, input);
        }
      }
    });
    table.addEventListener("focusin", (event) => {
      const input = event.target;
      if (input instanceof HTMLInputElement && input.dataset.cell === "answer") input.select();
    });
    const add = document.getElementById("grid-add-row");
    if (add) add.addEventListener("click", () => {
      const row = addRow(table);
      const first = row.querySelector("input[data-cell]");
      if (first) first.focus();
    });
  });
})();
