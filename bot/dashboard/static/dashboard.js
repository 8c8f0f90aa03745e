// Đôn Đốc dashboard: small progressive touches; every page works without them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // A filter applies as soon as it is chosen.
  document.querySelectorAll("select.autosubmit").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Click a column heading to sort by it; again to reverse.
  function key(cell) {
    var raw = cell.getAttribute("data-sort");
    var text = raw !== null ? raw : cell.textContent.trim();
    var number = parseFloat(text.replace(/[.\s%]/g, "").replace(",", "."));
    return /^[\d.,\s%-]+$/.test(text) && !isNaN(number) ? number : text.toLowerCase();
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var body = table.tBodies[0];
    table.querySelectorAll("thead th").forEach(function (th, column) {
      th.classList.add("sortable-key");
      th.setAttribute("tabindex", "0");
      function sort() {
        var ascending = !th.classList.contains("sorted-asc");
        table.querySelectorAll("thead th").forEach(function (other) {
          other.classList.remove("sorted-asc", "sorted-desc");
        });
        th.classList.add(ascending ? "sorted-asc" : "sorted-desc");
        var rows = Array.prototype.slice.call(body.rows).filter(function (row) {
          return row.cells.length > column;
        });
        rows.sort(function (a, b) {
          var x = key(a.cells[column]), y = key(b.cells[column]);
          var order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { sort(); }
      });
    });
  });

  // Type to keep only the rows that contain the text, in every table below the box.
  document.querySelectorAll("input.table-filter").forEach(function (input) {
    input.addEventListener("input", function () {
      var wanted = input.value.trim().toLowerCase();
      var scope = input.parentElement;
      scope.querySelectorAll("table tbody tr").forEach(function (row) {
        var shown = !wanted || row.textContent.toLowerCase().indexOf(wanted) !== -1;
        row.classList.toggle("hidden-row", !shown);
      });
    });
  });
})();
