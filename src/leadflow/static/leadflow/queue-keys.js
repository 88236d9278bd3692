/* On the queue, "n" takes the next lead, unless the user is typing somewhere. */
document.addEventListener("keydown", function (event) {
  if (event.key !== "n" || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  var target = event.target;
  if (target instanceof Element && target.closest("input, textarea, select, [contenteditable]")) return;
  var button = document.getElementById("take-next");
  if (!button) return;
  event.preventDefault();
  button.requestSubmit();
});
