// "Select all on this page" on the lead list: without it, rows are picked one by one.
document.addEventListener("change", function (event) {
  if (event.target.id !== "select-all") return;
  document.querySelectorAll("input[name=lead]").forEach(function (box) { box.checked = event.target.checked; });
});
